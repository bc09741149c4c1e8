/* OAuth 1.0a (RFC 5849): percent-encoding (§3.6) and the parameter list,
 * normalised for the signature base string (§3.4.1.3). */
#include "oauth1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mid.h"
#include "util.h"

static const char hex_upper[] = "0123456789ABCDEF";

/* RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~" */
static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int oauth1_encode(const char *s, size_t len, char **out)
{
	char *o;
	size_t k = 0;

	*out = NULL;
	if (len > OAUTH1_MAX_TEXT)
		return MID_E_PROTOCOL;
	o = malloc(3 * len + 1);
	if (!o)
		return MID_E_NOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c)) {
			o[k++] = (char)c;
			continue;
		}
		/* §3.6: upper-case hex, a space is %20 (never '+') */
		o[k++] = '%';
		o[k++] = hex_upper[c >> 4];
		o[k++] = hex_upper[c & 15];
	}
	o[k] = '\0';
	*out = o;
	return 0;
}

int oauth1_params_add(struct oauth1_params *p, const char *name, size_t nlen,
		      const char *value, size_t vlen)
{
	struct oauth1_param *q;
	int r;

	if (p->n >= OAUTH1_MAX_PARAMS)
		return MID_E_PROTOCOL;
	q = &p->v[p->n];
	r = oauth1_encode(name, nlen, &q->name);
	if (r == 0)
		r = oauth1_encode(value, vlen, &q->value);
	if (r < 0) {
		free(q->name);
		q->name = NULL;
		return r;
	}
	p->n++;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long oauth1_decode(const char *s, size_t len, bool form, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (form && s[i] == '+') {
			out[k++] = ' ';
		} else if (s[i] != '%') {
			out[k++] = s[i];
		} else {
			if (i + 2 >= len)
				return -1;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			out[k++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	out[k] = '\0';
	return (long)k;
}

static int add_pair(struct oauth1_params *p, const char *s, size_t len,
		    char *buf)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len;
	size_t vlen = eq ? len - nlen - 1 : 0;
	long dn, dv;

	/* name and value decode into the two halves of buf (each shrinks,
	 * and the name's NUL lands where the '=' was) */
	dn = oauth1_decode(s, nlen, true, buf);
	dv = eq ? oauth1_decode(eq + 1, vlen, true, buf + nlen + 1) : 0;
	if (dn < 0 || dv < 0)
		return MID_E_PROTOCOL;
	return oauth1_params_add(p, buf, (size_t)dn, buf + nlen + 1,
				 (size_t)dv);
}

int oauth1_params_add_form(struct oauth1_params *p, const char *s, size_t len)
{
	char *buf;
	int r = 0;

	if (len > OAUTH1_MAX_TEXT)
		return MID_E_PROTOCOL;
	buf = malloc(len + 2);
	if (!buf)
		return MID_E_NOMEM;
	while (len > 0 && r == 0) {
		const char *amp = memchr(s, '&', len);
		size_t n = amp ? (size_t)(amp - s) : len;

		if (n > 0) /* "a&&b": an empty piece is no parameter */
			r = add_pair(p, s, n, buf);
		s += n;
		len -= n;
		if (amp) {
			s++;
			len--;
		}
	}
	free(buf);
	return r;
}

void oauth1_params_free(struct oauth1_params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		util_strfree(p->v[i].value); /* may be a secret's echo */
	}
	p->n = 0;
}

static int cmp_param(const void *a, const void *b)
{
	const struct oauth1_param *x = *(const struct oauth1_param *const *)a;
	const struct oauth1_param *y = *(const struct oauth1_param *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* §3.4.1.3.2: sorted by encoded name, then value; name=value joined by &. */
int oauth1_params_normalise(const struct oauth1_params *p, char **out)
{
	const struct oauth1_param *sorted[OAUTH1_MAX_PARAMS];
	size_t len = 1, k = 0;
	char *s;

	for (size_t i = 0; i < p->n; i++) {
		sorted[i] = &p->v[i];
		len += strlen(p->v[i].name) + strlen(p->v[i].value) + 2;
	}
	if (p->n > 0)
		qsort(sorted, p->n, sizeof(sorted[0]), cmp_param);
	s = malloc(len);
	if (!s)
		return MID_E_NOMEM;
	for (size_t i = 0; i < p->n; i++)
		k += (size_t)snprintf(s + k, len - k, "%s%s=%s", i ? "&" : "",
				      sorted[i]->name, sorted[i]->value);
	s[k] = '\0';
	*out = s;
	return 0;
}
