#!/usr/bin/python3
"""The variant table of doc/qr.md: how many of N random BankID payloads a
phone camera decodes, per rendering (charset, columns per module, quiet
zone, ink) and terminal theme, for a few camera models (scale = camera
pixels per screen pixel, blur radius). About 30 s; not a test.

Frames come from qrtool (qr.c) under $MID_BUILD_DIR/tests/unit/; the camera
is tests/lib/phone.py (render the screen, blur, scale, zbarimg).

    MID_BUILD_DIR=build tests/bench/qr-variants.py [-n 10]
"""
import argparse
import os
import random
import sys
from concurrent.futures import ThreadPoolExecutor

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, os.path.join(SRC, "tests", "unit"))

import phone  # noqa: E402
from test_qr_scan import QRTOOL, qrtool, random_payload  # noqa: E402

CAMS = [(1, 1), (1, 2), (0.5, 1), (0.5, 2), (0.33, 1)]


def narrow_cols(t, w):
    """w '#' per module from the 1-column rendering."""
    return "\n".join("".join(c * w for c in line) for line in t.split("\n"))


def variants():
    out = []
    for cs, w in (("utf8", 1), ("ascii", 1), ("ascii", 2)):
        for q in (4, 2, 1):
            for mode, theme in (("light", "dark"), ("dark", "light"),
                                ("ansi", "dark")):
                if w == 2 and mode == "ansi":
                    continue
                out.append((cs, w, q, mode, theme))
    return out


def decodes(v, pays):
    """Per camera model: how many of pays decode in variant v."""
    cs, w, q, mode, theme = v
    cnt = [0] * len(CAMS)
    for p in pays:
        a = ["-c", cs, "-q", str(q)] + (["-a"] if mode == "ansi"
                                        else ["-i", mode])
        t = qrtool("render", *(a + [p]))
        if w == 2:
            t = narrow_cols(t, 2)
        img = phone.render_screen(t, theme)
        for i, (s, b) in enumerate(CAMS):
            cnt[i] += phone.decode(img, blur=b, scale=s) == [p]
    return v, cnt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=10, help="payloads per variant")
    n = ap.parse_args().n
    if not QRTOOL:
        sys.exit("qr-variants: build qrtool first (MID_BUILD_DIR)")
    rng = random.Random(7)
    pays = [random_payload(rng, rng.randint(0, 300)) for _ in range(n)]
    # sizes for the official payload's version 6 (41 modules); some
    # frames encode as version 5 (37), 4 columns and 2-4 lines less
    print("| charset | cols/module | quiet | ink | terminal | "
          "v6 size (cols x lines) | "
          + " | ".join("s%g b%g" % c for c in CAMS) + " |")
    with ThreadPoolExecutor(2) as ex:
        for (cs, w, q, mode, theme), cnt in ex.map(
                lambda v: decodes(v, pays), variants()):
            side = 41 + 2 * q
            size = "%d x %d" % (side * w,
                                (side + 1) // 2 if cs == "utf8" else side)
            print("| %s | %d | %d | %s | %s | %s | %s |" % (
                cs, w, q, mode, theme, size,
                " | ".join("%d/%d" % (c, n) for c in cnt)))


if __name__ == "__main__":
    main()
