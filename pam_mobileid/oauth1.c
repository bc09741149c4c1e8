/* OAuth 1.0a request signing (RFC 5849), HMAC-SHA1. */
#include "oauth1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "mid.h"
#include "util.h"

static void lower_copy(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] + 32)
							  : src[i];
	dst[n] = '\0';
}

/* Splits "host[:port]" (host may be [v6]); *port is NULL without one. */
static int split_authority(const char *a, size_t len, size_t *hlen,
			   const char **port, size_t *plen)
{
	const char *colon = NULL;

	if (len > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', len);

		if (!close)
			return MID_E_PROTOCOL;
		if ((size_t)(close - a) + 1 < len)
			colon = close + 1;
		if (colon && *colon != ':')
			return MID_E_PROTOCOL;
	} else {
		colon = memchr(a, ':', len);
	}
	*hlen = colon ? (size_t)(colon - a) : len;
	*port = colon ? colon + 1 : NULL;
	*plen = colon ? len - *hlen - 1 : 0;
	if (*hlen == 0 || memchr(a, '@', len))
		return MID_E_PROTOCOL; /* no host, or user info */
	for (size_t i = 0; i < *plen; i++)
		if ((*port)[i] < '0' || (*port)[i] > '9')
			return MID_E_PROTOCOL;
	return 0;
}

int oauth1_base_uri(const char *url, char *out, size_t n)
{
	const char *sep = strstr(url, "://"), *auth, *path, *port;
	size_t slen, alen, hlen, plen, pathlen;
	char scheme[8], host[256];
	bool dflt;

	if (!sep || (size_t)(sep - url) >= sizeof(scheme))
		return MID_E_PROTOCOL;
	slen = (size_t)(sep - url);
	lower_copy(scheme, url, slen);
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		return MID_E_PROTOCOL;
	auth = sep + 3;
	alen = strcspn(auth, "/?#");
	if (split_authority(auth, alen, &hlen, &port, &plen) < 0 ||
	    hlen >= sizeof(host))
		return MID_E_PROTOCOL;
	lower_copy(host, auth, hlen);
	path = auth + alen;
	pathlen = *path == '/' ? strcspn(path, "?#") : 0;
	/* §3.4.1.2: the default port of the scheme is left out */
	dflt = plen == 0 ||
	       (strcmp(scheme, "http") == 0 && plen == 2 &&
		memcmp(port, "80", 2) == 0) ||
	       (strcmp(scheme, "https") == 0 && plen == 3 &&
		memcmp(port, "443", 3) == 0);
	if ((size_t)snprintf(out, n, "%s://%s%s%.*s%.*s", scheme, host,
			     dflt ? "" : ":", dflt ? 0 : (int)plen,
			     dflt ? "" : port, pathlen ? (int)pathlen : 1,
			     pathlen ? path : "/") >= n)
		return MID_E_PROTOCOL;
	return 0;
}

