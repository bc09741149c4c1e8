"""pam_mobileid refuses a bad or unsafe configuration: PAM_SERVICE_ERR,
one log line naming the file (and line), and nothing sent to BankID
(doc/interface.md: return codes, config file, user map)."""
import os
import pwd
import subprocess
import unittest

from pamtest import PNR, PamCase, module_path
from safedir import safe_tmpdir  # noqa: E402 (pamtest sets the path)


def line_of(path, text):
    """1-based number of the first line of path that starts with text."""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith(text):
                return n
    raise AssertionError("%s has no line starting %r" % (path, text))


class BadConfigTest(PamCase):

    def refused(self, lg, s, user="alice"):
        self.assertEqual(self.run_login(lg, user), "PAM_SERVICE_ERR")
        self.assert_no_request(s)
        self.assertEqual(s.connections(), [])
        self.decision(lg, "refused config")
        for l in self.module_log(lg):
            self.assertNotIn("qwerty123", l, "a password in the log")

    def test_unknown_key_in_the_file_is_refused_naming_file_and_line(self):
        s = self.start_sim()
        lg = self.login(s, general={"colour": "red"})
        self.refused(lg, s)
        n = line_of(lg.conf, "colour")
        self.assert_log_names(lg, "%s:%d" % (lg.conf, n), "colour")

    def test_unknown_module_argument_is_refused(self):
        s = self.start_sim()
        lg = self.login(s, args="timout=5")
        self.refused(lg, s)
        self.assert_log_names(lg, "module argument", "timout")

    def test_bad_value_is_refused_naming_file_and_line(self):
        s = self.start_sim()
        lg = self.login(s, general={"qr": "sometimes"})
        self.refused(lg, s)
        self.assert_log_names(lg, "%s:%d" % (lg.conf, line_of(lg.conf, "qr")), "qr")

    def test_one_bad_line_among_good_ones_still_refuses_the_file(self):
        # every line is read (and each problem logged), the file refused
        s = self.start_sim()
        lg = self.login(s, general={"qr": "sometimes", "timeout": 30,
                                    "lang": "fi"})
        self.refused(lg, s)
        self.assert_log_names(lg, "%s:%d" % (lg.conf, line_of(lg.conf, "lang")), "lang")

    def test_timeout_out_of_range_is_refused_naming_file_and_line(self):
        s = self.start_sim()
        lg = self.login(s, general={"timeout": 0})
        self.refused(lg, s)
        self.assert_log_names(lg, "%s:%d" % (lg.conf, line_of(lg.conf, "timeout")),
                              "timeout")

    def test_config_writable_by_group_is_refused(self):
        s = self.start_sim()
        lg = self.login(s)
        os.chmod(lg.conf, 0o620)
        self.refused(lg, s)
        self.assert_log_names(lg, lg.conf, "writable")

    def test_config_not_owned_by_root_is_refused(self):
        s = self.start_sim()
        lg = self.login(s)
        nobody = pwd.getpwnam("nobody")
        os.chown(lg.conf, nobody.pw_uid, nobody.pw_gid)
        self.refused(lg, s)
        self.assert_log_names(lg, lg.conf, "owned by root")

    def test_password_in_a_config_readable_by_other_is_refused(self):
        s = self.start_sim()
        lg = self.login(s, bankid={"password_file": None, "password": "qwerty123"})
        os.chmod(lg.conf, 0o644)
        self.refused(lg, s)
        self.assert_log_names(lg, lg.conf, "readable by other")

    def test_password_in_a_config_only_root_reads_is_accepted(self):
        # the counterpart of the test above: the same file, mode 0600
        s = self.start_sim()
        lg = self.login(s, bankid={"password_file": None, "password": "qwerty123"})
        self.approve_in_app(lg, s)

    def test_usermap_entry_failing_the_luhn_check_is_refused_naming_the_line(self):
        s = self.start_sim()
        bad = PNR[:-1] + "8"
        lg = self.login(s, usermap="# users\nbob bankid:%s\nalice bankid:%s\n" % (PNR, bad))
        self.refused(lg, s)
        self.assert_log_names(lg, "%s:3" % lg.usermap)
        for l in self.module_log(lg):
            self.assertNotIn(bad, l)

    def test_wrong_pkcs12_password_is_refused(self):
        s = self.start_sim()
        d = safe_tmpdir("mid-pass.")
        self.addCleanup(lambda: (os.unlink(os.path.join(d, "pass")), os.rmdir(d)))
        with open(os.path.join(d, "pass"), "w") as f:
            f.write("not-the-password\n")
        os.chmod(os.path.join(d, "pass"), 0o600)
        lg = self.login(s, bankid={"password_file": os.path.join(d, "pass")})
        self.refused(lg, s)
        self.assert_log_names(lg, "client.p12", "password")



