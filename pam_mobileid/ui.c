/* What the person sees: QR frames, status lines and prompts. */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mid.h"
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

static unsigned count_lines(const char *s)
{
	unsigned n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Builds [redraw escape] [title \n] [QR \n] status [\n footer]. */
static int compose(struct ui *ui, const char *title, const char *payload,
		   const char *status, const char *footer, bool redraw,
		   char **out, unsigned *lines)
{
	char wrapped[MAX_STATUS], esc[32] = "";
	char *qr = NULL, *buf = NULL;
	unsigned qr_lines = 0;
	size_t need;
	int r;

	if (!ui_wrap(status ? status : "", UI_WRAP, wrapped, sizeof(wrapped))) {
		/* too long to wrap: a line's worth of whole characters */
		size_t l = util_utf8_cut(status, strnlen(status, UI_WRAP));

		memcpy(wrapped, status, l);
		wrapped[l] = '\0';
	}
	if (payload) {
		r = qr_render(payload, &ui->qr, &qr, &qr_lines);
		if (r < 0)
			return r;
	}
	/* back over the previous frame and clear to the end of the screen */
	if (redraw && ui->prev_lines)
		snprintf(esc, sizeof(esc), "\033[%uA\r\033[J", ui->prev_lines);
	need = strlen(esc) + (title ? strlen(title) + 1 : 0) +
	       (qr ? strlen(qr) + 1 : 0) + strlen(wrapped) +
	       (footer ? strlen(footer) + 1 : 0) + 1;
	if (need > MAX_FRAME || !(buf = malloc(need))) {
		free(qr);
		return MID_E_NOMEM;
	}
	snprintf(buf, need, "%s%s%s%s%s%s%s%s", esc, title ? title : "",
		 title ? "\n" : "", qr ? qr : "", qr ? "\n" : "", wrapped,
		 footer ? "\n" : "", footer ? footer : "");
	free(qr);
	*out = buf;
	*lines = count_lines(buf + strlen(esc));
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
	char footer[128], *msg = NULL, *answer = NULL;
	unsigned lines = 0;
	int r;

	/* ssh prefixes the first prompt line with "(user@host) ": a text
	 * line comes first so that the prefix never lands on a QR row */
	snprintf(footer, sizeof(footer), "%s ",
		 i18n_text(ui->lang, MSG_PRESS_ENTER));
	r = compose(ui, i18n_text(ui->lang, MSG_TITLE), payload, status, footer,
		    false, &msg, &lines);
	if (r < 0)
		return r;
	r = ui->conv(ui->conv_ctx, UI_ASK, msg, &answer);
	/* no answer at all (Ctrl-D, end of input) gives up */
	if (r == 0 && !answer)
		r = MID_E_CONV;
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
