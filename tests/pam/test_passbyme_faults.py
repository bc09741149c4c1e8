"""pam_mobileid when PassBy[ME] misbehaves: error replies, outages, broken
and hostile replies, servers that hang, TLS (doc/passbyme.md "Errors")."""
import os
import shutil
import time
import unittest

from pamtest import closed_port
from safedir import safe_tmpdir  # noqa: E402 (pamtest sets the path)
from pbmcase import BOB, NOT_SUCCESS, PbmCase


class SendFaultTest(PbmCase):

    def test_503_before_any_message_is_unavailable_or_failmode_safe(self):
        s = self.start_sim()
        for failmode, want in (("secure", "PAM_AUTHINFO_UNAVAIL"),
                               ("safe", "PAM_SUCCESS")):
            with self.subTest(failmode=failmode):
                s.reset()
                s.fault("status", "send", 1, status=503, body="")
                lg, code = self.bob(s, login={"general": {"failmode": failmode}})
                self.assertEqual(code, want)
                self.assertEqual(s.messages(), [])
                line = self.decision(lg, "unreachable")
                if failmode == "safe":
                    self.assertIn("failmode=safe", line)

    def test_connection_refused_is_unreachable(self):
        s = self.start_sim()
        lg, code = self.bob(s, login={"passbyme": {
            "url": "https://localhost:%d/frontend/" % closed_port()}})
        self.assertEqual(code, "PAM_AUTHINFO_UNAVAIL")
        self.decision(lg, "unreachable")

    def test_error_replies_to_the_send_never_log_in_even_failmode_safe(self):
        cases = (
            (420, '{"code":"CERTIFICATE_REVOKED","message":"Revoked."}',
             "CERTIFICATE_REVOKED"),
            (420, '{"code":"SERVICE_UNAVAILABLE","message":"Down."}',
             "SERVICE_UNAVAILABLE"),
            (420, '{"code":"PRICING_LIMIT_USER"}', "PRICING_LIMIT_USER"),
            (420, '{"code":421}', "421"),
            (420, "No JSON, sorry.", "not JSON"),
            (420, "", "not JSON"),
            (500, "", "500"),
            (401, "", "401"),
            (200, "", "not a JSON object"),
            (200, '{"messageId":"m1"}', "expirationDate"),
        )
        s = self.start_sim()
        for status, body, needle in cases:
            with self.subTest(status=status, body=body):
                s.reset()
                s.fault("status", "send", 1, status=status, body=body)
                lg, code = self.bob(s, login={"general": {"failmode": "safe"}})
                self.assertIn(code, NOT_SUCCESS)
                self.assert_log_names(lg, "passbyme", needle)
                self.assertFalse(self.decision(lg).startswith("approved"))

    def test_send_that_never_answers_ends_by_timeout(self):
        s = self.start_sim()
        s.fault("hang", "send", 1)
        t0 = time.monotonic()
        lg, code = self.bob(s, login={"general": {"timeout": 6,
                                                  "failmode": "safe"}})
        self.assertIn(code, NOT_SUCCESS)
        self.assertLess(self.elapsed(t0), 15)


class TrackFaultTest(PbmCase):

    def test_503_after_the_message_exists_never_logs_in_and_deletes(self):
        s = self.start_sim()
        s.fault("maintenance", "message", 3)
        lg, code = self.bob(s, login={"general": {"failmode": "safe"}})
        self.assertIn(code, NOT_SUCCESS)
        m = self.only_message(s)
        gets = [r for r in s.requests() if r["method"] == "GET"]
        self.assertEqual([r["status"] for r in gets], [503] * 3)
        # the third fault is used up: the DELETE goes through
        self.assert_deleted(s, m)

    def test_one_lost_poll_is_retried_and_the_approval_counts(self):
        s = self.start_sim()
        s.user(BOB, answer="approve", answer_ms=1500)
        s.fault("close", "message", 1)
        lg, code = self.bob(s)
        self.assertEqual(code, "PAM_SUCCESS")
        self.assertEqual(len(s.connections()), 2)

    def test_broken_track_replies_never_log_in_and_delete(self):
        bodies = ("", "No JSON", '{"messageId":"other",'
                  '"expirationDate":"2030-01-01T00:00:00Z","recipients":'
                  '[{"userId":"%s","status":"APPROVED"}]}' % BOB)
        s = self.start_sim()
        for body in bodies:
            with self.subTest(body=body):
                s.reset()
                s.user(BOB, answer="approve", answer_ms=3000)
                s.fault("status", "message", 1, status=200, body=body)
                lg, code = self.bob(s)
                self.assertEqual(code, "PAM_AUTHINFO_UNAVAIL")
                self.assert_deleted(s, self.only_message(s))
                self.decision(lg, "bad reply from provider")

    def test_track_that_never_answers_ends_by_timeout_and_deletes(self):
        s = self.start_sim()
        s.fault("hang", "message", 1)
        lg, code = self.bob(s, login={"general": {"timeout": 6}})
        self.assertIn(code, NOT_SUCCESS)
        self.assert_deleted(s, self.only_message(s))


class TlsTest(PbmCase):

    def test_server_certificate_from_another_ca_is_refused(self):
        s = self.start_sim(cert="server-otherca.pem", key="server-otherca.key")
        lg, code = self.bob(s, login={"general": {"failmode": "safe"}})
        self.assertEqual(code, "PAM_AUTHINFO_UNAVAIL")
        self.assertEqual(s.messages(), [])
        self.decision(lg, "TLS verification failed")

    def test_client_certificate_the_server_does_not_trust_never_logs_in(self):
        s = self.start_sim()
        certs = s.certdir
        lg, code = self.bob(s, login={"general": {"failmode": "safe"},
                                      "passbyme": {"cert": certs + "/rogue.p12"}})
        self.assertIn(code, NOT_SUCCESS)
        self.assertEqual(s.messages(), [])
        self.assertGreaterEqual(s.stats()["handshake_failures"], 1)

    def test_encrypted_pem_key_with_its_password_works(self):
        s = self.start_sim()
        s.user(BOB, answer="approve", answer_ms=500)
        d = safe_tmpdir("mid-pbm-pem.")
        self.addCleanup(shutil.rmtree, d, True)
        for f in ("client.pem", "client-enc.key"):
            shutil.copyfile(os.path.join(s.certdir, f), os.path.join(d, f))
            os.chmod(os.path.join(d, f), 0o600)
        lg, code = self.bob(s, login={"passbyme": {
            "cert": d + "/client.pem", "key": d + "/client-enc.key"}})
        self.assertEqual(code, "PAM_SUCCESS")


if __name__ == "__main__":
    unittest.main()
