"""toopher-sim: requests signed by python3-oauthlib (not our oauth1.c) are
verified as the real service does; every refusal reason; pairing and
authentication state machines; the account errors; faults."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from toopher_sim import KEY, SECRET, ToopherSim  # noqa: E402

INITIATE = "authentication_requests/initiate"


class SimCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ToopherSim()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def setUp(self):
        self.s.reset()
        self.pid = self.s.new_pairing("alice")["id"]

    def initiate(self, **params):
        params.setdefault("pairing_id", self.pid)
        params.setdefault("terminal_name", "host1.example.com")
        return self.s.signed("POST", INITIATE, params)

    def last_log(self):
        return self.s.requests()[-1]


class SignatureTest(SimCase):
    def test_every_placement_of_a_good_signature_is_accepted(self):
        for placement in ("header", "query", "body"):
            st, body = self.s.signed("POST", INITIATE,
                                     {"pairing_id": self.pid, "terminal_name": "h"},
                                     placement=placement)
            self.assertEqual(st, 200, (placement, body))
            if placement == "body":
                continue  # a GET has no body to carry it
            st, body = self.s.signed("GET", "users", {"name": "alice"},
                                     placement=placement)
            self.assertEqual(st, 200, (placement, body))
            self.assertEqual(body[0]["name"], "alice")

    def test_wrong_secret_and_unknown_key_are_401(self):
        st, body = self.s.signed("GET", "users", {"name": "alice"}, secret="wrong")
        self.assertEqual((st, body["error_message"]), (401, "bad signature"))
        st, body = self.s.signed("GET", "users", {"name": "alice"}, key="nobody")
        self.assertEqual((st, body["error_message"]), (401, "unknown consumer key"))
        self.assertEqual(self.last_log()["errorCode"], "unknown consumer key")
        # the consumer can be changed for a test
        self.s.consumer("other-key", "other-secret")
        st, _ = self.s.signed("GET", "users", {"name": "alice"})
        self.assertEqual(st, 401)
        st, _ = self.s.signed("GET", "users", {"name": "alice"},
                              key="other-key", secret="other-secret")
        self.assertEqual(st, 200)

    def test_stale_timestamps_are_401_both_ways(self):
        now = int(time.time())
        for ts in (now - 301, now + 301, 1000):
            st, body = self.s.signed("GET", "users", {"name": "alice"},
                                     timestamp=str(ts))
            self.assertEqual((st, body["error_message"]), (401, "stale timestamp"), ts)
        st, _ = self.s.signed("GET", "users", {"name": "alice"},
                              timestamp=str(now - 200))
        self.assertEqual(st, 200)
        # the simulator's clock can be moved instead
        self.s.clock(1000)
        st, body = self.s.signed("GET", "users", {"name": "alice"})
        self.assertEqual((st, body["error_message"]), (401, "stale timestamp"))

    def test_a_replayed_nonce_is_401_a_fresh_one_is_not(self):
        ts = str(int(time.time()))
        st, _ = self.s.signed("GET", "users", {"name": "alice"}, nonce="n1", timestamp=ts)
        self.assertEqual(st, 200)
        st, body = self.s.signed("GET", "users", {"name": "bob"}, nonce="n1", timestamp=ts)
        self.assertEqual((st, body["error_message"]), (401, "replayed nonce"))
        st, _ = self.s.signed("GET", "users", {"name": "alice"}, nonce="n2", timestamp=ts)
        self.assertEqual(st, 200)

    def test_a_changed_body_or_path_breaks_the_signature(self):
        from oauthlib import oauth1
        c = oauth1.Client(KEY, client_secret=SECRET)
        url = self.s.api_url + INITIATE
        uri, headers, _ = c.sign(url, "POST", "pairing_id=%s&terminal_name=a" % self.pid,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        st, body = self.s.send("POST", uri, headers,
                               "pairing_id=%s&terminal_name=b" % self.pid)
        self.assertEqual((st, body["error_message"]), (401, "bad signature"))
        uri, headers, _ = c.sign(self.s.api_url + "users?name=alice", "GET")
        st, _ = self.s.send("GET", self.s.api_url + "users?name=bob", headers, None)
        self.assertEqual(st, 401)

    def test_missing_or_doubled_oauth_parameters_are_401(self):
        st, body = self.s.send("GET", self.s.api_url + "users?name=alice", {}, None)
        self.assertEqual((st, body["error_message"]), (401, "missing oauth parameters"))
        from oauthlib import oauth1
        c = oauth1.Client(KEY, client_secret=SECRET,
                          signature_type=oauth1.SIGNATURE_TYPE_QUERY)
        uri, _, _ = c.sign(self.s.api_url + "users?name=alice", "GET")
        c2 = oauth1.Client(KEY, client_secret=SECRET)
        _, headers, _ = c2.sign(self.s.api_url + "users?name=alice", "GET")
        st, _ = self.s.send("GET", uri, headers, None)
        self.assertEqual(st, 401)

    def test_other_signature_methods_are_refused(self):
        from oauthlib import oauth1
        c = oauth1.Client(KEY, client_secret=SECRET,
                          signature_method=oauth1.SIGNATURE_PLAINTEXT)
        uri, headers, _ = c.sign(self.s.api_url + "users?name=alice", "GET")
        st, body = self.s.send("GET", uri, headers, None)
        self.assertEqual((st, body["error_message"]), (401, "unsupported signature method"))

    def test_json_bodies_are_refused(self):
        from oauthlib import oauth1
        c = oauth1.Client(KEY, client_secret=SECRET)
        uri, headers, _ = c.sign(self.s.api_url + INITIATE, "POST")
        headers["Content-Type"] = "application/json"
        st, body = self.s.send("POST", uri, headers, '{"pairing_id":"%s"}' % self.pid)
        self.assertEqual(st, 400, body)


class PairingTest(SimCase):
    def test_phrase_pairing_waits_for_the_phone(self):
        st, p = self.s.signed("POST", "pairings/create",
                              {"pairing_phrase": "awkward turtle", "user_name": "bob@host1"})
        self.assertEqual(st, 200, p)
        self.assertEqual((p["pending"], p["enabled"], p["user"]["name"]),
                         (True, False, "bob@host1"))
        st, _ = self.s.phone_pair("confirm", phrase="awkward turtle", delay_ms=300)
        self.assertEqual(st, 200)
        st, p2 = self.s.signed("GET", "pairings/" + p["id"])
        self.assertTrue(p2["pending"])
        time.sleep(0.4)
        st, p2 = self.s.signed("GET", "pairings/" + p["id"])
        self.assertEqual((p2["pending"], p2["enabled"]), (False, True))

    def test_denied_pairing_and_bad_phrases(self):
        st, p = self.s.signed("POST", "pairings/create",
                              {"pairing_phrase": "lazy dog", "user_name": "bob"})
        self.s.phone_pair("deny", pairing_id=p["id"])
        st, p2 = self.s.signed("GET", "pairings/" + p["id"])
        self.assertEqual((p2["pending"], p2["enabled"]), (False, False))
        for phrase in ("", "Lazy Dog", "555 1234", "two  spaces"):
            st, body = self.s.signed("POST", "pairings/create",
                                     {"pairing_phrase": phrase, "user_name": "bob"})
            self.assertEqual(st, 400, phrase)
        st, _ = self.s.signed("GET", "pairings/no-such-id")
        self.assertEqual(st, 404)


class AuthenticationTest(SimCase):
    def test_request_stays_pending_until_the_phone_answers(self):
        st, r = self.initiate(action_name="sshd login")
        self.assertEqual((st, r["pending"], r["action"]["name"]), (200, True, "sshd login"))
        self.assertEqual(r["terminal"]["name"], "host1.example.com")
        st, r2 = self.s.signed("GET", "authentication_requests/" + r["id"])
        self.assertTrue(r2["pending"])
        self.assertEqual(self.s.answer(self.pid, "grant")[0], 200)
        st, r2 = self.s.signed("GET", "authentication_requests/" + r["id"])
        self.assertEqual((r2["pending"], r2["granted"], r2["automated"]),
                         (False, True, False))
        seen = self.s.requests_made()[-1]
        self.assertEqual(seen["polls"], 2)
        self.assertEqual(seen["params"]["action_name"], "sshd login")
        # answered once: nothing pending to answer
        self.assertEqual(self.s.answer(self.pid, "deny")[0], 404)

    def test_denial_and_automation(self):
        _, r = self.initiate()
        self.s.answer(self.pid, "deny")
        _, r = self.s.signed("GET", "authentication_requests/" + r["id"])
        self.assertEqual((r["pending"], r["granted"]), (False, False))
        self.s.automate(self.pid, "grant")
        _, r = self.initiate()
        self.assertTrue(r["pending"])
        _, r = self.s.signed("GET", "authentication_requests/" + r["id"])
        self.assertEqual((r["pending"], r["granted"], r["automated"]), (False, True, True))
        self.s.automate(self.pid, "deny", immediate=True)
        _, r = self.initiate()
        self.assertEqual((r["pending"], r["granted"], r["automated"]), (False, False, True))
        # a requester that forbids automation gets a manual answer
        _, r = self.initiate(automation_allowed="False")
        self.assertTrue(r["pending"])

    def test_every_account_error(self):
        st, body = self.initiate(pairing_id="", user_name="nobody")
        self.assertEqual((st, body["error_code"]), (409, 705))
        st, body = self.initiate(terminal_id="no-such-terminal")
        self.assertEqual((st, body["error_code"]), (409, 706))
        self.s.user_state("alice", otp="error")
        st, body = self.initiate()
        self.assertEqual((st, body["error_code"]), (409, 708))
        self.s.user_state("alice", otp="reason")
        st, body = self.initiate()
        self.assertEqual((st, body["reason_code"]), (200, 708))
        self.s.user_state("alice", disabled=True)
        st, body = self.initiate()
        self.assertEqual((st, body["error_code"]), (409, 704))
        self.s.user_state("alice")
        self.s.pairing_state(self.pid, "deactivated")
        st, body = self.initiate()
        self.assertEqual((st, body["error_code"]), (409, 707))
        self.s.pairing_state(self.pid, "unauthorized")
        st, body = self.initiate()
        self.assertEqual((st, body["error_code"]), (409, 601))
        pending = self.s.new_pairing("carol", state="pending")["id"]
        st, body = self.initiate(pairing_id=pending)
        self.assertEqual((st, body["error_code"]), (409, 601))
        st, body = self.initiate(pairing_id="no-such-pairing")
        self.assertEqual(st, 404)
        self.assertEqual(self.last_log()["errorCode"], "404")

    def test_otp_decides_at_once(self):
        _, r = self.initiate(otp="123456")
        self.assertEqual((r["pending"], r["granted"]), (False, True))
        _, r = self.initiate(otp="000000")
        self.assertEqual((r["pending"], r["granted"]), (False, False))


class FaultTest(SimCase):
    def test_faults_replace_the_answer(self):
        self.s.fault("maintenance", "initiate", count=1)
        st, body = self.initiate()
        self.assertEqual((st, body["error_code"]), (503, 503))
        self.s.fault("status", "auth_status", count=1, status=409,
                     body='{"error_code":707,"error_message":"Pairing has been deactivated"}')
        _, r = self.initiate()
        st, body = self.s.signed("GET", "authentication_requests/" + r["id"])
        self.assertEqual((st, body["error_code"]), (409, 707))
        self.s.fault("garbage", "users", count=1)
        st, body = self.s.signed("GET", "users", {"name": "alice"})
        self.assertIsInstance(body, bytes)


if __name__ == "__main__":
    unittest.main()
