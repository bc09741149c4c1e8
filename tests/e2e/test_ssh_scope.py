"""`groups` through sshd: a mapped user outside the scope gets PAM_IGNORE
(log line 'outside groups: … ignored', no order), and in the README's
stacks that never becomes a login by itself: stack 1 refuses, stack 2 wants
the key (sshd asked for it first), stack 3 and the Policy section's
"phone for the scope, password for the rest" want the password."""

import unittest

import e2elib as L
from sshcase import REST, SshCase, set_password, stack_text

# README "Policy": the scope needs the phone and the password, the rest the password
SCOPE_THEN_PASSWORD = "[success=ok ignore=ignore default=die]"


class SshScopeE2E(SshCase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux", "chpasswd")
        cls.syslog = L.SyslogCatcher()
        cls.inside = L.TempUser("mide2eg")             # its own group is the scope
        cls.outside = L.TempUser("mide2egx")           # mapped, but outside the scope
        cls.stack = L.Stack({cls.inside.name: L.PNR, cls.outside.name: L.PNR}, qr="auto",
                            timeout=60)
        cls.scope = "groups=" + cls.inside.name
        cls.sshd = L.Sshd(stack_text(cls.stack, 1, cls.scope),
                          users=[cls.inside.name, cls.outside.name])
        cls.pw = {u.name: set_password(u.name) for u in (cls.inside, cls.outside)}

    def use(self, number):
        if number == "policy":
            text = self.stack.pam_line(self.scope, control=SCOPE_THEN_PASSWORD) + \
                "@include common-auth\n" + REST
        else:
            text = stack_text(self.stack, number, self.scope)
        self.sshd.set_pam(text)

    def ignored(self):
        """No order, and the module's log line."""
        self.no_order()
        line = r"outside groups: user=%s rhost=127\.0\.0\.1: ignored" % self.outside.name
        L.wait_until(lambda: L.re.search(line, self.syslog.text()), 30, 0.1, "/%s/" % line)

    def password_login(self, user, pw):
        t = self.ssh(user)
        self.password(t, user, pw)
        return t

    def test_stack_1_outside_the_scope_is_refused(self):
        # libpam refuses a stack in which every module ignored
        self.use(1)
        t = self.ssh(self.outside.name)
        self.refused(t)
        self.keep("scope-1", t)
        self.ignored()

    def test_stack_2_outside_the_scope_passes_with_the_key_only(self):
        self.use(2)
        t = self.ssh(self.outside.name, ["-o", "PubkeyAuthentication=no"])
        t.wait_for(r"Permission denied \(publickey\)", 20)
        t = self.ssh(self.outside.name)
        self.logged_in(t, self.outside.name)
        self.ignored()

    def outside_needs_the_password(self, stack):
        self.use(stack)
        self.refused(self.password_login(self.outside.name, "wrong"))
        t = self.password_login(self.outside.name, self.pw[self.outside.name])
        self.logged_in(t, self.outside.name)
        self.ignored()

    def test_stack_3_outside_the_scope_needs_the_password(self):
        self.outside_needs_the_password(3)

    def test_policy_stack_outside_the_scope_needs_the_password(self):
        self.outside_needs_the_password("policy")

    def test_policy_stack_inside_the_scope_needs_the_phone_and_the_password(self):
        self.use("policy")
        t = self.ssh(self.inside.name)
        self.prompt(t, self.inside.name, "Log in with BankID")
        rc, out = L.phone_wait(self.stack.phone_open(L.PNR, delay_ms=200, timeout=15), 30)
        self.assertEqual(rc, 0, out)
        self.stack.wait_final(15)
        self.enter_until_end(t, lambda: L.re.search("[Pp]assword:", t.capture()))
        self.password(t, self.inside.name, self.pw[self.inside.name])
        self.logged_in(t, self.inside.name)
        self.assertEqual(len(self.stack.orders()), 1)

    def test_policy_stack_inside_the_scope_denied_gets_no_password_prompt(self):
        self.use("policy")
        t = self.ssh(self.inside.name)
        self.phone(t, self.inside.name, "deny")
        self.refused(t)
        self.assertNotRegex(t.capture(history=True), "[Pp]assword:")


if __name__ == "__main__":
    unittest.main()
