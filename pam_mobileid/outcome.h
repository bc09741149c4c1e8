/* The one table that turns the result of an approval into what everybody
 * sees: the PAM code, the word in the decision log line, the line shown to
 * the person, and whether failmode = safe may forgive it. */
#ifndef MID_OUTCOME_H
#define MID_OUTCOME_H

#include <stdbool.h>

#include "i18n.h"

struct outcome {
	int err; /* 0 or MID_E_* */
	int pam; /* the PAM code (failmode = secure, unmapped = deny) */
	const char *word; /* starts the decision log line */
	enum mid_msg msg; /* the last line the person sees (MSG_NONE: none) */
	bool status_msg;  /* show the provider's own status line instead */
	/* a network fact before any order (doc/interface.md, "Return codes"):
	 * the only result failmode = safe turns into PAM_SUCCESS */
	bool outage;
};

/* The row for err; an unknown code gets the internal-error row. */
const struct outcome *outcome_of(int err);

/* The policy knobs that change a row's PAM code. */
struct outcome_policy {
	bool failmode_safe;
	bool unmapped_ignore;
	bool order_created; /* an order existed: nothing is an outage */
};

/* The PAM code for err under the policy. */
int outcome_pam(int err, const struct outcome_policy *pol);

/* True when failmode = safe let this result in (log it as such). */
bool outcome_forgiven(int err, const struct outcome_policy *pol);

/* The message for the person: the row's, or status for rows that show the
 * provider's own status line. */
enum mid_msg outcome_msg(int err, enum mid_msg status);

/* The table, for the unit test that walks it row by row. */
const struct outcome *outcome_table(unsigned *n);

#endif
