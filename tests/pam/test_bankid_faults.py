"""pam_mobileid when BankID misbehaves: error replies, outages, hostile and
broken replies, slow servers (doc/interface.md, "Return codes"; doc/bankid.md, "Error answers").
The simulator injects the faults; the module runs under libpam."""
import re
import time
import unittest

from pamtest import NOT_SUCCESS, PNR, PamCase, closed_port

# (mode, extra fault parameters)
MALFORMED = {
    "garbage": {},        # not JSON at all
    "html403": {},        # nginx's HTML 403 page
    "wrongtype": {},      # every field of the wrong JSON type
    "deepnest": {},       # 100 000 nested arrays
    "oversized": {"bytes": 300 * 1024},  # more than the 256 KiB cap
    "badutf8": {},        # invalid UTF-8 inside the strings
}


def syslog_priorities(lg):
    """(priority, line) of every pam_syslog line pam_wrapper printed."""
    err = lg.err.decode("utf-8", "replace")
    return [(int(m.group(1)), m.group(2))
            for m in re.finditer(r"SYSLOG\((\d+)\): (.*)", err)]


class ErrorReplyTest(PamCase):

    def test_invalid_parameters_on_auth_never_logs_in(self):
        for failmode in ("secure", "safe"):
            with self.subTest(failmode=failmode):
                s = self.start_sim()
                s.fault("status", "auth", 1, status=400,
                        body='{"errorCode":"invalidParameters",'
                             '"details":"Invalid endUserIp"}')
                lg = self.login(s, general={"failmode": failmode})
                self.assertIn(self.run_login(lg), NOT_SUCCESS)
                self.assertEqual([(r["path"], r["status"]) for r in s.requests()],
                                 [("/rp/v6.0/auth", 400)])
                self.assertEqual(s.orders(), [])
                self.assert_log_names(lg, "400", "invalidParameters")
                self.assertFalse(self.decision(lg).startswith("approved"))

    def test_internal_error_on_auth_never_logs_in(self):
        for failmode in ("secure", "safe"):
            with self.subTest(failmode=failmode):
                s = self.start_sim()
                s.fault("internal", "auth", 1)
                lg = self.login(s, general={"failmode": failmode})
                self.assertIn(self.run_login(lg), NOT_SUCCESS)
                self.assertEqual([(r["path"], r["status"]) for r in s.requests()],
                                 [("/rp/v6.0/auth", 500)])
                self.assertEqual(s.orders(), [])
                self.assert_log_names(lg, "500", "internalError")

    def test_maintenance_before_any_order_is_unavailable(self):
        s = self.start_sim()
        s.fault("maintenance", "auth", 1)
        lg = self.login(s)
        self.assertEqual(self.run_login(lg), "PAM_AUTHINFO_UNAVAIL")
        self.assertEqual(self.paths(s), ["auth"])
        self.assertEqual(s.orders(), [])
        self.decision(lg, "unreachable")

    def test_maintenance_before_any_order_with_failmode_safe_lets_in_with_a_warning(self):
        s = self.start_sim()
        s.fault("maintenance", "auth", 1)
        lg = self.login(s, general={"failmode": "safe"})
        self.assertEqual(self.run_login(lg), "PAM_SUCCESS")
        self.assertEqual(self.paths(s), ["auth"])
        self.assertEqual(s.orders(), [])
        line = self.decision(lg, "unreachable")
        self.assertIn("failmode=safe", line)
        prio = [p for p, l in syslog_priorities(lg) if l == line]
        self.assertEqual(len(prio), 1)
        self.assertLessEqual(prio[0], 4, "not logged as a warning")

    def test_maintenance_after_the_order_exists_never_lets_in_even_failmode_safe(self):
        s = self.start_sim()
        s.fault("maintenance", "collect")  # every collect from now on
        lg = self.login(s, general={"failmode": "safe", "timeout": 15})
        t0 = time.monotonic()
        code = self.run_login(lg)
        self.assertIn(code, NOT_SUCCESS)
        self.assertLess(self.elapsed(t0), 12)
        o = self.only_order(s)
        collects = [r for r in s.requests() if r["path"].endswith("/collect")]
        self.assertGreaterEqual(len(collects), 1)
        self.assertTrue(all(r["status"] == 503 for r in collects))
        self.assert_cancelled(s, o)
        self.assertNotIn("failmode=safe", self.decision(lg))


class RestartAndRetryTest(PamCase):

    def test_maintenance_when_restarting_an_unscanned_order_never_logs_in_even_failmode_safe(self):
        # an order existed, so this is "a failure after an order exists":
        # PAM_AUTH_ERR or PAM_AUTHINFO_UNAVAIL, not a config error
        # the order lapses on cue, after the fault is in place (a clock
        # could lapse it first on a loaded machine)
        s = self.start_sim(start_failed_ms=600000)
        lg = self.login(s, general={"failmode": "safe", "timeout": 60})
        lg.start("alice")
        ref = s.wait_for(lambda: s.orders(), 30)[0]["orderRef"]
        s.fault("maintenance", "auth")  # every later auth: 503
        self.assertEqual(s.lapse(ref)[0], 200)
        code = self.finish(lg, 30)
        self.assertNotEqual(code, "PAM_SUCCESS")
        o = self.only_order(s)
        self.assertEqual((o["status"], o["hintCode"]), ("failed", "startFailed"))
        auths = [r["status"] for r in s.requests() if r["path"].endswith("/auth")]
        self.assertEqual(auths[:2], [200, 503])
        self.assertNotIn("failmode=safe", self.decision(lg))
        self.assertEqual(code, "PAM_AUTHINFO_UNAVAIL")

    def test_collect_lost_with_its_connection_is_retried_and_the_approval_counts(self):
        s = self.start_sim()
        s.fault("close", "collect", 1)  # the first collect: connection dropped
        lg = self.login(s, general={"timeout": 15})
        lg.start("alice")
        s.wait_for(lambda: s.orders(), 10)
        st, body = s.open(PNR, "approve", 1500)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        o = self.only_order(s)
        self.assertEqual(o["status"], "complete")
        collects = [r for r in s.requests() if r["path"].endswith("/collect")]
        self.assertEqual(collects[0]["status"], 0)  # no answer
        self.assertEqual(collects[-1]["status"], 200)
        self.assertEqual(len(s.connections()), 2)
        self.assertEqual(self.cancels(s), [])
        self.decision(lg, "approved")