class AdminCheckTest(PamCase):
    """`mobileid check` finds what the module would refuse, before a login."""

    def check(self, lg, conf=None, cwd=None):
        tool = os.path.join(os.path.dirname(os.path.dirname(module_path())),
                            "pam_mobileid", "mobileid")
        p = subprocess.run([tool, "check", "-c", conf or lg.conf],
                           capture_output=True, text=True, timeout=30, cwd=cwd)
        self.verdict = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        return p.returncode, p.stdout + p.stderr

    def test_every_problem_of_the_file_is_reported_in_one_run(self):
        lg = self.login(None, general={"timout": 5, "qr": "sometimes",
                                       "lang": "fi"})
        rc, out = self.check(lg)
        self.assertEqual(rc, 1, out)
        self.assertIn("%s:%d: unknown key 'timout'" % (lg.conf, line_of(lg.conf, "timout")), out)
        self.assertIn("timeout", out.split("'timout'")[1].splitlines()[0],
                      "the known keys are listed")
        self.assertIn("%s:%d: bad value" % (lg.conf, line_of(lg.conf, "qr")), out)
        self.assertIn("allowed: auto, animate, prompt, off", out)
        self.assertIn("%s:%d:" % (lg.conf, line_of(lg.conf, "lang")), out)
        self.assertIn("allowed: auto, en, sv", out)
        # the verdict comes last
        self.assertTrue(self.verdict.endswith("problems found (bad configuration)"),
                        self.verdict)

    def test_a_relative_config_path_is_read_from_the_current_directory(self):
        lg = self.login(None)
        rc, out = self.check(lg, conf=os.path.basename(lg.conf),
                             cwd=os.path.dirname(lg.conf))
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.verdict, "%s: ok" % os.path.basename(lg.conf))

    def test_login_for_an_unmapped_user_names_the_map_and_the_line_to_add(self):
        tool = os.path.join(os.path.dirname(os.path.dirname(module_path())),
                            "pam_mobileid", "mobileid")
        lg = self.login(None)
        p = subprocess.run([tool, "login", "-c", lg.conf, "bob"],
                           capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("bob has no line in the user map %s" % lg.usermap, p.stderr)
        self.assertIn("'bob bankid:YYYYMMDDNNNN'", p.stderr)

    def test_an_empty_user_map_is_a_problem(self):
        lg = self.login(None, usermap="# nobody yet\n")
        rc, out = self.check(lg)
        self.assertEqual(rc, 1, out)
        self.assertIn("%s: problem: no user is mapped" % lg.usermap, out)
        self.assertTrue(self.verdict.endswith("problems found"), self.verdict)

    def test_a_good_config_passes(self):
        rc, out = self.check(self.login(None))
        self.assertEqual(rc, 0, out)
        self.assertIn(": ok", out)
        self.assertNotIn("warning", out)

    def test_a_timeout_longer_than_the_hosts_allow_is_warned_about(self):
        # login's LOGIN_TIMEOUT alarm and sshd's LoginGraceTime end the
        # approval first (read from this machine's own files)
        limits = []
        try:
            with open("/etc/login.defs") as f:
                for line in f:
                    w = line.split()
                    if len(w) == 2 and w[0] == "LOGIN_TIMEOUT" and w[1].isdigit():
                        limits.append(("LOGIN_TIMEOUT", int(w[1])))
                        break
        except OSError:
            pass
        if not limits or not 5 < limits[0][1] < 3600:
            self.skipTest("no usable LOGIN_TIMEOUT in /etc/login.defs")
        name, secs = limits[0]
        rc, out = self.check(self.login(None, general={"timeout": secs + 1}))
        self.assertEqual(rc, 0, out)
        self.assertIn("timeout = %d is longer than login's LOGIN_TIMEOUT (%d s"
                      % (secs + 1, secs), out)
        rc, out = self.check(self.login(None, general={"timeout": secs}))
        self.assertNotIn("LOGIN_TIMEOUT", out)

    def test_an_over_long_config_path_is_refused_not_cut(self):
        tool = os.path.join(os.path.dirname(os.path.dirname(module_path())),
                            "pam_mobileid", "mobileid")
        lg = self.login(None)
        # a path that only a cut would turn into the real config
        longp = lg.conf + "/" + "x" * 5000
        for cmd in (["check", "-c", longp], ["login", "-c", longp, "alice"]):
            p = subprocess.run([tool] + cmd, capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn("config path too long", p.stdout + p.stderr)

    def test_a_user_mapped_twice_is_a_problem(self):
        lg = self.login(None, usermap="alice bankid:%s\nalice bankid:%s\n"
                        % (PNR, PNR))
        rc, out = self.check(lg)
        self.assertEqual(rc, 1, out)
        self.assertIn("%s:2" % lg.usermap, out)

    def test_a_provider_this_build_lacks_is_a_problem_and_refused(self):
        # check and module agree: no row in the provider table, no provider
        s = self.start_sim()
        lg = self.login(s, usermap="alice bankid:%s\nbob freja:bob@x\n" % PNR)
        rc, out = self.check(lg)
        self.assertEqual(rc, 1, out)
        self.assertIn("%s:2: unknown provider 'freja'" % lg.usermap, out)
        self.assertEqual(self.run_login(lg, "alice"), "PAM_SERVICE_ERR")
        self.assert_no_request(s)
        self.assert_log_names(lg, "%s:2" % lg.usermap)

    def test_ascii_on_a_light_theme_is_warned_about(self):
        lg = self.login(None, general={"charset": "ascii", "theme": "light"})
        rc, out = self.check(lg)
        self.assertEqual(rc, 0, out)
        self.assertIn("warning: charset = ascii with theme = light", out)

    def test_check_tells_how_sshd_and_other_services_show_the_code(self):
        cases = [
            ({}, "display: sshd: qr = prompt, ascii code (46 lines); 'h' at "
             "the prompt switches to utf8 (24 lines), theme = dark",
             "display: other services: qr = animate, charset = from the "
             "locale"),
            ({"charset": "utf8"}, "display: sshd: qr = prompt, utf8 code "
             "(24 lines), theme = dark",
             "display: other services: qr = animate, charset = utf8"),
            ({"theme": "light"}, "display: sshd: qr = prompt, utf8 code "
             "(24 lines), theme = light", None),
            ({"qr": "animate", "charset": "utf8"}, "display: sshd: qr = "
             "animate (needs sshd 10.3 or later), utf8 code (23 lines), "
             "theme = dark", None),
            ({"qr": "off"}, "display: sshd: qr = off\n",
             "display: other services: qr = off"),
        ]
        for general, sshd, other in cases:
            with self.subTest(general=general):
                lg = self.login(None, general=dict(general, qr=general.get(
                    "qr", "auto")))
                rc, out = self.check(lg)
                self.assertEqual(rc, 0, out)
                self.assertIn(sshd, out)
                if other:
                    self.assertIn(other, out)


if __name__ == "__main__":
    unittest.main()
