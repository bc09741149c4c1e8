"""passbyme-sim against doc/passbyme.md: mTLS, the message life cycle with
its delays, availability expiry, every recipient status, error replies,
fault modes and the virtual phone."""
import os
import re
import ssl
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pbmsim import PbmSim, certs  # noqa: E402

BOB = "bob@example.com"
EVE = "eve@example.com"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+01:00$")
SIM = None


def setUpModule():
    global SIM
    SIM = PbmSim(certs(), delivery_ms=200, download_ms=200, keep_ms=60000)


def tearDownModule():
    if SIM:
        SIM.stop()


class Base(unittest.TestCase):
    def setUp(self):
        self.sim = SIM
        self.sim.reset()

    def tearDown(self):
        self.assertTrue(self.sim.alive(), "simulator died:\n" + self.sim.log())

    def sent(self, recipients=(BOB,), **kw):
        st, m = self.sim.send(list(recipients), **kw)
        self.assertEqual(st, 200, m)
        return m

    def status_of(self, mid, **kw):
        st, m = self.sim.track(mid, **kw)
        self.assertEqual(st, 200, m)
        return m["recipients"][0]["status"]

    def wait_status(self, mid, want, timeout=10):
        return self.sim.wait_for(lambda: self.status_of(mid) == want, timeout)


class TransportTest(Base):
    def test_without_a_client_certificate_the_handshake_fails(self):
        before = self.sim.stats()["handshake_failures"]
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            self.sim.send([BOB], client=None)
        self.assertEqual(self.sim.stats()["handshake_failures"], before + 1)
        self.assertEqual(self.sim.messages(), [])

    def test_a_certificate_of_another_ca_is_refused(self):
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            self.sim.send([BOB], client="rogue")
        self.assertEqual(self.sim.messages(), [])

    def test_one_connection_serves_send_track_and_delete(self):
        conn = self.sim.connect()
        st, m = self.sim.send([BOB], conn=conn)
        self.assertEqual(st, 200)
        self.assertEqual(self.sim.track(m["messageId"], conn=conn)[0], 200)
        self.assertEqual(self.sim.cancel(m["messageId"], conn=conn)[0], 200)
        conn.close()
        self.assertEqual(self.sim.stats()["connections"], 1)
        self.assertEqual([r["method"] for r in self.sim.requests()],
                         ["POST", "GET", "DELETE"])

    def test_another_application_cannot_see_the_message(self):
        m = self.sent()
        st, body = self.sim.track(m["messageId"], client="client2")
        self.assertEqual((st, body["code"]), (420, "INVALID_SESSION_ID"))
        st, body = self.sim.cancel(m["messageId"], client="client2")
        self.assertEqual(st, 420)
        self.assertFalse(self.sim.message(m["messageId"])["cancelled"])


class SendTest(Base):
    def test_send_answers_a_session_info(self):
        m = self.sent(subject="Login approval", body="Log in to h as u")
        self.assertRegex(m["messageId"], r"^[A-Za-z0-9]+$")
        self.assertRegex(m["expirationDate"], ISO)
        self.assertEqual(m["recipients"], [{"userId": BOB, "status": "PENDING"}])
        self.assertTrue(m["secureId"])
        seen = self.sim.message(m["messageId"])
        self.assertEqual((seen["subject"], seen["body"], seen["type"],
                          seen["availability"], seen["client"]),
                         ("Login approval", "Log in to h as u",
                          "authorization", 60, "FP Testcert pam_mobileid"))

    def test_the_version_header_is_required(self):
        for version in (None, "2"):
            st, body = self.sim.send([BOB], version=version)
            self.assertEqual((st, body["code"]), (420, "UNSUPPORTED_API_VERSION"))
        self.assertEqual(self.sim.messages(), [])

    def test_the_body_is_json_whatever_the_content_type(self):
        st, m = self.sim.send([BOB], content_type="application/x-www-form-urlencoded")
        self.assertEqual(st, 200, m)

    def test_malformed_sends_are_420_malformed_input(self):
        good = {"recipients": [BOB], "subject": "s", "body": "b",
                "availability": 60, "type": "authorization"}
        bad = [dict(good, recipients=[]), dict(good, recipients=BOB),
               dict(good, recipients=[1]), dict(good, availability=0),
               dict(good, availability="60"), dict(good, type="login"),
               dict(good, subject="x" * 255), dict(good, body="x" * 4095),
               {k: v for k, v in good.items() if k != "type"}]
        for obj in bad:
            st, body = self.sim.call("POST", "messages", obj)
            self.assertEqual((st, body["code"]), (420, "MALFORMED_INPUT"), obj)
        st, body = self.sim.call("POST", "messages", raw=b"No JSON, sorry.")
        self.assertEqual((st, body["code"]), (420, "MALFORMED_INPUT"))
        self.assertEqual(self.sim.messages(), [])

    def test_unknown_paths_and_methods(self):
        self.assertEqual(self.sim.call("GET", "/frontend/other")[0], 404)
        self.assertEqual(self.sim.call("GET", "messages")[0], 405)
        self.assertEqual(self.sim.call("POST", "messages/x", {})[0], 405)

    def test_unknown_message_is_invalid_session_id(self):
        for method in ("GET", "DELETE"):
            st, body = self.sim.call(method, "messages/nosuchmessage")
            self.assertEqual((st, body["code"]), (420, "INVALID_SESSION_ID"))


