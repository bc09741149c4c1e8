"""The kept TLS session (tlskeep.c) leaks nothing and touches no bad
memory: a login that resumes it, and a login whose resumed handshake the
server aborts (the session dropped, the request made again with a full
handshake), with pamtester under valgrind memcheck (test_valgrind.py has
the harness). Skipped (exit 77) when valgrind is not installed."""
import sys
import unittest

from pamtest import PNR
from test_valgrind import VALGRIND, ValgrindBase


@unittest.skipIf(VALGRIND is None, "valgrind not installed")
class TlsKeepValgrindTest(ValgrindBase):

    def approve(self, lg, s, break_resumption=False):
        """One login approved in the app under valgrind (with the
        simulator aborting resumed handshakes if asked); the simulator's
        connections of it, as (resumed, client)."""
        s.reset()
        if break_resumption:
            s.tls_break_resumption()
        lg.start("alice")
        s.wait_for(lambda: s.orders(), 30)
        st, body = s.open(PNR, "approve", 300)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        return [(c["resumed"], c["client"]) for c in s.connections()]

    def test_a_resumed_login_and_a_broken_resumption(self):
        s = self.start_sim()
        lg = self.login(s, general={"timeout": 30})
        rp = "FP Testcert pam_mobileid"
        self.assertEqual(self.approve(lg, s), [(False, rp)])
        self.assertEqual(self.approve(lg, s), [(True, rp)])
        # the aborted handshake, then the full one the login went on with
        self.assertEqual(self.approve(lg, s, break_resumption=True),
                         [(False, rp)])
        self.assertEqual(s.stats()["handshake_failures"], 1)
        self.assert_log_names(lg, "failed: it is dropped")


if __name__ == "__main__":
    sys.exit(unittest.main())
