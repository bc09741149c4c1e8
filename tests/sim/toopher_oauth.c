/* toopher-sim: OAuth 1.0a verification as the real service does it: the
 * signature in the Authorization header, the query or the form body,
 * recomputed over every parameter; unknown consumer, wrong signature,
 * stale timestamp and replayed nonce are 401. */
#include "toopher_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "mid.h"
#include "oauth1.h"

static int64_t clock_offset_s; /* set by the control port, for tests */

int64_t ts_wall_s(void)
{
	return (int64_t)time(NULL) +
	       __atomic_load_n(&clock_offset_s, __ATOMIC_RELAXED);
}

void ts_set_clock_offset(int64_t s)
{
	__atomic_store_n(&clock_offset_s, s, __ATOMIC_RELAXED);
}

void ts_oauth_reset(void) { ts_set_clock_offset(0); }

/* 'OAuth name="value", ...': every pair but realm into p, decoded. */
static int parse_header(const char *h, struct oauth1_params *p)
{
	char name[64], value[1024];

	if (strncasecmp(h, "OAuth ", 6) != 0)
		return -1;
	h += 6;
	while (*h) {
		const char *eq, *end;
		long n;

		h += strspn(h, " ,\t");
		if (!*h)
			break;
		eq = strchr(h, '=');
		if (!eq || eq == h || (size_t)(eq - h) >= sizeof(name) ||
		    eq[1] != '"' || !(end = strchr(eq + 2, '"')) ||
		    (size_t)(end - eq - 2) >= sizeof(value))
			return -1;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - h), h);
		n = oauth1_decode(eq + 2, (size_t)(end - eq - 2), false, value);
		if (n < 0)
			return -1;
		if (strcmp(name, "realm") != 0 &&
		    oauth1_params_add(p, name, strlen(name), value,
				      (size_t)n) != 0)
			return -1;
		h = end + 1;
	}
	return 0;
}

/* Takes parameter name out of p: its decoded value in out ("" if absent);
 * the number of times it was there. */
static int take(struct oauth1_params *p, const char *name, char *out, size_t n)
{
	int count = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name, name) != 0)
			continue;
		if (strlen(p->v[i].value) < n)
			oauth1_decode(p->v[i].value, strlen(p->v[i].value),
				      false, out);
		count++;
	}
	return count;
}

static void drop(struct oauth1_params *p, const char *name)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name, name) == 0) {
			free(p->v[i].name);
			free(p->v[i].value);
			continue;
		}
		p->v[k++] = p->v[i];
	}
	p->n = k;
}

static bool is_form(const struct sim_request *rq)
{
	return rq->body && rq->has_content_type &&
	       strncasecmp(rq->content_type,
			   "application/x-www-form-urlencoded", 33) == 0;
}

/* Every parameter of rq the signature covers; where the oauth ones were. */
static int collect(const struct sim_request *rq, struct oauth1_params *p,
		   char *placement, size_t plen)
{
	const char *q = strchr(rq->path, '?');
	char tmp[8];
	int before;

	snprintf(placement, plen, "none");
	if (q && oauth1_params_add_form(p, q + 1, strlen(q + 1)) != 0)
		return -1;
	if (take(p, "oauth_signature", tmp, sizeof(tmp)))
		snprintf(placement, plen, "query");
	before = take(p, "oauth_signature", tmp, sizeof(tmp));
	if (is_form(rq) &&
	    oauth1_params_add_form(p, rq->body, rq->body_len) != 0)
		return -1;
	if (take(p, "oauth_signature", tmp, sizeof(tmp)) > before)
		snprintf(placement, plen, "body");
	if (rq->header[TS_HDR_AUTHORIZATION]) {
		if (parse_header(rq->header[TS_HDR_AUTHORIZATION], p) != 0)
			return -1;
		snprintf(placement, plen, "header");
	}
	return 0;
}

struct oauth_values {
	char sig[64], key[128], nonce[128], ts[32], method[32], version[16];
	char token[128];
};

/* The oauth_* values, each exactly once (oauth_version optional). */
static int values(struct oauth1_params *p, struct oauth_values *v)
{
	int n = take(p, "oauth_signature", v->sig, sizeof(v->sig));

	drop(p, "oauth_signature");
	if (n != 1 ||
	    take(p, "oauth_consumer_key", v->key, sizeof(v->key)) != 1 ||
	    take(p, "oauth_nonce", v->nonce, sizeof(v->nonce)) != 1 ||
	    take(p, "oauth_timestamp", v->ts, sizeof(v->ts)) != 1 ||
	    take(p, "oauth_signature_method", v->method, sizeof(v->method)) !=
		1 ||
	    take(p, "oauth_version", v->version, sizeof(v->version)) > 1 ||
	    !v->sig[0] || !v->key[0] || !v->nonce[0] || !v->ts[0])
		return -1;
	take(p, "oauth_token", v->token, sizeof(v->token));
	return 0;
}

static bool stale(const char *stamp)
{
	char *end = NULL;
	long long t = strtoll(stamp, &end, 10);
	int64_t d;

	if (!end || *end || end == stamp || t < 0)
		return true;
	d = (int64_t)t - ts_wall_s();
	return d > ts_timing.skew_s || -d > ts_timing.skew_s;
}

/* The signature check proper: recomputed with the consumer's secret. */
static const char *check_signature(const struct sim_request *rq,
				   const struct oauth1_params *p,
				   const struct oauth_values *v)
{
	char secret[256], url[SIM_MAX_PATH + 300], want[OAUTH1_SIG_SIZE];
	char *base = NULL;
	size_t plen = strcspn(rq->path, "?");
	bool ok;

	if (!store_consumer_secret(v->key, secret, sizeof(secret)))
		return "unknown consumer key";
	snprintf(url, sizeof(url), "https://%s%.*s",
		 rq->header[TS_HDR_HOST] ? rq->header[TS_HDR_HOST] : "",
		 (int)plen, rq->path);
	ok = oauth1_base_string(rq->method, url, p, &base) == 0 &&
	     oauth1_signature(secret, NULL, base, want) == 0 &&
	     strlen(want) == strlen(v->sig) &&
	     CRYPTO_memcmp(want, v->sig, strlen(want)) == 0;
	OPENSSL_cleanse(secret, sizeof(secret));
	free(base);
	return ok ? NULL : "bad signature";
}

int ts_oauth_verify(const struct sim_request *rq, const char **why,
		    char *placement, size_t plen)
{
	struct oauth1_params p = {.n = 0};
	struct oauth_values v;
	int status = 401;

	*why = "missing oauth parameters";
	if (collect(rq, &p, placement, plen) != 0) {
		*why = "unreadable parameters";
		status = 400;
	} else if (values(&p, &v) != 0) {
		/* missing, or given twice (two placements) */
	} else if (strcmp(v.method, "HMAC-SHA1") != 0) {
		*why = "unsupported signature method";
	} else if (v.version[0] && strcmp(v.version, "1.0") != 0) {
		*why = "unsupported oauth version";
	} else if (v.token[0]) {
		*why = "unknown token";
	} else if ((*why = check_signature(rq, &p, &v)) != NULL) {
		/* the reason is set */
	} else if (stale(v.ts)) {
		*why = "stale timestamp";
	} else if (!store_nonce_fresh(v.key, v.nonce, atoll(v.ts))) {
		*why = "replayed nonce";
	} else {
		status = 0;
	}
	oauth1_params_free(&p);
	return status;
}
