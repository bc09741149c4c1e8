/* BankID's replies: error bodies and collect results mapped to outcomes
 * and status lines (doc/bankid.md: error codes, hint codes, completion). */
#include "bankid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "log.h"
#include "mid.h"
#include "util.h"

#define DETAILS_MAX 200

struct err_map {
	const char *code;
	int err;
	enum mid_msg msg;
};

/* doc/bankid.md, "Error answers" */
static const struct err_map errors[] = {
    {"alreadyInProgress", MID_E_FAILED, MSG_RFA4},
    {"invalidParameters", MID_E_PROTOCOL, MSG_RFA22},
    {"unauthorized", MID_E_PROTOCOL, MSG_RFA22},
    {"notFound", MID_E_PROTOCOL, MSG_RFA22},
    {"methodNotAllowed", MID_E_PROTOCOL, MSG_RFA22},
    {"unsupportedMediaType", MID_E_PROTOCOL, MSG_RFA22},
    {"requestTimeout", MID_E_SERVER, MSG_RFA5},
    {"internalError", MID_E_SERVER, MSG_RFA5},
    {"maintenance", MID_E_SERVER, MSG_RFA5}, /* an outage only with 503 */
};

int bankid_parse_error(long status, const char *body, size_t len,
		       struct provider_status *st, struct mid_log *log)
{
	json_object *obj = json_parse_bounded(body, len);
	const char *code = json_get_str(obj, "errorCode", 64);
	const char *details = json_get_str(obj, "details", 4096);
	char c[DETAILS_MAX], d[DETAILS_MAX];
	int r;

	/* unknown codes: by the status class */
	if (status == 503) {
		r = MID_E_UNREACHABLE;
		st->msg = MSG_RFA5;
	} else if (status >= 500) {
		r = MID_E_SERVER;
		st->msg = MSG_RFA5;
	} else {
		r = MID_E_PROTOCOL;
		st->msg = MSG_RFA22;
	}
	for (size_t i = 0; code && i < MID_ARRAY_SIZE(errors); i++) {
		if (strcmp(code, errors[i].code) == 0) {
			r = errors[i].err;
			st->msg = errors[i].msg;
			break;
		}
	}
	if (status == 503)
		r = MID_E_UNREACHABLE;
	/* both came from the network */
	mid_log_quote(c, sizeof(c), code);
	mid_log_quote(d, sizeof(d), details);
	mid_log_msg(log, r == MID_E_UNREACHABLE ? LOG_WARNING : LOG_ERR,
		    "bankid: HTTP %ld %s%s%s", status,
		    code ? c : (obj ? "(no errorCode)" : "(not JSON)"),
		    details ? " details=" : "", details ? d : "");
	json_object_put(obj);
	return r;
}

static enum mid_msg pending_msg(const char *hint, bool *qr_now)
{
	*qr_now = false;
	if (!hint || strcmp(hint, "outstandingTransaction") == 0 ||
	    strcmp(hint, "noClient") == 0) {
		*qr_now = true;
		return MSG_RFA1;
	}
	if (strcmp(hint, "started") == 0)
		return MSG_RFA15A;
	if (strcmp(hint, "userSign") == 0)
		return MSG_RFA9;
	if (strcmp(hint, "userMrtd") == 0)
		return MSG_RFA23;
	if (strcmp(hint, "userCallConfirm") == 0)
		return MSG_PHONE_CONFIRM_CALL;
	return MSG_RFA21; /* new hint codes appear without notice */
}

static int failed_outcome(const char *hint, bool qr, enum mid_msg *msg)
{
	if (!hint) {
		*msg = MSG_RFA22;
		return MID_E_FAILED;
	}
	if (strcmp(hint, "userCancel") == 0 ||
	    strcmp(hint, "userDeclinedCall") == 0) {
		*msg = strcmp(hint, "userCancel") == 0 ? MSG_RFA6 : MSG_RFA22;
		return MID_E_DENIED;
	}
	if (strcmp(hint, "startFailed") == 0) {
		/* nobody scanned in time: a QR login starts a new order */
		*msg = qr ? MSG_RFA17B : MSG_RFA17A;
		return qr ? PROVIDER_RESTART : MID_E_FAILED;
	}
	if (strcmp(hint, "expiredTransaction") == 0)
		*msg = MSG_RFA8;
	else if (strcmp(hint, "certificateErr") == 0)
		*msg = MSG_RFA16;
	else if (strcmp(hint, "cancelled") == 0)
		*msg = MSG_RFA3;
	else
		*msg = MSG_RFA22;
	return MID_E_FAILED;
}

static int complete_outcome(json_object *reply, const char *expected,
			    struct mid_log *log)
{
	json_object *cd, *user;
	const char *pnr;
	char got[32], want[32];

