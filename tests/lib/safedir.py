"""Directories for the files pam_mobileid must trust (config, user map,
keys, certificates, password files).

The module reads such a file only when every directory from / down to it
is root's and not writable by group or other, as OpenSSH's safe_path
checks. /tmp and /var/tmp are world-writable (sticky), so the tests keep
these files under BASE instead, a root-owned 0755 directory.

    from safedir import safe_tmpdir
    d = safe_tmpdir("mid-pam.")      # BASE/mid-pam.XXXXXX, mode 0755
"""
import glob
import os
import shutil
import stat
import subprocess
import tempfile

BASE = "/run/mid-test"


def is_safe(path):
    """Would the module trust what is in directory path: it and every
    directory above it root's and not group/other-writable?"""
    p = os.path.realpath(path)
    while True:
        st = os.stat(p)
        if st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
        if p == "/":
            return True
        p = os.path.dirname(p)


def base():
    """BASE, made if need be (root's, 0755)."""
    os.makedirs(BASE, mode=0o755, exist_ok=True)
    os.chmod(BASE, 0o755)
    if not is_safe(BASE):
        raise RuntimeError("%s is not a safe directory for test files" % BASE)
    return BASE


def safe_tmpdir(prefix="mid-test."):
    """A fresh directory under BASE, mode 0755 (sshd, sudo and test users
    must be able to traverse it); the caller removes it."""
    d = tempfile.mkdtemp(prefix=prefix, dir=base())
    os.chmod(d, 0o755)
    return d


def remove(d):
    """Removes a directory made by safe_tmpdir, and first the start-gate
    semaphore of every state_dir in it (pam_mobileid/startgate.c names it
    in state_dir's gate-* file), which would outlive the directory."""
    for f in glob.glob(os.path.join(d, "state", "gate-*")) + \
            glob.glob(os.path.join(d, "*", "state", "gate-*")):
        try:
            with open(f) as fh:
                semid = int(fh.read().strip())
            subprocess.run(["ipcrm", "-s", str(semid)], capture_output=True)
        except (OSError, ValueError):
            pass
    shutil.rmtree(d, ignore_errors=True)
