"""`mobileid check --probe` names the step that fails on the way to a
provider, each with its own line and the verdict 'problems found' (exit 1),
or warns (exit 0) about a server clock that is off and an RP certificate
near its end; an expired one is a problem. The probe is one GET of the
base URL: the simulator's request log never shows an order (auth, sign)
or a message, whatever the outcome (doc/interface.md, mobileid(1))."""
import os
import subprocess
import unittest

from pamtest import CERTS, PamCase, module_path
from netfault import closed_port  # noqa: E402 (pamtest sets the path)
import pbmsim  # noqa: E402
from test_toopher import ToopherLogin  # noqa: E402
from toopher_sim import SECRET, ToopherSim  # noqa: E402

TOOL = os.path.join(os.path.dirname(os.path.dirname(module_path())),
                    "pam_mobileid", "mobileid")
OK = "probe: TLS verified, client certificate accepted"
# the first words of each problem line (pam_mobileid/probe.c)
DNS = "probe: problem: DNS: the host of "
REFUSED = "probe: problem: no connection to "
UNTRUSTED = "probe: problem: the server's certificate did not verify"
CLIENT_REFUSED = "probe: problem: the server did not accept our client certificate"
SKEW = "probe: warning: this host's clock is "
PROBLEMS = (DNS, REFUSED, UNTRUSTED, CLIENT_REFUSED)


