"""Shared base for the PassBy[ME] suites of tests/pam: the real module under
libpam (pam_wrapper + pamtester) against a real passbyme-sim over mTLS."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import pbmsim  # noqa: E402
from pamtest import CERTS, NOT_SUCCESS, PamCase  # noqa: E402,F401

BOB = "bob@example.com"
EVE = "eve@example.com"
USERMAP = "bob passbyme:%s\nalice bankid:199001011239\n" % BOB
MASKED = "*" * (len(BOB) - 4) + BOB[-4:]


class PbmCase(PamCase):

    def start_sim(self, **kw):
        kw.setdefault("delivery_ms", 100)
        kw.setdefault("download_ms", 100)
        s = pbmsim.PbmSim(CERTS, **kw)
        self.addCleanup(s.stop)
        self.addCleanup(self._sim_alive, s)
        return s

    def login(self, s, usermap=USERMAP, **kw):
        kw.setdefault("general", {})
        kw["general"].setdefault("timeout", 20)
        return super().login(s, usermap=usermap, **kw)

    def bob(self, s, timeout=60, **kw):
        """One login of bob; returns (login, PAM code)."""
        lg = self.login(s, **kw.pop("login", {}))
        return lg, self.run_login(lg, "bob", timeout=timeout, **kw)

    # ---- what the simulator saw ----
    def only_message(self, s):
        ms = s.messages()
        self.assertEqual(len(ms), 1, ms)
        return ms[0]

    def deletes(self, s):
        return [r for r in s.requests() if r["method"] == "DELETE"]

    def assert_deleted(self, s, m):
        """The module sent one DELETE for this message, which took it."""
        d = [r for r in self.deletes(s) if r["path"].endswith("/" + m["messageId"])]
        self.assertEqual(len(d), 1, "deletes: %r" % self.deletes(s))
        self.assertEqual(d[0]["status"], 200, d)
        m = s.message(m["messageId"])
        self.assertTrue(m["cancelled"])
        self.assertEqual(m["recipients"][0]["status"], "CANCELLED")

    def assert_pbm_nothing_leaked(self, lg, s=None):
        """The PassBy[ME] ID only masked, no message ID, in the log and on
        the screen."""
        everything = "\n".join(self.module_log(lg))
        shown = self.shown(lg)
        self.assertNotIn(BOB, everything)
        self.assertNotIn(BOB, shown)
        for m in (s.messages() if s else []):
            self.assertNotIn(m["messageId"], everything)
            self.assertNotIn(m["messageId"], shown)
