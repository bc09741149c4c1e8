/* What Toopher sends back: authentication requests, pairings and error
 * replies, mapped to our outcomes. doc/toopher.md. */
#include "toopher.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "log.h"
#include "mid.h"
#include "util.h"

#define REASON_MAX 200
#define ERR_TEXT_MAX 200
#define OTP_REQUIRED 708

/* A text member for the log: cut, control characters replaced; "" if it
 * is not a string. */
static const char *text_of(json_object *obj, const char *key, char *out,
			   size_t n)
{
	json_object *v;

	out[0] = '\0';
	if (obj && json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		util_sanitize(out, n, json_object_get_string(v));
	return out;
}

/* The object's id: a token, and want_id if that is given. */
static int check_id(json_object *reply, const char *want_id,
		    char id_out[TOOPHER_ID_MAX + 1], const char *what,
		    struct mid_log *log)
{
	const char *id = json_get_str(reply, "id", TOOPHER_ID_MAX);

	if (!util_is_token(id, TOOPHER_ID_MAX) ||
	    (want_id && strcmp(id, want_id) != 0)) {
		mid_log_err(log,
			    "toopher: %s reply without a valid id, or "
			    "for another one",
			    what);
		return MID_E_PROTOCOL;
	}
	if (id_out)
		snprintf(id_out, TOOPHER_ID_MAX + 1, "%s", id);
	return 0;
}

/* reason_code: an integer, or (some servers) a string of digits */
static long reason_code(json_object *reply)
{
	json_object *v;
	unsigned u;

	if (!json_object_object_get_ex(reply, "reason_code", &v))
		return -1;
	if (json_object_is_type(v, json_type_int))
		return (long)json_object_get_int64(v);
	if (json_object_is_type(v, json_type_string) &&
	    util_parse_uint(json_object_get_string(v), 0, 99999, &u) == 0)
		return (long)u;
	return -1;
}

static int final_answer(json_object *reply, bool granted, int automated,
			enum mid_msg *msg, struct mid_log *log)
{
	char t[REASON_MAX], r[REASON_MAX + 8];

	/* the reason came from the network: quoted, it cannot fake a field */
	mid_log_quote(r, sizeof(r), text_of(reply, "reason", t, sizeof(t)));
	if (granted) {
		*msg = MSG_APPROVED;
		mid_log_notice(log, "toopher: granted %s (reason %s)",
			       automated == 1 ? "automatically by the app's "
						"automation rules"
					      : "in the app",
			       r);
		return PROVIDER_APPROVED;
	}
	*msg = MSG_TOOPHER_DENIED;
	mid_log_notice(log, "toopher: denied %s (reason %s)",
		       automated == 1 ? "automatically" : "in the app", r);
	return MID_E_DENIED;
}

int toopher_parse_auth(json_object *reply, const char *want_id,
		       char id_out[TOOPHER_ID_MAX + 1], enum mid_msg *msg,
		       struct mid_log *log)
{
	int pending = json_get_bool(reply, "pending");
	int granted = json_get_bool(reply, "granted");
	int automated = json_get_bool(reply, "automated");
	json_object *v;

	*msg = MSG_RFA22;
	if (check_id(reply, want_id, id_out, "authentication request", log) < 0)
		return MID_E_PROTOCOL;
	if (pending < 0 || (!pending && granted < 0) ||
	    (automated < 0 &&
	     json_object_object_get_ex(reply, "automated", &v))) {
		mid_log_err(log, "toopher: authentication request without "
				 "boolean pending/granted/automated");
		return MID_E_PROTOCOL;
	}
	/* the app wants a one-time password, which we cannot ask for here */
	if (reason_code(reply) == OTP_REQUIRED) {
		mid_log_err(log, "toopher: the user requires OTP "
				 "authentication (not supported)");
		*msg = MSG_TOOPHER_OTP;
		return MID_E_FAILED;
	}
	if (pending) {
		*msg = MSG_TOOPHER_PUSHED;
		return PROVIDER_PENDING;
	}
	return final_answer(reply, granted == 1, automated, msg, log);
}

int toopher_parse_pairing(json_object *reply, const char *want_id,
			  char id_out[TOOPHER_ID_MAX + 1], struct mid_log *log)
{
	int pending = json_get_bool(reply, "pending");
	int enabled = json_get_bool(reply, "enabled");
	json_object *v;

	if (check_id(reply, want_id, id_out, "pairing", log) < 0)
		return MID_E_PROTOCOL;
	/* very old servers send no pending: not enabled yet means waiting */
	if (enabled < 0 ||
	    (pending < 0 && json_object_object_get_ex(reply, "pending", &v))) {
		mid_log_err(log, "toopher: pairing without boolean "
				 "enabled/pending");
		return MID_E_PROTOCOL;
	}
	if (pending == 1)
		return PROVIDER_PENDING;
	if (enabled == 1)
		return PROVIDER_APPROVED;
	return pending == 0 ? MID_E_DENIED : PROVIDER_PENDING;
}

struct err_map {
	int code;
	enum mid_msg msg;
	const char *what; /* for the log */
};

/* doc/toopher.md, "Errors" */
static const struct err_map errors[] = {
    {601, MSG_TOOPHER_PAIRING_GONE, "pairing not authorized: pair again"},
    {704, MSG_TOOPHER_USER_DISABLED, "user disabled Toopher"},
    {705, MSG_TOOPHER_UNKNOWN_USER, "unknown user: pair first"},
    {706, MSG_TOOPHER_UNKNOWN_TERMINAL, "unknown terminal"},
    {707, MSG_TOOPHER_PAIRING_GONE, "pairing deactivated: pair again"},
    {708, MSG_TOOPHER_OTP, "user requires an OTP (not supported)"},
};

/* The error_code member: an integer, or a string of digits. */
static int error_code(json_object *obj)
{
	json_object *v;
	unsigned u;

	if (!obj || !json_object_object_get_ex(obj, "error_code", &v))
		return -1;
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);

		return i >= 0 && i < 100000 ? (int)i : -1;
	}
	if (json_object_is_type(v, json_type_string) &&
	    util_parse_uint(json_object_get_string(v), 0, 99999, &u) == 0)
		return (int)u;
	return -1;
}

