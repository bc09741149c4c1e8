"""The admin tool with PassBy[ME]: `mobileid check` validates the
[passbyme] section and its credentials, `mobileid login` runs the same
approval as the module in a terminal."""
import os
import subprocess
import unittest

from pamtest import module_path
from pbmcase import BOB, PbmCase

TOOL = os.path.join(os.path.dirname(os.path.dirname(module_path())),
                    "pam_mobileid", "mobileid")


class ToolTest(PbmCase):

    def tool(self, *args, timeout=60):
        p = subprocess.run([TOOL] + list(args), capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout + p.stderr

    def test_check_passes_a_good_passbyme_section(self):
        s = self.start_sim()
        lg = self.login(s, passbyme={"availability": 15})
        rc, out = self.tool("check", "-c", lg.conf)
        self.assertEqual(rc, 0, out)
        self.assertIn("[passbyme] client certificate valid for", out)
        self.assertIn(": ok", out)
        self.assertEqual(s.requests(), [])

    def test_check_reports_availability_outliving_timeout(self):
        s = self.start_sim()
        lg = self.login(s, general={"timeout": 20}, passbyme={"availability": 60})
        rc, out = self.tool("check", "-c", lg.conf)
        self.assertEqual(rc, 1, out)
        self.assertIn("availability = 60 outlives timeout = 20", out)

    def test_check_reports_a_wrong_certificate_password(self):
        s = self.start_sim()
        lg = self.login(s, passbyme={"password_file": None, "password": "wrong"})
        rc, out = self.tool("check", "-c", lg.conf)
        self.assertEqual(rc, 1, out)
        self.assertIn("passbyme", out)
        self.assertNotIn("wrong", out.replace("wrong password", ""))

    def test_probe_reaches_passbyme_over_mutual_tls_and_starts_nothing(self):
        s = self.start_sim()
        lg = self.login(s, passbyme={"availability": 15})
        rc, out = self.tool("check", "--probe", "-c", lg.conf)
        self.assertEqual(rc, 0, out)
        self.assertIn("[passbyme] probe: TLS verified, client certificate "
                      "accepted (HTTP 404)", out)
        self.assertEqual([(r["method"], r["path"]) for r in s.requests()],
                         [("GET", "/frontend/")])
        self.assertEqual(s.messages(), [])

    def test_probe_reports_an_untrusted_server_and_a_refused_client(self):
        for sim_kw, sec, needle in (
                ({"cert": "server-otherca.pem", "key": "server-otherca.key"},
                 {}, "[passbyme] probe: problem: the server's certificate "
                 "did not verify"),
                ({}, {"cert": "%s/rogue.p12"}, "[passbyme] probe: problem: "
                 "the server did not accept our client certificate")):
            with self.subTest(needle=needle):
                s = self.start_sim(**sim_kw)
                sec = {k: v % s.certdir for k, v in sec.items()}
                sec["availability"] = 15
                lg = self.login(s, passbyme=sec)
                rc, out = self.tool("check", "--probe", "-c", lg.conf)
                self.assertEqual(rc, 1, out)
                self.assertIn(needle, out)
                self.assertNotIn("client certificate accepted", out)
                self.assertEqual(s.messages(), [])

    def test_login_approved_in_the_app(self):
        s = self.start_sim()
        s.user(BOB, answer="approve", answer_ms=1200)
        lg = self.login(s, general={"lang": "en"})
        rc, out = self.tool("login", "-c", lg.conf, "bob")
        self.assertEqual(rc, 0, out)
        self.assertIn("Approve the request in the PassBy[ME] app.", out)
        self.assertIn("Approved.", out)
        m = self.only_message(s)
        self.assertEqual(m["recipients"][0]["status"], "APPROVED")
        self.assertIn("bob", m["body"])

    def test_login_denied_in_the_app(self):
        s = self.start_sim()
        s.user(BOB, answer="deny", answer_ms=800)
        lg = self.login(s, general={"lang": "en"})
        rc, out = self.tool("login", "-c", lg.conf, "bob")
        self.assertEqual(rc, 1, out)
        self.assertIn("The request was denied in the PassBy[ME] app.", out)


if __name__ == "__main__":
    unittest.main()
