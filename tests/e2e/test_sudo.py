"""sudo approval: the real sudo (its own PAM stack through sudoers'
pam_service), the built module, mobileid-sim and the virtual phone."""

import os
import signal
import subprocess
import time
import unittest

import e2elib as L

REST = "account required pam_permit.so\nsession required pam_permit.so\n"


def sudo_setup(cls, service, extra_general="", user="mide2e", defaults=""):
    """A temporary user (name prefix user) whose sudo runs the PAM service
    SERVICE (a stack with the module against its own simulator; sudoers
    Defaults plus defaults), and the syslog catcher."""
    L.skip_unless_root()
    L.skip_unless_programs("sudo", "tmux", "setpriv", "visudo", "zbarimg")
    cls.syslog = L.SyslogCatcher()
    cls.user = L.TempUser(user)
    cls.stack = L.Stack({cls.user.name: L.PNR}, qr="auto", timeout=60,
                        extra_general=extra_general)
    cls.service = service + L.RUN_ID
    cls.pam = L.pam_service(cls.service, cls.stack.pam_line() + REST)
    L.sudoers_dropin("Defaults:%s pam_service=%s, timestamp_timeout=0%s\n%s ALL=(root) ALL\n"
                     % (cls.user.name, cls.service, defaults, cls.user.name))


class SudoE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        sudo_setup(cls, "sudo-mide2e")

    def setUp(self):
        self.stack.sim.reset()
        L.write_file(self.pam, self.stack.pam_line() + REST)

    def sudo(self, **kw):
        # a line above, as a shell prompt would leave
        cmd = ("echo '$ sudo id -un'; exec setpriv --reuid=%d --regid=%d --init-groups env -i HOME=%s PATH=/usr/bin:/bin "
               "LANG=C.UTF-8 TERM=tmux sudo -k /usr/bin/id -un"
               % (self.user.uid, self.user.gid, self.user.home))
        # in a namespace where /dev/log is this run's own catcher
        return self.tmux(self.syslog.shell(cmd), **kw)

    def finish(self, t, what):
        self.dump("sudo-%s.txt" % what, t.capture(history=True))
        self.dump("sudo-%s.syslog" % what, self.syslog.text())
        self.dump("sudo-%s.orders" % what, repr(self.stack.orders()))

    def deny_in_app(self, t, what):
        """The person denies in the app; sudo ends without root. Returns
        the whole screen."""
        self.stack.wait_orders(1)
        ph = self.stack.phone_scan(t, "deny")
        t.wait_for("incorrect password attempt", 40)
        L.phone_wait(ph)
        t.wait_exit(10)
        self.finish(t, what)
        screen = t.capture(history=True)
        self.assertNotIn("root\n", screen.replace("Pane is dead", ""))
        return screen

    def test_approve_animates_in_place(self):
        t = self.sudo()
        self.stack.wait_orders(1)
        time.sleep(4.5)                       # several QR frames
        hist = t.capture(history=True)
        self.finish(t, "animating")
        self.assertEqual(L.qr_blocks(hist), 1, "frames pile up instead of redrawing in place "
                         "(see e2e-artifacts/sudo-animating.txt)")
        self.assertLess(t.history_size(), 5, "the QR scrolled the terminal")
        ph = self.stack.phone_scan(t, "approve")
        t.wait_for("^root$", 30)
        rc, out = L.phone_wait(ph)
        self.assertEqual(rc, 0, out)
        t.wait_exit(10)
        self.finish(t, "approve")
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        o = orders[0]
        self.assertEqual(o["kind"], "auth")
        self.assertEqual(o["status"], "complete")
        self.assertEqual(o["personalNumber"], L.PNR)
        self.assertFalse(o["cancelled"])
        gaps = L.collect_gaps(o)
        self.assertTrue(gaps and min(gaps) >= 900, "collect cadence (poll = 1): %s" % gaps)

    def test_whole_frame_on_80x24_redrawn_in_place(self):
        """A standard 80 x 24 terminal: the status stands beside the QR, so
        the frame fits; after the first frame (which scrolls the "$ sudo"
        line away) every redraw stays in place, also from the top-left
        corner (no erase from there, which tmux would keep in its
        history), and the phone scans it."""
        t = self.sudo(width=80, height=24)
        self.stack.wait_orders(1)
        time.sleep(2)
        first = t.history_size()
        time.sleep(4)                         # four more frames
        screen = t.capture()
        self.screenshot("sudo", t.capture(escapes=True))
        self.finish(t, "80x24")
        self.assertLessEqual(first, 1, "the first frame scrolled more than the prompt line")
        self.assertEqual(t.history_size(), first, "redraws scrolled the terminal")
        self.assertIn("Time left:", screen)
        ok, how = self.stack.scan(t, "approve", delay_ms=300)
        self.assertTrue(ok, how)
        t.wait_for("^root$", 30)

    def test_deny_is_final(self):
        screen = self.deny_in_app(self.sudo(), "deny")
        # sudo's retries tell the person why no new request comes
        self.assertIn("The request was denied in the app.", screen)
        time.sleep(1.5)
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, "sudo's retries put new orders on the phone: %s" % orders)
        self.assertEqual(orders[0]["status"], "failed")
        self.assertEqual(orders[0]["hintCode"], "userCancel")

    def test_timeout_refuses_and_cancels(self):
        L.write_file(self.pam, self.stack.pam_line("timeout=5") + REST)
        t = self.sudo()
        t.wait_for("incorrect password attempt", 40)
        t.wait_exit(10)
        self.finish(t, "timeout")
        orders = self.stack.wait_final(10)
        self.assertTrue(1 <= len(orders) <= 3, orders)
        for o in orders:
            self.assertEqual(o["status"], "failed")
            self.assertTrue(o["cancelled"], "order left open at the provider: %s" % o)

    def test_in_front_of_password(self):
        """auth required pam_mobileid.so, then the password (pam_unix)."""
        pw = "E2e-" + L.secrets.token_hex(6)
        L.run(["chpasswd"], input="%s:%s\n" % (self.user.name, pw))
        self.addCleanup(L.run, ["usermod", "-p", "*", self.user.name])
        L.write_file(self.pam, self.stack.pam_line() + "auth required pam_unix.so\n" + REST)
        t = self.sudo()
        self.stack.wait_orders(1)
        time.sleep(1)
        ok, how = self.stack.scan(t, "approve", delay_ms=300)
        self.assertTrue(ok, how)
        t.wait_for("[Pp]assword", 20)
        t.type(pw)
        t.wait_for("^root$", 10)
        self.finish(t, "front")
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        self.assertEqual(orders[0]["status"], "complete")

    def test_ctrl_c_cancels(self):
        t = self.sudo()
        self.stack.wait_orders(1)
        time.sleep(1.5)
        t.send("C-c")
        t.wait_exit(10)
        self.finish(t, "ctrlc")
        orders = self.stack.wait_final(10)
        self.assertEqual(len(orders), 1, orders)
        self.assertTrue(orders[0]["cancelled"], orders[0])
        self.assertNotIn("\nroot\n", "\n" + t.capture(history=True))
        # the person is told what was cancelled
        self.assertIn("The login request was cancelled.", t.capture(history=True))

    def test_hangup_is_final(self):
        """The terminal goes away (sudo does not block SIGHUP): the order is
        cancelled first, then SIGHUP reaches sudo as it would have without
        the module (doc/security.md, Signals), and no new order starts."""
        t = self.sudo()
        self.stack.wait_orders(1)
        time.sleep(1.5)
        pid = t.pane_pid()                       # sudo itself (exec)
        os.kill(pid, signal.SIGHUP)
        t.wait_exit(15)
        self.finish(t, "hangup")
        time.sleep(2)                            # a retry order would show by now
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, "a retry after the hangup: %s" % orders)
        self.assertTrue(orders[0]["cancelled"], orders[0])
        # sudo has ended: every line it sent waits in the catcher's socket
        log = self.syslog.text()
        mine = "pam_mobileid(%s:auth): " % self.service
        self.assertIn(mine + "signal %d: order cancelled" % signal.SIGHUP, log)
        self.assertIn(mine + "interrupted: ", log)


