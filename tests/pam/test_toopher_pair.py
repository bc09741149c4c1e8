"""`mobileid pair [-c CONF] USER PHRASE` against toopher-sim: the pairing is
created with the phrase, confirmed on the virtual phone, and the user map
line printed is one the module then logs in with; every failure is a clear
message and exit status 1; usage errors are 2."""
import os
import subprocess
import time
import unittest

import pamtest  # noqa: F401  (sets sys.path)
from pamtest import module_path
from test_toopher import ToopherCase

TOOL = os.path.join(os.path.dirname(module_path()), "mobileid")
PHRASE = "awkward turtle"


class PairTest(ToopherCase):
    def pair(self, user="bob", phrase=PHRASE, timeout=60, **conf):
        """Starts the tool; returns the process and the login whose
        config it uses."""
        lg = self.login(**conf)
        p = subprocess.Popen([TOOL, "pair", "-c", lg.conf, user, phrase],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p, lg

    def created(self, phrase=PHRASE):
        return self.s.wait_for(
            lambda: [x for x in self.s.pairings() if x["phrase"] == phrase], 15)[-1]

    def test_confirmed_pairing_prints_a_user_map_line_that_logs_in(self):
        p, lg = self.pair()
        made = self.created()
        self.assertEqual((made["pending"], made["user"]["name"]), (True, "bob"))
        time.sleep(1.5)  # the time left is shown while the app is asked
        self.assertEqual(self.s.phone_pair("confirm", phrase=PHRASE)[0], 200)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(out, "bob toopher:%s\n" % made["id"])
        self.assertIn("Confirm the pairing in the Toopher app. Time left:", err)
        self.assertIn("Add this line to %s" % lg.usermap, err)
        # every request was signed and accepted
        self.assertEqual([r["status"] for r in self.s.requests()
                          if r["status"] != 200], [])
        # the line works: bob logs in with it
        lg.write("usermap", out, 0o644)
        lg.start("bob")
        self.s.wait_for(lambda: self.s.requests_made(), 15)
        self.s.answer(made["id"], "grant")
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        rc = subprocess.run([TOOL, "check", "-c", lg.conf], capture_output=True,
                            text=True, timeout=60)
        self.assertEqual(rc.returncode, 0, rc.stdout + rc.stderr)

    def test_denied_pairing_is_not_paired(self):
        p, _ = self.pair()
        self.created()
        self.s.phone_pair("deny", phrase=PHRASE)
        out, err = p.communicate(timeout=30)
        self.assertEqual((p.returncode, out), (1, ""))
        self.assertIn("not paired", err)
        self.assertIn("The pairing was denied in the Toopher app.", err)

    def test_unanswered_pairing_times_out(self):
        p, _ = self.pair(general={"timeout": 5})
        out, err = p.communicate(timeout=30)
        self.assertEqual((p.returncode, out), (1, ""))
        self.assertIn("Time is up", err)

    def test_refusals_from_toopher_and_the_config_are_clear(self):
        # a phrase the service does not take
        p, _ = self.pair(phrase="555 1234")
        out, err = p.communicate(timeout=30)
        self.assertEqual((p.returncode, out), (1, ""))
        self.assertIn("Toopher refused the request", err)
        # a wrong secret: the signature is refused
        p, _ = self.pair(secret="wrong")
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("signature refused", err)
        self.assertNotIn("wrong", err.replace("wrong password", ""))
        # a secret file others can read is never used
        p, _ = self.pair(secret_mode=0o644)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("readable by other", err)
        self.assertEqual(self.s.pairings()[-1]["phrase"], "test pairing")

    def test_usage_errors(self):
        lg = self.login()
        for args in (["pair"], ["pair", "bob"], ["pair", "-c", lg.conf, "bob"],
                     ["pair", "-c", lg.conf, "bob smith", PHRASE],
                     ["pair", "-c", lg.conf, "bob", PHRASE, "extra"]):
            p = subprocess.run([TOOL] + args, capture_output=True, text=True,
                               timeout=30, stdin=subprocess.DEVNULL)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
        p = subprocess.run([TOOL, "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertIn("mobileid pair [-c CONF] USER PHRASE", p.stdout)
        self.assertIn("Exit status", p.stdout)


if __name__ == "__main__":
    unittest.main()
