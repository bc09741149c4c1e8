/* PassBy[ME] replies: SessionInfo objects, 420 error bodies and dates, read
 * as doc/passbyme.md describes them. Pure functions, fuzzed. */
#include "passbyme.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "log.h"
#include "mid.h"
#include "util.h"

#define CODE_MAX 64
#define DETAILS_MAX 200
#define STATUS_MAX 32
/* a recipient that was never notified may still be reached until the
 * message expires; a little slack for the clocks of both sides */
#define EXPIRY_SLACK_MS 5000

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits at *p into *v; advances *p */
static bool digits(const char **p, int n, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return false;
		*v = *v * 10 + (unsigned)(**p - '0');
	}
	return true;
}

static bool zone(const char *p, int64_t *off_ms)
{
	unsigned h, m;
	int sign;

	*off_ms = 0;
	if (p[0] == 'Z' && p[1] == '\0')
		return true;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &m) || *p ||
	    h > 23 || m > 59)
		return false;
	*off_ms = sign * (int64_t)(h * 60 + m) * 60000;
	return true;
}

int passbyme_parse_time(const char *s, int64_t *ms)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, sec, frac = 0, scale = 1000;
	int64_t off;
	const char *p = s;

	if (!s || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d) || *p++ != 'T' ||
	    !digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
	    *p++ != ':' || !digits(&p, 2, &sec))
		return MID_E_PROTOCOL;
	if (*p == '.') {
		/* any number of digits; milliseconds are enough */
		if (!isdigit((unsigned char)*++p))
			return MID_E_PROTOCOL;
		for (; isdigit((unsigned char)*p); p++)
			if (scale > 1) {
				scale /= 10;
				frac += (unsigned)(*p - '0') * scale;
			}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60 || !zone(p, &off))
		return MID_E_PROTOCOL;
	*ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 +
	      (int64_t)sec * 1000 + frac - off;
	return 0;
}

/* A message ID goes into the URL path as it is: only RFC 3986 path
 * characters, and no percent sign, so it cannot leave its segment. */
static bool id_valid(const char *id)
{
	static const char extra[] = "-._~!$&'()*+,;=:@";

	if (!id || !*id || strlen(id) > PASSBYME_ID_MAX)
		return false;
	for (; *id; id++)
		if (!isalnum((unsigned char)*id) && !strchr(extra, *id))
			return false;
	return true;
}

struct status_map {
	const char *status;
	int r;
	enum mid_msg msg;
};

/* doc/passbyme.md, "Recipient statuses" */
static const struct status_map statuses[] = {
    {"PENDING", PROVIDER_PENDING, MSG_PBM_APPROVE},
    {"NOTIFIED", PROVIDER_PENDING, MSG_PBM_DELIVERED},
    {"DOWNLOADED", PROVIDER_PENDING, MSG_PBM_SEEN},
    {"NOT_NOTIFIED", PROVIDER_PENDING, MSG_PBM_NOT_DELIVERED},
    {"APPROVED", PROVIDER_APPROVED, MSG_APPROVED},
    {"DENIED", MID_E_DENIED, MSG_PBM_DENIED},
    {"NOT_DOWNLOADED", MID_E_FAILED, MSG_PBM_EXPIRED},
    {"NOT_SEEN", MID_E_FAILED, MSG_PBM_EXPIRED},
    {"CANCELLED", MID_E_FAILED, MSG_RFA3},
    {"NO_DEVICE", MID_E_FAILED, MSG_PBM_NO_DEVICE},
    {"DISABLED", MID_E_FAILED, MSG_PBM_DISABLED},
    {"FAILED", MID_E_FAILED, MSG_PBM_FAILED},
    /* the end of a plain message: never an approval */
    {"SEEN", MID_E_FAILED, MSG_PBM_FAILED},
};

