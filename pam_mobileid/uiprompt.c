/* What a prompt adds to a frame (prompt mode, sshd): the time the code was
 * drawn, the offer of the other charset, and what the answer switches. */
#include "uiprompt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The status of a prompt with a QR: BankID refuses a code scanned too
 * long after it was made, and a prompt ages until Enter, so it says when
 * it was drawn (the host's local time: the only honest freshness a static
 * prompt can show) and how to get a fresh one. */
void uiprompt_status(const struct ui *ui, const char *status, char *out,
		     size_t n)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	int len = -1;

	if (localtime_r(&now, &tm) &&
	    strftime(when, sizeof(when), "%H:%M:%S %Z", &tm) > 0)
		len = snprintf(out, n, "%s\n\n%s %s. %s", status,
			       i18n_text(ui->lang, MSG_CODE_FROM), when,
			       i18n_text(ui->lang, MSG_FRESH_CODE));
	if (len < 0 || (size_t)len >= n)
		snprintf(out, n, "%s", status);
}

/* [the other charset's offer \n] "Approve, then press Enter. " */
void uiprompt_footer(const struct ui *ui, bool qr, char *out, size_t n)
{
	const char *enter = i18n_text(ui->lang, MSG_PRESS_ENTER);
	enum mid_msg offer = ui->qr.charset == QR_CHARSET_ASCII
				 ? MSG_SWITCH_HALF
				 : MSG_SWITCH_ASCII;

	if (qr && ui->can_switch)
		snprintf(out, n, "%s\n%s ", i18n_text(ui->lang, offer), enter);
	else
		snprintf(out, n, "%s ", enter);
}

/* An answer of h or a (any case, blanks around it) switches the QR to
 * half blocks or to ASCII for the next prompts. */
void uiprompt_answer(struct ui *ui, const char *answer)
{
	const char *blank = " \t\r\n";
	const char *a = answer + strspn(answer, blank);

	if (!ui->can_switch || !*a || a[1 + strspn(a + 1, blank)] != '\0')
		return;
	if (*a == 'h' || *a == 'H')
		ui->qr.charset = QR_CHARSET_UTF8;
	else if (*a == 'a' || *a == 'A')
		ui->qr.charset = QR_CHARSET_ASCII;
}
