/* The one table from result to PAM code, log word, message and outage. */
#include "outcome.h"

#include <security/_pam_types.h>

#include "mid.h"

/* The words are the decision log line's first field: scripts grep them. */
static const struct outcome table[] = {
    {0, PAM_SUCCESS, "approved", MSG_APPROVED, false, false},
    {MID_E_DENIED, PAM_AUTH_ERR, "denied", MSG_NONE, true, false},
    {MID_E_FAILED, PAM_AUTH_ERR, "order failed", MSG_NONE, true, false},
    /* the provider's own wording of "approved by somebody else" */
    {MID_E_MISMATCH, PAM_AUTH_ERR, "identity mismatch", MSG_WRONG_IDENTITY,
     true, false},
    {MID_E_TIMEOUT, PAM_AUTH_ERR, "timed out", MSG_TIMED_OUT, false, false},
    {MID_E_INTERRUPTED, PAM_AUTH_ERR, "interrupted", MSG_INTERRUPTED, false,
     false},
    {MID_E_CONV, PAM_AUTH_ERR, "conversation failed", MSG_NONE, false, false},
    {MID_E_UNMAPPED, PAM_USER_UNKNOWN, "unmapped", MSG_NONE, false, false},
    /* max_requests: nothing was sent */
    {MID_E_MAXTRIES, PAM_MAXTRIES, "too many requests", MSG_TOO_MANY, false,
     false},
    /* concurrent = refuse: the user's order is open elsewhere */
    {MID_E_BUSY, PAM_AUTH_ERR, "busy", MSG_BUSY, false, false},
    /* deny_hold: a denial in the app holds across the host's retries */
    {MID_E_HELD, PAM_AUTH_ERR, "denial held", MSG_DENIED_BEFORE, false, false},
    /* not in `groups`: the module has nothing to say about this user */
    {MID_E_OUTSIDE, PAM_IGNORE, "outside groups", MSG_NONE, false, false},
    /* no conversation or no terminal: an order nobody sees is a push
     * the person cannot place */
    {MID_E_NOTERM, PAM_AUTH_ERR, "no terminal", MSG_NO_TERMINAL, false, false},
    /* sudo_sign: an unsigned approval is not what the admin asked for;
     * PAM_SERVICE_ERR, so that sudo does not ask again (and again) */
    {MID_E_NOSIGN, PAM_SERVICE_ERR, "cannot sign", MSG_SIGN_NEEDS_BANKID, false,
     false},
    {MID_E_AUDIT, PAM_SERVICE_ERR, "audit record failed", MSG_AUDIT_FAILED,
     false, false},
    {MID_E_TOOLONG, PAM_SERVICE_ERR, "command too long to sign",
     MSG_SIGN_TOO_LONG, false, false},
    /* DNS NXDOMAIN/SERVFAIL, connect refused/unreachable/timed out after
     * the full connect timeout, HTTP 503: recorded by resolve.c, http.c
     * and the provider; approval.c turns it into MID_E_SERVER once an
     * order exists */
    {MID_E_UNREACHABLE, PAM_AUTHINFO_UNAVAIL, "unreachable", MSG_UNAVAILABLE,
     false, true},
    /* a forged certificate is an attack, not an outage */
    {MID_E_TLS, PAM_AUTHINFO_UNAVAIL, "TLS verification failed", MSG_RFA5,
     false, false},
    {MID_E_PROTOCOL, PAM_AUTHINFO_UNAVAIL, "bad reply from provider", MSG_RFA5,
     false, false},
    /* a TLS handshake that never completes, 5xx, a lost connection */
    {MID_E_SERVER, PAM_AUTHINFO_UNAVAIL, "provider error", MSG_RFA5, false,
     false},
    /* EMFILE, ENOMEM, a resolver that could not run: the caller of a
     * setuid host chooses the limits, so this is never an outage */
    {MID_E_LOCAL, PAM_AUTHINFO_UNAVAIL, "local failure", MSG_RFA5, false,
     false},
    {MID_E_NOMEM, PAM_BUF_ERR, "out of memory", MSG_RFA5, false, false},
    {MID_E_CONFIG, PAM_SERVICE_ERR, "refused config", MSG_RFA5, false, false},
    {MID_E_INTERNAL, PAM_SERVICE_ERR, "internal error", MSG_RFA5, false, false},
};

const struct outcome *outcome_of(int err)
{
	for (unsigned i = 0; i < MID_ARRAY_SIZE(table); i++)
		if (table[i].err == err)
			return &table[i];
	return outcome_of(MID_E_INTERNAL);
}

bool outcome_forgiven(int err, const struct outcome_policy *pol)
{
	return outcome_of(err)->outage && pol->failmode_safe &&
	       !pol->order_created;
}

int outcome_pam(int err, const struct outcome_policy *pol)
{
	const struct outcome *o = outcome_of(err);

	if (outcome_forgiven(err, pol))
		return PAM_SUCCESS;
	if (o->err == MID_E_UNMAPPED && pol->unmapped_ignore)
		return PAM_IGNORE;
	return o->pam;
}

enum mid_msg outcome_msg(int err, enum mid_msg status)
{
	const struct outcome *o = outcome_of(err);

	return o->status_msg ? status : o->msg;
}

const struct outcome *outcome_table(unsigned *n)
{
	*n = MID_ARRAY_SIZE(table);
	return table;
}