static int status_outcome(const char *status, int64_t now_ms,
			  const struct passbyme_info *info,
			  struct provider_status *st, struct mid_log *log)
{
	for (size_t i = 0; i < MID_ARRAY_SIZE(statuses); i++) {
		if (strcmp(status, statuses[i].status) != 0)
			continue;
		st->msg = statuses[i].msg;
		if (statuses[i].r == PROVIDER_PENDING &&
		    strcmp(status, "NOT_NOTIFIED") == 0 &&
		    now_ms > info->expires_ms + EXPIRY_SLACK_MS) {
			st->msg = MSG_PBM_EXPIRED;
			mid_log_notice(log, "passbyme: message expired "
					    "undelivered (NOT_NOTIFIED)");
			return MID_E_FAILED;
		}
		if (statuses[i].r < 0)
			mid_log_notice(log, "passbyme: recipient status %s",
				       status);
		return statuses[i].r;
	}
	mid_log_err(log, "passbyme: unknown recipient status");
	st->msg = MSG_RFA22;
	return MID_E_PROTOCOL;
}

/* The one recipient of our message: exactly one entry, with our ID. An
 * approval by any other ID is somebody else's, never ours. */
static int our_recipient(json_object *reply, const char *recipient,
			 const char **status, struct mid_log *log)
{
	json_object *list, *one;
	const char *uid;

	*status = NULL;
	if (!json_object_object_get_ex(reply, "recipients", &list) ||
	    !json_object_is_type(list, json_type_array) ||
	    json_object_array_length(list) != 1) {
		mid_log_err(log, "passbyme: reply without exactly one "
				 "recipient");
		return MID_E_PROTOCOL;
	}
	one = json_object_array_get_idx(list, 0);
	uid = json_get_str(one, "userId", PASSBYME_ID_MAX);
	*status = json_get_str(one, "status", STATUS_MAX);
	if (!uid || !*status) {
		mid_log_err(log, "passbyme: recipient without userId/status");
		return MID_E_PROTOCOL;
	}
	if (strcmp(uid, recipient) != 0) {
		char got[64], want[64], st[4 * STATUS_MAX + 8];

		util_sanitize(got, sizeof(got), uid);
		mid_log_quote(st, sizeof(st), *status);
		mid_log_mask(got, sizeof(got), got);
		mid_log_mask(want, sizeof(want), recipient);
		mid_log_err(log,
			    "passbyme: reply for recipient %s (status %s), but "
			    "the user is mapped to %s",
			    got, st, want);
		return strcmp(*status, "APPROVED") == 0 ? MID_E_MISMATCH
							: MID_E_PROTOCOL;
	}
	return 0;
}

int passbyme_parse_session(json_object *reply, const char *message_id,
			   const char *recipient, int64_t now_ms,
			   struct passbyme_info *info,
			   struct provider_status *st, struct mid_log *log)
{
	const char *id, *exp, *status;
	int r;

	st->show_qr = false;
	st->msg = MSG_RFA22;
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		mid_log_err(log, "passbyme: reply is not an object");
		return MID_E_PROTOCOL;
	}
	id = json_get_str(reply, "messageId", PASSBYME_ID_MAX);
	exp = json_get_str(reply, "expirationDate", 64);
	if (!id_valid(id) || (message_id && strcmp(id, message_id) != 0)) {
		mid_log_err(log, "passbyme: reply without a valid messageId "
				 "or for another message");
		return MID_E_PROTOCOL;
	}
	if (passbyme_parse_time(exp, &info->expires_ms) < 0) {
		mid_log_err(log, "passbyme: reply without a valid "
				 "expirationDate");
		return MID_E_PROTOCOL;
	}
	snprintf(info->message_id, sizeof(info->message_id), "%s", id);
	r = our_recipient(reply, recipient, &status, log);
	if (r == MID_E_MISMATCH)
		st->msg = MSG_PBM_WRONG_IDENTITY;
	if (r < 0)
		return r;
	return status_outcome(status, now_ms, info, st, log);
}

struct err_map {
	const char *code;
	int err;
	enum mid_msg msg;
};

