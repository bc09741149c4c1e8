/* mobileid-sim: the checks of a start request (auth, sign, phone/auth,
 * phone/sign), one validator per field, and the order it creates. */
#include "bankid_sim.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_UVD_MAX 1500
#define SIGN_UVD_MAX 40000
#define SIGN_UNVD_MAX 200000

static bool ip_valid(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict standard base64; returns malloc'd NUL-terminated bytes or NULL. */
static char *b64_decode(const char *s, size_t *out_len)
{
	size_t n = strlen(s), pad = 0, o = 0;
	char *out;

	if (n == 0 || n % 4)
		return NULL;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];

		for (int k = 0; k < 4; k++) {
			bool padpos = i + (size_t)k >= n - pad;

			v[k] = padpos ? 0 : b64val(s[i + k]);
			if (v[k] < 0 || (padpos && s[i + k] != '='))
				goto bad;
		}
		unsigned w =
		    (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
		out[o++] = (char)(w >> 16);
		out[o++] = (char)(w >> 8);
		out[o++] = (char)w;
	}
	o -= pad;
	out[o] = '\0';
	*out_len = o;
	return out;
bad:
	free(out);
	return NULL;
}

/* One start request (auth, sign, phone/auth, phone/sign) being checked. */
struct start_req {
	struct json_object *body;
	bool phone, sign;
	struct order_new *n;
};

/* Checks one field of a start request: NULL when it is fine, else the
 * "details" of the 400 invalidParameters answer. */
typedef const char *(*start_check)(struct start_req *s);

static bool has(const struct start_req *s, const char *key)
{
	return json_object_object_get_ex(s->body, key, NULL);
}

/* The field's value; NULL when absent or JSON null. */
static struct json_object *field(const struct start_req *s, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(s->body, key, &v);
	return v;
}

static const char *string_or_empty(struct json_object *v)
{
	return json_is(v, json_type_string) ? json_object_get_string(v) : "";
}

/* One key of "requirement"; NULL when fine, else the details. */
static const char *check_requirement_key(const char *k, struct json_object *v,
					 struct order_new *n)
{
	if (!strcmp(k, "pinCode") || !strcmp(k, "mrtd")) {
		if (!json_is(v, json_type_boolean))
			return "Invalid requirement";
		if (!strcmp(k, "mrtd"))
			n->mrtd = json_object_get_boolean(v);
	} else if (!strcmp(k, "personalNumber")) {
		if (!bankid_pno_valid(string_or_empty(v)))
			return "Incorrect personalNumber";
		snprintf(n->pno, sizeof(n->pno), "%s", string_or_empty(v));
	} else if (!strcmp(k, "cardReader")) {
		const char *s = string_or_empty(v);

		if (strcmp(s, "class1") && strcmp(s, "class2"))
			return "Invalid requirement";
	} else if (!strcmp(k, "certificatePolicies")) {
		if (!json_is(v, json_type_array))
			return "Invalid requirement";
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!json_is(json_object_array_get_idx(v, i),
				     json_type_string))
				return "Invalid requirement";
	} else if (!strcmp(k, "risk")) {
		if (!json_is(v, json_type_string))
			return "Invalid requirement";
	} else {
		return "Invalid requirement";
	}
	return NULL;
}

/* requirement: fills pno and mrtd; the phone endpoints take the personal
 * number at the top level only. */
static const char *check_requirement(struct start_req *s)
{
	struct json_object *req = field(s, "requirement");
	struct json_object_iterator it, end;
	const char *bad = NULL;

	if (!req)
		return NULL;
	if (!json_is(req, json_type_object) ||
	    (s->phone &&
	     json_object_object_get_ex(req, "personalNumber", NULL)))
		return "Invalid requirement";
	it = json_object_iter_begin(req);
	end = json_object_iter_end(req);
	for (; !bad && !json_object_iter_equal(&it, &end);
	     json_object_iter_next(&it))
		bad = check_requirement_key(json_object_iter_peek_name(&it),
					    json_object_iter_peek_value(&it),
					    s->n);
	return bad;
}

/* A base64 field no longer than max; false when present and bad, or
 * absent and required. The decoded text goes to *decoded when asked. */
static bool b64_field_ok(const struct start_req *s, const char *key, size_t max,
			 bool required, char **decoded)
{
	struct json_object *v = field(s, key);
	char *d = NULL;
	size_t dlen = 0;

	if (!v)
		return !required;
	if (!json_is(v, json_type_string) ||
	    strlen(json_object_get_string(v)) > max ||
	    !(d = b64_decode(json_object_get_string(v), &dlen)))
		return false;
	if (decoded)
		*decoded = d;
	else
		free(d);
	return true;
}

/* endUserIp: required for auth and sign, checked when the phone sends it. */
static const char *check_end_user_ip(struct start_req *s)
{
	struct json_object *v = field(s, "endUserIp");

	if (s->phone && !has(s, "endUserIp"))
		return NULL;
	if (!json_is(v, json_type_string) ||
	    !ip_valid(json_object_get_string(v)))
		return "Invalid endUserIp";
	snprintf(s->n->end_user_ip, sizeof(s->n->end_user_ip), "%s",
		 json_object_get_string(v));
	return NULL;
}

