#!/usr/bin/python3
"""A virtual phone: look at a terminal the way a camera does and scan the
BankID QR code on it.

Library:
    render_screen(text, theme, cols)  captured terminal text -> PIL image
    decode(img)                       image -> list of QR payloads (zbarimg)
    newest_qr(text, theme)            payload of the lowest QR on the screen

CLI:
    phone.py scan --tmux TARGET [--tmux-socket NAME] --control URL
             [--theme dark|light]
             [--action approve|deny|hold] [--delay-ms 1000] [--timeout 60]
             [--save shot.png] [--prefix bankid.]
    phone.py open --control URL --pno PNR [--action ...] [--delay-ms ...]
             [--timeout 60]
    phone.py decode FILE [--theme dark|light] [--save PNG]

Python 3 stdlib + PIL only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from PIL import Image, ImageFilter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import termshot  # noqa: E402
from termshot import THEMES, font_metrics, parse, render_screen  # noqa: E402,F401

ZBARIMG = "zbarimg"
# Characters a QR rendering may consist of (utf8 half blocks, ascii '#').
QR_GLYPHS = frozenset("\u2588\u2580\u2584#")
# Blank lines kept around the last QR (its quiet zone, when that is the
# terminal background) and blank lines tolerated inside one QR.
MARGIN_LINES = 4
# a QR row with text beside it is at least this wide (a version-1 code)
SIDE_MIN_COLS = 21
GAP_LINES = 1
# tmux flags: -p stdout, -e keep SGR colours, -N keep trailing spaces (the
# white quiet zone of an ANSI frame is coloured spaces at the line's end).
TMUX_CAPTURE = ["capture-pane", "-p", "-e", "-N"]


def camera(img, blur=1.0, scale=1.0):
    """What a camera gives a QR reader: a slightly blurred, thresholded
    grey picture. Never inverted: polarity is part of what is tested.
    scale < 1 models a camera that resolves fewer pixels than the screen."""
    grey = img.convert("L")
    if scale != 1.0:
        grey = grey.resize((max(1, int(grey.width * scale)),
                            max(1, int(grey.height * scale))), Image.BOX)
    if blur:
        grey = grey.filter(ImageFilter.GaussianBlur(blur))
    lo, hi = grey.getextrema()
    if hi - lo < 32:
        return None  # nothing but one colour: no code to see
    mid = (lo + hi) // 2
    return grey.point(lambda v: 255 if v > mid else 0)


def zbar(path):
    """Decode a picture file with zbarimg; returns the payloads found."""
    p = subprocess.run(
        [ZBARIMG, "--raw", "-q", "--nodbus", "-Sdisable", "-Sqrcode.enable",
         path],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    # 4: no symbol found
    if p.returncode != 0:
        return []
    return [s for s in p.stdout.decode("utf-8", "replace").split("\n") if s]


def decode(img, blur=1.0, scale=1.0, save=None):
    """Decode the QR codes in a screenshot as a phone would see them."""
    seen = camera(img, blur, scale)
    if save:
        (seen if seen is not None else img).save(save)
    if seen is None:
        return []
    with tempfile.TemporaryDirectory(prefix="phone.") as d:
        path = os.path.join(d, "seen.png")
        seen.save(path)
        return zbar(path)


def qr_part(line):
    """The QR part of a text line: the module draws the status in a column
    beside the QR, after a gap of blanks; a line that is not a QR row with
    text beside it is returned whole."""
    for i, c in enumerate(line):
        if c != " " and c not in QR_GLYPHS:
            return line[:i] if i >= SIDE_MIN_COLS and line[:i].endswith("  ") else line
    return line


def _line_kind(cells, theme):
    """'qr' for a line that is only QR glyphs and blanks (perhaps with text
    beside it, as qr_part() says) and has something visible, 'blank' for an
    empty line, 'text' for anything else."""
    dbg = THEMES[theme][1]
    visible = False
    blanks = 0
    for i, (ch, attr) in enumerate(cells):
        if ch in ("", " "):
            if termshot.cell_colours(attr, theme)[1] != dbg:
                visible = True
                blanks = 0
            else:
                blanks += 1
            continue
        if ch not in QR_GLYPHS:
            beside = visible and blanks >= 2 and i >= SIDE_MIN_COLS
            return "qr" if beside else "text"
        visible = True
        blanks = 0
    return "qr" if visible else "blank"


def qr_runs(rows, theme):
    """(first, last) row ranges of QR-looking lines, top to bottom."""
    kinds = [_line_kind(r, theme) for r in rows]
    runs = []
    start = end = None
    gap = 0
    for i, k in enumerate(kinds):
        if k == "qr":
            if start is None:
                start = i
            end = i
            gap = 0
        elif k == "blank" and start is not None and gap < GAP_LINES:
            gap += 1
        else:
            if start is not None:
                runs.append((start, end))
            start = end = None
            gap = 0
    if start is not None:
        runs.append((start, end))
    return runs, kinds


def _crop_lines(text, rows, kinds, first, last):
    """The capture text of lines first..last widened by blank margin lines
    (an ink-dark QR's quiet zone is the terminal's own background)."""
    lines = text.split("\n")
    top = first
    while top > 0 and first - top < MARGIN_LINES and kinds[top - 1] == "blank":
        top -= 1
    bot = last
    while (bot + 1 < len(kinds) and bot - last < MARGIN_LINES
           and kinds[bot + 1] == "blank"):
        bot += 1
    return lines[top:bot + 1], top


def newest_qr(text, theme="dark", prefix=None, cols=None, save=None):
    """Payload of the last (lowest) QR code on a captured screen, or None.

    Frames that scrolled up stay on the screen; only the lowest run of QR
    lines is decoded. If one run holds two codes (frames drawn with no
    line between them) the crop is shrunk from the top until one is left."""
    rows = parse(text)
    runs, kinds = qr_runs(rows, theme)
    if not runs:
        if save:
            render_screen(text, theme, cols).save(save)
        return None
    first, last = runs[-1]
    lines, _ = _crop_lines(text, rows, kinds, first, last)
    # SGR state before the crop matters: replay it from the full text
    prefix_sgr = _sgr_state_before(text, first)
    img = render_screen(prefix_sgr + "\n".join(lines), theme, cols or
                        max(len(r) for r in rows))
    found = decode(img, save=save)
    if prefix:
        found = [f for f in found if f.startswith(prefix)]
    if len(set(found)) > 1:
        for start in range(last - 1, first - 1, -2):
            sub, _ = _crop_lines(text, rows, kinds, start, last)
            img = render_screen(_sgr_state_before(text, start) +
                                "\n".join(sub), theme, cols)
            one = [f for f in decode(img) if not prefix or f.startswith(prefix)]
            if len(set(one)) == 1:
                return one[0]
        return None
    return found[0] if found else None


def _sgr_state_before(text, line_no):
    """SGR sequences that are in force at the start of line line_no."""
    seqs = []
    for line in text.split("\n")[:line_no]:
        for m in termshot._CSI.finditer(line):
            if m.group(2) == "m":
                seqs.append(m.group(0))
    # only what came after the last reset matters
    for i in range(len(seqs) - 1, -1, -1):
        if seqs[i] in ("\x1b[0m", "\x1b[m"):
            seqs = seqs[i + 1:]
            break
    return "".join(seqs)


def tmux_capture(target, socket=None):
    """The pane's screen as text with SGR colours (see TMUX_CAPTURE)."""
    base = ["tmux"] + (["-L", socket] if socket else [])
    p = subprocess.run(base + TMUX_CAPTURE + ["-t", target],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=10, check=True)
    return p.stdout.decode("utf-8", "replace")


