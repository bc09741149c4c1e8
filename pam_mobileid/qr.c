/* QR codes drawn as terminal text (libqrencode); knows no provider. */
#include "qr.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "mid.h"
#include "qrmask.h"

/* ISO 18004 asks for 4; more only wastes terminal lines */
#define QR_QUIET_MAX 16
/* version 40 is 177 modules; a BankID payload needs version 6 (41) */
#define QR_SIDE_MAX (177 + 2 * QR_QUIET_MAX)
/* a BankID payload (110-120 bytes) fits version 6 at level L */
#define QR_MIN_VERSION 6

/* Colours by 256-colour index (16 = #000000, 231 = #ffffff in the cube),
 * because the 16 basic colours are remapped by terminal themes. */
#define QR_SGR_ON "\033[38;5;16;48;5;231m"
#define QR_SGR_OFF "\033[0m"
/* ASCII dark modules: a '#' fills a quarter of its cell, too little for a
 * dark module (doc/qr.md), so with colours the cell background is black */
#define QR_SGR_BG_DARK "\033[48;5;16m"
#define QR_SGR_BG_LIGHT "\033[48;5;231m"

#define QR_UTF8_FULL "\xe2\x96\x88"  /* U+2588 FULL BLOCK */
#define QR_UTF8_UPPER "\xe2\x96\x80" /* U+2580 UPPER HALF BLOCK */
#define QR_UTF8_LOWER "\xe2\x96\x84" /* U+2584 LOWER HALF BLOCK */
#define QR_GLYPH_MAX 3		     /* bytes of the longest cell glyph */

/* ASCII: a module is this many '#' wide and one line tall. One column is
 * the only width that zbarimg decodes from a screenshot (doc/qr.md). */
#define QR_ASCII_COLS 1

struct qr_text {
	char *buf;
	size_t len;
	size_t cap;
};

static int qr_text_put(struct qr_text *t, const char *s)
{
	size_t n = strlen(s);

	/* the buffer was sized for the worst case; overflow is a bug here */
	if (n > t->cap - t->len - 1)
		return MID_E_INTERNAL;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
	return 0;
}

/* Dark module at (x, y) in quiet-zone coordinates; the quiet zone is light. */
static bool qr_dark(const QRcode *qr, unsigned quiet, unsigned x, unsigned y)
{
	unsigned w = (unsigned)qr->width;

	if (x < quiet || y < quiet || x >= quiet + w || y >= quiet + w)
		return false;
	return qr->data[(y - quiet) * w + (x - quiet)] & 1;
}

/* Does (x, y) get a glyph? Rows past the bottom edge never do. */
static bool qr_ink(const QRcode *qr, const struct qr_style *style,
		   unsigned side, unsigned x, unsigned y)
{
	bool dark;

	if (y >= side)
		return false;
	dark = qr_dark(qr, style->quiet, x, y);
	if (style->ansi || style->ink == QR_INK_DARK)
		return dark;
	return !dark;
}

static int qr_render_utf8(const QRcode *qr, const struct qr_style *style,
			  unsigned side, struct qr_text *t)
{
	unsigned lines = (side + 1) / 2;
	int r = 0;

	for (unsigned l = 0; l < lines && r == 0; l++) {
		if (l > 0)
			r = qr_text_put(t, "\n");
		if (r == 0 && style->ansi)
			r = qr_text_put(t, QR_SGR_ON);
		for (unsigned x = 0; x < side && r == 0; x++) {
			bool top = qr_ink(qr, style, side, x, 2 * l);
			bool bot = qr_ink(qr, style, side, x, 2 * l + 1);
			const char *g = top && bot ? QR_UTF8_FULL
					: top	   ? QR_UTF8_UPPER
					: bot	   ? QR_UTF8_LOWER
						   : " ";

			r = qr_text_put(t, g);
		}
		if (r == 0 && style->ansi)
			r = qr_text_put(t, QR_SGR_OFF);
	}
	return r;
}

