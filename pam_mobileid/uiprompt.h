/* What a prompt adds to a frame (prompt mode, sshd): the time the code was
 * drawn, the offer of the other charset, and what the answer switches. */
#ifndef MID_UIPROMPT_H
#define MID_UIPROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "ui.h"

/* status, a blank line, "Code from 19:42:05 CET." and how to get a fresh
 * code; status alone if that does not fit out. */
void uiprompt_status(const struct ui *ui, const char *status, char *out,
		     size_t n);

/* The prompt's last lines: the offer of the other charset when ui allows
 * a switch and a QR is shown (qr), then "Approve, then press Enter. ". */
void uiprompt_footer(const struct ui *ui, bool qr, char *out, size_t n);

/* An answer of h or a switches ui's QR to half blocks or to ASCII, where
 * ui allows a switch; any other answer changes nothing. */
void uiprompt_answer(struct ui *ui, const char *answer);

#endif