	if (!json_object_object_get_ex(reply, "completionData", &cd) ||
	    !json_object_object_get_ex(cd, "user", &user) ||
	    !(pnr = json_get_str(user, "personalNumber", 12))) {
		mid_log_err(log, "bankid: complete without "
				 "completionData.user.personalNumber");
		return MID_E_PROTOCOL;
	}
	if (strcmp(pnr, expected) != 0) {
		util_sanitize(got, sizeof(got), pnr);
		mid_log_mask(got, sizeof(got), got);
		mid_log_mask(want, sizeof(want), expected);
		mid_log_err(log,
			    "bankid: approved by %s, but the user is "
			    "mapped to %s",
			    got, want);
		return MID_E_MISMATCH;
	}
	return PROVIDER_APPROVED;
}

int bankid_parse_collect(json_object *reply, const char *order_ref,
			 const char *expected_pnr, bool qr,
			 struct provider_status *st, struct mid_log *log)
{
	const char *status, *hint, *ref;
	json_object *h;
	int r;

	st->show_qr = false;
	st->msg = MSG_RFA22;
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		mid_log_err(log, "bankid: collect reply is not an object");
		return MID_E_PROTOCOL;
	}
	ref = json_get_str(reply, "orderRef", BANKID_TOKEN_MAX);
	status = json_get_str(reply, "status", 32);
	/* a reply without orderRef could be for any order */
	if (!status || !ref || strcmp(ref, order_ref) != 0) {
		mid_log_err(log, "bankid: collect reply without a valid "
				 "status or for another order");
		return MID_E_PROTOCOL;
	}
	hint = json_get_str(reply, "hintCode", 64);
	if (json_object_object_get_ex(reply, "hintCode", &h) && !hint) {
		mid_log_err(log, "bankid: collect reply with a bad hintCode");
		return MID_E_PROTOCOL;
	}
	if (strcmp(status, "pending") == 0) {
		st->msg = pending_msg(hint, &st->show_qr);
		st->show_qr = st->show_qr && qr;
		return PROVIDER_PENDING;
	}
	if (strcmp(status, "failed") == 0) {
		r = failed_outcome(hint, qr, &st->msg);
		mid_log_msg(log, r == PROVIDER_RESTART ? LOG_INFO : LOG_NOTICE,
			    "bankid: order failed: %s", hint ? hint : "?");
		return r;
	}
	if (strcmp(status, "complete") == 0) {
		r = complete_outcome(reply, expected_pnr, log);
		st->msg = r == PROVIDER_APPROVED ? MSG_APPROVED
			  : r == MID_E_MISMATCH	 ? MSG_WRONG_IDENTITY
						 : MSG_RFA22;
		return r;
	}
	mid_log_err(log, "bankid: unknown collect status");
	return MID_E_PROTOCOL;
}

/* the evidence of a signature: base64 of at most HTTP_MAX_REPLY bytes */
#define SIGNED_B64_MAX (200 * 1024)

static bool is_base64(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n % 4 == 0 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789+/=") == n;
}

/* A copy of the string member key of obj (NULL when absent); -1 when out
 * of memory. */
static int dup_member(json_object *obj, const char *key, size_t max, char **out)
{
	const char *v = json_get_str(obj, key, max);

	*out = v ? strdup(v) : NULL;
	return v && !*out ? -1 : 0;
}

int bankid_take_signed(json_object *reply, struct bankid_signed *out,
		       struct mid_log *log)
{
	json_object *cd = NULL, *user = NULL;
	int e = 0;

	memset(out, 0, sizeof(*out));
	if (json_object_object_get_ex(reply, "completionData", &cd))
		json_object_object_get_ex(cd, "user", &user);
	e |= dup_member(user, "personalNumber", 12, &out->pnr);
	e |= dup_member(user, "name", 256, &out->name);
	e |= dup_member(user, "givenName", 256, &out->given_name);
	e |= dup_member(user, "surname", 256, &out->surname);
	e |= dup_member(cd, "signature", SIGNED_B64_MAX, &out->signature);
	e |= dup_member(cd, "ocspResponse", SIGNED_B64_MAX, &out->ocsp);
	if (e < 0) {
		bankid_signed_free(out);
		return MID_E_NOMEM;
	}
	if (!out->pnr || !is_base64(out->signature) || !is_base64(out->ocsp)) {
		mid_log_err(log, "bankid: signed, but the reply lacks a base64 "
				 "signature or ocspResponse");
		bankid_signed_free(out);
		return MID_E_PROTOCOL;
	}
	return 0;
}

void bankid_signed_free(struct bankid_signed *s)
{
	util_strfree(s->pnr);
	free(s->name);
	free(s->given_name);
	free(s->surname);
	free(s->signature);
	free(s->ocsp);
	memset(s, 0, sizeof(*s));
}
