/* mobileid-sim: the BankID RP API v6 endpoints, validation and error bodies. */
#include "sim.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#define API_PREFIX "/rp/v6.0/"
#define AUTH_UVD_MAX 1500
#define SIGN_UVD_MAX 40000
#define SIGN_UNVD_MAX 200000

extern SSL_CTX *sim_api_ctx;

/* What the handler decided; the caller logs it, then answers. */
struct api_result {
	int status;
	const char *error_code;
	char details[128];
	struct json_object *body; /* 200 body */
	char order_ref[SIM_UUID_LEN + 1];
};

static void set_err(struct api_result *res, int status, const char *code,
		    const char *details)
{
	res->status = status;
	res->error_code = code;
	snprintf(res->details, sizeof(res->details), "%s", details);
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool api_pno_valid(const char *pno)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int year, month, day, sum = 0;

	if (strlen(pno) != SIM_PNO_LEN || !is_digits(pno, SIM_PNO_LEN))
		return false;
	year = (pno[0] - '0') * 1000 + (pno[1] - '0') * 100 +
	       (pno[2] - '0') * 10 + (pno[3] - '0');
	month = (pno[4] - '0') * 10 + (pno[5] - '0');
	day = (pno[6] - '0') * 10 + (pno[7] - '0');
	/* Coordination numbers (samordningsnummer) add 60 to the day. */
	if (day > 60)
		day -= 60;
	if (year < 1850 || year > 2099 || month < 1 || month > 12 || day < 1 ||
	    day > mdays[month - 1])
		return false;
	for (int i = 0; i < 10; i++) {
		int d = (pno[2 + i] - '0') * ((i % 2) ? 1 : 2);

		sum += d / 10 + d % 10;
	}
	return sum % 10 == 0;
}

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

static bool is_type(struct json_object *o, enum json_type t)
{
	return o && json_object_is_type(o, t);
}

static const char *endpoint_of(const char *path)
{
	static const char *const eps[] = {"auth",	"sign",	   "phone/auth",
					  "phone/sign", "collect", "cancel"};

	if (strncmp(path, API_PREFIX, strlen(API_PREFIX)))
		return NULL;
	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
		if (!strcmp(path + strlen(API_PREFIX), eps[i]))
			return eps[i];
	return NULL;
}

/* Validates requirement; fills pno/mrtd. 0 ok, -1 error set. */
static int check_requirement(struct json_object *req, struct order_new *n,
			     struct api_result *res)
{
	struct json_object_iterator it, end;

	if (!req)
		return 0;
	if (!is_type(req, json_type_object))
		goto bad;
	it = json_object_iter_begin(req);
	end = json_object_iter_end(req);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);
		struct json_object *v = json_object_iter_peek_value(&it);

		if (!strcmp(k, "pinCode") || !strcmp(k, "mrtd")) {
			if (!is_type(v, json_type_boolean))
				goto bad;
			if (!strcmp(k, "mrtd"))
				n->mrtd = json_object_get_boolean(v);
		} else if (!strcmp(k, "personalNumber")) {
			if (!is_type(v, json_type_string) ||
			    !api_pno_valid(json_object_get_string(v))) {
				set_err(res, 400, "invalidParameters",
					"Incorrect personalNumber");
				return -1;
			}
			snprintf(n->pno, sizeof(n->pno), "%s",
				 json_object_get_string(v));
		} else if (!strcmp(k, "cardReader")) {
			const char *s = is_type(v, json_type_string)
					    ? json_object_get_string(v)
					    : "";
			if (strcmp(s, "class1") && strcmp(s, "class2"))
				goto bad;
		} else if (!strcmp(k, "certificatePolicies")) {
			if (!is_type(v, json_type_array))
				goto bad;
			for (size_t i = 0; i < json_object_array_length(v); i++)
				if (!is_type(json_object_array_get_idx(v, i),
					     json_type_string))
					goto bad;
		} else if (!strcmp(k, "risk")) {
			if (!is_type(v, json_type_string))
				goto bad;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	set_err(res, 400, "invalidParameters", "Invalid requirement");
	return -1;
}

/* Validates a base64 data field with size limit; -1 and error when bad. */
static int check_b64_field(struct json_object *body, const char *key,
			   size_t max, bool required, char **decoded,
			   const char *details, struct api_result *res)
{
	struct json_object *v = NULL;
	char *d = NULL;
	size_t dlen = 0;

	json_object_object_get_ex(body, key, &v);
	if (!v) {
		if (!required)
			return 0;
		goto bad;
	}
	if (!is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) > max ||
	    !(d = b64_decode(json_object_get_string(v), &dlen)))
		goto bad;
	if (decoded)
		*decoded = d;
	else
		free(d);
	return 0;