/* doc/passbyme.md, "Errors": 420 bodies carry one of these codes */
static const struct err_map errors[] = {
    {"NO_DEVICE", MID_E_FAILED, MSG_PBM_NO_DEVICE},
    {"USER_DISABLED", MID_E_FAILED, MSG_PBM_DISABLED},
    {"TIMEOUT", MID_E_FAILED, MSG_PBM_EXPIRED},
    {"SERVICE_UNAVAILABLE", MID_E_SERVER, MSG_RFA5},
    {"ERROR", MID_E_SERVER, MSG_RFA5},
    {"SUBSCRIPTION_EXPIRED", MID_E_SERVER, MSG_RFA5},
    {"NOT_SUBSCRIBED_TO_SERVICE", MID_E_SERVER, MSG_RFA5},
    {"INSUFFICIENT_BALANCE", MID_E_SERVER, MSG_RFA5},
    {"PAYMENT_FAILURE", MID_E_SERVER, MSG_RFA5},
    {"PRICING_LIMIT", MID_E_SERVER, MSG_RFA5},
    {"PRICING_LIMIT_ADMIN", MID_E_SERVER, MSG_RFA5},
    {"PRICING_LIMIT_USER", MID_E_SERVER, MSG_RFA5},
    {"PRICING_LIMIT_DEVICE", MID_E_SERVER, MSG_RFA5},
    {"PRICING_LIMIT_INVITATION", MID_E_SERVER, MSG_RFA5},
    {"PRICING_LIMIT_UPGRADE", MID_E_SERVER, MSG_RFA5},
};

static int code_outcome(const char *code, bool sending, enum mid_msg *msg)
{
	*msg = MSG_RFA22;
	/* the ID we sent to is not known there: the mapping is wrong */
	if (sending && strcmp(code, "NOT_FOUND") == 0) {
		*msg = MSG_PBM_UNKNOWN_USER;
		return MID_E_FAILED;
	}
	/* a delete that came after the final status: nothing was open */
	if (strcmp(code, "ALREADY_COMPLETED") == 0)
		return MID_E_FAILED;
	for (size_t i = 0; i < MID_ARRAY_SIZE(errors); i++) {
		if (strcmp(code, errors[i].code) == 0) {
			*msg = errors[i].msg;
			return errors[i].err;
		}
	}
	/* revoked certificate, forbidden, malformed input, unknown
	 * message, unsupported API version, codes new to us */
	return MID_E_PROTOCOL;
}

/* The 420 body's code as text: a string, or a number in some fixtures */
static const char *error_code(json_object *obj, char *buf, size_t n)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, "code", &v))
		return NULL;
	if (json_object_is_type(v, json_type_int)) {
		snprintf(buf, n, "%lld", (long long)json_object_get_int64(v));
		return buf;
	}
	return json_get_str(obj, "code", CODE_MAX);
}

int passbyme_parse_error(long status, const char *body, size_t len,
			 bool sending, struct provider_status *st,
			 struct mid_log *log)
{
	json_object *obj = NULL;
	const char *code = NULL, *text = NULL;
	char c[DETAILS_MAX], d[DETAILS_MAX], num[24];
	int r;

	st->show_qr = false;
	st->msg = status >= 500 ? MSG_RFA5 : MSG_RFA22;
	if (status == 503)
		r = MID_E_UNREACHABLE;
	else
		r = status >= 500 ? MID_E_SERVER : MID_E_PROTOCOL;
	if (status == 420) {
		obj = json_parse_bounded(body, len);
		code = error_code(obj, num, sizeof(num));
		text = json_get_str(obj, "message", 4096);
		if (code)
			r = code_outcome(code, sending, &st->msg);
	}
	/* both came from the network */
	mid_log_quote(c, sizeof(c), code);
	mid_log_quote(d, sizeof(d), text);
	mid_log_msg(log,
		    r == MID_E_UNREACHABLE ? LOG_WARNING
		    : code && strcmp(code, "ALREADY_COMPLETED") == 0 ? LOG_INFO
								     : LOG_ERR,
		    "passbyme: HTTP %ld %s%s%s", status,
		    code	    ? c
		    : status != 420 ? "(no error body expected)"
		    : obj	    ? "(no code)"
				    : "(not JSON)",
		    text ? " message=" : "", text ? d : "");
	json_object_put(obj);
	return r;
}