class LifeCycleTest(Base):
    def test_pending_notified_downloaded_then_the_phone_approves(self):
        m = self.sent()
        mid = m["messageId"]
        self.wait_status(mid, "NOTIFIED")
        self.wait_status(mid, "DOWNLOADED")
        self.assertEqual(self.sim.phone(BOB, "approve")[0], 200)
        self.wait_status(mid, "APPROVED")
        time.sleep(0.3)
        self.assertEqual(self.status_of(mid), "APPROVED")  # final stays

    def test_scripted_answers_of_the_phone(self):
        for answer, want in (("approve", "APPROVED"), ("deny", "DENIED"),
                             ("see", "SEEN")):
            self.sim.user(BOB, answer=answer, answer_ms=100)
            mid = self.sent()["messageId"]
            self.wait_status(mid, want)

    def test_approval_as_another_recipient_names_the_other_id(self):
        self.sim.user(BOB, answer="approve_as", as_=EVE)
        mid = self.sent()["messageId"]
        self.sim.wait_for(lambda: self.sim.track(mid)[1]["recipients"][0]
                          == {"userId": EVE, "status": "APPROVED"}, 10)
        self.assertEqual(self.sim.message(mid)["recipients"][0]["mappedTo"], BOB)

    def test_accounts_that_end_the_message_at_once(self):
        for account, want in (("no_device", "NO_DEVICE"),
                              ("disabled", "DISABLED"), ("failed", "FAILED")):
            self.sim.user(BOB, account=account)
            m = self.sent()
            self.assertEqual(m["recipients"][0]["status"], want)

    def test_an_unknown_user_is_refused_with_not_found(self):
        self.sim.user(BOB, account="unknown")
        st, body = self.sim.send([BOB])
        self.assertEqual((st, body["code"]), (420, "NOT_FOUND"))
        self.assertEqual(self.sim.messages(), [])

    def test_availability_expiry_ends_each_open_state(self):
        cases = (("offline", "ignore", "NOT_NOTIFIED"),
                 ("no_download", "ignore", "NOT_DOWNLOADED"),
                 ("ok", "ignore", "NOT_SEEN"))
        mids = []
        for account, answer, want in cases:
            self.sim.user(BOB, account=account, answer=answer)
            mids.append((self.sent(availability=1)["messageId"], want))
        for mid, want in mids:
            self.wait_status(mid, want, 5)

    def test_an_answer_after_expiry_is_too_late(self):
        self.sim.user(BOB, answer="approve", answer_ms=1500)
        mid = self.sent(availability=1)["messageId"]
        self.wait_status(mid, "NOT_SEEN", 5)
        time.sleep(0.7)
        self.assertEqual(self.status_of(mid), "NOT_SEEN")

    def test_delete_cancels_an_open_message_once(self):
        mid = self.sent()["messageId"]
        st, m = self.sim.cancel(mid)
        self.assertEqual((st, m["recipients"][0]["status"]), (200, "CANCELLED"))
        st, body = self.sim.cancel(mid)
        self.assertEqual((st, body["code"]), (420, "ALREADY_COMPLETED"))
        seen = self.sim.message(mid)
        self.assertTrue(seen["cancelled"])
        self.assertEqual(seen["deletes"], 2)
        self.assertEqual(self.sim.phone(BOB, "approve")[0], 404)

    def test_the_phone_answers_the_newest_open_message(self):
        old = self.sent()["messageId"]
        new = self.sent()["messageId"]
        st, body = self.sim.phone(BOB, "deny")
        self.assertEqual((st, body["messageId"]), (200, new))
        self.wait_status(new, "DENIED")
        self.assertNotEqual(self.status_of(old), "DENIED")


class FaultTest(Base):
    def test_503_and_420_bodies_and_empty_200(self):
        self.sim.fault("status", "send", count=1, status=503, body="")
        self.sim.fault("status", "send", count=1, status=420,
                       body="No JSON, sorry.")
        self.sim.fault("status", "send", count=1, status=200, body="")
        self.assertEqual(self.sim.send([BOB])[:2], (503, b""))
        self.assertEqual(self.sim.send([BOB]), (420, b"No JSON, sorry."))
        self.assertEqual(self.sim.send([BOB]), (200, b""))
        self.assertEqual(self.sim.send([BOB])[0], 200)  # faults used up

    def test_maintenance_answers_service_unavailable(self):
        self.sim.fault("maintenance", "message", count=1)
        mid = self.sent()["messageId"]
        st, body = self.sim.track(mid)
        self.assertEqual((st, body["code"]), (503, "SERVICE_UNAVAILABLE"))

    def test_garbage_and_hang(self):
        self.sim.fault("garbage", "send", count=1)
        st, body = self.sim.send([BOB])
        self.assertEqual(st, 200)
        self.assertIsInstance(body, bytes)
        self.sim.fault("hang", "send", count=1)
        with self.assertRaises(OSError):
            self.sim.send([BOB], timeout=1)
        self.assertEqual(self.sim.requests()[-1]["status"], 0)


if __name__ == "__main__":
    unittest.main()
