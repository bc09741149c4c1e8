"""pam_mobileid's TLS to BankID: the configured CA is the only trust anchor,
the host name is checked, and the RP client certificate is required.
A bad certificate is an attack, not an outage: never success, whatever
failmode says (doc/interface.md, "Return codes")."""
import os
import unittest

from pamtest import CERTS, NOT_SUCCESS, PamCase

FAILMODES = ("secure", "safe")


class ServerCertificateTest(PamCase):

    def check_refused(self, sim_kw=None, bankid=None):
        for failmode in FAILMODES:
            with self.subTest(failmode=failmode):
                s = self.start_sim(**(sim_kw or {}))
                lg = self.login(s, general={"failmode": failmode},
                                bankid=bankid)
                self.assertIn(self.run_login(lg), NOT_SUCCESS)
                # the handshake failed: not one request reached the API
                self.assertEqual(s.requests(), [])
                self.assertEqual(s.orders(), [])
                line = self.decision(lg)
                self.assertFalse(line.startswith(("approved", "unreachable")), line)
                self.assertNotIn("failmode=safe", line)

    def test_server_certificate_from_another_ca_than_configured_is_refused(self):
        # the server is the right one; our `ca` is an unrelated CA
        self.check_refused(bankid={"ca": os.path.join(CERTS, "otherca.pem")})

    def test_expired_server_certificate_is_refused(self):
        self.check_refused(sim_kw={"cert": "server-expired.pem",
                                   "key": "server-expired.key"})

    def test_server_certificate_for_another_host_is_refused(self):
        self.check_refused(sim_kw={"cert": "server-wronghost.pem",
                                   "key": "server-wronghost.key"})

    def test_server_certificate_signed_by_an_unconfigured_ca_is_refused(self):
        self.check_refused(sim_kw={"cert": "server-otherca.pem",
                                   "key": "server-otherca.key"})


class CaFileTest(PamCase):
    """Every certificate of the `ca` file is a trust anchor, parsed once by
    the module (no other store behind it); a damaged one is a config
    error before any connection."""

    def ca_file(self, lg, *parts):
        text = ""
        for p in parts:
            if p.endswith(".pem"):
                with open(os.path.join(CERTS, p)) as f:
                    p = f.read()
            text += p
        return lg.write("cas.pem", text, 0o644)

    def test_every_certificate_of_the_ca_file_is_an_anchor(self):
        s = self.start_sim()
        lg = self.login(s)
        # the server's CA second, after an unrelated one
        lg = self.login(s, bankid={"ca": self.ca_file(lg, "otherca.pem",
                                                      "ca.pem")})
        self.approve_in_app(lg, s)

    def test_a_damaged_certificate_in_the_ca_file_is_a_config_error(self):
        s = self.start_sim()
        lg = self.login(s)
        lg = self.login(s, bankid={"ca": self.ca_file(
            lg, "ca.pem", "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n"
            "-----END CERTIFICATE-----\n")})
        self.assertEqual(self.run_login(lg), "PAM_SERVICE_ERR")
        self.assertEqual(s.connections(), [])
        self.assert_no_request(s)
        self.assert_log_names(lg, "a damaged certificate in CA file")


class ClientCertificateTest(PamCase):

    def test_missing_client_certificate_is_a_config_error_and_sends_nothing(self):
        s = self.start_sim()
        lg = self.login(s, bankid={"cert": None, "password_file": None})
        self.assertEqual(self.run_login(lg), "PAM_SERVICE_ERR")
        self.assertEqual(s.connections(), [])
        self.assert_no_request(s)
        self.assert_log_names(lg, "cert is required")
        self.decision(lg, "refused config")

    def test_client_certificate_the_server_does_not_trust_never_logs_in(self):
        for failmode in FAILMODES:
            with self.subTest(failmode=failmode):
                s = self.start_sim()
                lg = self.login(s, general={"failmode": failmode},
                                bankid={"cert": os.path.join(CERTS, "rogue.p12")})
                self.assertIn(self.run_login(lg), NOT_SUCCESS)
                self.assertEqual(s.requests(), [])
                self.assertEqual(s.orders(), [])
                self.assertGreaterEqual(s.stats()["handshake_failures"], 1)
                line = self.decision(lg)
                self.assertFalse(line.startswith(("approved", "unreachable")), line)


if __name__ == "__main__":
    unittest.main()