class UnreachableTest(PamCase):

    def refused_login(self, failmode):
        lg = self.login(None, general={"failmode": failmode},
                        bankid={"url": "https://localhost:%d/rp/v6.0/" % closed_port()})
        return lg, self.run_login(lg)

    def test_connection_refused_is_unavailable(self):
        lg, code = self.refused_login("secure")
        self.assertEqual(code, "PAM_AUTHINFO_UNAVAIL")
        self.decision(lg, "unreachable")
        # an outage says so, not "Something went wrong"
        self.assertIn("The service is not available right now", self.shown(lg))
        self.assertNotIn("Something went wrong", self.shown(lg))
        # curl's summary once, not again after its detail
        for l in self.module_log(lg):
            self.assertLessEqual(l.count("Couldn't connect to server"), 1, l)

    def test_connection_refused_with_failmode_safe_lets_in_with_a_warning(self):
        lg, code = self.refused_login("safe")
        self.assertEqual(code, "PAM_SUCCESS")
        line = self.decision(lg, "unreachable")
        self.assertIn("failmode=safe", line)
        self.assertLessEqual([p for p, l in syslog_priorities(lg) if l == line][0], 4)


class MalformedReplyTest(PamCase):
    """Hostile or broken 200 replies: never success (not even with
    failmode = safe: a broken reply is not an outage), no crash."""

    def check_auth(self, mode, extra):
        s = self.start_sim()
        s.fault(mode, "auth", 1, **extra)
        lg = self.login(s, general={"failmode": "safe"})
        self.assertIn(self.run_login(lg, timeout=30), NOT_SUCCESS)
        self.assertEqual(self.paths(s), ["auth"])
        self.assertEqual(s.orders(), [])  # the faulty reply replaced the order
        self.assertFalse(self.decision(lg).startswith(("approved", "unreachable")))

    def check_collect(self, mode, extra):
        s = self.start_sim()
        s.fault(mode, "collect", 0, **extra)
        lg = self.login(s, general={"failmode": "safe"})
        self.assertIn(self.run_login(lg, timeout=30), NOT_SUCCESS)
        o = self.only_order(s)
        self.assertIn("collect", self.paths(s))
        # the module cannot know the order is over: it cancels it
        self.assert_cancelled(s, o)
        self.assertFalse(self.decision(lg).startswith("approved"))
        self.assert_nothing_leaked(lg)


for _mode, _extra in MALFORMED.items():
    def _auth(self, mode=_mode, extra=_extra):
        self.check_auth(mode, extra)

    def _collect(self, mode=_mode, extra=_extra):
        self.check_collect(mode, extra)

    setattr(MalformedReplyTest, "test_%s_reply_to_auth_never_logs_in" % _mode, _auth)
    setattr(MalformedReplyTest, "test_%s_reply_to_collect_never_logs_in" % _mode, _collect)


class SlowServerTest(PamCase):
    """A server that drips or hangs cannot hold the login past `timeout`."""

    def check(self, mode, endpoint, extra):
        s = self.start_sim()
        s.fault(mode, endpoint, 0, **extra)
        lg = self.login(s, general={"timeout": 5})
        t0 = time.monotonic()
        code = self.run_login(lg, timeout=40)
        took = self.elapsed(t0)
        self.assertIn(code, NOT_SUCCESS + ("PAM_AUTH_ERR",))
        self.assertLess(took, 5 + 4, "the login outlived its timeout")
        self.assertGreaterEqual(took, 4)
        self.assertFalse(self.decision(lg).startswith("approved"))
        return s, lg

    def test_auth_reply_dripping_a_byte_a_second_ends_by_timeout(self):
        s, lg = self.check("drip", "auth", {"delay_ms": 1000})
        self.assertEqual(self.paths(s), ["auth"])

    def test_auth_that_never_answers_ends_by_timeout(self):
        s, lg = self.check("hang", "auth", {})
        self.assertEqual(self.paths(s), ["auth"])

    def test_collect_dripping_a_byte_a_second_ends_by_timeout_and_cancels(self):
        s, lg = self.check("drip", "collect", {"delay_ms": 1000})
        self.assert_cancelled(s, self.only_order(s))
        # the order existed and time ran out: a timeout, not an outage
        self.decision(lg, "timed out")
        self.assertEqual(lg.result(), "PAM_AUTH_ERR")

    def test_collect_that_never_answers_ends_by_timeout_and_cancels(self):
        s, lg = self.check("hang", "collect", {})
        self.assert_cancelled(s, self.only_order(s))
        self.decision(lg, "timed out")
        self.assertEqual(lg.result(), "PAM_AUTH_ERR")


if __name__ == "__main__":
    unittest.main()
