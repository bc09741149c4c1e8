"""pam_mobileid.so with PassBy[ME] leaks nothing and touches no bad memory:
the send, the polls, the delete and the identity mismatch, with pamtester
under valgrind memcheck (test_valgrind.py has the harness and the BankID
paths). Skipped (exit 77) when valgrind is not installed."""
import sys
import unittest

import pbmcase
from test_valgrind import VALGRIND, ValgrindBase


@unittest.skipIf(VALGRIND is None, "valgrind not installed")
class PassbymeValgrindTest(ValgrindBase):

    def pbm_login(self, answer, **kw):
        s = pbmcase.PbmCase.start_sim(self)
        s.user(pbmcase.BOB, answer=answer, as_=pbmcase.EVE, answer_ms=800)
        lg = self.login(s, usermap=pbmcase.USERMAP, **kw)
        return s, lg, self.run_login(lg, "bob", timeout=60)

    def test_passbyme_approve_and_mismatch(self):
        s, lg, code = self.pbm_login("approve")
        self.assertEqual(code, "PAM_SUCCESS")
        s, lg, code = self.pbm_login("approve_as")
        self.assertEqual(code, "PAM_AUTH_ERR")
        self.decision(lg, "identity mismatch")

    def test_passbyme_timeout_deletes(self):
        s, lg, code = self.pbm_login("ignore", general={"timeout": 12})
        self.assertEqual(code, "PAM_AUTH_ERR")
        self.assertEqual(s.messages()[0]["recipients"][0]["status"], "CANCELLED")

    def test_passbyme_hostile_track_reply(self):
        s = pbmcase.PbmCase.start_sim(self)
        s.fault("garbage", "message", 1)
        lg = self.login(s, usermap=pbmcase.USERMAP)
        self.assertEqual(self.run_login(lg, "bob"), "PAM_AUTHINFO_UNAVAIL")
        self.assertTrue(s.messages()[0]["cancelled"])


if __name__ == "__main__":
    if VALGRIND is None:
        print("valgrind not installed: skipped", file=sys.stderr)
        sys.exit(77)
    unittest.main(verbosity=2)
