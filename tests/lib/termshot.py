"""Terminal text -> screenshot: draw what `tmux capture-pane -p -e` returns
the way a terminal with DejaVu Sans Mono would show it.

Python 3 stdlib + PIL only. The glyphs are drawn by the font (block
elements included), not by filling rectangles, so a screenshot shows the
same seams and gaps a real terminal does.
"""

import re
import unicodedata

from PIL import Image, ImageDraw, ImageFont

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_SIZE = 16
# Window padding around the cell grid, in the terminal's background colour.
PAD = 8

# Default foreground/background of the two themes.
THEMES = {
    "dark": ((229, 229, 229), (0, 0, 0)),
    "light": ((0, 0, 0), (255, 255, 255)),
}

# xterm's 16 basic colours.
_BASIC = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
    (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
]


def xterm256(n):
    """RGB of xterm 256-colour index n."""
    if n < 16:
        return _BASIC[n]
    if n < 232:
        n -= 16
        steps = (0, 95, 135, 175, 215, 255)
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)


# A colour is None (the theme default), ("i", index) or ("rgb", (r, g, b)).
class Attr:
    __slots__ = ("fg", "bg", "bold", "reverse")

    def __init__(self):
        self.fg = None
        self.bg = None
        self.bold = False
        self.reverse = False

    def copy(self):
        a = Attr()
        a.fg, a.bg, a.bold, a.reverse = self.fg, self.bg, self.bold, self.reverse
        return a


_CSI = re.compile(r"\x1b\[([0-9;:]*)([A-Za-z])")


def _apply_sgr(attr, params):
    ps = [int(p) if p.isdigit() else 0 for p in params.replace(":", ";").split(";")] \
        if params else [0]
    i = 0
    while i < len(ps):
        p = ps[i]
        if p == 0:
            attr.__init__()
        elif p == 1:
            attr.bold = True
        elif p == 22:
            attr.bold = False
        elif p == 7:
            attr.reverse = True
        elif p == 27:
            attr.reverse = False
        elif 30 <= p <= 37:
            attr.fg = ("i", p - 30)
        elif p == 39:
            attr.fg = None
        elif 40 <= p <= 47:
            attr.bg = ("i", p - 40)
        elif p == 49:
            attr.bg = None
        elif 90 <= p <= 97:
            attr.fg = ("i", p - 90 + 8)
        elif 100 <= p <= 107:
            attr.bg = ("i", p - 100 + 8)
        elif p in (38, 48) and i + 1 < len(ps):
            if ps[i + 1] == 5 and i + 2 < len(ps):
                col = ("i", ps[i + 2] & 255)
                i += 2
            elif ps[i + 1] == 2 and i + 4 < len(ps):
                col = ("rgb", tuple(min(255, v) for v in ps[i + 2:i + 5]))
                i += 4
            else:
                col = None
                i += 1
            if p == 38:
                attr.fg = col
            else:
                attr.bg = col
        i += 1


def char_width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text):
    """Terminal text with SGR escapes -> list of rows of (char, Attr) cells.
    Other escape sequences are dropped; tabs go to the next multiple of 8."""
    rows = []
    attr = Attr()
    for line in text.split("\n"):
        line = line.rstrip("\r")
        cells = []
        pos = 0
        while pos < len(line):
            m = _CSI.match(line, pos)
            if m:
                if m.group(2) == "m":
                    _apply_sgr(attr, m.group(1))
                pos = m.end()
                continue
            ch = line[pos]
            pos += 1
            if ch == "\t":
                while True:
                    cells.append((" ", attr.copy()))
                    if len(cells) % 8 == 0:
                        break
                continue
            if ch < " " or ch == "\x7f":
                continue
            w = char_width(ch)
            if w == 0:
                continue
            cells.append((ch, attr.copy()))
            if w == 2:
                cells.append(("", attr.copy()))
        rows.append(cells)
    # capture-pane ends with a newline: no empty row for it
    if rows and not rows[-1]:
        rows.pop()
    return rows


def _colour(col, default, bold=False):
    if col is None:
        return default
    if col[0] == "rgb":
        return col[1]
    n = col[1]
    if bold and n < 8:
        n += 8  # bold as bright, like xterm's default
    return xterm256(n)


def cell_colours(attr, theme):
    dfg, dbg = THEMES[theme]
    fg = _colour(attr.fg, dfg, attr.bold)
    bg = _colour(attr.bg, dbg)
    if attr.reverse:
        fg, bg = bg, fg
    return fg, bg


def font_metrics(size=FONT_SIZE):
    font = ImageFont.truetype(FONT_PATH, size)
    ascent, descent = font.getmetrics()
    # terminals round the advance to whole pixels
    cell_w = int(round(font.getlength("M")))
    return font, cell_w, ascent + descent


def render_screen(text, theme="dark", cols=None, size=FONT_SIZE,
                  line_height=None):
    """Draw captured terminal text as a screenshot (PIL RGB image).

    Cell width = the font's advance, line height = ascent + descent unless
    line_height is given."""
    if theme not in THEMES:
        raise ValueError("theme must be dark or light")
    font, cell_w, lh = font_metrics(size)
    if line_height is not None:
        lh = line_height
    rows = parse(text)
    ncols = max([len(r) for r in rows] + [cols or 0, 1])
    nrows = max(len(rows), 1)
    dfg, dbg = THEMES[theme]
    img = Image.new("RGB", (2 * PAD + ncols * cell_w, 2 * PAD + nrows * lh), dbg)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(rows):
        top = PAD + y * lh
        for x, (ch, attr) in enumerate(row):
            fg, bg = cell_colours(attr, theme)
            left = PAD + x * cell_w
            if bg != dbg:
                draw.rectangle((left, top, left + cell_w - 1, top + lh - 1), fill=bg)
            if ch and ch != " ":
                draw.text((left, top), ch, font=font, fill=fg, anchor="la")
    return img
