/* What the person sees: QR frames, status lines and prompts. */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mid.h"
#include "uiprompt.h"
#include "util.h"

#define MAX_STATUS 1024
#define MAX_FRAME (64 * 1024)

static unsigned cols(const char *s, size_t n)
{
	unsigned c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

unsigned ui_wrap(const char *text, unsigned width, char *out, size_t n)
{
	size_t o = 0;
	unsigned lines = 0, used = 0;

	if (n == 0)
		return 0;
	while (*text) {
		size_t w = strcspn(text, " \n");
		unsigned wc = cols(text, w);

		if (used > 0) {
			bool wrap = used + 1 + wc > width;

			if (o + 1 >= n)
				goto too_small;
			out[o++] = wrap ? '\n' : ' ';
			used = wrap ? 0 : used + 1;
			lines += wrap;
		}
		if (o + w >= n)
			goto too_small;
		memcpy(out + o, text, w);
		o += w;
		used += wc;
		text += w;
		if (*text == '\n') {
			if (o + 1 >= n)
				goto too_small;
			out[o++] = '\n';
			used = 0;
			lines++;
			text++;
		}
		while (*text == ' ')
			text++;
	}
	out[o] = '\0';
	return lines + 1;
too_small:
	out[0] = '\0';
	return 0;
}

/* Columns of the first line of s, not counting SGR escapes. */
static unsigned line_cols(const char *s)
{
	unsigned c = 0;

	while (*s && *s != '\n') {
		if (*s == '\033') {
			s += strcspn(s, "m");
			s += *s != '\0';
			continue;
		}
		c += cols(s, 1);
		s++;
	}
	return c;
}

/* A frame being built: bounded, and counting its lines. Drawn over the
 * previous frame (erase), each line is erased to its end after it is
 * written, and what is below the last one at the end: nothing is ever
 * cleared from the top-left corner, which tmux would copy into its
 * history. */
struct frame {
	char *buf;
	size_t len, cap;
	int err;
	unsigned lines;
	bool erase;
};

static void put(struct frame *f, const char *s, size_t n)
{
	if (f->err || n >= f->cap - f->len) {
		f->err = MID_E_NOMEM;
		return;
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
	f->buf[f->len] = '\0';
}

static void newline(struct frame *f)
{
	if (f->erase)
		put(f, "\033[K", 3);
	put(f, "\n", 1);
	f->lines++;
}

static void spaces(struct frame *f, unsigned n)
{
	while (n-- > 0)
		put(f, " ", 1);
}

static void puts_line(struct frame *f, const char *s)
{
	put(f, s, strcspn(s, "\n"));
}

/* The next line of a '\n'-separated text, or NULL at its end. */
static const char *next_line(const char *s)
{
	s += strcspn(s, "\n");
	return *s ? s + 1 : NULL;
}

/* Every line of text, the first one where the frame is now. */
static void put_text(struct frame *f, const char *text)
{
	for (const char *l = text; l; l = next_line(l)) {
		if (l != text)
			newline(f);
		puts_line(f, l);
	}
}

static unsigned count_lines(const char *s)
{
	unsigned n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The QR with the text in a column to its right, from its second line
 * on, and the footer beside its last lines: an 80 x 24 terminal shows a
 * whole utf8 frame. What does not fit beside it follows below. */
static void beside(struct frame *f, const char *qr, unsigned qr_lines,
		   const char *text, const char *footer)
{
	const char *t = *text ? text : NULL;
	unsigned foot = footer ? count_lines(footer) : 0;
	/* the footer goes beside the QR only below all of the text */
	bool foot_beside = footer && qr_lines > foot + 1 &&
			   (t ? count_lines(t) : 0) + 1 + foot <= qr_lines;
	const char *fl = foot_beside ? footer : NULL;

	for (unsigned i = 0; qr; i++, qr = next_line(qr)) {
		if (i > 0)
			newline(f);
		puts_line(f, qr);
		if (fl && i + foot >= qr_lines) {
			spaces(f, UI_SIDE_GAP);
			puts_line(f, fl);
			fl = next_line(fl);
		} else if (t && i >= 1) {
			spaces(f, UI_SIDE_GAP);
			puts_line(f, t);
			t = next_line(t);
		}
	}
	if (t) {
		newline(f);
		put_text(f, t);
	}
	if (footer && !foot_beside) {
		newline(f);
		put_text(f, footer);
	}
}

/* Wraps status into out at width columns, or cuts it to one line of whole
 * characters if it cannot be wrapped. */
static void wrap_status(const char *status, unsigned width, char *out, size_t n)
{
	if (!ui_wrap(status, width, out, n)) {
		size_t l = util_utf8_cut(status, strnlen(status, width));

		memcpy(out, status, l);
		out[l] = '\0';
	}
}

/* [title \n] QR with the status (and footer) beside it when side says there
 * is room, else [title \n] QR \n status [\n footer]. */
static void lay_out(struct frame *f, const char *title, const char *qr,
		    unsigned qr_lines, unsigned side, const char *status,
		    const char *footer)
{
	if (title) {
		put_text(f, title);
		newline(f);
	}
	if (qr && side) {
		beside(f, qr, qr_lines, status, footer);
		return;
	}
	if (qr) {
		put_text(f, qr);
		newline(f);
	}
	put_text(f, status);
	if (footer) {
		newline(f);
		put_text(f, footer);
	}
}

/* Builds [title \n] QR with the status (and footer) beside it, or, with
 * no QR or no room beside it, [title \n] status [\n footer]; drawn over
 * the previous frame when redraw says so. */
static int compose(struct ui *ui, const char *title, const char *payload,
		   const char *status, const char *footer, bool redraw,
		   char **out, unsigned *lines)
{
	char wrapped[MAX_STATUS];
	char *qr = NULL;
	unsigned qr_lines = 0, side = 0;
	struct frame f = {.cap = MAX_FRAME, .lines = 1};
	int r;

	if (payload) {
		r = qr_render(payload, &ui->qr, &qr, &qr_lines);
		if (r < 0)
			return r;
		side = UI_SCREEN_COLS - UI_SIDE_GAP - line_cols(qr);
		if (side > UI_SCREEN_COLS || side < UI_SIDE_MIN)
			side = 0;
	}
	wrap_status(status ? status : "", side ? side : UI_WRAP, wrapped,
		    sizeof(wrapped));
	f.buf = malloc(f.cap);
	if (!f.buf) {
		free(qr);
		return MID_E_NOMEM;
	}
	f.buf[0] = '\0';
	if (redraw && ui->prev_lines) {
		/* back up to the previous frame's first line */
		char up[32];

		snprintf(up, sizeof(up), "\033[%uA\r", ui->prev_lines);
		put(&f, up, strlen(up));
		f.erase = true;
	}
	lay_out(&f, title, qr, qr_lines, side, wrapped, footer);
	if (f.erase)
		put(&f, "\033[J", 3); /* what a longer frame left below */
	free(qr);
	if (f.err) {
		free(f.buf);
		return f.err;
	}
	*out = f.buf;
	*lines = f.lines;
	return 0;
}

int ui_frame(struct ui *ui, const char *payload, const char *status)
{
	char *msg = NULL, *answer = NULL;
	unsigned lines = 0;
	int r;

	if (ui->mode == UI_OFF) {
		if (!status || strcmp(status, ui->last) == 0)
			return 0;
		snprintf(ui->last, sizeof(ui->last), "%s", status);
		/* OpenVPN's plugin fails info messages: not our failure */
		(void)ui->conv(ui->conv_ctx, UI_INFO, status, &answer);
		free(answer);
		return 0;
	}
	r = compose(ui, NULL, payload, status, NULL, ui->redraw, &msg, &lines);
	if (r < 0)
		return r;
	r = ui->conv(ui->conv_ctx, UI_INFO, msg, &answer);
	ui->prev_lines = lines;
	free(answer);
	free(msg);
	return r < 0 ? MID_E_CONV : 0;
}

int ui_prompt(struct ui *ui, const char *payload, const char *status)
{
	char text[MAX_STATUS], footer[256], *msg = NULL, *answer = NULL;
	unsigned lines = 0;
	int r;

	if (payload)
		uiprompt_status(ui, status ? status : "", text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s", status ? status : "");
	uiprompt_footer(ui, payload != NULL, footer, sizeof(footer));
	/* ssh prefixes the first prompt line with "(user@host) ": a text
	 * line comes first so that the prefix never lands on a QR row */
	r = compose(ui, i18n_text(ui->lang, ui->title), payload, text, footer,
		    false, &msg, &lines);
	if (r < 0)
		return r;
	r = ui->conv(ui->conv_ctx, UI_ASK, msg, &answer);
	/* no answer at all (Ctrl-D, end of input) gives up */
	if (r == 0 && !answer)
		r = MID_E_CONV;
	if (r == 0)
		uiprompt_answer(ui, answer);
	util_strfree(answer);
	free(msg);
	return r < 0 ? MID_E_CONV : 0;
}

void ui_final(struct ui *ui, const char *text, bool error)
{
	char *msg = NULL, *answer = NULL;
	unsigned lines = 0;

	if (!text || !*text)
		return;
	if (ui->mode == UI_OFF) {
		(void)ui->conv(ui->conv_ctx, error ? UI_ERROR : UI_INFO, text,
			       &answer);
		free(answer);
		return;
	}
	if (compose(ui, NULL, NULL, text, NULL,
		    ui->redraw && ui->mode == UI_ANIMATE, &msg, &lines) < 0)
		return;
	(void)ui->conv(ui->conv_ctx, error ? UI_ERROR : UI_INFO, msg, &answer);
	ui->prev_lines = 0;
	free(answer);
	free(msg);
}
