"""proxy = http://host:port in a provider section: logins through an HTTP CONNECT
proxy (tests/lib/connectproxy.py) with the provider's TLS pinned end to end;
the environment never chooses a proxy; only a proxy that cannot be reached
is an outage (doc/interface.md: the config file, the caller's environment).
"""
import os
import sys
import unittest

from pamtest import NOT_SUCCESS, PNR, PamCase, closed_port

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from connectproxy import ConnectProxy  # noqa: E402
import pbmcase  # noqa: E402
import safedir  # noqa: E402
from safedir import safe_tmpdir  # noqa: E402
import sim  # noqa: E402
from test_toopher import ToopherLogin  # noqa: E402
from toopher_sim import ToopherSim  # noqa: E402

# every variable libcurl would read to pick a proxy by itself
PROXY_ENV = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
             "all_proxy", "ALL_PROXY")


class ProxyCase(PamCase):

    def proxy(self, mode="tunnel", **kw):
        p = ConnectProxy(mode, **kw)
        self.addCleanup(p.close)
        return p

    def approve(self, s, lg, env=None):
        lg.start("alice", env=env)
        st, body = s.scan(lg.wait_qr(), "approve", 300)
        self.assertEqual(st, 200, body)
        return self.finish(lg)


class TunnelTest(ProxyCase):

    def test_login_goes_through_the_proxy_in_one_tunnel(self):
        s = self.start_sim()
        p = self.proxy()
        lg = self.login(s, bankid={"proxy": p.url})
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        self.assertEqual(p.connects, ["localhost:%d" % s.api_port])
        self.assertEqual(p.requests, ["CONNECT localhost:%d HTTP/1.1" % s.api_port])
        self.assertEqual(self.only_order(s)["completedAs"], PNR)
        # auth and every collect went over the one TLS connection inside it
        self.assertEqual(len(s.connections()), 1)
        self.decision(lg, "approved")

    def test_a_proxy_named_by_host_name_is_found(self):
        s = self.start_sim()
        p = self.proxy()
        lg = self.login(s, bankid={"proxy": "http://localhost:%d/" % p.port})
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        self.assertEqual(p.connects, ["localhost:%d" % s.api_port])

    def test_a_host_in_no_proxy_is_reached_directly(self):
        s = self.start_sim()
        p = self.proxy()
        lg = self.login(s, bankid={"proxy": p.url, "no_proxy": "example.org, localhost"})
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        self.assertEqual(p.requests, [])

    def test_the_environment_never_chooses_a_proxy(self):
        s = self.start_sim()
        p = self.proxy()
        lg = self.login(s)
        env = {k: p.url for k in PROXY_ENV}
        self.assertEqual(self.approve(s, lg, env), "PAM_SUCCESS")
        self.assertEqual(p.requests, [])

    def test_the_environment_never_bypasses_the_configured_proxy(self):
        s = self.start_sim()
        p = self.proxy()
        lg = self.login(s, bankid={"proxy": p.url})
        env = {"no_proxy": "*", "NO_PROXY": "*"}
        env.update({k: "http://127.0.0.1:%d" % closed_port() for k in PROXY_ENV})
        self.assertEqual(self.approve(s, lg, env), "PAM_SUCCESS")
        self.assertEqual(p.connects, ["localhost:%d" % s.api_port])

    def test_an_intercepting_proxy_fails_the_pinned_tls_even_with_failmode_safe(self):
        s = self.start_sim()
        certs = sim.certs()
        p = self.proxy("mitm", cert=os.path.join(certs, "server-otherca.pem"),
                       key=os.path.join(certs, "server-otherca.key"))
        lg = self.login(s, general={"failmode": "safe"}, bankid={"proxy": p.url})
        code = self.run_login(lg)
        self.assertEqual(code, "PAM_AUTHINFO_UNAVAIL")
        self.assertEqual(len(p.connects), 1)
        self.assert_no_request(s)
        self.assertNotIn("failmode=safe", self.decision(lg))


