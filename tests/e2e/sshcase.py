"""What the SSH stack tests share: a login through a private sshd in tmux,
the person on the phone (the simulator's /phone/open: the app opened for
the mapped personal number, no QR; test_ssh.py scans the QR), a password
typed at sshd's prompt, and the outcome read from the screen and the
simulator.  The README's stacks, as the tests write them."""

import re
import secrets

import e2elib as L

REST = "account required pam_permit.so\nsession required pam_permit.so\n"
REMOTE = "echo REMOTE-$((6*7)) $(id -un)"
# README "Users without a phone": PAM_IGNORE goes on, anything but success ends the stack
UNMAPPED_PASS = "[success=done ignore=ignore default=die]"


def stack_text(stack, number, args=""):
    """The auth lines of README stack NUMBER (1 everyone mapped, 2 unmapped
    users pass with their key, 3 unmapped users need their password), then
    the account and session lines."""
    if number == 1:
        return stack.pam_line(args) + REST
    mod = stack.pam_line(("unmapped=ignore " + args).strip(), control=UNMAPPED_PASS)
    rest = "auth required pam_permit.so\n" if number == 2 else "@include common-auth\n"
    return mod + rest + REST


def set_password(user):
    """Give USER a password (the harness makes users with '*'); '*' again
    at the class's tear-down."""
    pw = "E2e-" + secrets.token_hex(6)
    L.run(["chpasswd"], input="%s:%s\n" % (user, pw))
    L.CLEANUP.push(lambda: L.run(["usermod", "-p", "*", user], check=False), "password of " + user)
    return pw


class SshCase(L.E2ECase):
    """Subclasses set cls.stack (L.Stack) and cls.sshd (L.Sshd)."""

    def setUp(self):
        self.stack.sim.reset()
        self.log_mark = len(self.sshd.log())

    def sshd_log(self):
        """What sshd logged during this test."""
        return self.sshd.log()[self.log_mark:]

    def ssh(self, user, extra=()):
        cmd = L.shell_join(self.sshd.ssh_cmd(user, REMOTE, list(extra)))
        return self.tmux("env -u LANG -u LC_CTYPE LC_ALL=C " + cmd)

    def prompt(self, t, user, what=""):
        """Wait for sshd's keyboard-interactive prompt ('(user@127.0.0.1) ')
        whose text matches WHAT."""
        t.wait_for(r"\(%s@127\.0\.0\.1\) %s" % (re.escape(user), what), 20)

    def phone(self, t, user, action="approve", pno=L.PNR, over=None):
        """The person answers in the app; then Enter (prompt mode), until the
        login ends (see enter_until_end).  Returns the order."""
        self.prompt(t, user, "Log in with BankID")
        rc, out = L.phone_wait(self.stack.phone_open(pno, action, delay_ms=200, timeout=15), 30)
        self.assertEqual(rc, 0, out)
        orders = self.stack.wait_final(15)
        self.assertEqual(len(orders), 1, orders)
        self.enter_until_end(t, over)
        return orders[0]

    def enter_until_end(self, t, over=None):
        """Each Enter collects once (at most once a second): press it until
        the client shows the remote command's output or the refusal, or
        OVER() says so.  (Not the pane's death: tmux at times leaves a
        client that exited at once unreaped and the pane alive.)"""
        end = re.compile(r"REMOTE-42|Permission denied")

        def ended():
            return end.search(t.capture(history=True)) or (over and over())
        for _ in range(8):
            if ended():
                return
            t.type("")
            try:
                L.wait_until(ended, 1.5, 0.2)
            except AssertionError:
                pass
        L.wait_until(ended, 5, 0.2, "the end of the login")

    def password(self, t, user, pw):
        """pam_unix's prompt: after '(user@host) ', or on a line of its own
        when an info line (the module's 'Approved.') took the prefix."""
        t.wait_for(r"^(\(%s@127\.0\.0\.1\) )?[Pp]assword: *$" % re.escape(user), 20)
        t.type(pw)

    def logged_in(self, t, user):
        t.wait_for(r"REMOTE-42 %s$" % re.escape(user), 20)

    def refused(self, t):
        t.wait_for("Permission denied", 20)
        self.assertNotIn("REMOTE-42", t.capture(history=True))

    def no_order(self):
        self.assertEqual(self.stack.orders(), [])

    def keep(self, name, t):
        """Evidence for a failed run."""
        self.dump("%s.txt" % name, t.capture(history=True))
        self.dump("%s-sshd.log" % name, self.sshd.log())