bad:
	set_err(res, 400, "invalidParameters", details);
	return -1;
}

static void handle_start(const char *ep, struct json_object *body,
			 const struct sim_conn *c, struct api_result *res)
{
	bool phone = !strncmp(ep, "phone/", 6);
	bool sign = !strcmp(ep, "sign") || !strcmp(ep, "phone/sign");
	struct order_new n;
	struct order_created ids;
	struct json_object *v = NULL;
	struct fault mm;
	bool mismatch;

	memset(&n, 0, sizeof(n));
	n.conn = c;
	n.kind = phone ? (sign ? KIND_PHONE_SIGN : KIND_PHONE_AUTH)
		       : (sign ? KIND_SIGN : KIND_AUTH);
	if (json_object_object_get_ex(body, "endUserIp", &v) || !phone) {
		if (!is_type(v, json_type_string) ||
		    !ip_valid(json_object_get_string(v))) {
			set_err(res, 400, "invalidParameters",
				"Invalid endUserIp");
			goto out;
		}
		snprintf(n.end_user_ip, sizeof(n.end_user_ip), "%s",
			 json_object_get_string(v));
	}
	if (phone) {
		v = NULL;
		json_object_object_get_ex(body, "personalNumber", &v);
		if (!is_type(v, json_type_string) ||
		    !api_pno_valid(json_object_get_string(v))) {
			set_err(res, 400, "invalidParameters",
				"Incorrect personalNumber");
			goto out;
		}
		snprintf(n.pno, sizeof(n.pno), "%s", json_object_get_string(v));
		v = NULL;
		json_object_object_get_ex(body, "callInitiator", &v);
		if (!is_type(v, json_type_string) ||
		    (strcmp(json_object_get_string(v), "user") &&
		     strcmp(json_object_get_string(v), "RP"))) {
			set_err(res, 400, "invalidParameters",
				"Incorrect callInitiator");
			goto out;
		}
		snprintf(n.call_initiator, sizeof(n.call_initiator), "%s",
			 json_object_get_string(v));
	}
	v = NULL;
	json_object_object_get_ex(body, "requirement", &v);
	if (phone && v && is_type(v, json_type_object) &&
	    json_object_object_get_ex(v, "personalNumber", NULL)) {
		set_err(res, 400, "invalidParameters", "Invalid requirement");
		goto out;
	}
	if (check_requirement(v, &n, res) < 0)
		goto out;
	if (check_b64_field(body, "userVisibleData",
			    sign ? SIGN_UVD_MAX : AUTH_UVD_MAX, sign,
			    &n.uvd_text, "Invalid userVisibleData", res) < 0)
		goto out;
	if (check_b64_field(body, "userNonVisibleData",
			    sign ? SIGN_UNVD_MAX : AUTH_UVD_MAX, false, NULL,
			    "Invalid userNonVisibleData", res) < 0)
		goto out;
	v = NULL;
	if (json_object_object_get_ex(body, "userNonVisibleData", NULL) &&
	    !n.uvd_text) {
		set_err(res, 400, "invalidParameters",
			"userNonVisible data requires userVisibleData");
		goto out;
	}
	if (json_object_object_get_ex(body, "userVisibleDataFormat", &v)) {
		const char *s = is_type(v, json_type_string)
				    ? json_object_get_string(v)
				    : "";
		if (strcmp(s, "simpleMarkdownV1") && strcmp(s, "plaintext")) {
			set_err(res, 400, "invalidParameters",
				"Invalid userVisibleDataFormat");
			goto out;
		}
	}
	v = NULL;
	if (json_object_object_get_ex(body, "returnUrl", &v) &&
	    (!is_type(v, json_type_string) ||
	     strlen(json_object_get_string(v)) > 512)) {
		set_err(res, 400, "invalidParameters", "Invalid returnUrl");
		goto out;
	}
	v = NULL;
	if (json_object_object_get_ex(body, "returnRisk", &v)) {
		if (!is_type(v, json_type_boolean)) {
			set_err(res, 400, "invalidParameters",
				"Invalid request");
			goto out;
		}
		n.return_risk = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(body, "web", &v) &&
	    json_object_object_get_ex(body, "app", NULL)) {
		set_err(res, 400, "invalidParameters", "Invalid request");
		goto out;
	}
	mismatch = fault_take(ep, true, &mm);
	if (mismatch)
		free(mm.body);
	if (orders_create(&n, mismatch, &ids) < 0) {
		set_err(res, 400, "alreadyInProgress",
			"Order already in progress for pno");
		goto out;
	}
	res->status = 200;
	snprintf(res->order_ref, sizeof(res->order_ref), "%s", ids.ref);
	res->body = json_object_new_object();
	json_object_object_add(res->body, "orderRef",
			       json_object_new_string(ids.ref));
	if (!phone) {
		json_object_object_add(res->body, "autoStartToken",
				       json_object_new_string(ids.auto_token));
		json_object_object_add(res->body, "qrStartToken",
				       json_object_new_string(ids.qr_token));
		json_object_object_add(res->body, "qrStartSecret",
				       json_object_new_string(ids.qr_secret));
	}
out:
	free(n.uvd_text);
}

