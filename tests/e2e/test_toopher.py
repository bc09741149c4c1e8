"""Toopher end to end: the real sudo (animate mode) and a real sshd
(keyboard-interactive, prompt mode) with the built module and toopher-sim,
which verifies every OAuth signature; its control port is the phone."""

import os
import socket
import time
import unittest

import e2elib as L

REST = "account required pam_permit.so\nsession required pam_permit.so\n"
REMOTE = "echo REMOTE-$((6*7)) $(id -un)"
APPROVE_RE = r"Approve the request in the Toopher app"


class ToopherStack:
    """toopher-sim on ephemeral ports; config, user map and consumer secret
    in a root-owned dir with safe modes; a pairing per user."""

    def __init__(self, users, qr="auto", timeout=60):
        L.skip_unless_stack()
        sim = L.import_sim()
        import toopher_sim   # noqa: E402
        if not os.path.exists(sim.sim_binary(toopher_sim.ToopherSim.BINARY)):
            raise unittest.SkipTest("toopher-sim not built")
        src = sim.certs()
        self.dir = L.credentials_dir(src)
        self.sim = toopher_sim.ToopherSim(src)
        L.CLEANUP.push(self.sim.stop, "Toopher simulator")
        self.pairing = {u: self.sim.new_pairing(u)["id"] for u in users}
        usermap = L.write_file(os.path.join(self.dir, "usermap"), "".join(
            "%s toopher:%s\n" % kv for kv in self.pairing.items()), 0o644)
        secret = toopher_sim.write_secret(os.path.join(self.dir, "toopher.secret"))
        self.conf = L.write_file(
            os.path.join(self.dir, "pam_mobileid.conf"),
            toopher_sim.conf_text(self.sim, usermap, secret,
                                  # a denial must not hold the next test's
                                  # login: each run its own policy state
                                  {"timeout": timeout, "qr": qr, "deny_hold": 0,
                                   "state_dir": os.path.join(self.dir, "state")},
                                  {"ca": os.path.join(self.dir, "ca.pem")}), 0o600)

    def pam_line(self, args="", control="required"):
        return "auth %s %s conf=%s %s\n" % (control, L.module_path(), self.conf, args)

    def wait_request(self, timeout=20):
        return L.wait_until(lambda: self.sim.requests_made(), timeout, 0.2,
                            "an authentication request")[-1]

    def all_signed(self):
        return all(r["status"] != 401 for r in self.sim.requests())


class SudoToopherE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("sudo", "tmux", "setpriv", "visudo")
        cls.user = L.TempUser("mide2et")
        cls.stack = ToopherStack([cls.user.name])
        cls.service = "sudo-mide2et" + L.RUN_ID
        cls.pam = L.pam_service(cls.service, cls.stack.pam_line() + REST)
        L.sudoers_dropin("Defaults:%s pam_service=%s, timestamp_timeout=0\n%s ALL=(root) ALL\n"
                         % (cls.user.name, cls.service, cls.user.name))

    def sudo(self):
        return self.tmux("exec setpriv --reuid=%d --regid=%d --init-groups env -i HOME=%s "
                         "PATH=/usr/bin:/bin LANG=C.UTF-8 TERM=tmux sudo -k /usr/bin/id -un"
                         % (self.user.uid, self.user.gid, self.user.home))

    def test_grant_in_the_app_runs_the_command(self):
        self.stack.sim.reset()
        pid = self.stack.sim.new_pairing(self.user.name)["id"]
        self.stack.pairing[self.user.name] = pid
        L.write_file(os.path.join(self.stack.dir, "usermap"),
                     "%s toopher:%s\n" % (self.user.name, pid), 0o644)
        t = self.sudo()
        t.wait_for(APPROVE_RE, 20)
        t.wait_for("Time left", 5)
        self.assertEqual(L.qr_blocks(t.capture(history=True)), 0, "a QR for a push")
        req = self.stack.wait_request()
        self.assertEqual(req["params"]["action_name"], self.service)
        self.assertEqual(req["params"]["terminal_name"], socket.gethostname())
        st, body = self.stack.sim.answer(pid, "grant", delay_ms=300)
        self.assertEqual(st, 200, body)
        t.wait_for("^root$", 20)
        t.wait_exit(10)
        self.dump("toopher-sudo.txt", t.capture(history=True))
        req = self.stack.sim.requests_made()[-1]
        self.assertEqual((req["pending"], req["granted"]), (False, True))
        self.assertTrue(self.stack.all_signed())

    def test_denial_is_final_for_sudo(self):
        self.stack.sim.reset()
        pid = self.stack.sim.new_pairing(self.user.name)["id"]
        L.write_file(os.path.join(self.stack.dir, "usermap"),
                     "%s toopher:%s\n" % (self.user.name, pid), 0o644)
        t = self.sudo()
        t.wait_for(APPROVE_RE, 20)
        self.stack.wait_request()
        self.stack.sim.answer(pid, "deny")
        t.wait_exit(30)
        text = t.capture(history=True)
        self.dump("toopher-sudo-deny.txt", text)
        self.assertIn("denied in the Toopher app", text)
        self.assertNotIn("\nroot", text)
        # sudo asks again after a failure; the denial stands, no new request
        self.assertEqual(len(self.stack.sim.requests_made()), 1)


class SshToopherE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux")
        cls.user = L.TempUser("mide2eu")
        cls.stack = ToopherStack([cls.user.name])
        cls.sshd = L.Sshd(cls.stack.pam_line() + REST, users=[cls.user.name])

    def test_keyboard_interactive_grant(self):
        pid = self.stack.pairing[self.user.name]
        t = self.tmux("env LC_ALL=C " + L.shell_join(self.sshd.ssh_cmd(self.user.name, REMOTE)))
        t.wait_for(APPROVE_RE, 20)
        prompt = t.capture()
        self.dump("toopher-ssh-prompt.txt", prompt)
        self.assertIn("Log in with Toopher", prompt)
        req = self.stack.wait_request()
        self.assertEqual(req["params"]["terminal_name"], "127.0.0.1")
        self.assertTrue(req["params"]["action_name"].endswith(" login"), req["params"])
        self.stack.sim.answer(pid, "grant")
        end = time.monotonic() + 20
        while time.monotonic() < end and "REMOTE-42" not in t.capture():
            time.sleep(1.2)
            t.type("")                     # Enter: the module polls
        self.dump("toopher-ssh-final.txt", t.capture(history=True))
        t.wait_for(r"REMOTE-42 %s" % self.user.name, 10)
        self.assertTrue(self.stack.all_signed())


if __name__ == "__main__":
    unittest.main()
