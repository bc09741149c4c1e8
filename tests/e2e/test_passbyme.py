"""PassBy[ME] end to end: a real sshd (keyboard-interactive, prompt mode),
the real sudo (animate mode) and OpenVPN with deferred auth (qr = off), the
built module and passbyme-sim, whose control port is the person's phone."""

import re
import time
import unittest

import e2elib as L

REST = "account required pam_permit.so\nsession required pam_permit.so\n"
REMOTE = "echo REMOTE-$((6*7)) $(id -un)"
APPROVE = "Approve the request in the PassBy[ME] app"
# wait_for takes a regular expression
APPROVE_RE = re.escape(APPROVE)
STATUS_RE = r"in the PassBy\[ME\] app"


def pbm_id(user):
    return "%s@example.com" % user


class SshPbmE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux")
        cls.user = L.TempUser("mide2ep")
        cls.stack = L.PbmStack({cls.user.name: pbm_id(cls.user.name)}, qr="auto", timeout=60)
        cls.sshd = L.Sshd(cls.stack.pam_line() + REST, users=[cls.user.name])

    def setUp(self):
        self.stack.sim.reset()

    def ssh(self):
        return self.tmux("env LC_ALL=C " + L.shell_join(self.sshd.ssh_cmd(self.user.name, REMOTE)))

    def test_keyboard_interactive_approval(self):
        t = self.ssh()
        t.wait_for(r"\(%s@127\.0\.0\.1\)" % self.user.name, 20)
        t.wait_for(APPROVE_RE, 10)
        prompt = t.capture()
        self.dump("pbm-ssh-prompt.txt", prompt)
        self.assertIn("Log in with PassBy[ME]", prompt)
        self.assertEqual(L.qr_blocks(prompt), 0, "a QR for a push provider")
        st, body = self.stack.sim.phone(pbm_id(self.user.name), "approve")
        self.assertEqual(st, 200, body)
        end = time.monotonic() + 20
        while time.monotonic() < end and "REMOTE-42" not in t.capture():
            time.sleep(1.2)
            t.type("")                     # Enter: the module polls
        self.dump("pbm-ssh-final.txt", t.capture(history=True))
        t.wait_for(r"REMOTE-42 %s" % self.user.name, 10)
        ms = self.stack.sim.messages()
        self.assertEqual(len(ms), 1, ms)
        self.assertEqual(ms[0]["recipients"][0]["status"], "APPROVED")
        self.assertIn("sshd-mide2e", ms[0]["body"])

    def test_deny(self):
        t = self.ssh()
        t.wait_for(APPROVE_RE, 20)
        self.stack.sim.phone(pbm_id(self.user.name), "deny")
        end = time.monotonic() + 20
        while time.monotonic() < end and "Permission denied" not in t.capture():
            time.sleep(1.2)
            t.type("")
        t.wait_for("Permission denied", 10)
        self.assertNotIn("REMOTE-42", t.capture(history=True))
        self.assertEqual(self.stack.sim.messages()[0]["recipients"][0]["status"], "DENIED")


class SudoPbmE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("sudo", "tmux", "setpriv", "visudo")
        cls.user = L.TempUser("mide2eq")
        cls.stack = L.PbmStack({cls.user.name: pbm_id(cls.user.name)}, qr="auto", timeout=60)
        cls.service = "sudo-mide2ep" + L.RUN_ID
        cls.pam = L.pam_service(cls.service, cls.stack.pam_line() + REST)
        L.sudoers_dropin("Defaults:%s pam_service=%s, timestamp_timeout=0\n%s ALL=(root) ALL\n"
                         % (cls.user.name, cls.service, cls.user.name))

    def test_approve_in_the_app(self):
        self.stack.sim.reset()
        t = self.tmux("exec setpriv --reuid=%d --regid=%d --init-groups env -i HOME=%s "
                      "PATH=/usr/bin:/bin LANG=C.UTF-8 TERM=tmux sudo -k /usr/bin/id -un"
                      % (self.user.uid, self.user.gid, self.user.home))
        t.wait_for(STATUS_RE, 20)
        t.wait_for("Time left", 5)
        self.assertEqual(L.qr_blocks(t.capture(history=True)), 0)
        st, body = self.stack.sim.phone(pbm_id(self.user.name), "approve", delay_ms=300)
        self.assertEqual(st, 200, body)
        t.wait_for("^root$", 20)
        t.wait_exit(10)
        self.dump("pbm-sudo.txt", t.capture(history=True))
        ms = self.stack.sim.messages()
        self.assertEqual(len(ms), 1, ms)
        self.assertEqual(ms[0]["recipients"][0]["status"], "APPROVED")
        self.assertFalse(ms[0]["cancelled"])


class OpenVPNPbmE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_openvpn()
        cls.user = "mide2epvpn"       # need not exist locally
        cls.stack = L.PbmStack({cls.user: pbm_id(cls.user)}, qr="off", timeout=60)
        cls.server = L.OpenVPNServer(cls.stack.pam_line() + "account required pam_permit.so\n",
                                     hand_window=90)

    def connect(self, action, name):
        self.stack.sim.reset()
        c = self.server.client(self.user)
        self.addCleanup(c.stop)
        self.stack.wait_messages(1, 20)
        time.sleep(1.5)                    # let the module poll a while first
        st, body = self.stack.sim.phone(pbm_id(self.user), action, delay_ms=300)
        self.assertEqual(st, 200, body)
        try:
            return c.wait_result(40)
        finally:
            self.dump("pbm-ovpn-%s-server.log" % name, self.server.log())

    def test_approve_tunnel_up(self):
        self.assertEqual(self.connect("approve", "approve"), "up")
        m = self.stack.sim.messages()
        self.assertEqual(len(m), 1, m)
        self.assertEqual(m[0]["recipients"][0]["status"], "APPROVED")
        self.assertGreaterEqual(m[0]["tracks"], 2)
        self.assertIn("deferred auth", self.server.log())

    def test_deny_auth_failed(self):
        self.assertEqual(self.connect("deny", "deny"), "auth_failed")
        self.assertEqual(self.stack.sim.messages()[0]["recipients"][0]["status"], "DENIED")


if __name__ == "__main__":
    unittest.main()
