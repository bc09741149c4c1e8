"""A long-lived host: fault_login (tests/fuzz/fault_login.c) keeps one
process and runs pam_start/pam_authenticate/pam_end in a loop on the real
libpam against mobileid-sim, with mixed outcomes and failed calls; and two
threads that authenticate at once.

Time is virtual inside the module (its waits return at once and move its
clock on), so a login costs what its work costs: mostly the mTLS handshake.
The client key is PEM here: the PKCS#12 key derivation would be half of
each login's CPU, and the walk (test_fault_walk) covers that path.

- Many logins in one process, one in ten all the way to the phone
  (approve, deny, time out, approve with a call failed anywhere), the others
  ending before the network (an unmapped name, a call failed early). The
  module stays loaded (--pin). ctest runs 2,000 (about 20 s of CPU alone,
  minutes on a loaded 2-core CI machine); the issue's 10,000 are
  MID_HOST_LOGINS=10000 by hand (doc/security.md has the numbers). After
  warm-up the resident size and the open descriptors stay flat.
- 600 logins where libpam unloads and reloads the module every time, as a
  real host does at pam_end: the same flat RSS and descriptors, so nothing
  the module sets up per load is left behind; libcurl and the libraries
  it brings are still loaded after the last pam_end (they are loaded,
  relocated and set up once per process, not once per login).
- Two threads at once, alice approving and bob denying, each login with
  its own answer and only its own user in its log lines (ASan build).

MID_HOST_LOGINS=N changes the 2,000 (10,000 or a longer soak by hand).
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import sim  # noqa: E402
from faulthost import FaultHost, parse_runs  # noqa: E402

LOGINS = int(os.environ.get("MID_HOST_LOGINS", "2000"))
# after this many logins caches, pools and the allocator have settled
WARMUP = 500
# what the allocator's bytes in use may still move after warm-up: the
# size of the last login's buffers, not a leak (a 100-byte leak per login
# is 146 KiB over the 1,500 logins after warm-up)
HEAP_SLACK_KB = 96
# the resident size also moves in steps as the allocator's arenas and
# fragmentation settle (seen: +528 KiB once between logins 500 and 900,
# flat after); only growth well beyond that is a finding of its own
RSS_SLACK_KB = 2048


class LongHost(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.sim = sim.Sim(sim.certs())
        self.addCleanup(self.sim.stop)

    def host(self, variant):
        h = FaultHost(self.sim, variant, pem=True)
        self.addCleanup(h.close)
        if not h.available():
            self.skipTest("fault_login_%s not built" % variant)
        return h

    def run_host(self, logins, every, pin, timeout):
        h = self.host("plain")
        opts = ["--every", str(every), "--hang", "30"]
        if pin:
            opts += ["--pin", h.module]
        p = h.run(["host", str(logins)], timeout=timeout, options=opts)
        tail = p.stdout[-3000:] + "\n" + p.stderr[-3000:]
        self.assertEqual(p.returncode, 0, tail)
        self.assertNotIn("BROKEN", p.stdout, tail)
        summary = parse_runs(p.stdout, "host")
        self.assertEqual(len(summary), 1, tail)
        self.assertEqual(summary[0]["broken"], "0", tail)
        points = [(int(c["logins"]), int(c["rss_kb"]), int(c["fds"]),
                   int(c["heap_kb"]))
                  for c in parse_runs(p.stdout, "checkpoint")]
        self.assertEqual(points[-1][0], logins, tail)
        print("\n%s" % summary[0])
        print("  rss_kb: %s" % [p[1] for p in points])
        print("  heap_kb: %s" % [p[3] for p in points])
        return summary[0], points

    def assert_flat(self, points, warmup):
        """Descriptors the same at every checkpoint after warm-up; the
        allocator's bytes in use (and, more loosely, the resident size)
        back within the slack at the end and at the median (a leak only
        grows; one login's big moment passes)."""
        settled = [p for p in points if p[0] >= warmup]
        self.assertGreaterEqual(len(settled), 3, points)
        first, base_fds = settled[0][0], settled[0][2]
        for n, _, fds, _ in settled:
            self.assertEqual(fds, base_fds, "descriptors after %d logins: "
                             "%d, after %d: %d" % (first, base_fds, n, fds))
        for what, col, slack in (("heap in use", 3, HEAP_SLACK_KB),
                                 ("RSS", 1, RSS_SLACK_KB)):
            base = settled[0][col]
            values = sorted(p[col] for p in settled)
            for when, value in (("at the end", settled[-1][col]),
                                ("at the median", values[len(values) // 2])):
                self.assertLessEqual(
                    value - base, slack, "%s grew %d KiB %s (from login %d):"
                    " %s" % (what, value - base, when, first, points))

    def test_many_logins_in_one_process_keep_rss_and_fds_flat(self):
        summary, points = self.run_host(LOGINS, max(LOGINS // 20, 1), True,
                                        max(600, LOGINS // 5))
        self.assertEqual(int(summary["logins"]), LOGINS)
        # the mix really happened: every outcome, and failed calls
        for k in ("approve", "deny", "timeout", "unmapped", "faults"):
            self.assertGreater(int(summary[k]), LOGINS // 100, summary)
        self.assert_flat(points, min(WARMUP, LOGINS // 4))

    def test_module_reloaded_every_login_keeps_rss_and_fds_flat(self):
        summary, points = self.run_host(600, 50, False, 300)
        self.assert_flat(points, 200)
        # libcurl and the libraries it brings stay loaded from the first
        # login on (curlinit.c): only the module itself is loaded again
        self.assertEqual(summary["curl_loaded"], "1", summary)

    def test_two_threads_at_once_get_their_own_answers(self):
        h = self.host("asan")
        p = h.run(["threads", "25"], timeout=240)
        tail = p.stdout[-3000:] + "\n" + p.stderr[-3000:]
        self.assertEqual(p.returncode, 0, tail)
        self.assertIn("threads logins=25 each, broken alice=0 bob=0",
                      p.stdout, tail)


if __name__ == "__main__":
    unittest.main()