class ProbeCase(PamCase):

    section = "bankid"

    def probe(self, lg):
        p = subprocess.run([TOOL, "check", "--probe", "-c", lg.conf],
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        lines = p.stdout.strip().splitlines()
        self.verdict = lines[-1] if lines else ""
        return p.returncode, p.stdout + p.stderr

    def start(self, sim_kw=None, **sec):
        s = self.start_sim(**(sim_kw or {}))
        return s, self.login(s, **{self.section: sec})

    def assert_problem(self, out, rc, needle):
        """Exit 1, the one problem line of this class (and no other
        class's), and 'problems found' last."""
        self.assertEqual(rc, 1, out)
        self.assertIn("[%s] %s" % (self.section, needle), out)
        for other in PROBLEMS:
            if not needle.startswith(other):
                self.assertNotIn(other, out)
        self.assertNotIn(OK, out)
        self.assertTrue(self.verdict.endswith(": problems found"), self.verdict)

    def assert_ok(self, out, rc):
        self.assertEqual(rc, 0, out)
        self.assertIn("[%s] %s" % (self.section, OK), out)
        self.assertTrue(self.verdict.endswith(": ok"), self.verdict)

    def assert_nothing_started(self, s, probed=True):
        """At most the probe's GET of the base URL reached the simulator."""
        want = [("GET", s.API_PREFIX)] if probed else []
        self.assertEqual([(r["method"], r["path"]) for r in s.requests()], want)


class BankIdProbeTest(ProbeCase):

    def assert_nothing_started(self, s, probed=True):
        super().assert_nothing_started(s, probed)
        self.assertEqual(s.orders(), [])

    def test_a_good_setup_is_reached_and_nothing_is_started(self):
        s, lg = self.start()
        rc, out = self.probe(lg)
        self.assert_ok(out, rc)
        self.assertIn("(HTTP 404)", out)
        self.assertNotIn("warning", out)
        self.assert_nothing_started(s)

    def test_a_name_that_does_not_resolve_is_a_dns_problem(self):
        s, lg = self.start(url="https://mid-probe.invalid/rp/v6.0/")
        rc, out = self.probe(lg)
        self.assert_problem(out, rc, DNS + "https://mid-probe.invalid/rp/v6.0/")
        self.assert_nothing_started(s, probed=False)

    def test_a_refused_connection_names_the_url(self):
        url = "https://127.0.0.1:%d/rp/v6.0/" % closed_port()
        s, lg = self.start(url=url)
        rc, out = self.probe(lg)
        self.assert_problem(out, rc, REFUSED + url + " (refused or unreachable)")
        self.assert_nothing_started(s, probed=False)

    def test_a_rogue_server_with_a_certificate_from_another_ca_is_untrusted(self):
        s, lg = self.start({"cert": "server-otherca.pem",
                            "key": "server-otherca.key"})
        rc, out = self.probe(lg)
        self.assert_problem(out, rc, UNTRUSTED)
        self.assertIn("ca = %s" % os.path.join(CERTS, "ca.pem"), out)
        self.assertIn("unable to get local issuer certificate", out)
        # our side ended the handshake: the server saw no request
        self.assert_nothing_started(s, probed=False)

    def test_the_ca_of_the_other_environment_is_untrusted(self):
        s, lg = self.start(ca=os.path.join(CERTS, "otherca.pem"))
        rc, out = self.probe(lg)
        self.assert_problem(out, rc, UNTRUSTED)
        self.assertIn("ca = %s" % os.path.join(CERTS, "otherca.pem"), out)
        self.assert_nothing_started(s, probed=False)

    def test_a_client_certificate_the_server_does_not_know_is_refused(self):
        rogue = os.path.join(CERTS, "rogue.p12")
        s, lg = self.start(cert=rogue)
        rc, out = self.probe(lg)
        self.assert_problem(out, rc, CLIENT_REFUSED + " cert = " + rogue)
        self.assertGreaterEqual(s.stats()["handshake_failures"], 1)
        self.assert_nothing_started(s, probed=False)

    def test_a_server_clock_an_hour_off_is_a_warning_either_way(self):
        for offset, word in ((-3600, "ahead of"), (3600, "behind")):
            with self.subTest(offset=offset):
                s, lg = self.start({"date_offset_s": offset})
                rc, out = self.probe(lg)
                self.assert_ok(out, rc)
                self.assertIn("[bankid] %s3600 s %s the server's" % (SKEW, word),
                              out)
                self.assert_nothing_started(s)

    def test_a_server_clock_within_a_minute_is_no_warning(self):
        s, lg = self.start({"date_offset_s": 30})
        rc, out = self.probe(lg)
        self.assert_ok(out, rc)
        self.assertNotIn(SKEW, out)

    def test_an_rp_certificate_near_its_end_is_a_warning(self):
        soon = os.path.join(CERTS, "client-soon.p12")
        s, lg = self.start(cert=soon)
        rc, out = self.probe(lg)
        self.assert_ok(out, rc)
        self.assertRegex(out, r"\[bankid\] warning: the client certificate %s "
                         r"expires in \d+ days" % soon)
        self.assert_nothing_started(s)

    def test_an_expired_rp_certificate_is_a_problem_and_not_probed(self):
        expired = os.path.join(CERTS, "client-expired.p12")
        s, lg = self.start(cert=expired)
        rc, out = self.probe(lg)
        self.assertEqual(rc, 1, out)
        self.assertIn("%s: client certificate expired on 2021-01-01" % expired,
                      out)
        self.assertIn("[bankid] probe: not done", out)
        self.assertTrue(self.verdict.endswith(": problems found"), self.verdict)
        self.assertEqual(s.connections(), [])
        self.assert_nothing_started(s, probed=False)


class PassbymeProbeTest(ProbeCase):
    """The same probe through PassBy[ME]'s section and simulator."""

    section = "passbyme"

    def start_sim(self, **kw):
        s = pbmsim.PbmSim(CERTS, **kw)
        self.addCleanup(s.stop)
        return s

    def start(self, sim_kw=None, **sec):
        s = self.start_sim(**(sim_kw or {}))
        sec.setdefault("availability", 15)
        return s, self.login(s, usermap="bob passbyme:bob@example.com\n",
                             general={"timeout": 20}, passbyme=sec)

    def assert_nothing_started(self, s, probed=True):
        super().assert_nothing_started(s, probed)
        self.assertEqual(s.messages(), [])

    def test_a_refused_connection_and_a_dns_failure_are_told_apart(self):
        url = "https://127.0.0.1:%d/frontend/" % closed_port()
        for sec, needle in (({"url": url}, REFUSED + url),
                            ({"url": "https://pbm-probe.invalid/frontend/"},
                             DNS + "https://pbm-probe.invalid/frontend/")):
            with self.subTest(needle=needle):
                s, lg = self.start(**sec)
                rc, out = self.probe(lg)
                self.assert_problem(out, rc, needle)
                self.assert_nothing_started(s, probed=False)

    def test_a_skewed_server_clock_is_a_warning(self):
        s, lg = self.start({"date_offset_s": -600})
        rc, out = self.probe(lg)
        self.assert_ok(out, rc)
        self.assertIn("[passbyme] %s600 s ahead of the server's" % SKEW, out)
        self.assert_nothing_started(s)


class ToopherProbeTest(ProbeCase):
    """Toopher takes no client certificate: the probe is one signed GET of
    a pairing that does not exist, which proves the consumer key and
    secret too (404, where a refused signature is 401)."""

    section = "toopher"
    NO_PAIRING = "/v1/pairings/00000000-0000-0000-0000-000000000000"

    def start(self, sim_kw=None, secret=SECRET, **sec):
        s = ToopherSim(**(sim_kw or {}))
        self.addCleanup(s.stop)
        pid = s.new_pairing("alice")["id"]
        lg = ToopherLogin(s, pid, toopher=sec, secret=secret)
        self.addCleanup(lg.close)
        return s, lg

    def assert_nothing_started(self, s, probed=True, status=404):
        """At most the probe's GET; no authentication request, no pairing."""
        want = [("GET", self.NO_PAIRING, status)] if probed else []
        self.assertEqual([(r["method"], r["path"], r["status"])
                          for r in s.requests()], want)
        self.assertEqual(s.requests_made(), [])

    def test_a_good_setup_is_reached_with_its_signature_accepted(self):
        s, lg = self.start()
        rc, out = self.probe(lg)
        self.assertEqual(rc, 0, out)
        self.assertIn("[toopher] probe: TLS verified, signed request accepted "
                      "(HTTP 404)", out)
        self.assertNotIn("warning", out)
        self.assertTrue(self.verdict.endswith(": ok"), self.verdict)
        self.assert_nothing_started(s)

    def test_a_wrong_secret_is_a_refused_signature(self):
        s, lg = self.start(secret="not-the-secret")
        rc, out = self.probe(lg)
        self.assertEqual(rc, 1, out)
        self.assertIn("[toopher] probe: problem: the server refused our signed "
                      "request (HTTP 401)", out)
        self.assertTrue(self.verdict.endswith(": problems found"), self.verdict)
        self.assert_nothing_started(s, status=401)

    def test_a_server_clock_ten_minutes_off_refuses_and_says_why(self):
        # the server judges our signature's timestamp by its own clock
        s, lg = self.start({"date_offset_s": 600})
        s.clock(600)
        rc, out = self.probe(lg)
        self.assertEqual(rc, 1, out)
        self.assertIn("refused our signed request (HTTP 401)", out)
        self.assertIn("[toopher] %s600 s behind the server's" % SKEW, out)
        self.assert_nothing_started(s, status=401)

    def test_an_untrusted_server_and_a_refused_connection_are_told_apart(self):
        url = "https://127.0.0.1:%d/v1/" % closed_port()
        for sec, needle in (({"ca": os.path.join(CERTS, "otherca.pem")}, UNTRUSTED),
                            ({"url": url}, REFUSED + url)):
            with self.subTest(needle=needle):
                s, lg = self.start(**sec)
                rc, out = self.probe(lg)
                self.assert_problem(out, rc, needle)
                self.assertNotIn("signed request accepted", out)
                self.assert_nothing_started(s, probed=False)


if __name__ == "__main__":
    unittest.main()
