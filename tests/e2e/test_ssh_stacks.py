"""README "Users without a phone": each of its three sshd stacks through a
real sshd (AuthenticationMethods publickey,keyboard-interactive), for a
mapped user who approves or denies and for an unmapped user.  Stack 1's
approvals (QR scanned) are test_ssh.py's; here the person opens the app.
And the second form of the README's /etc/pam.d/sshd: password, then phone."""

import unittest

import e2elib as L
from sshcase import REST, SshCase, set_password, stack_text


class SshStacksE2E(SshCase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux", "chpasswd")
        cls.user = L.TempUser("mide2es")               # mapped
        cls.stranger = L.TempUser("mide2esx")          # not in the map
        cls.stack = L.Stack({cls.user.name: L.PNR}, qr="auto", timeout=60)
        cls.sshd = L.Sshd(stack_text(cls.stack, 1), users=[cls.user.name, cls.stranger.name])
        cls.stranger_pw = set_password(cls.stranger.name)
        cls.user_pw = set_password(cls.user.name)

    def use(self, number):
        if number == "password+phone":      # README /etc/pam.d/sshd, the second form
            text = "@include common-auth\n" + self.stack.pam_line() + REST
        else:
            text = stack_text(self.stack, number)
        self.sshd.set_pam(text)

    def no_key(self, user):
        """The client offers a key sshd does not know for USER."""
        return self.ssh(user, ["-o", "PubkeyAuthentication=no"])

    # -- 1. everyone is mapped ----------------------------------------------

    def test_1_unmapped_user_is_refused_without_order(self):
        self.use(1)
        t = self.ssh(self.stranger.name)
        self.refused(t)
        self.keep("stacks-1-unmapped", t)
        self.no_order()

    def test_1_mapped_user_without_the_key_never_reaches_the_phone(self):
        self.use(1)
        t = self.no_key(self.user.name)
        t.wait_for(r"Permission denied \(publickey\)", 20)
        self.no_order()

    def test_1_mapped_user_who_denies_is_refused(self):
        self.use(1)
        t = self.ssh(self.user.name)
        order = self.phone(t, self.user.name, "deny")
        self.refused(t)
        self.assertEqual(order["hintCode"], "userCancel")

    # -- 2. unmapped users pass with their key --------------------------------

    def test_2_unmapped_user_passes_with_the_key(self):
        self.use(2)
        t = self.ssh(self.stranger.name)
        self.logged_in(t, self.stranger.name)
        self.no_order()

    def test_2_unmapped_user_without_the_key_is_refused(self):
        self.use(2)
        t = self.no_key(self.stranger.name)
        t.wait_for(r"Permission denied \(publickey\)", 20)
        self.assertNotIn("REMOTE-42", t.capture(history=True))

    def test_2_mapped_user_approves(self):
        self.use(2)
        t = self.ssh(self.user.name)
        order = self.phone(t, self.user.name)
        self.logged_in(t, self.user.name)
        self.assertEqual(order["status"], "complete")

    def test_2_mapped_user_who_denies_is_refused(self):
        # a denial is final (default=die): pam_permit after it is never reached
        self.use(2)
        t = self.ssh(self.user.name)
        self.phone(t, self.user.name, "deny")
        self.refused(t)
        self.keep("stacks-2-deny", t)

    # -- 3. unmapped users need their password --------------------------------

    def test_3_unmapped_user_needs_the_password(self):
        self.use(3)
        t = self.ssh(self.stranger.name)
        self.password(t, self.stranger.name, "wrong-" + self.stranger_pw)
        self.refused(t)
        self.keep("stacks-3-wrong-password", t)
        t = self.ssh(self.stranger.name)
        self.password(t, self.stranger.name, self.stranger_pw)
        self.logged_in(t, self.stranger.name)
        self.no_order()

    def test_3_mapped_user_approves_without_a_password(self):
        self.use(3)
        t = self.ssh(self.user.name)
        self.phone(t, self.user.name)
        self.logged_in(t, self.user.name)
        self.assertNotRegex(t.capture(history=True), "[Pp]assword:")

    def test_3_mapped_user_who_denies_gets_no_password_prompt(self):
        self.use(3)
        t = self.ssh(self.user.name)
        self.phone(t, self.user.name, "deny")
        self.refused(t)
        self.keep("stacks-3-deny", t)
        self.assertNotRegex(t.capture(history=True), "[Pp]assword:")

    # -- /etc/pam.d/sshd, second form: password, then the phone ---------------

    def test_password_then_phone(self):
        self.use("password+phone")
        t = self.ssh(self.user.name)
        self.password(t, self.user.name, self.user_pw)
        self.phone(t, self.user.name)
        self.logged_in(t, self.user.name)

    def test_password_then_phone_a_wrong_password_puts_nothing_on_the_phone(self):
        # common-auth's "requisite pam_deny.so" ends the stack before the module
        self.use("password+phone")
        t = self.ssh(self.user.name)
        self.password(t, self.user.name, "wrong-" + self.user_pw)
        self.refused(t)
        self.no_order()


if __name__ == "__main__":
    unittest.main()
