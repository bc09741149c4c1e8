/* OAuth 1.0a request signing (RFC 5849), HMAC-SHA1, as Toopher's API wants
 * it: two-legged (consumer key and secret, no token), signature in the
 * Authorization header. doc/toopher.md explains the algorithm. */
#ifndef MID_OAUTH1_H
#define MID_OAUTH1_H

#include <stdbool.h>
#include <stddef.h>

/* caps: Toopher requests are a handful of short parameters */
#define OAUTH1_MAX_PARAMS 64
#define OAUTH1_MAX_TEXT 8192 /* URL, form body, one decoded value */
/* base64 of a 20-byte HMAC-SHA1, with its NUL */
#define OAUTH1_SIG_SIZE 29
/* 32 hex digits (128 random bits), with its NUL */
#define OAUTH1_NONCE_SIZE 33

/* One parameter, both halves already percent-encoded (§3.6). */
struct oauth1_param {
	char *name;
	char *value;
};

struct oauth1_params {
	struct oauth1_param v[OAUTH1_MAX_PARAMS];
	size_t n;
};

/* Percent-encodes len bytes of s (RFC 3986 unreserved characters kept,
 * every other byte %XX in upper-case hex) into a heap string. 0, or
 * MID_E_PROTOCOL (longer than OAUTH1_MAX_TEXT) or MID_E_NOMEM. */
int oauth1_encode(const char *s, size_t len, char **out);

/* Decodes len bytes of percent-encoding (%XX, either case) into out (at
 * least len + 1 bytes, NUL-terminated); '+' becomes a space if form is
 * set (form encoding). The decoded length, or -1 on a bad escape. */
long oauth1_decode(const char *s, size_t len, bool form, char *out);

/* Adds one decoded name/value pair (encoding it). 0 or MID_E_*. */
int oauth1_params_add(struct oauth1_params *p, const char *name, size_t nlen,
		      const char *value, size_t vlen);

/* Adds the pairs of an application/x-www-form-urlencoded string (a query
 * or a form body): '&' separates pairs, '+' is a space, %XX a byte. A bad
 * escape is MID_E_PROTOCOL. */
int oauth1_params_add_form(struct oauth1_params *p, const char *s, size_t len);

void oauth1_params_free(struct oauth1_params *p);

/* §3.4.1.3.2: the pairs sorted by encoded name, then value, joined as
 * name=value with '&'. Heap string in *out. */
int oauth1_params_normalise(const struct oauth1_params *p, char **out);

/* The base string URI (§3.4.1.2): lower-case scheme and host, no default
 * port, the path as it is, no query or fragment. Only http and https. */
int oauth1_base_uri(const char *url, char *out, size_t n);

/* METHOD & pe(base URI) & pe(normalised parameters) (§3.4.1). p must hold
 * every parameter: the URL's query, a form body and the oauth_* ones
 * (never oauth_signature). Heap string in *out. */
int oauth1_base_string(const char *method, const char *url,
		       const struct oauth1_params *p, char **out);

/* base64(HMAC-SHA1(key, msg)). */
int oauth1_hmac_b64(const void *key, size_t keylen, const char *msg,
		    char sig[OAUTH1_SIG_SIZE]);

/* The HMAC-SHA1 signature of a base string (§3.4.2): the key is
 * pe(consumer secret) & pe(token secret), wiped after use. */
int oauth1_signature(const char *consumer_secret, const char *token_secret,
		     const char *base, char sig[OAUTH1_SIG_SIZE]);

/* One request to sign. */
struct oauth1_request {
	const char *method; /* "GET" or "POST" */
	const char *url;    /* may carry a query */
	const char *body;   /* form-encoded POST body, or NULL */
	const char *consumer_key;
	const char *consumer_secret;
	const char *token;	  /* NULL: two-legged */
	const char *token_secret; /* NULL: empty */
	const char *nonce;
	const char *timestamp;
	bool no_version; /* leave out oauth_version (RFC 5849's examples) */
};

/* The signature of rq, and (if base is not NULL) its base string. */
int oauth1_sign(const struct oauth1_request *rq, char sig[OAUTH1_SIG_SIZE],
		char **base);

/* The Authorization header value for rq: OAuth oauth_consumer_key="...",
 * ..., every value percent-encoded. */
int oauth1_authorization(const struct oauth1_request *rq, char **header);

/* A fresh nonce from the OpenSSL RNG: 32 hex digits. */
int oauth1_nonce(char nonce[OAUTH1_NONCE_SIZE]);

#endif
