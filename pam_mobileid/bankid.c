/* The BankID RP API v6 provider: auth or sign (QR), phone/auth or
 * phone/sign, collect, cancel; its row of the provider table. The protocol:
 * doc/bankid.md. */
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
#include "mtls.h"
#include "pnr.h"
#include "util.h"

/* auth allows 1..1500 chars of base64: 1125 bytes of text; sign 40000 */
#define UVD_MAX_TEXT 1125
#define UVD_MAX_SIGN_TEXT 30000
#define CANCEL_TIMEOUT_MS 3000

struct bankid {
	struct mtls_provider conn; /* first: mtls_provider_new allocates */
	bool phone; /* phone/auth: no QR, the app is reached by number */
	char *uvd;  /* userVisibleData, base64 */
	bool open;
	char order_ref[BANKID_TOKEN_MAX + 1];
	char qr_token[BANKID_TOKEN_MAX + 1];
	char qr_secret[BANKID_TOKEN_MAX + 1]; /* never logged, wiped */
	uint64_t t0_ms;			  /* when the order response arrived */
	struct bankid_signed signed_data; /* after an approved sign order */
};

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
	r = http_request(b->conn.http, "POST", endpoint, body, deadline_ms,
			 &rep);
	if (r < 0) {
		st->msg = MSG_RFA5;
		return r;
	}
	if (rep.status != 200) {
		r = bankid_parse_error(rep.status, rep.body, rep.len, st,
				       b->conn.log);
	} else {
		r = json_parse_object(rep.body, rep.len, out);
		if (r == MID_E_PROTOCOL)
			mid_log_err(b->conn.log,
				    "bankid: %s: reply is not a JSON object",
				    endpoint);
		if (r < 0)
			st->msg = r == MID_E_NOMEM ? MSG_RFA5 : MSG_RFA22;
	}
	http_reply_free(&rep);
	return r;
}

static void copy_token(char *dst, const char *src)
{
	snprintf(dst, BANKID_TOKEN_MAX + 1, "%s", src);
}

