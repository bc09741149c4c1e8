"""Nothing in the caller's environment configures libcurl or OpenSSL
(doc/interface.md, "The caller's environment"; issue 9 §1). A setuid host (su) runs PAM before it
cleans the caller's environment and umask; pamtester here is run with the
same hostile environment."""
import os
import tempfile
import unittest

from pamtest import PNR, PamCase, closed_port

# an OpenSSL config that makes every TLS 1.2+ handshake impossible
BROKEN_OPENSSL_CONF = """openssl_conf = conf
[conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
MaxProtocol = TLSv1.1
"""


class EnvironmentTest(PamCase):

    def hostile_env(self, d):
        proxy = "http://127.0.0.1:%d" % closed_port()
        conf = os.path.join(d, "openssl.cnf")
        with open(conf, "w") as f:
            f.write(BROKEN_OPENSSL_CONF)
        env = {"SSLKEYLOGFILE": os.path.join(d, "keys")}
        for v in ("http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY",
                  "all_proxy"):
            env[v] = proxy
        env.update(NO_PROXY="", no_proxy="", OPENSSL_CONF=conf,
                   CURL_CA_BUNDLE=os.path.join(d, "none.pem"),
                   SSL_CERT_FILE=os.path.join(d, "none.pem"),
                   SSL_CERT_DIR=d, CURL_HOME=d, HOME=d,
                   CURL_SSL_BACKEND="gnutls", OPENSSL_MODULES=d,
                   OPENSSL_ENGINES=d)
        with open(os.path.join(d, ".curlrc"), "w") as f:
            f.write("proxy = %s\ninsecure\n" % proxy)
        return env

    def test_hostile_environment_neither_steers_nor_logs_keys(self):
        d = tempfile.mkdtemp(prefix="mid-env.")
        self.addCleanup(lambda: __import__("shutil").rmtree(d, True))
        s = self.start_sim()
        lg = self.login(s, general={"qr": "off"})
        old = os.umask(0)
        try:
            lg.start("alice", env=self.hostile_env(d))
        finally:
            os.umask(old)
        s.wait_for(lambda: s.orders(), 10)
        st, body = s.open(PNR, "approve", 300)
        self.assertEqual(st, 200, body)
        # the proxy, the CA bundle and the OpenSSL config would each have
        # made the login fail
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        self.decision(lg, "approved")
        self.assertFalse(os.path.exists(os.path.join(d, "keys")),
                         "SSLKEYLOGFILE was created")
        self.assertEqual(len(s.connections()), 1)


if __name__ == "__main__":
    unittest.main()
