/* What the person sees: QR frames, status lines and prompts, sent through
 * a conversation callback (PAM's, or the admin tool's terminal). Knows
 * nothing of providers. */
#ifndef MID_UI_H
#define MID_UI_H

#include <stdbool.h>

#include "i18n.h"
#include "qr.h"

enum ui_mode {
	UI_ANIMATE, /* info messages shown at once: sudo, su, login */
	UI_PROMPT,  /* shown with the next prompt only: sshd */
	UI_OFF,	    /* no QR, no terminal: VPN servers */
};

/* Message styles, as PAM's. */
enum ui_style { UI_INFO, UI_ERROR, UI_ASK };

/* Sends one message; for UI_ASK stores the heap answer in *answer. */
typedef int (*ui_conv_fn)(void *ctx, enum ui_style style, const char *msg,
			  char **answer);

#define UI_WRAP 72 /* status lines are wrapped at this many columns */
/* beside a QR: the text column ends before an 80-column terminal's last
 * column, after a gap of 3, if it can be at least 20 wide */
#define UI_SCREEN_COLS 79
#define UI_SIDE_GAP 3
#define UI_SIDE_MIN 20

struct ui {
	enum ui_mode mode;
	struct qr_style qr;
	bool redraw; /* escapes allowed: redraw the frame in place */
	/* prompt mode: the person may switch the QR to half blocks (typing
	 * h) or ASCII (a), as the admin left the charset to auto over ssh */
	bool can_switch;
	enum mid_lang lang;
	enum mid_msg title; /* the prompt's first line: the provider's title */
	ui_conv_fn conv;
	void *conv_ctx;
	unsigned prev_lines; /* lines of the last frame, for the redraw */
	char last[512];	     /* last status sent in off mode */
};

/* Shows a frame: the QR (payload may be NULL), then the status lines.
 * Animate: one info message, drawn over the previous frame if allowed.
 * Off: the status only, and only when it changed; a host that cannot
 * show it does not fail the approval. */
int ui_frame(struct ui *ui, const char *payload, const char *status);

/* Prompt mode: title, QR, status and "Press Enter" in one prompt; returns
 * once the person answered. With a QR the status says the local time the
 * code was drawn and that Enter right before the scan gives a fresh one;
 * with can_switch, a line offers the other charset, and an answer of h or
 * a takes it for the next prompts. */
int ui_prompt(struct ui *ui, const char *payload, const char *status);

/* A last line (outcome); in animate mode it replaces the frame. */
void ui_final(struct ui *ui, const char *text, bool error);

/* Word-wraps text at width columns (UTF-8 aware) into out; returns the
 * number of lines, or 0 if out is too small. */
unsigned ui_wrap(const char *text, unsigned width, char *out, size_t n);

#endif