static int qr_render_ascii(const QRcode *qr, const struct qr_style *style,
			   unsigned side, struct qr_text *t)
{
	static const char ink[] = "########", blank[] = "        ";
	char cell_ink[QR_ASCII_COLS + 1], cell_blank[QR_ASCII_COLS + 1];
	int r = 0;

	_Static_assert(QR_ASCII_COLS < sizeof(ink), "ASCII cell too wide");
	memcpy(cell_ink, ink, QR_ASCII_COLS);
	memcpy(cell_blank, blank, QR_ASCII_COLS);
	cell_ink[QR_ASCII_COLS] = cell_blank[QR_ASCII_COLS] = '\0';

	for (unsigned y = 0; y < side && r == 0; y++) {
		bool bg_dark = false;

		if (y > 0)
			r = qr_text_put(t, "\n");
		if (r == 0 && style->ansi)
			r = qr_text_put(t, QR_SGR_ON);
		for (unsigned x = 0; x < side && r == 0; x++) {
			bool ink_here = qr_ink(qr, style, side, x, y);

			if (style->ansi && ink_here != bg_dark) {
				r = qr_text_put(t, ink_here ? QR_SGR_BG_DARK
							    : QR_SGR_BG_LIGHT);
				bg_dark = ink_here;
			}
			if (r == 0)
				r = qr_text_put(t, ink_here ? cell_ink
							    : cell_blank);
		}
		if (r == 0 && style->ansi)
			r = qr_text_put(t, QR_SGR_OFF);
	}
	return r;
}

/* Whether payload and style are something qr_render draws. */
static bool qr_args_ok(const char *payload, const struct qr_style *style)
{
	size_t n = payload ? strnlen(payload, QR_PAYLOAD_MAX) : 0;

	return n > 0 && n < QR_PAYLOAD_MAX && style &&
	       style->quiet <= QR_QUIET_MAX &&
	       (style->charset == QR_CHARSET_UTF8 ||
		style->charset == QR_CHARSET_ASCII) &&
	       (style->ink == QR_INK_LIGHT || style->ink == QR_INK_DARK);
}

/* Room for the whole text of a side x side code: t->buf, *lines. */
static int qr_text_alloc(const struct qr_style *style, unsigned side,
			 struct qr_text *t, unsigned *lines)
{
	size_t per_cell, per_line;

	if (style->charset == QR_CHARSET_UTF8) {
		*lines = (side + 1) / 2;
		per_cell = QR_GLYPH_MAX;
	} else {
		*lines = side;
		per_cell = QR_ASCII_COLS;
	}
	/* small by the limits above: a colour switch at most once per cell */
	if (style->ansi)
		per_cell += sizeof(QR_SGR_BG_LIGHT);
	per_line = side * per_cell + sizeof(QR_SGR_ON) + sizeof(QR_SGR_OFF) + 1;
	t->cap = (size_t)*lines * per_line + 1;
	t->buf = malloc(t->cap);
	if (t->buf == NULL)
		return MID_E_NOMEM;
	t->buf[0] = '\0';
	return 0;
}

int qr_render(const char *payload, const struct qr_style *style, char **out,
	      unsigned *nlines)
{
	QRcode *qr = NULL;
	struct qr_text t = {0};
	unsigned side, lines;
	int r = MID_E_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (nlines != NULL)
		*nlines = 0;
	if (out == NULL || nlines == NULL || !qr_args_ok(payload, style))
		goto out;
	/* thread-safe: Debian's libqrencode 4 guards its RS tables with a
	 * pthread mutex, and the returned QRcode is ours alone */
	/* version 6 at least: every frame of an order is then the same size
	 * (41 modules), where the smallest version would flip between 5 and
	 * 6 from second to second and move the status and the cursor */
	/* QRcode_encodeString's symbol, its mask choice made cheaper */
	qr = qrmask_encode(payload, QR_MIN_VERSION, QR_ECLEVEL_L);
	if (qr == NULL) {
		r = errno == ENOMEM ? MID_E_NOMEM : MID_E_INTERNAL;
		goto out;
	}
	if (qr->width <= 0 ||
	    (unsigned)qr->width > QR_SIDE_MAX - 2 * QR_QUIET_MAX)
		goto out;
	side = (unsigned)qr->width + 2 * style->quiet;
	r = qr_text_alloc(style, side, &t, &lines);
	if (r < 0)
		goto out;
	if (style->charset == QR_CHARSET_UTF8)
		r = qr_render_utf8(qr, style, side, &t);
	else
		r = qr_render_ascii(qr, style, side, &t);
	if (r < 0)
		goto out;
	*out = t.buf;
	t.buf = NULL;
	*nlines = lines;
	r = 0;
out:
	free(t.buf);
	QRcode_free(qr);
	return r;
}
