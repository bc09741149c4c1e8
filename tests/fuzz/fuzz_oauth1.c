/* Fuzz target: the OAuth 1.0a encoder. The input is a form body (or query)
 * and, after its first NUL, a URL. Checks: the percent-encoding keeps only
 * unreserved characters and upper-case %XX and decodes back to its input;
 * the base string does not depend on the order of the parameters; a base
 * URI has no query, fragment or upper-case scheme/host. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mid.h"
#include "oauth1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_encoded(const char *e)
{
	for (; *e; e++) {
		if (*e == '%') {
			if (!strchr("0123456789ABCDEF", e[1]) || !e[1] ||
			    !strchr("0123456789ABCDEF", e[2]) || !e[2])
				abort();
			e += 2;
		} else if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
				   "rstuvwxyz0123456789-._~",
				   *e)) {
			abort();
		}
	}
}

/* encode, then decode as a form value: the same bytes again */
static void round_trip(const char *s, size_t len)
{
	struct oauth1_params p = {.n = 0};
	char *e = NULL, *form;
	size_t n;

	if (oauth1_encode(s, len, &e) < 0)
		return;
	check_encoded(e);
	n = strlen(e);
	form = malloc(n + 3);
	if (!form)
		abort();
	memcpy(form, "v=", 2);
	memcpy(form + 2, e, n + 1);
	if (oauth1_params_add_form(&p, form, n + 2) == 0 &&
	    (p.n != 1 || strcmp(p.v[0].value, e) != 0))
		abort();
	oauth1_params_free(&p);
	free(form);
	free(e);
}

/* the pieces of a form string in reverse order */
static char *reversed(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t k = 0, end = len;

	if (!out)
		abort();
	while (end > 0) {
		size_t start = end;

		while (start > 0 && s[start - 1] != '&')
			start--;
		if (k > 0)
			out[k++] = '&';
		memcpy(out + k, s + start, end - start);
		k += end - start;
		end = start > 0 ? start - 1 : 0;
	}
	out[k] = '\0';
	return out;
}

static void order_independent(const char *body, size_t len)
{
	struct oauth1_params a = {.n = 0}, b = {.n = 0};
	char *rev = reversed(body, len), *ba = NULL, *bb = NULL;
	int ra, rb;

	ra = oauth1_params_add_form(&a, body, len);
	rb = oauth1_params_add_form(&b, rev, strlen(rev));
	if ((ra == 0) != (rb == 0))
		abort();
	if (ra == 0) {
		for (size_t i = 0; i < a.n; i++) {
			check_encoded(a.v[i].name);
			check_encoded(a.v[i].value);
		}
		if (oauth1_base_string("POST", "https://h/p", &a, &ba) != 0 ||
		    oauth1_base_string("POST", "https://h/p", &b, &bb) != 0 ||
		    strcmp(ba, bb) != 0)
			abort();
	}
	free(ba);
	free(bb);
	free(rev);
	oauth1_params_free(&a);
	oauth1_params_free(&b);
}

static void base_uri(const char *url)
{
	char out[OAUTH1_MAX_TEXT];
	const char *host;

	if (oauth1_base_uri(url, out, sizeof(out)) != 0)
		return;
	if (strncmp(out, "http://", 7) != 0 && strncmp(out, "https://", 8) != 0)
		abort();
	if (strpbrk(out, "?#"))
		abort();
	host = strstr(out, "://") + 3;
	for (; *host && *host != '/'; host++)
		if (*host >= 'A' && *host <= 'Z')
			abort();
	if (*host != '/')
		abort();
}

static void sign(const char *url, const char *body)
{
	struct oauth1_request rq = {
	    .method = "POST",
	    .url = url,
	    .body = body,
	    .consumer_key = "key",
	    .consumer_secret = "secret",
	    .nonce = "nonce",
	    .timestamp = "1000",
	};
	char *h = NULL;

	if (oauth1_authorization(&rq, &h) == 0 &&
	    strncmp(h, "OAuth oauth_consumer_key=\"key\", ", 32) != 0)
		abort();
	free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	const char *body, *url;
	size_t blen;

	if (size > OAUTH1_MAX_TEXT)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	body = buf;
	blen = strlen(buf);
	url = blen < size ? buf + blen + 1 : "https://api.toopher.com/v1/x";

	round_trip((const char *)data, size);
	order_independent(body, blen);
	base_uri(url);
	sign(url, body);
	free(buf);
	return 0;
}
