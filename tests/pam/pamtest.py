"""Shared base for the tests/pam suites: the real pam_mobileid.so under
libpam (pam_wrapper + pamtester) against a real mobileid-sim over mTLS.

Every test asserts the PAM code AND what the simulator saw; the helpers
below read the module's syslog lines and check what must never leak.
"""
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import sim  # noqa: E402
from pamrun import OTHER_PNR, PNR, PamLogin, module_path  # noqa: E402,F401
from netfault import closed_port  # noqa: E402,F401

CERTS = sim.certs()
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                  r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The outcome that starts the module's one decision line (pam_mobileid.c
# outcome(): the fixed words, else mid_strerror()).
DECISION = re.compile(
    r"^(approved|denied|unmapped|unreachable|refused config|"
    r"bad configuration|provider unreachable|TLS verification failed|"
    r"bad reply from provider|order failed|identity mismatch|timed out|"
    r"interrupted|conversation failed|provider error|no mapping|"
    r"internal error|out of memory|local failure|too many requests|busy|"
    r"denial held|outside groups|no terminal|cannot sign|"
    r"audit record failed|command too long to sign)( \([^)]*\))?: ")
# libpam's own lines that pam_wrapper shows next to the module's
LIBPAM_LINE = re.compile(r"^_?pam_[a-z_]+: ")
# the answers a failed login may give; never PAM_SUCCESS
NOT_SUCCESS = ("PAM_AUTH_ERR", "PAM_AUTHINFO_UNAVAIL")


class PamCase(unittest.TestCase):
    maxDiff = None

    def start_sim(self, **kw):
        s = sim.Sim(CERTS, **kw)
        self.addCleanup(s.stop)
        self.addCleanup(self._sim_alive, s)
        return s

    def _sim_alive(self, s):
        self.assertTrue(s.alive(), "simulator died:\n" + s.log()[-2000:])

    def login(self, s, **kw):
        lg = PamLogin(s, **kw)
        self.addCleanup(lg.close)
        return lg

    # ---- what pamtester answered ----
    def finish(self, lg, timeout=60):
        """Waits for pamtester; asserts it exited normally (no crash of
        the module inside it) with a known answer; returns the PAM code."""
        code = lg.wait(timeout)
        rc = lg.proc.returncode
        self.assertIn(rc, (0, 1), "pamtester died (rc %s); stderr:\n%s"
                      % (rc, lg.err.decode("utf-8", "replace")[-3000:]))
        self.assertFalse(code.startswith("UNKNOWN"), code)
        return code

    def run_login(self, lg, user="alice", timeout=60, **kw):
        lg.start(user, **kw)
        return self.finish(lg, timeout)

    def approve_in_app(self, lg, s, user="alice", pnr=None, **kw):
        """Logs user in, approving in the app for pnr (PNR): PAM_SUCCESS,
        one order for that number; returns the decision line."""
        lg.start(user, **kw)
        s.wait_for(lambda: s.orders(), 10)
        st, body = s.open(pnr or PNR, "approve", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        self.assertEqual(self.only_order(s)["personalNumber"], pnr or PNR)
        return self.decision(lg, "approved")

    def shown(self, lg):
        """Everything the person saw: info text (pamtester's stdout), error
        text and prompts (its stderr), without pam_wrapper's own lines."""
        err = lg.err.decode("utf-8", "replace").split("\n")
        return lg.text() + "\n" + "\n".join(
            l for l in err if not l.startswith(("PWRAP_", "pamtester: ")))

    # ---- the module's log ----
    def module_log(self, lg):
        return [l for l in lg.syslog() if not LIBPAM_LINE.match(l)]

    def decision(self, lg, outcome=None):
        """Exactly one decision line; returns it."""
        lines = [l for l in self.module_log(lg) if DECISION.match(l)]
        self.assertEqual(len(lines), 1, "decision lines: %r (all: %r)"
                         % (lines, self.module_log(lg)))
        if outcome:
            self.assertTrue(lines[0].startswith((outcome + ":",
                                                 outcome + " (")),
                            "%r does not start with %r" % (lines[0], outcome))
        return lines[0]

    def assert_log_names(self, lg, *needles):
        """Some module line holds every needle."""
        lines = self.module_log(lg)
        for l in lines:
            if all(n in l for n in needles):
                return l
        self.fail("no log line with %r in %r" % (needles, lines))

    def assert_nothing_leaked(self, lg, *numbers):
        """No full personal number and no UUID-shaped token (orderRef,
        qrStartToken, qrStartSecret) in any log line or in the output."""
        everything = "\n".join(self.module_log(lg))
        shown = lg.text() + "\n" + lg.err.decode("utf-8", "replace")
        for n in (PNR, OTHER_PNR) + numbers:
            self.assertNotIn(n, everything, "full personal number in the log")
            self.assertNotIn(n, shown, "full personal number in the output")
        self.assertIsNone(UUID.search(everything),
                          "a token in the log: %r" % everything)
        self.assertIsNone(UUID.search(lg.text()), "a token on the screen")

    # ---- what the simulator saw ----
    def paths(self, s):
        return [r["path"].rsplit("/rp/v6.0/", 1)[-1] for r in s.requests()]

    def assert_no_request(self, s):
        self.assertEqual(s.requests(), [])
        self.assertEqual(s.orders(), [])

    def only_order(self, s):
        orders = s.orders()
        self.assertEqual(len(orders), 1, orders)
        return orders[0]

    def cancels(self, s):
        return [r for r in s.requests() if r["path"].endswith("/cancel")]

    def assert_cancelled(self, s, order):
        """The module sent /cancel for this order and the sim took it."""
        c = [r for r in self.cancels(s) if r["orderRef"] == order["orderRef"]]
        self.assertEqual(len(c), 1, "cancels: %r" % self.cancels(s))
        self.assertEqual(c[0]["status"], 200, c)
        self.assertTrue(s.order(order["orderRef"])["cancelled"])

    @staticmethod
    def elapsed(t0):
        return time.monotonic() - t0