class SudoRecommendedE2E(L.E2ECase):
    """README's recommended sudo setup: the module `requisite` in front of
    the password and `Defaults passwd_tries=1`: a denial is one clear
    refusal, no password prompt, no new order."""

    sudo = SudoE2E.sudo
    finish = SudoE2E.finish
    deny_in_app = SudoE2E.deny_in_app

    @classmethod
    def setUpClass(cls):
        # the stack itself is written by setUp
        sudo_setup(cls, "sudo-mide2er", user="mide2er",
                   defaults=", passwd_tries=1")

    @classmethod
    def stack_text(cls):
        return (cls.stack.pam_line(control="requisite") + "auth required pam_unix.so\n" + REST)

    def setUp(self):
        self.stack.sim.reset()
        L.write_file(self.pam, self.stack_text())

    def test_denial_is_one_clear_refusal(self):
        screen = self.deny_in_app(self.sudo(), "recommended-deny")
        self.assertNotRegex(screen, "[Pp]assword:", "asked for the password after a denial")
        self.assertNotIn("Sorry, try again", screen)
        self.assertIn("The action was cancelled.", screen)       # BankID's userCancel text
        self.assertIn("1 incorrect password attempt", screen)
        self.assertEqual(len(self.stack.orders()), 1, self.stack.orders())


class SudoSignE2E(L.E2ECase):
    """sudo_sign = yes with the real sudo: the person signs the command
    sudo was given, the record is kept, and `mobileid audit` verifies it."""

    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        cls.audit = os.path.join(L.tmpdir("mide2e-audit-"), "audit")
        sudo_setup(cls, "sudo-mide2es",
                   "sudo_sign = yes\naudit_dir = %s\n" % cls.audit)

    sudo = SudoE2E.sudo
    finish = SudoE2E.finish

    def test_sudo_signs_its_command_and_the_record_verifies(self):
        t = self.sudo()
        self.stack.wait_orders(1)
        ok, how = self.stack.scan(t, "approve", delay_ms=300)
        self.assertTrue(ok, how)
        t.wait_for("^root$", 30)
        self.finish(t, "sign")
        o = self.stack.orders()[0]
        self.assertEqual(o["kind"], "sign")
        self.assertTrue(o["userVisibleData"].endswith(
            "\nCommand: sudo -k /usr/bin/id -un"), o["userVisibleData"])
        self.assertIn("User: %s (from local)" % self.user.name, o["userVisibleData"])
        names = os.listdir(self.audit)
        self.assertEqual(len(names), 1, names)
        self.assertEqual(os.stat(os.path.join(self.audit, names[0])).st_mode & 0o777, 0o600)
        tool = os.path.join(L.BUILD_DIR, "pam_mobileid", "mobileid")
        p = subprocess.run([tool, "audit", "-c", self.stack.conf, o["orderRef"]],
                           capture_output=True, text=True, timeout=30)
        self.dump("sudo-sign.audit", p.stdout + p.stderr)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("%s: verified" % o["orderRef"], p.stdout)


if __name__ == "__main__":
    unittest.main()