static void handle_ref(const char *ep, struct json_object *body,
		       const struct sim_conn *c, struct api_result *res)
{
	struct json_object *v = NULL;
	const char *ref;

	json_object_object_get_ex(body, "orderRef", &v);
	if (!is_type(v, json_type_string)) {
		set_err(res, 400, "invalidParameters", "Invalid request");
		return;
	}
	ref = json_object_get_string(v);
	if (strlen(ref) == SIM_UUID_LEN)
		snprintf(res->order_ref, sizeof(res->order_ref), "%s", ref);
	if (!strcmp(ep, "collect")) {
		res->body = orders_collect(ref, c->client_fp);
	} else if (orders_cancel(ref, c->client_fp) == 0) {
		res->body = json_object_new_object();
	}
	if (res->body)
		res->status = 200;
	else
		set_err(res, 400, "invalidParameters", "No such order");
}

/* Decides the answer to one well-formed HTTP request. */
static void api_dispatch(const struct sim_conn *c, const struct sim_request *rq,
			 const char *ep, struct api_result *res)
{
	struct json_tokener *tok = NULL;
	struct json_object *body = NULL;

	if (rq->error_status) {
		if (rq->error_status == 413)
			set_err(res, 400, "invalidParameters",
				"Request body too large");
		else
			set_err(res, rq->error_status, "invalidParameters",
				"Invalid request");
		goto out;
	}
	if (!ep) {
		set_err(res, 404, "notFound", "Not found");
		goto out;
	}
	if (strcmp(rq->method, "POST")) {
		set_err(res, 405, "methodNotAllowed", "Method not allowed");
		goto out;
	}
	/* The real API rejects even "application/json; charset=UTF-8". */
	if (!rq->has_content_type ||
	    strcmp(rq->content_type, "application/json")) {
		set_err(res, 415, "unsupportedMediaType",
			"Unsupported media type");
		goto out;
	}
	tok = json_tokener_new_ex(SIM_MAX_JSON_DEPTH);
	if (!tok)
		goto internal;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					JSON_TOKENER_VALIDATE_UTF8);
	if (rq->body && rq->body_len == strlen(rq->body))
		body = json_tokener_parse_ex(tok, rq->body, (int)rq->body_len);
	if (!body || json_tokener_get_error(tok) != json_tokener_success ||
	    strspn(rq->body + json_tokener_get_parse_end(tok), " \t\r\n") !=
		rq->body_len - json_tokener_get_parse_end(tok) ||
	    !is_type(body, json_type_object)) {
		set_err(res, 400, "invalidParameters", "Invalid request");
		goto out;
	}
	if (!strcmp(ep, "collect") || !strcmp(ep, "cancel"))
		handle_ref(ep, body, c, res);
	else
		handle_start(ep, body, c, res);
	goto out;
internal:
	set_err(res, 500, "internalError", "Internal error");
out:
	json_object_put(body);
	if (tok)
		json_tokener_free(tok);
}

/* orderRef named in a collect/cancel body, so faulted requests still show
 * up in that order's history; empty when there is none. */
static void body_order_ref(const struct sim_request *rq,
			   char out[SIM_UUID_LEN + 1])
{
	struct json_tokener *tok = json_tokener_new_ex(SIM_MAX_JSON_DEPTH);
	struct json_object *j = NULL, *v = NULL;

	out[0] = '\0';
	if (!tok || !rq->body)
		goto out;
	j = json_tokener_parse_ex(tok, rq->body, (int)rq->body_len);
	if (is_type(j, json_type_object) &&
	    json_object_object_get_ex(j, "orderRef", &v) &&
	    is_type(v, json_type_string) &&
	    strlen(json_object_get_string(v)) == SIM_UUID_LEN)
		snprintf(out, SIM_UUID_LEN + 1, "%s",
			 json_object_get_string(v));
out:
	json_object_put(j);
	if (tok)
		json_tokener_free(tok);
}