def post_json(url, body, timeout=10):
    """POST JSON; returns (status, parsed reply or text)."""
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw.decode() or "null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def _post_until_ok(url, body, timeout, retry=0.5, attempt=None):
    """Retry (optionally producing the body with attempt()) until 200."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        b = attempt() if attempt else body
        if b is not None:
            try:
                status, reply = post_json(url, b)
            except (urllib.error.URLError, OSError) as e:
                status, reply = None, str(e)
            if status == 200:
                return reply, None
            last = "HTTP %s: %s" % (status, reply)
        else:
            last = "no QR code decoded"
        if time.monotonic() >= deadline:
            return None, last
        time.sleep(retry)


def cmd_scan(a):
    url = a.control.rstrip("/") + "/phone/scan"
    state = {"text": ""}

    def attempt():
        try:
            state["text"] = tmux_capture(a.tmux, a.tmux_socket)
        except (subprocess.SubprocessError, OSError):
            return None
        qr = newest_qr(state["text"], a.theme, prefix=a.prefix)
        if qr is None:
            return None
        return {"qr": qr, "action": a.action, "delay_ms": a.delay_ms}

    reply, err = _post_until_ok(url, None, a.timeout, attempt=attempt)
    if reply is None:
        print("phone: scan failed: %s" % err, file=sys.stderr)
        if a.save:
            render_screen(state["text"], a.theme).save(a.save)
            print("phone: last screen saved to %s" % a.save, file=sys.stderr)
        return 1
    print(json.dumps(reply))
    return 0


def cmd_open(a):
    url = a.control.rstrip("/") + "/phone/open"
    body = {"personalNumber": a.pno, "action": a.action,
            "delay_ms": a.delay_ms}
    reply, err = _post_until_ok(url, body, a.timeout)
    if reply is None:
        print("phone: open failed: %s" % err, file=sys.stderr)
        return 1
    print(json.dumps(reply))
    return 0


def cmd_decode(a):
    with open(a.file, encoding="utf-8", errors="replace") as f:
        text = f.read()
    img = render_screen(text, a.theme)
    found = decode(img, save=a.save)
    for s in found:
        print(s)
    return 0 if found else 1


def main(argv=None):
    ap = argparse.ArgumentParser(prog="phone.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--action", default="approve",
                       choices=("approve", "deny", "hold"))
        p.add_argument("--delay-ms", type=int, default=1000)
        p.add_argument("--timeout", type=float, default=60)

    s = sub.add_parser("scan", help="scan the QR in a tmux pane")
    s.add_argument("--tmux", required=True, metavar="TARGET")
    s.add_argument("--tmux-socket", metavar="NAME",
                   help="tmux -L socket name of a private server")
    s.add_argument("--control", required=True, metavar="URL")
    s.add_argument("--theme", default="dark", choices=tuple(THEMES))
    s.add_argument("--save", metavar="PNG")
    s.add_argument("--prefix", default="bankid.")
    common(s)
    s.set_defaults(func=cmd_scan)

    o = sub.add_parser("open", help="open the app by personal number")
    o.add_argument("--control", required=True, metavar="URL")
    o.add_argument("--pno", required=True, metavar="PNR")
    common(o)
    o.set_defaults(func=cmd_open)

    d = sub.add_parser("decode", help="decode a saved capture")
    d.add_argument("file")
    d.add_argument("--theme", default="dark", choices=tuple(THEMES))
    d.add_argument("--save", metavar="PNG")
    d.set_defaults(func=cmd_decode)

    a = ap.parse_args(argv)
    return a.func(a)


if __name__ == "__main__":
    sys.exit(main())
