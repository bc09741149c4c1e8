"""The caller of the real setuid su is the adversary (issue 9): an
unprivileged user runs `su - TARGET` with an environment, umask, resource
limits and signals of their choosing, in a private mount namespace that
shows our stack at /etc/pam.d/su-l (the machine's files are never touched).

- SSLKEYLOGFILE pointing into a root-only directory, umask 0: no file.
- failmode = safe with `ulimit -n N` for a range of N: never a shell.
- failmode = safe, the caller stops su during the connect and resumes it
  after the deadline: a timeout, never a shell."""

import os
import signal
import subprocess
import time
import unittest

import e2elib as L

L.import_sim()  # puts tests/lib on the path
from netfault import Blackhole, closed_port  # noqa: E402

REST = ("account required pam_permit.so\nsession required pam_permit.so\n"
        "password required pam_deny.so\n")
OK = "SU-OK-42"
# as root: show STACK at /etc/pam.d/su-l in this namespace, then become the
# caller and run the rest
AS_CALLER = """set -e
mount --bind "$1" /etc/pam.d/su-l
uid=$2; shift 2
exec setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"
"""


class SuSecurityE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("su", "unshare", "mount", "setpriv")
        cls.caller = L.TempUser("mide2ec")
        cls.target = L.TempUser("mide2et")
        cls.stack = L.Stack({cls.target.name: L.PNR}, qr="animate", timeout=20,
                            extra_general="su_approver = target")
        cls.script = L.write_file(os.path.join(cls.stack.dir, "as-caller.sh"),
                                  AS_CALLER, 0o755)
        # the caller's group gid equals its uid on Debian's useradd; use it
        cls.gid = cls.caller.gid

    def setUp(self):
        self.stack.sim.reset()

    def stack_file(self, name, conf):
        line = "auth required %s conf=%s\n" % (L.module_path(), conf)
        return L.write_file(os.path.join(self.stack.dir, name), line + REST)

    def conf_for(self, name, url=None, extra=""):
        d = os.path.join(self.stack.dir, name)
        os.makedirs(d, mode=0o755, exist_ok=True)
        return L.write_module_config(d, url or self.stack.sim.api_url,
                                     self.stack.dir,
                                     {self.target.name: L.PNR},
                                     qr="animate", timeout=8,
                                     # the target's mapping: these tests
                                     # are about what the caller controls
                                     extra_general="su_approver = target\n"
                                     + extra)

    def su(self, stack_file, shell, env=None):
        """Starts the caller's `sh -c SHELL` (which runs su) as the
        unprivileged caller; returns the Popen."""
        cmd = ["unshare", "--mount", "--propagation", "private", "/bin/sh",
               self.script, stack_file, str(self.caller.uid), "/bin/sh",
               "-c", shell]
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        e.update(env or {})
        L.log("su as caller", cmd, e)
        # su's stdout is a pipe, so stdio hands it on in 4096-byte blocks,
        # and a QR frame's glyph cut at a block's end may be followed by a
        # line su wrote to stderr meanwhile: the text is read leniently
        return subprocess.Popen(cmd, env=e, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                errors="replace", start_new_session=True)

    def su_cmd(self):
        return "su - %s -c 'echo SU-OK-$((6*7))'" % self.target.name

    def finish(self, p, timeout=60):
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
            self.fail("su did not end: %s" % out[-2000:])
        L.log("su out", p.returncode, out[-2000:])
        return out

    def test_sslkeylogfile_in_a_root_only_dir_creates_nothing(self):
        secret = os.path.join(L.tmpdir("mide2e-root-"), "private")
        os.mkdir(secret, 0o700)
        keys = os.path.join(secret, "keys")
        stack = self.stack_file("su-keylog.pam", self.stack.conf)
        p = self.su(stack, "umask 0; exec " + self.su_cmd(),
                    env={"SSLKEYLOGFILE": keys})
        self.stack.wait_orders(1)
        st, body = self.stack.sim.open(L.PNR, "deny", 200)
        self.assertEqual(st, 200, body)
        out = self.finish(p)
        self.assertNotIn(OK, out)
        self.assertIn("Authentication failure", out)
        self.assertFalse(os.path.exists(keys), "SSLKEYLOGFILE created as root")

    def test_descriptor_limits_never_let_failmode_safe_in(self):
        conf = self.conf_for("safe", extra="failmode = safe")
        stack = self.stack_file("su-safe.pam", conf)
        # every auth is answered 400: a login that reaches the server ends
        self.stack.sim.fault("status", "auth", 0, status=400,
                             body='{"errorCode":"invalidParameters"}')
        for n in range(4, 13):
            with self.subTest(nofile=n):
                p = self.su(stack, "ulimit -n %d; exec %s" % (n, self.su_cmd()))
                out = self.finish(p)
                self.assertNotIn(OK, out, "ulimit -n %d let the caller in" % n)

    def test_stopped_during_the_connect_and_resumed_late_is_a_timeout(self):
        bh = Blackhole()
        self.addCleanup(bh.close)
        conf = self.conf_for("stop", url=bh.url(),
                             extra="failmode = safe")
        stack = self.stack_file("su-stop.pam", conf)
        p = self.su(stack, "exec " + self.su_cmd())
        time.sleep(2)            # su is inside the connect now
        os.killpg(p.pid, signal.SIGSTOP)
        time.sleep(9)            # past the 8 s deadline
        os.killpg(p.pid, signal.SIGCONT)
        out = self.finish(p)
        self.assertNotIn(OK, out)
        self.assertIn("Authentication failure", out)

    def test_failmode_safe_outage_still_lets_in(self):
        # the control: a refused connect before any order is an outage
        conf = self.conf_for("refused",
                             url="https://127.0.0.1:%d/rp/v6.0/" % closed_port(),
                             extra="failmode = safe")
        stack = self.stack_file("su-refused.pam", conf)
        out = self.finish(self.su(stack, "exec " + self.su_cmd()))
        self.assertIn(OK, out)


if __name__ == "__main__":
    unittest.main()
