"""SSH second factor: a real sshd (a copy of the Debian binary under its
own name, so its own PAM service) with keyboard-interactive, the ssh client
in tmux, the built module in prompt mode, mobileid-sim and the phone scanning
the QR.  The README's stack 1 (everyone mapped); the other stacks, root, the
sshd drop-in and `groups` are in test_ssh_{stacks,root,rollout,scope}.py."""

import time
import unittest

import e2elib as L

REST = "account required pam_permit.so\nsession required pam_permit.so\n"
REMOTE = "echo REMOTE-$((6*7)) $(id -un)"


class SshE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux", "zbarimg")
        cls.syslog = L.SyslogCatcher()
        cls.user = L.TempUser("mide2e")
        cls.stack = L.Stack({cls.user.name: L.PNR}, qr="auto", timeout=60)
        cls.sshd = L.Sshd(cls.stack.pam_line() + REST, users=[cls.user.name])

    def setUp(self):
        self.stack.sim.reset()
        self.sshd.set_pam(self.stack.pam_line() + REST)

    def ssh(self, locale, user=None, sshd=None, **size):
        sshd = sshd or self.sshd
        cmd = L.shell_join(sshd.ssh_cmd(user or self.user.name, REMOTE))
        return self.tmux("env -u LANG -u LC_ALL -u LC_CTYPE %s %s" % (locale, cmd), **size)

    def approve_flow(self, t, name, action="approve", theme="dark", answer=""):
        """Wait for the prompt, answer it once (Enter: a fresh QR), let the
        phone scan, then press Enter until the login finishes."""
        t.wait_for(r"\(%s@127\.0\.0\.1\)" % self.user.name, 20)
        t.type(answer)                               # Enter: a fresh frame
        time.sleep(0.5)
        prompt = t.capture()
        self.prompt_escapes = t.capture(escapes=True)
        self.dump("ssh-%s-prompt.txt" % name, prompt)
        ok, how = self.stack.scan(t, action, delay_ms=300, theme=theme,
                                  refresh=lambda: (t.type(""), time.sleep(0.6)))
        self.assertTrue(ok, "phone could not scan/approve: %s" % how)
        self.scanned_by = how
        end = time.monotonic() + 20
        while time.monotonic() < end:
            time.sleep(1.2)
            screen = t.capture()
            if "REMOTE-42" in screen or "Permission denied" in screen or t.dead()[0]:
                break
            t.type("")
        self.dump("ssh-%s-final.txt" % name, t.capture(history=True))
        self.dump("ssh-%s-sshd.log" % name, self.sshd.log())
        return prompt

    def wait_screen(self, t, text, timeout=20):
        """The visible screen, wrapped lines joined, once it shows text."""
        def seen():
            screen = t.tmux("capture-pane", "-p", "-J", "-t", t.target).stdout
            return screen if text in screen else None
        return L.wait_until(seen, timeout, 0.2, "screen shows %r" % text)

    def check_prompt(self, prompt, charset):
        # the first prompt line carries the client's "(user@host) " prefix:
        # it must be a text line, not a QR row
        first = [ln for ln in prompt.split("\n") if "@127.0.0.1)" in ln][-1]
        self.assertFalse(set(first.split(") ", 1)[1]) <= L.QR_CHARS | {" "}, first)
        self.assertNotIn("\\033", prompt, "escape sequences sent to an ssh prompt")
        if charset == "ascii":
            self.assertNotRegex(prompt, r"\\3[0-7][0-7]", "non-ASCII bytes escaped by the client")
            self.assertIn("#", prompt)
        else:
            self.assertRegex(prompt, "[\u2580\u2584\u2588]")
        rows = [ln for ln in prompt.split("\n") if ln.strip()]
        self.size = (max(len(r.rstrip()) for r in rows), len(rows))

    def check_approved(self, t):
        t.wait_for(r"REMOTE-42 %s" % self.user.name, 10)
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        o = orders[0]
        self.assertEqual(o["kind"], "auth")
        self.assertEqual(o["status"], "complete")
        self.assertEqual(o["personalNumber"], L.PNR)
        self.assertEqual(o["endUserIp"], "127.0.0.1")
        self.assertGreaterEqual(o["collects"], 1)
        return o

    def test_utf8_client_halfblocks(self):
        # the server cannot learn the client's locale before authentication
        # (SendEnv arrives after it), so half blocks are the admin's choice
        self.sshd.set_pam(self.stack.pam_line("charset=utf8") + REST)
        t = self.ssh("LANG=C.UTF-8")
        prompt = self.approve_flow(t, "utf8")
        self.screenshot("ssh", self.prompt_escapes)
        self.check_prompt(prompt, "utf8")
        self.check_approved(t)

    def test_c_locale_client_ascii_by_default(self):
        t = self.ssh("LC_ALL=C")
        prompt = self.approve_flow(t, "ascii")
        self.check_prompt(prompt, "ascii")
        self.check_approved(t)
        cols, lines = self.size
        print("\nascii prompt needs %d columns x %d lines" % (cols, lines))
        self.dump("ssh-ascii-size.txt", "%d %d\n" % (cols, lines))

    def test_utf8_client_default_charset(self):
        """charset = auto over ssh, client in UTF-8: whatever the module
        picks must scan (ascii is the safe default)."""
        t = self.ssh("LANG=C.UTF-8")
        self.approve_flow(t, "auto-utf8")
        self.check_approved(t)

    def test_utf8_client_in_80x24_types_h_and_scans_without_resizing(self):
        """charset = auto, theme = dark: the ascii code (46 lines) is cut
        off in an 80 x 24 window, whose last lines offer the half-height
        code; after h the whole prompt fits, and the phone reads the code
        from the visible screen alone. It says when its code was drawn."""
        t = self.ssh("LANG=C.UTF-8", width=80, height=24)
        t.wait_for(r"Code cut off\? Type h, Enter\.", 20, history=False)
        self.assertNotRegex(t.capture(), "[\u2580\u2584\u2588]")
        t.type("h")
        t.wait_for(r"Type a, Enter\.\n.*press Enter\. ?$", 20, history=False)
        screen = t.capture()
        self.dump("ssh-h-80x24-screen.txt", screen)
        self.check_prompt(screen, "utf8")
        # the whole prompt is on the screen, its title on the top line
        self.assertIn("@127.0.0.1) Log in with BankID", screen.split("\n")[0])
        self.assertRegex(screen, r"Code from \d\d:\d\d:\d\d")
        self.approve_flow(t, "h-80x24")
        self.check_approved(t)

    def test_c_locale_client_sees_escapes_after_h_and_types_a_back(self):
        """A client in a C locale prints half blocks as octal escapes: the
        offer to go back is ASCII and stays readable at the bottom."""
        t = self.ssh("LC_ALL=C")
        t.wait_for(r"Code cut off\? Type h, Enter\.", 20)
        t.type("h")
        # an escaped QR row is several screen lines: read them joined
        screen = self.wait_screen(t, "Garbled code? Type a, Enter.")
        self.assertRegex(screen, r"\\342\\226")
        t.type("a")
        self.wait_screen(t, "Code cut off? Type h, Enter.")
        prompt = self.approve_flow(t, "a-back")
        # the newest prompt, below the escaped one
        start = prompt.rfind("\n", 0, prompt.rindex("@127.0.0.1)")) + 1
        self.check_prompt(prompt[start:], "ascii")
        self.check_approved(t)

    def test_light_terminal_gets_half_blocks(self):
        """theme = light, charset = auto: '#' as the dark modules never
        scans on a light terminal (doc/qr.md), so over ssh the module draws
        half blocks, and the phone reads them from a light screenshot."""
        self.sshd.set_pam(self.stack.pam_line("theme=light") + REST)
        t = self.ssh("LANG=C.UTF-8")
        prompt = self.approve_flow(t, "light", theme="light")
        self.check_prompt(prompt, "utf8")
        self.check_approved(t)

    def test_deny(self):
        t = self.ssh("LC_ALL=C")
        self.approve_flow(t, "deny", action="deny")
        t.wait_for("Permission denied", 15)
        self.assertNotIn("REMOTE-42", t.capture(history=True))
        time.sleep(1)
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        self.assertEqual(orders[0]["status"], "failed")
        self.assertEqual(orders[0]["hintCode"], "userCancel")

    def test_client_disconnect_cancels(self):
        """The ssh client goes away while the prompt is up: sshd kills its PAM
        process with SIGTERM; the order must be cancelled at the provider."""
        t = self.ssh("LC_ALL=C")
        t.wait_for(r"\(%s@127\.0\.0\.1\)" % self.user.name, 20)
        self.stack.wait_orders(1)
        time.sleep(1)
        t.send("C-c")                                # ssh client exits
        t.wait_exit(10)
        try:
            orders = self.stack.wait_final(12)
        finally:
            self.dump("ssh-disconnect-sshd.log", self.sshd.log())
            self.dump("ssh-disconnect.orders", repr(self.stack.orders()))
            self.dump("ssh-disconnect.syslog", self.syslog.text())
        self.assertEqual(len(orders), 1, orders)
        self.assertTrue(orders[0]["cancelled"], orders[0])


class SshKbdIntOnlyE2E(L.E2ECase):
    """AuthenticationMethods keyboard-interactive (no public key first)."""

    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux", "zbarimg")
        cls.user = L.TempUser("mide2ek")
        cls.stack = L.Stack({cls.user.name: L.PNR}, qr="auto", timeout=60)
        cls.sshd = L.Sshd(cls.stack.pam_line() + REST, auth_methods="keyboard-interactive")

    def test_approve(self):
        cmd = L.shell_join(self.sshd.ssh_cmd(self.user.name, REMOTE,
                                             ["-o", "PubkeyAuthentication=no"]))
        t = self.tmux("env -u LANG LC_ALL=C " + cmd)
        SshE2E.approve_flow.__get__(self)(t, "kbdint")
        t.wait_for(r"REMOTE-42 %s" % self.user.name, 10)
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        self.assertEqual(orders[0]["status"], "complete")


if __name__ == "__main__":
    unittest.main()
