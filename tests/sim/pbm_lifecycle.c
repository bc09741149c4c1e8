/* passbyme-sim: how a recipient's status moves with time and the phone
 * (doc/passbyme.md, "Recipient statuses"). */
#include "pbm_store.h"

#include <stdio.h>

const char *const pbm_rs_names[] = {
    "PENDING",	    "NOTIFIED",	      "DOWNLOADED", "SEEN",   "NOT_SEEN",
    "NOT_NOTIFIED", "NOT_DOWNLOADED", "NO_DEVICE",  "FAILED", "DISABLED",
    "CANCELLED",    "APPROVED",	      "DENIED"};

bool pbm_final(enum rstatus s)
{
	return s != RS_PENDING && s != RS_NOTIFIED && s != RS_DOWNLOADED;
}

void pbm_finish(struct recipient *r, enum rstatus s, int64_t t)
{
	r->st = s;
	r->t_final = t;
}

static enum rstatus answered(struct recipient *r)
{
	if (r->ans == ANS_APPROVE_AS)
		snprintf(r->reported, sizeof(r->reported), "%s", r->as);
	return r->ans == ANS_DENY  ? RS_DENIED
	       : r->ans == ANS_SEE ? RS_SEEN
				   : RS_APPROVED;
}

/* Applies every transition due by now, in time order; the message's
 * expiry ends whatever is still open. */
void pbm_advance(struct message *m, struct recipient *r, int64_t now)
{
	for (;;) {
		int64_t t = NEVER;

		if (r->st == RS_PENDING)
			t = r->t_notify;
		else if (r->st == RS_NOTIFIED)
			t = r->t_download;
		else if (r->st == RS_DOWNLOADED && r->ans != ANS_NONE)
			t = r->t_answer > r->t_download ? r->t_answer
							: r->t_download;
		else if (pbm_final(r->st))
			return;
		if (t < m->expires && t <= now) {
			if (r->st == RS_DOWNLOADED)
				pbm_finish(r, answered(r), t);
			else
				r->st = r->st == RS_PENDING ? RS_NOTIFIED
							    : RS_DOWNLOADED;
			continue;
		}
		if (m->expires > now)
			return;
		pbm_finish(r,
			   r->st == RS_PENDING	  ? RS_NOT_NOTIFIED
			   : r->st == RS_NOTIFIED ? RS_NOT_DOWNLOADED
						  : RS_NOT_SEEN,
			   m->expires);
	}
}

int64_t pbm_last_final(struct message *m, int64_t now)
{
	int64_t t = 0;

	for (int i = 0; i < m->n; i++) {
		pbm_advance(m, &m->rec[i], now);
		if (!pbm_final(m->rec[i].st))
			return NEVER;
		if (m->rec[i].t_final > t)
			t = m->rec[i].t_final;
	}
	return t;
}
