"""The e2e harness itself, proven with a stand-in PAM module (probe/) instead
of pam_mobileid: each real program runs here, shows PAM text the way
doc/e2e.md says, and the harness cleans up after it.  Needs root; no module,
simulator or phone needed."""

import os
import time
import unittest

import e2elib as L

UTF8_BLOCKS = "\u2588\u2580\u2584"


def probe_out(d):
    out = os.path.join(d, "probe.out")
    open(out, "w").close()
    os.chmod(out, 0o666)
    return out


def probe_line(so, out, *args):
    return "auth required %s out=%s %s\n" % (so, out, " ".join(args))


PERMIT_REST = ("account required pam_permit.so\nsession required pam_permit.so\n"
               "password required pam_deny.so\n")


class SshdProbe(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux")
        cls.so = L.probe_module()
        cls.d = L.tmpdir()
        cls.user = L.TempUser()
        cls.sshd = L.Sshd(PERMIT_REST, users=[cls.user.name])

    def login(self, env, pam_args, steps):
        out = probe_out(self.d)
        self.sshd.set_pam(probe_line(self.so, out, *pam_args) + PERMIT_REST)
        cmd = L.shell_join(self.sshd.ssh_cmd(self.user.name, "echo REMOTE-$((6*7))"))
        t = L.Tmux("env -u LANG -u LC_ALL -u LC_CTYPE %s %s" % (env, cmd))
        steps(t)
        return t, L.read_probe(out)

    def test_info_waits_for_prompt_and_items(self):
        """PAM_TEXT_INFO sent before a 2 s wait shows only with the next prompt."""
        seen = {}

        def steps(t):
            time.sleep(1.2)
            seen["early"] = t.capture()
            t.wait_for("PROMPT-1", 10)
            seen["prompt"] = t.capture()
            t.type("ok")
            t.wait_for("REMOTE-42", 10)
        t, calls = self.login("LANG=C.UTF-8", ["[info=INFO-1 early]", "sleep=2000",
                                               "[prompt=PROMPT-1 type ok:]"], steps)
        self.assertNotIn("INFO-1", seen["early"])
        # the client prefixes the first line of the prompt round with (user@host)
        self.assertRegex(seen["prompt"], r"\(%s@127\.0\.0\.1\) INFO-1 early" % self.user.name)
        c = calls[0]
        self.assertEqual(c["PAM_SERVICE"], self.sshd.service)
        self.assertEqual(c["PAM_TTY"], "ssh")
        self.assertEqual(c["PAM_RHOST"], "127.0.0.1")
        self.assertEqual(c["env.LANG"], "(unset)")     # no client locale during auth
        self.assertEqual(c["pamenv.LANG"], "(unset)")

    def test_non_ascii_escaped_under_c_locale(self):
        args = ["[info=I %s]" % UTF8_BLOCKS, "[prompt=PROMPT-1 type ok:]"]

        def steps(t):
            t.wait_for("PROMPT-1", 10)
            t.type("ok")
            t.wait_for("REMOTE-42", 10)
        t, _ = self.login("LANG=C.UTF-8", args, steps)
        self.assertIn("I " + UTF8_BLOCKS, t.capture(history=True))
        t, _ = self.login("LC_ALL=C", args, steps)
        self.assertIn(r"I \342\226\210\342\226\200\342\226\204", t.capture(history=True))

    def test_deny(self):
        def steps(t):
            t.wait_for("PROMPT-1", 10)
            t.type("no")
            t.wait_for("Permission denied", 10)
        self.login("LANG=C.UTF-8", ["[prompt=PROMPT-1 type ok:]"], steps)


class SudoProbe(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("sudo", "tmux", "setpriv", "visudo")
        cls.so = L.probe_module()
        cls.d = L.tmpdir()
        cls.user = L.TempUser()
        cls.service = "sudo-mide2e" + L.RUN_ID
        cls.pam = L.pam_service(cls.service, PERMIT_REST)
        # sudoers' pam_service gives sudo its own stack; /etc/pam.d/sudo is untouched
        L.sudoers_dropin("Defaults:%s pam_service=%s, timestamp_timeout=0\n%s ALL=(root) ALL\n"
                         % (cls.user.name, cls.service, cls.user.name))

    def sudo(self, pam_args):
        out = probe_out(self.d)
        L.write_file(self.pam, probe_line(self.so, out, *pam_args) + PERMIT_REST)
        cmd = ("setpriv --reuid=%d --regid=%d --init-groups env -i HOME=%s PATH=/usr/bin:/bin "
               "LANG=C.UTF-8 TERM=tmux sudo -k id -un" % (self.user.uid, self.user.gid, self.user.home))
        return L.Tmux(cmd), out

    def test_info_at_once_and_items(self):
        t, out = self.sudo(["[info=INFO-1 %s]" % UTF8_BLOCKS, "sleep=1500", "[prompt=PROMPT-1 type ok:]"])
        t.wait_for("INFO-1 " + UTF8_BLOCKS, 1.4)        # shown before the wait ends
        t.wait_for("PROMPT-1", 5)
        t.type("ok")
        t.wait_for("^root$", 5)
        c = L.read_probe(out)[0]
        self.assertEqual(c["PAM_SERVICE"], self.service)
        self.assertEqual(c["PAM_USER"], self.user.name)
        self.assertEqual(c["PAM_RUSER"], self.user.name)
        self.assertRegex(c["PAM_TTY"], r"^/dev/pts/\d+$")
        self.assertEqual(c["PAM_RHOST"], "(unset)")
        self.assertEqual(c["flags"], "32768")           # PAM_SILENT (sudoers pam_silent)
        self.assertEqual(c["sigint_blocked"], "1")      # sudo blocks SIGINT while authenticating

    def test_ctrl_c_is_left_pending(self):
        t, out = self.sudo(["[info=INFO-1]", "sleep=8000", "[prompt=PROMPT-1 type ok:]"])
        t.wait_for("INFO-1", 5)
        time.sleep(0.3)
        t.send("C-c")
        # sudo notices the pending SIGINT after the failed round and stops
        t.wait_for(r"incorrect password attempt", 10)
        t.wait_exit(10)
        c = L.read_probe(out)
        self.assertEqual(len(c), 1)                     # no retry after the interrupt
        self.assertEqual(c[0]["sigint"], "pending-blocked")

    def test_three_tries(self):
        t, out = self.sudo(["[prompt=PROMPT-1 type ok:]"])
        for _ in range(3):
            t.wait_for("PROMPT-1", 5)
            t.type("bad")
            time.sleep(0.3)
        t.wait_for("3 incorrect password attempts", 10)
        self.assertEqual(len(L.read_probe(out)), 3)


class SuLoginProbe(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("su", "login", "unshare", "tmux")
        cls.so = L.probe_module()
        cls.d = L.tmpdir()
        cls.user = L.TempUser()

    def run_prog(self, service, prog):
        out = probe_out(self.d)
        stack = L.write_file(os.path.join(self.d, service + ".pam"),
                             probe_line(self.so, out, "[info=INFO-1]", "[prompt=PROMPT-1 type ok:]")
                             + PERMIT_REST)
        t = L.Tmux(L.with_pam_overlay(service, stack, prog), env={"LANG": "C.UTF-8"})
        t.wait_for("PROMPT-1", 10)
        t.type("ok")
        time.sleep(1)
        t.type("echo SHELL-$((6*7)) $(id -un)")
        t.wait_for("SHELL-42 %s" % self.user.name, 10)
        return L.read_probe(out)[0]

    def test_su_l(self):
        c = self.run_prog("su-l", "su - %s" % self.user.name)
        self.assertEqual(c["PAM_SERVICE"], "su-l")
        self.assertEqual(c["PAM_USER"], self.user.name)
        self.assertEqual(c["PAM_RUSER"], "root")
        self.assertRegex(c["PAM_TTY"], r"^/dev/pts/\d+$")

    def test_login(self):
        c = self.run_prog("login", "login %s" % self.user.name)
        self.assertEqual(c["PAM_SERVICE"], "login")
        self.assertRegex(c["PAM_TTY"], r"^/dev/pts/\d+$")
        self.assertIn(c["PAM_RHOST"], ("", "(unset)"))   # login sets it to ""

    def test_machine_files_untouched(self):
        for f in ("su", "su-l", "login"):
            with open("/etc/pam.d/" + f) as fh:
                self.assertNotIn("pam_e2eprobe", fh.read())


class OpenVPNProbe(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_openvpn()
        cls.so = L.probe_module()
        cls.d = L.tmpdir()
        cls.out = probe_out(cls.d)
        cls.server = L.OpenVPNServer(PERMIT_REST)

    def set_stack(self, *args):
        open(self.out, "w").close()
        L.write_file("/etc/pam.d/" + self.server.service, probe_line(self.so, self.out, *args) + PERMIT_REST)

    def test_deferred_slow_module_with_info(self):
        self.set_stack("[info=INFO-1 %s]" % UTF8_BLOCKS, "sleep=3000")
        c = self.server.client("vpnuser")
        self.assertEqual(c.wait_result(30), "up")
        p = L.read_probe(self.out)[0]
        self.assertEqual(p["PAM_USER"], "vpnuser")
        self.assertEqual(p["PAM_RHOST"], "127.0.0.1")
        self.assertEqual(p["PAM_TTY"], "(unset)")
        self.assertEqual(p["info[0].rc"], "0")          # info is accepted (and dropped)
        self.assertEqual(p["isatty"], "000")
        self.assertIn("deferred auth", self.server.log())
        c.stop()

    def test_failure_is_auth_failed(self):
        self.set_stack("result=fail")
        c = self.server.client("vpnuser")
        self.assertEqual(c.wait_result(30), "auth_failed")
        c.stop()


if __name__ == "__main__":
    unittest.main()
