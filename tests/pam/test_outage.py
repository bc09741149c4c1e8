"""failmode = safe forgives outages only (doc/interface.md: return codes, the caller's environment; issue 9).

An outage is a fact the module records itself: connect refused/unreachable,
a connect that had its full timeout and never reached the peer, the
resolver's NXDOMAIN/SERVFAIL, HTTP 503 before an order. A caller of a setuid
host chooses resource limits and can stop the process, so a local failure
(EMFILE), a TLS handshake that never ends and a connect cut short by the
login's own deadline must never be waved through. Every test here runs with
failmode = safe, where a wrong classification means PAM_SUCCESS."""
import os
import resource
import signal
import time
import unittest

from pamtest import DECISION, PamCase, closed_port
from netfault import Blackhole, SilentTls  # noqa: E402

SAFE = {"failmode": "safe"}


class OutageTest(PamCase):

    def login_to(self, url, timeout=20, **kw):
        return self.login(None, general=dict(SAFE, timeout=timeout),
                          bankid={"url": url}, **kw)

    def test_refused_connect_is_an_outage_that_failmode_safe_forgives(self):
        lg = self.login_to("https://localhost:%d/rp/v6.0/" % closed_port())
        self.assertEqual(self.run_login(lg), "PAM_SUCCESS")
        self.assertIn("failmode=safe", self.decision(lg, "unreachable"))

    def test_connect_that_never_completes_in_the_full_timeout_is_an_outage(self):
        bh = Blackhole()
        self.addCleanup(bh.close)
        lg = self.login_to(bh.url(), timeout=20)
        self.assertEqual(self.run_login(lg), "PAM_SUCCESS")
        self.assertIn("failmode=safe", self.decision(lg, "unreachable"))

    def test_unknown_host_name_is_an_outage(self):
        lg = self.login_to("https://no-such-host.invalid/rp/v6.0/")
        self.assertEqual(self.run_login(lg), "PAM_SUCCESS")
        self.decision(lg, "unreachable")
        self.assert_log_names(lg, "cannot resolve no-such-host.invalid")

    def test_tls_handshake_that_never_completes_is_not_an_outage(self):
        srv = SilentTls()
        self.addCleanup(srv.close)
        lg = self.login_to(srv.url(), timeout=20)
        code = self.run_login(lg)
        self.assertNotEqual(code, "PAM_SUCCESS")
        self.assertEqual(code, "PAM_AUTHINFO_UNAVAIL")
        self.assertTrue(srv.conns, "the module never connected")
        self.decision(lg, "provider error")

    def test_connect_cut_short_by_the_login_deadline_is_a_timeout(self):
        bh = Blackhole()
        self.addCleanup(bh.close)
        # 5 s for the whole login: the connect gets less than its 5 s
        lg = self.login_to(bh.url(), timeout=5)
        self.assertEqual(self.run_login(lg), "PAM_AUTH_ERR")
        self.decision(lg, "timed out")

    def test_stopped_during_connect_and_resumed_after_the_deadline_is_a_timeout(self):
        bh = Blackhole()
        self.addCleanup(bh.close)
        lg = self.login_to(bh.url(), timeout=8)
        lg.start("alice")
        time.sleep(1.5)  # inside the connect now
        lg.signal(signal.SIGSTOP)
        time.sleep(8)    # past the login's deadline
        lg.signal(signal.SIGCONT)
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        self.decision(lg, "timed out")


def limit(resource_id, n):
    def set_limit():
        resource.setrlimit(resource_id, (n, n))
    return set_limit


class LocalFailureTest(PamCase):
    """Resource limits chosen by the caller (`ulimit -n`, `ulimit -v`):
    every limit, from "cannot even start" to "enough for the whole login",
    gives a non-success with failmode = safe. The simulator answers every
    auth with 400, so a login that reaches it ends at once."""

    def sweep(self, resource_id, values):
        s = self.start_sim()
        s.fault("status", "auth", 0, status=400,
                body='{"errorCode":"invalidParameters","details":"x"}')
        words = {}
        for n in values:
            with self.subTest(limit=n):
                lg = self.login(s, general=dict(SAFE, timeout=10),
                                bankid={"url": s.api_url})
                lg.preexec = limit(resource_id, n)
                lg.start("alice")
                code = lg.wait(40)
                self.assertNotEqual(code, "PAM_SUCCESS",
                                    "limit %d let in:\n%s"
                                    % (n, "\n".join(self.module_log(lg))))
                for l in self.module_log(lg):
                    if DECISION.match(l):
                        words[n] = l.split(":")[0]
        return words

    def test_no_descriptor_limit_lets_failmode_safe_in(self):
        words = self.sweep(resource.RLIMIT_NOFILE, range(4, 12))
        self.assertNotIn("unreachable", words.values(), words)

    def test_no_address_space_limit_lets_failmode_safe_in(self):
        words = self.sweep(resource.RLIMIT_AS, [m << 20 for m in range(8, 42, 2)])
        self.assertNotIn("unreachable", words.values(), words)
        # the limits did reach the network code: a thread that could not
        # start is this host's failure
        self.assertIn("local failure", words.values(), words)
        self.assertIn("bad reply from provider", words.values(), words)


if __name__ == "__main__":
    unittest.main()