/* By the status alone: 503 is an outage, other 5xx and 429 the service's
 * trouble, 401 a signature it refused, anything else a bad request. */
static int by_status(long status, enum mid_msg *msg)
{
	*msg = MSG_TOOPHER_REFUSED;
	if (status == 503) {
		*msg = MSG_UNAVAILABLE;
		return MID_E_UNREACHABLE;
	}
	if (status >= 500 || status == 429)
		return MID_E_SERVER;
	return MID_E_PROTOCOL;
}

/* The code of an error reply: its table row, or by the status alone. */
static int classify(long status, int code, const char *text, enum mid_msg *msg,
		    const char **what)
{
	int r = by_status(status, msg);

	*what = status == 401 ? "signature refused: check consumer_key, the "
				"secret and the clock"
			      : "";
	if (status == 503)
		return r;
	for (size_t i = 0; code >= 0 && i < MID_ARRAY_SIZE(errors); i++) {
		if (code == errors[i].code) {
			*msg = errors[i].msg;
			*what = errors[i].what;
			r = MID_E_FAILED;
		}
	}
	/* the reference clients match these texts whatever the code */
	if (strcasestr(text, "pairing has not been authorized") ||
	    strcasestr(text, "pairing has been deactivated")) {
		*msg = MSG_TOOPHER_PAIRING_GONE;
		*what = "pairing deactivated: pair again";
		r = MID_E_FAILED;
	}
	return r;
}

int toopher_parse_error(long status, const char *body, size_t len,
			enum mid_msg *msg, struct mid_log *log)
{
	json_object *obj = json_parse_bounded(body, len);
	int code = error_code(obj), r;
	char t[ERR_TEXT_MAX], q[ERR_TEXT_MAX + 8], c[16] = "none";
	const char *what;

	text_of(obj, "error_message", t, sizeof(t));
	mid_log_quote(q, sizeof(q), t);
	r = classify(status, code, t, msg, &what);
	if (code >= 0)
		snprintf(c, sizeof(c), "%d", code);
	mid_log_msg(
	    log, r == MID_E_UNREACHABLE ? LOG_WARNING : LOG_ERR,
	    "toopher: HTTP %ld, %s, error_code %s, error_message %s%s%s",
	    status, obj ? "JSON" : "not JSON", c, q, *what ? ": " : "", what);
	json_object_put(obj);
	return r;
}
