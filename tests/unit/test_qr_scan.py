"""Scan the rendered QR codes like a phone: screenshot -> blur/threshold ->
zbarimg. Bytes can be right and the picture unscannable or inverted.

Uses tests/lib/phone.py; fresh frames come from qrtool (qr.c) when it is
built under $MID_BUILD_DIR/tests/unit/. The variant table of doc/qr.md is
measured by tests/bench/qr-variants.py, not here.
"""

import http.server
import json
import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
from concurrent.futures import ThreadPoolExecutor

SRC = os.environ.get("MID_SOURCE_DIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD = os.environ.get("MID_BUILD_DIR", os.path.join(SRC, "build"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))

from PIL import ImageOps  # noqa: E402

import phone  # noqa: E402

GOLDEN = os.path.join(SRC, "tests", "unit", "golden")
PHONE = os.path.join(SRC, "tests", "lib", "phone.py")
TOKEN = "67df3917-fa0d-44e5-b327-edcc928297f8"
SECRET = "d28db9a7-4cde-429e-a983-359be676944c"
# official vector for qrTime 1 (doc/bankid.md, "The QR code")
T1_CODE = "949d559bf23403952a94d103e67743126381eda00f0b3cbddbf7c96b1adcbce2"


def golden(name):
    with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
        return f.read()


PAYLOAD = golden("payload.txt")


def find_qrtool():
    for p in (os.path.join(BUILD, "tests", "unit", "qrtool"),
              os.path.join(BUILD, "qrtool")):
        if os.access(p, os.X_OK):
            return p
    return None


QRTOOL = find_qrtool()


def qrtool(*args):
    return subprocess.run([QRTOOL] + list(args), stdout=subprocess.PIPE,
                          check=True, timeout=10).stdout.decode()


def random_payload(rng, t):
    tok = str(uuid.UUID(int=rng.getrandbits(128)))
    sec = str(uuid.UUID(int=rng.getrandbits(128)))
    return qrtool("payload", tok, sec, str(t)).strip()


def scan(text, theme):
    return phone.decode(phone.render_screen(text, theme))


class Tmux:
    """A private tmux server (own socket), so nobody else's is touched."""

    # a name per server: id(self) came back for a new pane while the
    # server of a closed one with that id was still going away
    # ("server exited unexpectedly" in a CI run)
    serial = itertools.count()

    def __init__(self, cmd, cols=200, rows=60):
        self.sock = "midqr%d_%d" % (os.getpid(), next(Tmux.serial))
        self.base = ["tmux", "-L", self.sock]
        subprocess.run(self.base + ["-u", "new-session", "-d", "-x", str(cols),
                                    "-y", str(rows), cmd], check=True, timeout=10)
        self.target = "0"

    def capture(self):
        return subprocess.run(self.base + phone.TMUX_CAPTURE + ["-t", self.target],
                              stdout=subprocess.PIPE, check=True,
                              timeout=10).stdout.decode()

    def wait_for(self, needle, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            text = self.capture()
            if needle in text or time.monotonic() > deadline:
                return text
            time.sleep(0.05)

    def close(self):
        subprocess.run(self.base + ["kill-server"], stderr=subprocess.DEVNULL,
                       timeout=10)


class GoldenScan(unittest.TestCase):
    """Each golden rendering, on the terminal it is meant for."""

    def assertScans(self, name, theme):
        self.assertEqual(scan(golden(name), theme), [PAYLOAD],
                         "%s on a %s terminal" % (name, theme))

    def assertNoScan(self, name, theme):
        self.assertEqual(scan(golden(name), theme), [],
                         "%s on a %s terminal must not decode" % (name, theme))

    def test_ink_light_decodes_on_dark_terminal(self):
        self.assertScans("utf8_ink_light.txt", "dark")
        self.assertScans("ascii_ink_light.txt", "dark")

    def test_utf8_ink_dark_decodes_on_light_terminal(self):
        self.assertScans("utf8_ink_dark.txt", "light")

    def test_ascii_ink_dark_is_known_unscannable(self):
        # '#' covers ~1/4 of its cell: too thin for a dark module (doc/qr.md);
        # if this starts to decode, update doc/qr.md and the recommendation.
        self.assertNoScan("ascii_ink_dark.txt", "light")

    def test_ansi_decodes_on_both_themes(self):
        for name in ("utf8_ansi.txt", "ascii_ansi.txt"):
            for theme in ("dark", "light"):
                self.assertScans(name, theme)

    def test_wrong_polarity_does_not_decode(self):
        self.assertNoScan("utf8_ink_dark.txt", "dark")
        self.assertNoScan("utf8_ink_light.txt", "light")
        self.assertNoScan("ascii_ink_dark.txt", "dark")
        self.assertNoScan("ascii_ink_light.txt", "light")

    def test_inverted_picture_does_not_decode(self):
        img = phone.render_screen(golden("utf8_ink_dark.txt"), "light")
        self.assertEqual(phone.decode(img), [PAYLOAD])
        # the same picture light-on-dark: a reader that accepted it would
        # make every polarity test above meaningless
        self.assertEqual(phone.decode(ImageOps.invert(img)), [])

    def test_golden_matches_qrencode_cli(self):
        if shutil.which("qrencode") is None:
            self.skipTest("qrencode CLI not installed")

        def cli(t):
            return subprocess.run(["qrencode", "-t", t, "-m", "2", "-l", "L", PAYLOAD],
                                  stdout=subprocess.PIPE, check=True).stdout.decode()
        self.assertEqual(golden("utf8_ink_dark.txt") + "\n", cli("UTF8i"))
        # qrencode paints the half row below the quiet zone light; we leave it
        want = cli("UTF8").split("\n")
        got = golden("utf8_ink_light.txt").split("\n")
        self.assertEqual(got[:-1], want[:len(got) - 1])
        # qrencode's ASCII is two '#' per module; ours is one
        narrow = "\n".join(line[::2] for line in cli("ASCII").rstrip("\n").split("\n"))
        self.assertEqual(golden("ascii_ink_dark.txt"), narrow)


@unittest.skipIf(QRTOOL is None, "qrtool not built")
class FreshFrames(unittest.TestCase):
    """Random payloads rendered by qr.c now, in every style."""

    def test_random_payloads_decode_in_every_scannable_style(self):
        rng = random.Random(20240601)
        payloads = [random_payload(rng, t) for t in (0, 7, 59, 123, 4294967295)]
        jobs = []
        for p in payloads:
            for q in ("1", "2", "4"):
                jobs += [(p, ["-c", "utf8", "-i", "light", "-q", q], "dark"),
                         (p, ["-c", "utf8", "-i", "dark", "-q", q], "light"),
                         (p, ["-c", "ascii", "-i", "light", "-q", q], "dark")]
            for theme in ("dark", "light"):
                jobs += [(p, ["-c", "utf8", "-a", "-q", "2"], theme),
                         (p, ["-c", "ascii", "-a", "-q", "2"], theme)]

        def run(job):
            p, args, theme = job
            return job, scan(qrtool("render", *args, p), theme)

        with ThreadPoolExecutor(4) as ex:
            for (p, args, theme), got in ex.map(run, jobs):
                self.assertEqual(got, [p], "%s on %s" % (" ".join(args), theme))

    def test_random_payload_wrong_polarity_does_not_decode(self):
        p = random_payload(random.Random(5), 42)
        self.assertEqual(scan(qrtool("render", "-i", "dark", "-q", "2", p), "dark"), [])
        self.assertEqual(scan(qrtool("render", "-i", "light", "-q", "2", p), "light"), [])

    def test_payload_matches_official_vector(self):
        self.assertEqual(qrtool("payload", TOKEN, SECRET, "0").strip(), PAYLOAD)


class NewestQr(unittest.TestCase):
    """The screen holds old frames too: the lowest one is the live one."""

    def setUp(self):
        self.t0 = golden("utf8_ink_light.txt")
        self.t1 = golden("frame_t1_utf8_ink_light.txt")
        self.p1 = "bankid.%s.1.%s" % (TOKEN, T1_CODE)
        self.assertEqual(scan(self.t1, "dark"), [self.p1])

    def test_lower_of_two_frames_with_text_between(self):
        screen = "$ sudo -i\n" + self.t0 + "\nStart the BankID app\n" + \
            self.t1 + "\nStart the BankID app\n"
        self.assertEqual(phone.newest_qr(screen, "dark"), self.p1)

    def test_lower_of_two_frames_touching(self):
        # no line between the frames: one run holding two codes
        screen = self.t0 + "\n" + self.t1 + "\n"
        self.assertEqual(phone.newest_qr(screen, "dark"), self.p1)

    def test_prefix_filter_and_empty_screen(self):
        self.assertIsNone(phone.newest_qr("just text\n\n$ \n", "dark"))
        self.assertIsNone(phone.newest_qr(self.t0, "dark", prefix="other."))
        self.assertEqual(phone.newest_qr(self.t0, "dark", prefix="bankid."), PAYLOAD)

    def test_scrolled_partial_frame_above_is_ignored(self):
        screen = "\n".join(self.t0.split("\n")[12:]) + "\nStatus\n" + self.t1
        self.assertEqual(phone.newest_qr(screen, "dark"), self.p1)


@unittest.skipIf(shutil.which("tmux") is None, "tmux not installed")
class TmuxRoundTrip(unittest.TestCase):
    """A real terminal: tmux draws the frame, capture-pane -e -N reads it."""

    def pane(self, cmd):
        t = Tmux(cmd)
        self.addCleanup(t.close)
        return t

    def test_golden_frame_through_tmux_decodes(self):
        for name, theme in (("utf8_ink_light.txt", "dark"),
                            ("utf8_ink_dark.txt", "light"),
                            ("utf8_ansi.txt", "dark"),
                            ("utf8_ansi.txt", "light"),
                            ("ascii_ansi.txt", "dark")):
            path = os.path.join(GOLDEN, name)
            t = self.pane("cat '%s'; echo; echo DONE; sleep 60" % path)
            text = t.wait_for("DONE")
            self.assertEqual(phone.newest_qr(text, theme), PAYLOAD,
                             "%s via tmux on %s" % (name, theme))

    def test_capture_without_N_loses_the_ansi_quiet_zone(self):
        # why TMUX_CAPTURE has -N: white trailing spaces are the quiet zone
        t = self.pane("cat '%s'; echo; echo DONE; sleep 60" %
                      os.path.join(GOLDEN, "utf8_ansi.txt"))
        t.wait_for("DONE")
        plain = subprocess.run(t.base + ["capture-pane", "-p", "-e", "-t", t.target],
                               stdout=subprocess.PIPE, check=True).stdout.decode()
        self.assertNotIn(" " * 45, plain)
        self.assertIn(" " * 45, t.capture())

    def test_two_frames_in_tmux_newest_wins(self):
        a = os.path.join(GOLDEN, "utf8_ink_light.txt")
        b = os.path.join(GOLDEN, "frame_t1_utf8_ink_light.txt")
        t = self.pane("cat '%s'; echo; echo Scan; cat '%s'; echo; echo DONE; sleep 60"
                      % (a, b))
        text = t.wait_for("DONE")
        self.assertEqual(phone.newest_qr(text, "dark"),
                         "bankid.%s.1.%s" % (TOKEN, T1_CODE))


class _Control(http.server.BaseHTTPRequestHandler):
    """A stand-in for the simulator's control API: 409 first, then 200."""
    bodies = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append((self.path, body))
        code = 409 if len(type(self).bodies) == 1 else 200
        reply = json.dumps({"ok": code == 200}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *a):
        pass


@unittest.skipIf(shutil.which("tmux") is None, "tmux not installed")
class PhoneCli(unittest.TestCase):
    def setUp(self):
        _Control.bodies = []
        self.srv = http.server.HTTPServer(("127.0.0.1", 0), _Control)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.addCleanup(self.srv.server_close)
        self.addCleanup(self.srv.shutdown)
        self.url = "http://127.0.0.1:%d" % self.srv.server_port

    def phone(self, *args):
        return subprocess.run([sys.executable, PHONE] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=30, text=True)

    def test_scan_posts_the_payload_and_retries_on_409(self):
        t = Tmux("cat '%s'; echo; echo DONE; sleep 60" %
                 os.path.join(GOLDEN, "utf8_ink_light.txt"))
        self.addCleanup(t.close)
        t.wait_for("DONE")
        p = self.phone("scan", "--tmux", "0", "--tmux-socket", t.sock,
                       "--control", self.url, "--action", "deny",
                       "--delay-ms", "250", "--timeout", "10")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"ok": True})
        # the 409 (stale frame) was retried with a fresh capture
        self.assertEqual(len(_Control.bodies), 2)
        for path, body in _Control.bodies:
            self.assertEqual(path, "/phone/scan")
            self.assertEqual(body, {"qr": PAYLOAD, "action": "deny", "delay_ms": 250})

    def test_open_posts_personal_number(self):
        p = self.phone("open", "--control", self.url, "--pno", "199001011234",
                       "--timeout", "10")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(_Control.bodies[-1],
                         ("/phone/open", {"personalNumber": "199001011234",
                                          "action": "approve", "delay_ms": 1000}))

    def test_scan_times_out_without_qr_and_saves_screenshot(self):
        t = Tmux("echo no code here; sleep 60")
        self.addCleanup(t.close)
        t.wait_for("no code")
        d = tempfile.mkdtemp(prefix="phone-test.")
        self.addCleanup(shutil.rmtree, d, True)
        shot = os.path.join(d, "shot.png")
        p = self.phone("scan", "--tmux", "0", "--tmux-socket", t.sock,
                       "--control", self.url, "--timeout", "1", "--save", shot)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no QR code decoded", p.stderr)
        self.assertTrue(os.path.getsize(shot) > 0)
        self.assertEqual(_Control.bodies, [])

    def test_decode_command_prints_payload(self):
        p = self.phone("decode", os.path.join(GOLDEN, "utf8_ink_dark.txt"),
                       "--theme", "light")
        self.assertEqual((p.returncode, p.stdout), (0, PAYLOAD + "\n"))


if __name__ == "__main__":
    unittest.main()