class OtherProvidersTest(ProxyCase):
    """[passbyme] and [toopher] take the same keys, through the same code."""

    def test_passbyme_goes_through_its_proxy(self):
        s = pbmcase.PbmCase.start_sim(self)
        p = self.proxy()
        s.user(pbmcase.BOB, answer="approve", answer_ms=500)
        lg = self.login(s, usermap=pbmcase.USERMAP, passbyme={"proxy": p.url})
        self.assertEqual(self.run_login(lg, "bob"), "PAM_SUCCESS")
        self.assertEqual(p.connects, ["localhost:%d" % s.api_port])

    def test_toopher_goes_through_its_proxy(self):
        s = ToopherSim()
        self.addCleanup(s.stop)
        pid = s.new_pairing("alice")["id"]
        p = self.proxy()
        state = safe_tmpdir("mid-state.")
        self.addCleanup(safedir.remove, state)  # and its start gate
        lg = ToopherLogin(s, pid, toopher={"proxy": p.url}, general={
            "state_dir": os.path.join(state, "state"), "deny_hold": 0,
            "max_requests": "0/600"})
        self.addCleanup(lg.close)
        lg.start("alice")
        s.wait_for(lambda: s.requests_made(), 15)
        self.assertEqual(s.answer(pid, "grant", delay_ms=300)[0], 200)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        self.assertEqual(p.connects, ["localhost:%d" % s.api_port])


class ProxyOutageTest(ProxyCase):

    def test_a_proxy_that_refuses_connections_is_an_outage(self):
        for failmode, want in (("secure", "PAM_AUTHINFO_UNAVAIL"),
                               ("safe", "PAM_SUCCESS")):
            with self.subTest(failmode=failmode):
                s = self.start_sim()
                lg = self.login(s, general={"failmode": failmode}, bankid={
                    "proxy": "http://127.0.0.1:%d" % closed_port()})
                self.assertEqual(self.run_login(lg), want)
                line = self.decision(lg, "unreachable")
                self.assertEqual("failmode=safe" in line, failmode == "safe")
                self.assert_no_request(s)

    def test_a_proxy_whose_name_does_not_resolve_is_an_outage(self):
        s = self.start_sim()
        lg = self.login(s, general={"failmode": "safe"},
                        bankid={"proxy": "http://no-such-proxy.invalid:3128"})
        self.assertEqual(self.run_login(lg), "PAM_SUCCESS")
        self.assertIn("failmode=safe", self.decision(lg, "unreachable"))
        self.assert_log_names(lg, "cannot resolve no-such-proxy.invalid")
        self.assert_no_request(s)

    def test_a_proxy_that_refuses_the_tunnel_is_not_an_outage(self):
        """403 or 502 to CONNECT: an answer in plain HTTP that anyone on the
        way to the proxy can forge, so failmode = safe never lets it in."""
        for mode, status in (("deny", "403"), ("badgateway", "502")):
            with self.subTest(mode=mode):
                s = self.start_sim()
                p = self.proxy(mode)
                lg = self.login(s, general={"failmode": "safe"},
                                bankid={"proxy": p.url})
                self.assertEqual(self.run_login(lg), "PAM_AUTHINFO_UNAVAIL")
                self.assertEqual(len(p.connects), 1)
                self.assertNotIn("failmode=safe", self.decision(lg))
                self.assert_log_names(lg, "proxy", status)
                self.assert_no_request(s)


    def test_a_proxy_that_never_answers_the_connect_is_not_an_outage(self):
        """The proxy was reached; what lies behind it is its word only."""
        s = self.start_sim()
        p = self.proxy("silent")
        lg = self.login(s, general={"failmode": "safe", "timeout": 8},
                        bankid={"proxy": p.url})
        self.assertIn(self.run_login(lg), NOT_SUCCESS)
        self.assertEqual(len(p.connects), 1)
        self.assertNotIn("failmode=safe", self.decision(lg))
        self.assert_no_request(s)


class ProxyConfigTest(ProxyCase):

    def test_a_proxy_that_wants_credentials_is_a_config_error(self):
        s = self.start_sim()
        p = self.proxy("auth")
        lg = self.login(s, general={"failmode": "safe"}, bankid={"proxy": p.url})
        self.assertEqual(self.run_login(lg), "PAM_SERVICE_ERR")
        self.assert_log_names(lg, "proxy", "407", "credentials")
        self.assert_no_request(s)

    def test_a_bad_proxy_value_refuses_every_login(self):
        for key, value in (("proxy", "socks5://127.0.0.1:1080"),
                           ("proxy", "http://user:pw@127.0.0.1:3128"),
                           ("proxy", "127.0.0.1:3128"),
                           ("no_proxy", "*")):
            with self.subTest(value=value):
                s = self.start_sim()
                lg = self.login(s, bankid={key: value, "proxy": "http://127.0.0.1:1"}
                                if key == "no_proxy" else {key: value})
                self.assertEqual(self.run_login(lg), "PAM_SERVICE_ERR")
                self.assert_log_names(lg, key)
                self.assert_no_request(s)


if __name__ == "__main__":
    unittest.main()