/* The auth (QR) or phone/auth request; NULL when out of memory. */
static json_object *start_request(const struct bankid *b)
{
	json_object *req = json_object_new_object(), *rq = NULL;
	int e = req ? 0 : -1;

	if (e == 0 && b->phone) {
		e = json_add_str(req, "personalNumber", b->conn.req->identity);
		if (e == 0)
			e = json_add_str(req, "callInitiator", "RP");
	} else if (e == 0) {
		e = json_add_str(req, "endUserIp", b->conn.req->end_user_ip);
		/* only the mapped person can complete the order */
		if (e == 0 && !(rq = json_object_new_object()))
			e = -1;
		if (e == 0)
			e = json_add_str(rq, "personalNumber",
					 b->conn.req->identity);
		if (e == 0 &&
		    json_object_object_add(req, "requirement", rq) < 0)
			e = -1;
		if (e == 0)
			rq = NULL; /* req holds it now */
	}
	if (e == 0 && b->uvd)
		e = json_add_str(req, "userVisibleData", b->uvd);
	json_object_put(rq);
	if (e < 0) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* Keeps the order's references from the reply; MID_E_PROTOCOL when they
 * are missing or not tokens. */
static int take_order(struct bankid *b, json_object *reply)
{
	const char *ref = json_get_str(reply, "orderRef", BANKID_TOKEN_MAX);
	const char *tok = NULL, *sec = NULL;

	if (!b->phone) {
		tok = json_get_str(reply, "qrStartToken", BANKID_TOKEN_MAX);
		sec = json_get_str(reply, "qrStartSecret", BANKID_TOKEN_MAX);
	}
	if (!util_is_token(ref, BANKID_TOKEN_MAX) ||
	    (!b->phone && (!util_is_token(tok, BANKID_TOKEN_MAX) ||
			   !util_is_token(sec, BANKID_TOKEN_MAX)))) {
		mid_log_err(b->conn.log,
			    "bankid: order reply lacks valid orderRef "
			    "or QR tokens");
		return MID_E_PROTOCOL;
	}
	copy_token(b->order_ref, ref);
	if (!b->phone) {
		copy_token(b->qr_token, tok);
		copy_token(b->qr_secret, sec);
		/* ours now: no copy left in the reply object when it goes */
		json_wipe_str(reply, "qrStartSecret");
	}
	return 0;
}

static const char *start_endpoint(const struct bankid *b)
{
	if (b->conn.req->sign)
		return b->phone ? "phone/sign" : "sign";
	return b->phone ? "phone/auth" : "auth";
}

static int bankid_start(void *p, struct provider_status *st)
{
	struct bankid *b = p;
	json_object *req = start_request(b), *reply = NULL;
	int r;

	st->show_qr = false;
	st->msg = MSG_RFA22;
	if (!req)
		return MID_E_NOMEM;
	r = call(b, start_endpoint(b), req, b->conn.req->deadline_ms, &reply,
		 st);
	if (r == 0)
		r = take_order(b, reply);
	if (r < 0)
		goto out;
	b->t0_ms = util_now_ms();
	b->open = true;
	st->msg = MSG_RFA1;
	st->show_qr = !b->phone;
	mid_log_debug(b->conn.log, "bankid: order %.8s... started (%s)",
		      b->order_ref, start_endpoint(b));
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
	return bankid_qr_payload(b->qr_token, b->qr_secret,
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

	if (o && json_add_str(o, "orderRef", b->order_ref) < 0) {
		json_object_put(o);
		o = NULL;
	}
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
	r = call(b, "collect", req, b->conn.req->deadline_ms, &reply, st);
	if (r == 0)
		r = bankid_parse_collect(reply, b->order_ref,
					 b->conn.req->identity, !b->phone, st,
					 b->conn.log);
	/* a failed or complete order is over at BankID: nothing to cancel;
	 * after a reply we cannot read, the order may still be open */
	if (reply &&
	    (r == PROVIDER_APPROVED || r == PROVIDER_RESTART ||
	     r == MID_E_DENIED || r == MID_E_FAILED || r == MID_E_MISMATCH))
		b->open = false;
	/* a signature is approved only with its evidence */
	if (r == PROVIDER_APPROVED && b->conn.req->sign) {
		int e = bankid_take_signed(reply, &b->signed_data, b->conn.log);

		if (e < 0) {
			r = e;
			st->msg = MSG_RFA22;
		}
	}
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
		mid_log_warn(b->conn.log, "bankid: cancel failed: %s",
			     mid_strerror(r));
	json_object_put(req);
	json_object_put(reply);
}

static unsigned bankid_interval_ms(void *p)
{
	struct bankid *b = p;

	return (b->conn.cfg->bankid.poll < 1 ? 1 : b->conn.cfg->bankid.poll) *
	       1000u;
}

static void bankid_free(void *p)
{
	struct bankid *b = p;

	if (!b)
		return;
	bankid_signed_free(&b->signed_data);
	free(b->uvd);
	mtls_provider_free(b, sizeof(*b));
}

/* userVisibleData: the text cut to what auth or sign accepts, at a UTF-8
 * boundary */
static char *make_uvd(const char *text, bool sign)
{
	size_t n = strlen(text), max = sign ? UVD_MAX_SIGN_TEXT : UVD_MAX_TEXT;

	if (n == 0)
		return NULL;
	if (n > max)
		n = util_utf8_cut(text, max);
	return util_base64(text, n);
}

static int bankid_signature(void *p, struct provider_signature *sig)
{
	struct bankid *b = p;
	const struct bankid_signed *s = &b->signed_data;

	if (!s->signature || !b->uvd)
		return MID_E_INTERNAL;
	sig->order_ref = b->order_ref;
	sig->visible_data = b->uvd;
	sig->signer_id = s->pnr;
	sig->name = s->name;
	sig->given_name = s->given_name;
	sig->surname = s->surname;
	sig->signature = s->signature;
	sig->ocsp_response = s->ocsp;
	return 0;
}

static int bankid_new(const struct mid_config *cfg,
		      const struct mid_request *req, struct mid_log *log,
		      void **out)
{
	struct bankid *b;
	int r = mtls_provider_new(sizeof(*b), &cfg->bankid.tls, "bankid", cfg,
				  req, log, out);

	if (r < 0)
		return r;
	b = *out;
	b->phone = !req->want_qr;
	if (req->text && *req->text &&
	    !(b->uvd = make_uvd(req->text, req->sign))) {
		bankid_free(b);
		*out = NULL;
		return MID_E_NOMEM;
	}
	return 0;
}

static const struct provider_ops bankid_ops = {
    .name = "bankid",
    .title = MSG_TITLE,
    .title_sign = MSG_TITLE_SIGN,
    .start = bankid_start,
    .qr = bankid_qr,
    .poll = bankid_poll,
    .cancel = bankid_cancel,
    .interval_ms = bankid_interval_ms,
    .next_frame_ms = bankid_next_frame_ms,
    .signature = bankid_signature,
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
 * the RP proves itself with its client certificate; the person can sign a
 * text (sign, phone/sign), with an XML signature and an OCSP response. */
const struct provider_def bankid_provider = {
    .name = "bankid",
    .needs = PROVIDER_NEEDS_QR | PROVIDER_NEEDS_END_USER_IP |
	     PROVIDER_NEEDS_CLIENT_CERT,
    .can_sign = true,
    .check_id = pnr_normalise,
    .configured = bankid_configured,
    .tls = bankid_tls,
    .create = bankid_new,
    .ops = &bankid_ops,
};