/* Serves one API request; false when the connection must end. */
static bool api_serve_one(struct sim_conn *c, struct sim_request *rq)
{
	const char *ep = endpoint_of(rq->path);
	struct api_result res;
	struct fault f;
	bool faulted = false, keep = rq->keep_alive && !rq->error_status;
	int fstatus = 0;

	memset(&res, 0, sizeof(res));
	memset(&f, 0, sizeof(f));
	if (ep && !rq->error_status)
		faulted = fault_take(ep, false, &f);
	if (faulted && f.mode == FAULT_SLOW)
		sim_sleep_ms(f.delay_ms);
	if (faulted && f.mode != FAULT_SLOW && f.mode != FAULT_DRIP) {
		/* The faulty answer replaces the real one; the request is still
		 * logged. */
		char ref[SIM_UUID_LEN + 1];
		int logged = f.mode == FAULT_HANG || f.mode == FAULT_CLOSE ? 0
			     : f.mode == FAULT_STATUS
				 ? (f.status ? f.status : 500)
			     : f.mode == FAULT_MAINTENANCE ? 503
			     : f.mode == FAULT_INTERNAL	   ? 500
			     : f.mode == FAULT_HTML403	   ? 403
							   : 200;

		body_order_ref(rq, ref);
		log_request(c->id, rq->method, rq->path, rq->content_type,
			    logged,
			    f.mode == FAULT_INTERNAL ? "internalError"
						     : fault_mode_name(f.mode),
			    ref);
		fault_respond(c, &f, ep, &fstatus);
		free(f.body);
		return !c->dead && keep && f.mode != FAULT_HANG &&
		       f.mode != FAULT_CLOSE;
	}
	api_dispatch(c, rq, ep, &res);
	log_request(c->id, rq->method, rq->path,
		    rq->has_content_type ? rq->content_type : NULL, res.status,
		    res.error_code, res.order_ref);
	if (sim_cfg.verbose)
		sim_log("conn %ld %s %s -> %d %s", c->id, rq->method, rq->path,
			res.status, res.error_code ? res.error_code : "");
	if (!res.body) {
		res.body = json_object_new_object();
		json_object_object_add(res.body, "errorCode",
				       json_object_new_string(res.error_code));
		json_object_object_add(res.body, "details",
				       json_object_new_string(res.details));
	}
	if (faulted && f.mode == FAULT_DRIP) {
		size_t len = 0;
		const char *s = json_object_to_json_string_length(
		    res.body, JSON_C_TO_STRING_PLAIN, &len);
		char head[256];
		int hn = snprintf(
		    head, sizeof(head),
		    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n",
		    res.status, http_reason(res.status), len);

		/* One byte at a time, headers included, to test client read
		 * timeouts. */
		for (int i = 0; i < hn && !c->dead; i++) {
			http_write_all(c, head + i, 1);
			sim_sleep_ms(f.delay_ms);
		}
		for (size_t i = 0; i < len && !c->dead; i++) {
			http_write_all(c, s + i, 1);
			sim_sleep_ms(f.delay_ms);
		}
	} else {
		http_respond_json(c, res.status, res.body, !keep);
	}
	json_object_put(res.body);
	free(f.body);
	return !c->dead && keep;
}

static void cert_identity(struct sim_conn *c)
{
	X509 *x = SSL_get1_peer_certificate(c->ssl);
	unsigned char md[32];
	unsigned mdlen = 0;

	if (!x)
		return;
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
				  c->client_cn, sizeof(c->client_cn));
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(c->client_fp + 2 * i, 3, "%02x", md[i]);
	X509_free(x);
}

static void set_timeout(int fd, int secs)
{
	struct timeval tv = {.tv_sec = secs};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

void *api_conn_thread(void *arg)
{
	struct sim_conn *c = arg;
	struct sim_request rq;

	memset(&rq, 0, sizeof(rq));
	c->rbuf = malloc(SIM_MAX_HEADER_BYTES);
	c->ssl = SSL_new(sim_api_ctx);
	if (!c->rbuf || !c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		goto out;
	set_timeout(c->fd, SIM_HANDSHAKE_TIMEOUT_S);
	if (SSL_accept(c->ssl) != 1) {
		if (sim_cfg.verbose) {
			char e[256];

			ERR_error_string_n(ERR_peek_error(), e, sizeof(e));
			sim_log("handshake failed: %s", e);
		}
		ERR_clear_error();
		log_handshake_failure();
		c->dead = true;
		goto out;
	}
	cert_identity(c);
	c->id = log_conn_open(c->client_cn);
	set_timeout(c->fd, SIM_IDLE_TIMEOUT_S);
	for (;;) {
		int r = http_read_request(c, &rq);

		if (r <= 0)
			break;
		if (!api_serve_one(c, &rq))
			break;
		http_request_clear(&rq);
	}
	log_conn_close(c->id);
out:
	http_request_clear(&rq);
	http_conn_close(c);
	free(c);
	return NULL;
}
