/* The BankID RP API v6 provider: auth (QR) or phone/auth, collect, cancel.
 * Protocol reference: shared/specs/bankid.md. */
#include "bankid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "creds.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "mid.h"
#include "pnr.h"
#include "qr.h"
#include "util.h"

#define TOKEN_MAX 64
#define DETAILS_MAX 200
/* auth allows 1..1500 chars of base64: 1125 bytes of text */
#define UVD_MAX_TEXT 1125
#define CANCEL_TIMEOUT_MS 3000

struct bankid {
	const struct mid_config *cfg;
	const struct mid_request *req;
	struct mid_log *log;
	struct creds creds;
	struct http_session *http;
	bool phone; /* phone/auth: no QR, the app is reached by number */
	char *uvd;  /* userVisibleData, base64 */
	bool open;
	char order_ref[TOKEN_MAX + 1];
	char qr_token[TOKEN_MAX + 1];
	char qr_secret[TOKEN_MAX + 1]; /* never logged, wiped */
	uint64_t t0_ms;		       /* when the order response arrived */
};

struct err_map {
	const char *code;
	int err;
	enum mid_msg msg;
};

/* bankid.md §4 and bankid-messages.md §3 */
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
	ref = json_get_str(reply, "orderRef", TOKEN_MAX);
	status = json_get_str(reply, "status", 32);
	if (!status || (json_object_object_get_ex(reply, "orderRef", &h) &&
			(!ref || strcmp(ref, order_ref) != 0))) {
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

/* POSTs obj to endpoint; returns the parsed 200 reply in *out, or an error
 * with st->msg set. */
static int call(struct bankid *b, const char *endpoint, json_object *obj,
		uint64_t deadline_ms, json_object **out,
		struct provider_status *st)
{
	struct http_reply rep;
	const char *body;
	int r;

	*out = NULL;
	body = json_object_to_json_string_ext(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!body)
		return MID_E_NOMEM;
	r = http_post_json(b->http, endpoint, body, deadline_ms, &rep);
	if (r < 0) {
		st->msg = MSG_RFA5;
		return r;
	}
	if (rep.status != 200) {
		r = bankid_parse_error(rep.status, rep.body, rep.len, st,
				       b->log);
	} else {
		*out = json_parse_bounded(rep.body, rep.len);
		if (!*out || !json_object_is_type(*out, json_type_object)) {
			mid_log_err(b->log,
				    "bankid: %s: reply is not a JSON "
				    "object",
				    endpoint);
			json_object_put(*out);
			*out = NULL;
			st->msg = MSG_RFA22;
			r = MID_E_PROTOCOL;
		}
	}
	http_reply_free(&rep);
	return r;
}

static void copy_token(char *dst, const char *src)
{
	snprintf(dst, TOKEN_MAX + 1, "%s", src);
}

static int bankid_start(void *p, struct provider_status *st)
{
	struct bankid *b = p;
	json_object *req = json_object_new_object(), *reply = NULL, *rq;
	const char *ref, *tok = NULL, *sec = NULL;
	int r = MID_E_NOMEM;

	st->show_qr = false;
	st->msg = MSG_RFA22;
	if (!req)
		return MID_E_NOMEM;
	if (b->phone) {
		json_object_object_add(
		    req, "personalNumber",
		    json_object_new_string(b->req->identity));
		json_object_object_add(req, "callInitiator",
				       json_object_new_string("RP"));
	} else {
		json_object_object_add(
		    req, "endUserIp",
		    json_object_new_string(b->req->end_user_ip));
		rq = json_object_new_object();
		if (!rq)
			goto out;
		/* only the mapped person can complete the order */
		json_object_object_add(
		    rq, "personalNumber",
		    json_object_new_string(b->req->identity));
		json_object_object_add(req, "requirement", rq);
	}
	if (b->uvd)
		json_object_object_add(req, "userVisibleData",
				       json_object_new_string(b->uvd));
	r = call(b, b->phone ? "phone/auth" : "auth", req, b->req->deadline_ms,
		 &reply, st);
	if (r < 0)
		goto out;
	ref = json_get_str(reply, "orderRef", TOKEN_MAX);
	if (!b->phone) {
		tok = json_get_str(reply, "qrStartToken", TOKEN_MAX);
		sec = json_get_str(reply, "qrStartSecret", TOKEN_MAX);
	}
	if (!util_is_token(ref, TOKEN_MAX) ||
	    (!b->phone && (!util_is_token(tok, TOKEN_MAX) ||
			   !util_is_token(sec, TOKEN_MAX)))) {
		mid_log_err(b->log, "bankid: order reply lacks valid orderRef "
				    "or QR tokens");
		st->msg = MSG_RFA22;
		r = MID_E_PROTOCOL;
		goto out;
	}
	copy_token(b->order_ref, ref);
	if (!b->phone) {
		copy_token(b->qr_token, tok);
		copy_token(b->qr_secret, sec);
	}
	b->t0_ms = util_now_ms();
	b->open = true;
	st->msg = MSG_RFA1;
	st->show_qr = !b->phone;
	mid_log_debug(b->log, "bankid: order %.8s... started (%s)",
		      b->order_ref, b->phone ? "phone/auth" : "auth");
	r = 0;
out:
	json_object_put(req);
	json_object_put(reply);
	return r;
}

static int bankid_qr(void *p, uint64_t now_ms, char *buf, size_t len)
{
	struct bankid *b = p;

	if (!b->open || b->phone)
		return MID_E_INTERNAL;
	/* qrTime: whole seconds since the order reply, from a monotonic
	 * clock, so wall-clock jumps cannot corrupt it */
	return qr_bankid_payload(b->qr_token, b->qr_secret,
				 (unsigned long)((now_ms - b->t0_ms) / 1000),
				 buf, len);
}

static unsigned bankid_next_frame_ms(void *p, uint64_t now_ms)
{
	struct bankid *b = p;

	if (!b->open || b->phone)
		return UINT32_MAX;
	return 1000 - (unsigned)((now_ms - b->t0_ms) % 1000);
}

static json_object *ref_body(const struct bankid *b)
{
	json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "orderRef",
				       json_object_new_string(b->order_ref));
	return o;
}

