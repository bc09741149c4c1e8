"""gatesweep.py: removes start-gate semaphores (pam_mobileid/startgate.c)
that tests left behind. A state_dir names its semaphore in a gate-* file;
a test that removes its directory without safedir.remove() leaves the
semaphore until reboot. Removed: root's, mode 0600, one semaphore, made
over a minute ago, and named by no gate-* file under safedir.BASE or
/run/pam_mobileid. Run by ctest after every suite (gates_swept); prints
what it removed and always exits 0 (a left semaphore is litter, not a
failure: logins that find none of theirs make a new one)."""
import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safedir  # noqa: E402


def named():
    ids = set()
    pats = [os.path.join(safedir.BASE, "*" * 1, *(["*"] * k), "state", "gate-*")
            for k in range(3)] + ["/run/pam_mobileid/gate-*"]
    for pat in pats:
        for f in glob.glob(pat):
            try:
                with open(f) as fh:
                    ids.add(int(fh.read().strip()))
            except (OSError, ValueError):
                pass
    return ids


def ours():
    """(semid, ctime) of every semaphore that looks like a start gate."""
    out = subprocess.run(["ipcs", "-s"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 5 and f[2] == "root" and f[3] == "600" and f[4] == "1":
            info = subprocess.run(["ipcs", "-s", "-i", f[1]], capture_output=True,
                                  text=True).stdout
            m = re.search(r"^ctime = (.*?)(?:\s+\(.*\))?$", info, re.M)
            ctime = 0
            if m:
                try:
                    ctime = time.mktime(time.strptime(m.group(1).strip(),
                                                      "%a %b %d %H:%M:%S %Y"))
                except ValueError:
                    ctime = time.time()
            yield int(f[1]), ctime


def main():
    keep, removed = named(), 0
    for semid, ctime in ours():
        if semid not in keep and time.time() - ctime > 60:
            subprocess.run(["ipcrm", "-s", str(semid)], capture_output=True)
            removed += 1
    print("start-gate semaphores left by tests, removed: %d" % removed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
