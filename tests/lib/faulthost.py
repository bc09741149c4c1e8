"""Runs tests/fuzz/fault_login (a host process on the real libpam) with
pam_mobileid_fault_<variant>.so against a mobileid-sim: the fault walk,
the long-lived host and the two-thread logins (tests/fuzz/fault.cmake).

    with sim.Sim(certs) as s, FaultHost(s, "asan") as h:
        p = h.run(["walk", "approve"], timeout=80)
        runs = parse_runs(p.stdout)
"""
import os
import re
import shutil
import subprocess

import logarchive
import sim
from pamrun import OTHER_PNR, PNR, PamLogin
from safedir import safe_tmpdir

# one line of the driver per login: key=value fields, log="..." last
_FIELD = re.compile(r'(\w+)=("([^"]*)"|\S+)')


def parse_runs(text, kind="run"):
    """The driver's lines that start with kind, as dicts."""
    out = []
    for line in text.splitlines():
        if line.startswith(kind + " "):
            out.append({m.group(1): m.group(3) if m.group(3) is not None
                        else m.group(2) for m in _FIELD.finditer(line)})
    return out


class FaultHost:
    """A config (alice and bob mapped, mallory not; timeout 5 s, failmode
    safe so that a local failure taken for an outage would let in) and a
    service file for the fault module. pem: the client key as PEM files
    instead of the PKCS#12 (whose key derivation is most of a login's
    CPU), for runs of thousands of logins."""

    def __init__(self, s, variant, pem=False):
        self.variant = variant
        self.keydir = None
        tls = None
        if pem:
            self.keydir = safe_tmpdir("mid-fault.")
            for name in ("client.pem", "client.key"):
                shutil.copy(os.path.join(s.certdir, name), self.keydir)
                os.chmod(os.path.join(self.keydir, name), 0o600)
            tls = {"cert": os.path.join(self.keydir, "client.pem"),
                   "key": os.path.join(self.keydir, "client.key"),
                   "password_file": None}
        self.login = PamLogin(s, usermap="alice bankid:%s\nbob bankid:%s\n"
                              % (PNR, OTHER_PNR), bankid=tls,
                              general={"timeout": 5, "failmode": "safe"})
        self.module = os.path.join(sim.build_dir(), "tests", "fuzz",
                                   "pam_mobileid_fault_%s.so" % variant)
        self.login.write("pam.d/midfault", "auth required %s conf=%s\n"
                         % (self.module, self.login.conf), 0o644)
        self.control = s.control_port

    def binary(self):
        return os.path.join(sim.build_dir(), "tests", "fuzz",
                            "fault_login_" + self.variant)

    def available(self):
        return os.path.exists(self.binary()) and os.path.exists(self.module)

    def run(self, args, timeout, options=()):
        """Runs the driver to its end; returns the CompletedProcess."""
        cmd = [self.binary(), "--confdir", self.login.svcdir,
               "--service", "midfault", "--control", str(self.control),
               "--logdir", logarchive.directory()]
        cmd += list(options) + list(args)
        env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
        return subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=timeout)

    def close(self):
        self.login.close()
        if self.keydir:
            shutil.rmtree(self.keydir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