static int bankid_poll(void *p, struct provider_status *st)
{
	struct bankid *b = p;
	json_object *req, *reply = NULL;
	int r;

	st->show_qr = false;
	if (!b->open)
		return MID_E_INTERNAL;
	req = ref_body(b);
	if (!req)
		return MID_E_NOMEM;
	r = call(b, "collect", req, b->req->deadline_ms, &reply, st);
	if (r == 0)
		r = bankid_parse_collect(reply, b->order_ref, b->req->identity,
					 !b->phone, st, b->log);
	/* a failed or complete order is over at BankID: nothing to cancel;
	 * after a reply we cannot read, the order may still be open */
	if (reply &&
	    (r == PROVIDER_APPROVED || r == PROVIDER_RESTART ||
	     r == MID_E_DENIED || r == MID_E_FAILED || r == MID_E_MISMATCH))
		b->open = false;
	json_object_put(req);
	json_object_put(reply);
	return r;
}

static void bankid_cancel(void *p)
{
	struct bankid *b = p;
	struct provider_status st;
	json_object *req, *reply = NULL;
	int r;

	if (!b->open)
		return;
	b->open = false;
	req = ref_body(b);
	if (!req)
		return;
	/* the login's own deadline may have passed: cancel gets its own */
	r = call(b, "cancel", req, util_now_ms() + CANCEL_TIMEOUT_MS, &reply,
		 &st);
	if (r < 0)
		mid_log_warn(b->log, "bankid: cancel failed: %s",
			     mid_strerror(r));
	json_object_put(req);
	json_object_put(reply);
}

static unsigned bankid_interval_ms(void *p)
{
	struct bankid *b = p;

	return (b->cfg->bankid.poll < 1 ? 1 : b->cfg->bankid.poll) * 1000u;
}

static void bankid_free(void *p)
{
	struct bankid *b = p;

	if (!b)
		return;
	http_session_free(b->http);
	creds_free(&b->creds);
	free(b->uvd);
	explicit_bzero(b, sizeof(*b));
	free(b);
}

/* userVisibleData: the text cut to what auth accepts, at a UTF-8 boundary */
static char *make_uvd(const char *text)
{
	size_t n = strlen(text);

	if (n == 0)
		return NULL;
	if (n > UVD_MAX_TEXT) {
		n = UVD_MAX_TEXT;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	return util_base64(text, n);
}

static int bankid_new(const struct mid_config *cfg,
		      const struct mid_request *req, struct mid_log *log,
		      void **out)
{
	struct bankid *b = calloc(1, sizeof(*b));
	char base[600];
	size_t n;
	int r;

	*out = NULL;
	if (!b)
		return MID_E_NOMEM;
	b->cfg = cfg;
	b->req = req;
	b->log = log;
	b->phone = !req->want_qr;
	if (!cfg->bankid.present) {
		mid_log_err(log, "%s: no [bankid] section", cfg->path);
		r = MID_E_CONFIG;
		goto fail;
	}
	r = creds_load(&cfg->bankid.tls, "bankid", 1, &b->creds, log);
	if (r < 0)
		goto fail;
	n = strlen(cfg->bankid.tls.url);
	snprintf(base, sizeof(base), "%s%s", cfg->bankid.tls.url,
		 n && cfg->bankid.tls.url[n - 1] == '/' ? "" : "/");
	r = http_session_new(base, &b->creds, log, &b->http);
	if (r < 0)
		goto fail;
	if (req->text && *req->text && !(b->uvd = make_uvd(req->text))) {
		r = MID_E_NOMEM;
		goto fail;
	}
	*out = b;
	return 0;
fail:
	bankid_free(b);
	return r;
}

static const struct provider_ops bankid_ops = {
    .name = "bankid",
    .title = MSG_TITLE,
    .start = bankid_start,
    .qr = bankid_qr,
    .poll = bankid_poll,
    .cancel = bankid_cancel,
    .interval_ms = bankid_interval_ms,
    .next_frame_ms = bankid_next_frame_ms,
    .free = bankid_free,
};

static bool bankid_configured(const struct mid_config *cfg)
{
	return cfg->bankid.present;
}

static const struct cfg_tls *bankid_tls(const struct mid_config *cfg)
{
	return &cfg->bankid.tls;
}

/* The QR code is the usual way in; the person's IP goes into every order;
 * the RP proves itself with its client certificate. */
const struct provider_def bankid_provider = {
    .name = "bankid",
    .needs = PROVIDER_NEEDS_QR | PROVIDER_NEEDS_END_USER_IP |
	     PROVIDER_NEEDS_CLIENT_CERT,
    .check_id = pnr_normalise,
    .configured = bankid_configured,
    .tls = bankid_tls,
    .create = bankid_new,
    .ops = &bankid_ops,
};
