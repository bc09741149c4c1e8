"""The last test of a ctest run (FIXTURES_CLEANUP mid_logs): every log line
the suite caught from the module (tests/lib/logarchive.py: pamtester's
pam_wrapper lines, the e2e /dev/log catcher, fault_login's syslog) holds
no full personal number, no qrStartSecret the simulators handed out, no
password and no key material.

- personal numbers: any 12-digit YYYYMMDDNNNC, or YYMMDD-NNNC / YYMMDD+NNNC,
  with a real month, a day (or co-ordination day + 60) and a valid Luhn
  digit; the masked form (********1239) is what the module logs.
- QR secrets: each line of every sim-secrets-*.txt (MOBILEID_SIM_SECRETS).
- passwords: the test PKI's *.pass files.
- key material: "PRIVATE KEY" and every base64 line of the test PKI's keys.
"""
import glob
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import logarchive  # noqa: E402
import sim  # noqa: E402

PNR = re.compile(r"(?<![0-9])(?:(19|20)([0-9]{6})-?([0-9]{4})|"
                 r"([0-9]{6})[-+]([0-9]{4}))(?![0-9])")


def luhn_ok(ten):
    total = 0
    for i, c in enumerate(ten):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def personal_numbers(line):
    """The full personal numbers in line."""
    found = []
    for m in PNR.finditer(line):
        date, tail = (m.group(2), m.group(3)) if m.group(2) else \
            (m.group(4), m.group(5))
        month, day = int(date[2:4]), int(date[4:6])
        if not 1 <= month <= 12 or not (1 <= day <= 31 or 61 <= day <= 91):
            continue
        if luhn_ok(date + tail):
            found.append(m.group(0))
    return found


class LogsHoldNoSecrets(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        d = logarchive.directory()
        cls.lines = []
        for path in sorted(glob.glob(os.path.join(d, "*.log"))):
            with open(path, errors="replace") as f:
                cls.lines += [(os.path.basename(path), l.rstrip("\n"))
                              for l in f]
        cls.secrets = set()
        for path in glob.glob(os.path.join(d, "sim-secrets-*.txt")):
            with open(path) as f:
                cls.secrets |= {l.strip() for l in f if l.strip()}
        certs = sim.certs()
        cls.passwords = set()
        for path in glob.glob(os.path.join(certs, "*.pass")):
            with open(path) as f:
                cls.passwords |= {l.strip() for l in f if l.strip()}
        cls.key_lines = set()
        for path in glob.glob(os.path.join(certs, "*.key")):
            with open(path) as f:
                cls.key_lines |= {l.strip() for l in f
                                  if len(l.strip()) >= 40
                                  and not l.startswith("-----")}

    def leaks(self, pred):
        return ["%s: %s" % (f, l) for f, l in self.lines if pred(l)][:20]

    def test_the_suite_left_module_log_lines_to_check(self):
        module = [l for _, l in self.lines if "user=" in l]
        self.assertTrue(module, "no module log line was caught in %s: the "
                        "hooks in tests/lib broke" % logarchive.directory())

    def test_no_full_personal_number(self):
        self.assertEqual(self.leaks(personal_numbers), [])

    def test_no_qr_secret(self):
        self.assertEqual(self.leaks(
            lambda l: any(s in l for s in self.secrets)), [])

    def test_no_password(self):
        self.assertTrue(self.passwords)
        self.assertEqual(self.leaks(
            lambda l: any(p in l for p in self.passwords)), [])

    def test_no_key_material(self):
        self.assertTrue(self.key_lines)
        self.assertEqual(self.leaks(
            lambda l: "PRIVATE KEY" in l or
            any(k in l for k in self.key_lines)), [])


if __name__ == "__main__":
    unittest.main()
