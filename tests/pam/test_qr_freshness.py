"""Prompt mode (sshd) and the age of a QR code: the code drawn in a prompt
ages until the person presses Enter, and BankID refuses a frame scanned too
long after it was made. The simulator's --qr-max-age-s stands for BankID's
undocumented tolerance (doc/bankid.md, "How old a scanned code may be"):
with the default a code scanned a few seconds after the prompt appeared
still works; with 1 s it is refused, and the person who presses Enter right
before scanning gets a fresh code that works."""
import re
import time
import unittest

from pamtest import PamCase

CODE_FROM = re.compile(r"Code from (\d\d:\d\d:\d\d)")
# how long the person looks at the prompt before scanning
LATE_S = 3.0
# a person who gets "QR code invalid" presses Enter and scans again
TRIES = 3


class QrFreshnessTest(PamCase):

    def prompt_login(self, s):
        # utf8: the 23-line code decodes faster than the ascii one
        lg = self.login(s, general={"qr": "prompt", "timeout": 40,
                                    "charset": "utf8"})
        lg.start("alice", stdin=b"")
        return lg

    def scan_age_s(self, s, ref, scan):
        """How old the scanned frame was when the phone scanned it, in
        whole seconds as the simulator counts: its age of the order at
        the scan less the frame's qrTime."""
        created = s.order(ref)["created_ms"]
        return (scan["t_ms"] - created) // 1000 - scan["qrTime"]

    def codes_shown(self, lg):
        return CODE_FROM.findall(lg.err.decode("utf-8", "replace"))

    def finish_with_enter(self, lg, s, ref):
        """The person approved in the app: Enter until the login ends."""
        s.wait_for(lambda: s.order(ref)["status"] == "complete", 10)
        lg.answer()
        return self.finish(lg, 20)

    def test_a_code_scanned_seconds_after_the_prompt_appeared_works(self):
        s = self.start_sim()  # the default tolerance, 5 s
        lg = self.prompt_login(s)
        qr = lg.wait_qr(stream="err")
        seen = time.monotonic()
        self.assertEqual(len(self.codes_shown(lg)), 1, lg.err[-2000:])
        time.sleep(LATE_S)  # the frame is now at least 3 s old
        st, body = s.scan(qr, "approve", 0)
        self.assertEqual(st, 200, body)
        o = self.only_order(s)
        scans = s.order(o["orderRef"])["scans"]
        self.assertEqual([sc["result"] for sc in scans], ["ok"])
        self.assertGreaterEqual(self.scan_age_s(s, o["orderRef"], scans[0]),
                                int(LATE_S), "the scanned frame was not old")
        self.assertGreaterEqual(time.monotonic() - seen, LATE_S)
        self.assertEqual(self.finish_with_enter(lg, s, o["orderRef"]),
                         "PAM_SUCCESS")
        self.decision(lg, "approved")

    def test_a_stale_code_is_refused_and_enter_right_before_the_scan_works(self):
        s = self.start_sim(qr_max_age_s=1)
        lg = self.prompt_login(s)
        stale = lg.wait_qr(stream="err")
        first_time = self.codes_shown(lg)[-1]
        o = self.only_order(s)
        ref = o["orderRef"]
        time.sleep(LATE_S)
        # the app refuses it ("QR code invalid"); the order stays open
        self.assertEqual(s.scan(stale, "approve", 0), (409, {"error": "stale"}))
        self.assertEqual(s.order(ref)["status"], "pending")

        # Enter right before the scan: a fresh code, scanned at once
        for _ in range(TRIES):
            mark = len(lg.err)
            lg.answer()
            fresh = lg.wait_qr(stream="err", after=mark)
            st, body = s.scan(fresh, "approve", 0)
            if st == 200:
                break
            self.assertEqual((st, body), (409, {"error": "stale"}))
        self.assertEqual(st, 200, "no fresh code scanned in %d tries" % TRIES)
        self.assertNotEqual(fresh, stale)

        scans = s.order(ref)["scans"]
        results = [sc["result"] for sc in scans]
        self.assertEqual(results, ["stale"] * (len(results) - 1) + ["ok"])
        self.assertGreaterEqual(self.scan_age_s(s, ref, scans[0]), 2)
        self.assertLessEqual(self.scan_age_s(s, ref, scans[-1]), 1)
        self.assertGreater(scans[-1]["qrTime"], scans[0]["qrTime"])
        # the prompt said so: the fresh code is from another second
        self.assertNotEqual(self.codes_shown(lg)[-1], first_time)
        self.assertEqual(self.finish_with_enter(lg, s, ref), "PAM_SUCCESS")
        self.assertEqual(len(s.orders()), 1)  # no new order was needed
        self.decision(lg, "approved")


if __name__ == "__main__":
    unittest.main()