static const char *check_phone_pno(struct start_req *s)
{
	const char *pno = string_or_empty(field(s, "personalNumber"));

	if (!s->phone)
		return NULL;
	if (!bankid_pno_valid(pno))
		return "Incorrect personalNumber";
	snprintf(s->n->pno, sizeof(s->n->pno), "%s", pno);
	return NULL;
}

static const char *check_call_initiator(struct start_req *s)
{
	struct json_object *v = field(s, "callInitiator");
	const char *ci = string_or_empty(v);

	if (!s->phone)
		return NULL;
	if (!json_is(v, json_type_string) ||
	    (strcmp(ci, "user") && strcmp(ci, "RP")))
		return "Incorrect callInitiator";
	snprintf(s->n->call_initiator, sizeof(s->n->call_initiator), "%s", ci);
	return NULL;
}

static const char *check_uvd(struct start_req *s)
{
	if (!b64_field_ok(s, "userVisibleData",
			  s->sign ? SIGN_UVD_MAX : AUTH_UVD_MAX, s->sign,
			  &s->n->uvd_text))
		return "Invalid userVisibleData";
	return NULL;
}

static const char *check_unvd(struct start_req *s)
{
	if (!b64_field_ok(s, "userNonVisibleData",
			  s->sign ? SIGN_UNVD_MAX : AUTH_UVD_MAX, false, NULL))
		return "Invalid userNonVisibleData";
	if (has(s, "userNonVisibleData") && !s->n->uvd_text)
		return "userNonVisible data requires userVisibleData";
	return NULL;
}

static const char *check_uvd_format(struct start_req *s)
{
	const char *f = string_or_empty(field(s, "userVisibleDataFormat"));

	if (has(s, "userVisibleDataFormat") && strcmp(f, "simpleMarkdownV1") &&
	    strcmp(f, "plaintext"))
		return "Invalid userVisibleDataFormat";
	return NULL;
}

static const char *check_return_url(struct start_req *s)
{
	struct json_object *v = field(s, "returnUrl");

	if (has(s, "returnUrl") && (!json_is(v, json_type_string) ||
				    strlen(json_object_get_string(v)) > 512))
		return "Invalid returnUrl";
	return NULL;
}

static const char *check_return_risk(struct start_req *s)
{
	struct json_object *v = field(s, "returnRisk");

	if (!has(s, "returnRisk"))
		return NULL;
	if (!json_is(v, json_type_boolean))
		return "Invalid request";
	s->n->return_risk = json_object_get_boolean(v);
	return NULL;
}

static const char *check_web_or_app(struct start_req *s)
{
	return has(s, "web") && has(s, "app") ? "Invalid request" : NULL;
}

/* The checks of a start request, in the order the real API applies them. */
static const start_check start_checks[] = {
    check_end_user_ip, check_phone_pno,	 check_call_initiator,
    check_requirement, check_uvd,	 check_unvd,
    check_uvd_format,  check_return_url, check_return_risk,
    check_web_or_app,
};

/* Creates the checked order and answers its references. */
static void create_order(const char *ep, const struct order_new *n,
			 struct simcore_reply *res)
{
	struct order_created ids;
	struct simfault mm;
	bool mismatch = simfault_take(ep, true, &mm);

	if (mismatch)
		free(mm.body);
	if (orders_create(n, mismatch, &ids) < 0) {
		bankid_set_err(res, 400, "alreadyInProgress",
			       "Order already in progress for pno");
		return;
	}
	res->status = 200;
	snprintf(res->ref, sizeof(res->ref), "%s", ids.ref);
	res->body = json_object_new_object();
	json_object_object_add(res->body, "orderRef",
			       json_object_new_string(ids.ref));
	if (n->kind == KIND_PHONE_AUTH || n->kind == KIND_PHONE_SIGN)
		return;
	json_object_object_add(res->body, "autoStartToken",
			       json_object_new_string(ids.auto_token));
	json_object_object_add(res->body, "qrStartToken",
			       json_object_new_string(ids.qr_token));
	json_object_object_add(res->body, "qrStartSecret",
			       json_object_new_string(ids.qr_secret));
}

void bankid_start(const char *ep, struct json_object *body,
		  const struct sim_conn *c, struct simcore_reply *res)
{
	struct order_new n;
	struct start_req s = {.body = body, .n = &n};
	const char *bad = NULL;

	memset(&n, 0, sizeof(n));
	s.phone = !strncmp(ep, "phone/", 6);
	s.sign = !strcmp(ep, "sign") || !strcmp(ep, "phone/sign");
	n.conn = c;
	n.kind = s.phone ? (s.sign ? KIND_PHONE_SIGN : KIND_PHONE_AUTH)
			 : (s.sign ? KIND_SIGN : KIND_AUTH);
	for (size_t i = 0;
	     !bad && i < sizeof(start_checks) / sizeof(start_checks[0]); i++)
		bad = start_checks[i](&s);
	if (bad)
		bankid_set_err(res, 400, "invalidParameters", bad);
	else
		create_order(ep, &n, res);
	free(n.uvd_text);
}
