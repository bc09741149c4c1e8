"""root over ssh through the README's stacks: mapped, root approves on the
phone; unmapped, stack 2 lets root in with the key alone and stack 1 locks
root out.  sshd refuses keyboard-interactive for root under Debian's
default PermitRootLogin prohibit-password, phone or not, so the README's
drop-in says PermitRootLogin yes (the key is still asked first)."""

import unittest

import e2elib as L
from sshcase import SshCase, stack_text


class RootCase(SshCase):
    """An sshd with PermitRootLogin PERMIT that knows root's key."""
    PERMIT = "yes"

    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux")
        cls.stack = L.Stack({}, qr="auto", timeout=60)
        cls.sshd = L.Sshd(stack_text(cls.stack, 1), users=["root"], permit_root=cls.PERMIT)

    def mapped(self, yes, stack):
        """root in the user map or not, README stack STACK."""
        self.stack.set_users({"root": L.PNR} if yes else {})
        self.sshd.set_pam(stack_text(self.stack, stack))


class SshRootE2E(RootCase):

    def test_mapped_root_approves_on_the_phone(self):
        self.mapped(True, 1)
        t = self.ssh("root")
        order = self.phone(t, "root")
        self.logged_in(t, "root")
        self.assertEqual(order["status"], "complete")
        self.assertEqual(order["personalNumber"], L.PNR)

    def test_mapped_root_who_denies_is_refused_in_stack_2(self):
        self.mapped(True, 2)
        t = self.ssh("root")
        self.phone(t, "root", "deny")
        self.refused(t)

    def test_unmapped_root_passes_with_the_key_in_stack_2(self):
        self.mapped(False, 2)
        t = self.ssh("root")
        self.logged_in(t, "root")
        self.no_order()

    def test_unmapped_root_is_locked_out_in_stack_1(self):
        self.mapped(False, 1)
        t = self.ssh("root")
        self.refused(t)
        self.no_order()


class SshRootProhibitPasswordE2E(RootCase):
    """Debian's default (no PermitRootLogin line): prohibit-password."""
    PERMIT = "prohibit-password"

    def sshd_refused_root(self):
        return "PAM auth succeeded when it should have failed" in self.sshd_log()

    def dropped(self, t):
        """sshd 9.2 ends the connection ('Internal error: PAM auth succeeded
        when it should have failed', auth-pam.c); the client, LogLevel=ERROR,
        says nothing."""
        L.wait_until(self.sshd_refused_root, 20, 0.2, "sshd's refusal of root")
        self.assertNotIn("REMOTE-42", t.capture(history=True))

    def test_mapped_root_is_refused_after_approving_on_the_phone(self):
        self.mapped(True, 2)
        t = self.ssh("root")
        order = self.phone(t, "root", over=self.sshd_refused_root)
        self.keep("root-prohibit-password", t)
        self.dropped(t)
        self.assertEqual(order["status"], "complete")   # the person was asked for nothing

    def test_unmapped_root_is_refused_with_the_key_in_stack_2(self):
        self.mapped(False, 2)
        t = self.ssh("root")
        self.dropped(t)
        self.no_order()


class SshRootNoE2E(RootCase):
    """PermitRootLogin no: sshd refuses root's key, before any PAM."""
    PERMIT = "no"

    def test_mapped_root_is_refused_before_the_phone(self):
        self.mapped(True, 1)
        t = self.ssh("root")
        t.wait_for(r"Permission denied \(publickey\)", 20)
        self.no_order()


if __name__ == "__main__":
    unittest.main()
