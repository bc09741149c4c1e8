"""Console login and su: the real login and su (fixed PAM service names,
given our stack through a bind mount in a private mount namespace, so the
machine's /etc/pam.d files are never touched), the built module in animate
mode, mobileid-sim and the phone."""

import os
import time
import unittest

import e2elib as L

REST = ("account required pam_permit.so\nsession required pam_permit.so\n"
        "password required pam_deny.so\n")


class SuLoginE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("su", "login", "unshare", "mount", "tmux", "zbarimg")
        cls.user = L.TempUser("mide2es")
        # root runs su here (no pam_rootok in the stack): the target's
        # mapping approves; the caller's (the default) is tested through PAM
        cls.stack = L.Stack({cls.user.name: L.PNR}, qr="auto", timeout=60,
                            extra_general="su_approver = target")
        cls.stackfile = L.write_file(os.path.join(cls.stack.dir, "stack.pam"),
                                     cls.stack.pam_line() + REST)

    def setUp(self):
        self.stack.sim.reset()

    def start(self, service, prog):
        cmd = "echo '$ %s'; exec %s" % (prog, L.with_pam_overlay(service, self.stackfile, prog))
        return self.tmux(cmd, env={"LANG": "C.UTF-8"})

    def approve_to_shell(self, t, name):
        self.stack.wait_orders(1)
        time.sleep(1.5)
        ok, how = self.stack.scan(t, "approve", delay_ms=300)
        self.assertTrue(ok, how)
        time.sleep(2.5)
        t.type("echo SHELL-$((6*7)) $(id -un)")
        try:
            t.wait_for("SHELL-42 %s" % self.user.name, 15)
        finally:
            self.dump("%s-final.txt" % name, t.capture(history=True))
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        self.assertEqual(orders[0]["status"], "complete")
        self.assertEqual(orders[0]["personalNumber"], L.PNR)
        gaps = L.collect_gaps(orders[0])
        self.assertTrue(gaps and min(gaps) >= 900, gaps)
        hist = t.capture(history=True)
        self.assertLessEqual(L.qr_blocks(hist), 1, "QR frames piled up (see %s-final.txt)" % name)

    def test_su_l_approve(self):
        self.approve_to_shell(self.start("su-l", "su - %s" % self.user.name), "su")

    def test_login_approve(self):
        self.approve_to_shell(self.start("login", "login %s" % self.user.name), "login")

    def test_su_l_deny(self):
        t = self.start("su-l", "su - %s" % self.user.name)
        self.stack.wait_orders(1)
        time.sleep(1.5)
        ok, how = self.stack.scan(t, "deny", delay_ms=300)
        self.assertTrue(ok, how)
        t.wait_for("Authentication failure", 15)
        t.wait_exit(10)
        self.dump("su-deny.txt", t.capture(history=True))
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        self.assertEqual(orders[0]["hintCode"], "userCancel")


if __name__ == "__main__":
    unittest.main()