static bool valid_method(const char *m)
{
	size_t n = strlen(m);

	if (n == 0 || n > 16)
		return false;
	for (; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return false;
	return true;
}

int oauth1_base_string(const char *method, const char *url,
		       const struct oauth1_params *p, char **out)
{
	char uri[OAUTH1_MAX_TEXT];
	char *norm = NULL, *euri = NULL, *enorm = NULL;
	size_t len;
	int r;

	*out = NULL;
	if (!valid_method(method))
		return MID_E_PROTOCOL;
	r = oauth1_base_uri(url, uri, sizeof(uri));
	if (r == 0)
		r = oauth1_params_normalise(p, &norm);
	if (r == 0)
		r = oauth1_encode(uri, strlen(uri), &euri);
	if (r == 0)
		r = oauth1_encode(norm, strlen(norm), &enorm);
	if (r < 0)
		goto out;
	len = strlen(method) + strlen(euri) + strlen(enorm) + 3;
	*out = malloc(len);
	if (!*out) {
		r = MID_E_NOMEM;
		goto out;
	}
	snprintf(*out, len, "%s&%s&%s", method, euri, enorm);
out:
	free(norm);
	free(euri);
	free(enorm);
	return r;
}

int oauth1_hmac_b64(const void *key, size_t keylen, const char *msg,
		    char sig[OAUTH1_SIG_SIZE])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (keylen > OAUTH1_MAX_TEXT * 3 ||
	    !HMAC(EVP_sha1(), key, (int)keylen, (const unsigned char *)msg,
		  strlen(msg), mac, &maclen) ||
	    maclen != 20)
		return MID_E_INTERNAL;
	EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

int oauth1_signature(const char *consumer_secret, const char *token_secret,
		     const char *base, char sig[OAUTH1_SIG_SIZE])
{
	char *ec = NULL, *et = NULL, *key = NULL;
	size_t len = 0;
	int r;

	/* §3.4.2: the '&' is there even when the token secret is empty */
	r = oauth1_encode(consumer_secret, strlen(consumer_secret), &ec);
	if (r == 0)
		r = oauth1_encode(token_secret ? token_secret : "",
				  token_secret ? strlen(token_secret) : 0, &et);
	if (r == 0) {
		len = strlen(ec) + strlen(et) + 2;
		key = malloc(len);
		if (!key)
			r = MID_E_NOMEM;
	}
	if (r == 0) {
		snprintf(key, len, "%s&%s", ec, et);
		r = oauth1_hmac_b64(key, strlen(key), base, sig);
	}
	util_strfree(ec);
	util_strfree(et);
	util_strfree(key);
	return r;
}

#define ADD(name, value)                                                       \
	oauth1_params_add(p, name, strlen(name), value, strlen(value))

/* Every parameter of rq that the signature covers (§3.4.1.3.1). */
static int collect(const struct oauth1_request *rq, struct oauth1_params *p)
{
	const char *q = strchr(rq->url, '?');
	int r = 0;

	if (q) /* the fragment is no part of the query */
		r = oauth1_params_add_form(p, q + 1, strcspn(q + 1, "#"));
	if (r == 0 && rq->body)
		r = oauth1_params_add_form(p, rq->body, strlen(rq->body));
	if (r == 0)
		r = ADD("oauth_consumer_key", rq->consumer_key);
	if (r == 0)
		r = ADD("oauth_nonce", rq->nonce);
	if (r == 0)
		r = ADD("oauth_signature_method", "HMAC-SHA1");
	if (r == 0)
		r = ADD("oauth_timestamp", rq->timestamp);
	if (r == 0 && rq->token)
		r = ADD("oauth_token", rq->token);
	if (r == 0 && !rq->no_version)
		r = ADD("oauth_version", "1.0");
	return r;
}

int oauth1_sign(const struct oauth1_request *rq, char sig[OAUTH1_SIG_SIZE],
		char **base)
{
	struct oauth1_params p = {.n = 0};
	char *b = NULL;
	int r;

	if (base)
		*base = NULL;
	r = collect(rq, &p);
	if (r == 0)
		r = oauth1_base_string(rq->method, rq->url, &p, &b);
	if (r == 0)
		r = oauth1_signature(rq->consumer_secret, rq->token_secret, b,
				     sig);
	oauth1_params_free(&p);
	if (r == 0 && base)
		*base = b;
	else
		free(b);
	return r;
}

/* Appends ', name="pe(value)"' (without the comma first). */
static int header_add(char *h, size_t n, size_t *k, const char *name,
		      const char *value)
{
	char *e = NULL;
	int r = oauth1_encode(value, strlen(value), &e);
	int w;

	if (r < 0)
		return r;
	w = snprintf(h + *k, n - *k, "%s%s=\"%s\"", *k > 6 ? ", " : "", name,
		     e);
	free(e);
	if (w < 0 || (size_t)w >= n - *k)
		return MID_E_PROTOCOL;
	*k += (size_t)w;
	return 0;
}

int oauth1_authorization(const struct oauth1_request *rq, char **header)
{
	char sig[OAUTH1_SIG_SIZE], *h;
	size_t n, k = 6;
	int r;

	*header = NULL;
	/* each value at most triples when encoded */
	n = 256 +
	    3 * (strlen(rq->consumer_key) + strlen(rq->nonce) +
		 strlen(rq->timestamp) + (rq->token ? strlen(rq->token) : 0));
	r = oauth1_sign(rq, sig, NULL);
	if (r < 0)
		return r;
	h = malloc(n);
	if (!h)
		return MID_E_NOMEM;
	memcpy(h, "OAuth ", 7);
	r = header_add(h, n, &k, "oauth_consumer_key", rq->consumer_key);
	if (r == 0)
		r = header_add(h, n, &k, "oauth_nonce", rq->nonce);
	if (r == 0)
		r = header_add(h, n, &k, "oauth_signature", sig);
	if (r == 0)
		r = header_add(h, n, &k, "oauth_signature_method", "HMAC-SHA1");
	if (r == 0)
		r = header_add(h, n, &k, "oauth_timestamp", rq->timestamp);
	if (r == 0 && rq->token)
		r = header_add(h, n, &k, "oauth_token", rq->token);
	if (r == 0 && !rq->no_version)
		r = header_add(h, n, &k, "oauth_version", "1.0");
	if (r < 0) {
		free(h);
		return r;
	}
	*header = h;
	return 0;
}

int oauth1_nonce(char nonce[OAUTH1_NONCE_SIZE])
{
	unsigned char raw[(OAUTH1_NONCE_SIZE - 1) / 2];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return MID_E_INTERNAL;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(nonce + 2 * i, 3, "%02X", raw[i]);
	return 0;
}
