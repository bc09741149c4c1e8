/* The proxy keys of a provider section, checked before libcurl sees them:
 * libcurl would take "socks5://", credentials or a path as well, and a
 * proxy is a fact of this host's network that only the config states. */
#include "proxy.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "mid.h"
#include "resolve.h"
#include "util.h"

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-';
}

static bool ipv6_char(char c)
{
	return isxdigit((unsigned char)c) || c == ':' || c == '.';
}

/* The end of a host (name, IPv4 or [IPv6]) at p, or NULL. */
static const char *host_end(const char *p)
{
	const char *q = p;

	if (*p == '[') {
		for (q = p + 1; ipv6_char(*q); q++)
			;
		return *q == ']' && q > p + 1 ? q + 1 : NULL;
	}
	/* labels are never empty: no leading dot, no ".." */
	for (; host_char(*q); q++)
		if (*q == '.' && (q == p || q[-1] == '.'))
			return NULL;
	return q > p ? q : NULL;
}

/* The port after the ':' at colon, up to the end or a final '/'. */
static int parse_port(const char *colon, unsigned *port)
{
	const char *end = colon + 1 + strspn(colon + 1, "0123456789");
	size_t n = (size_t)(end - colon - 1);
	char digits[8];

	if (*colon != ':' || n == 0 || n >= sizeof(digits) ||
	    (*end && strcmp(end, "/") != 0))
		return MID_E_CONFIG;
	snprintf(digits, sizeof(digits), "%.*s", (int)n, colon + 1);
	return util_parse_uint(digits, 1, 65535, port);
}

const char *proxy_url_problem(const char *v)
{
	const char *p;
	unsigned port;

	if (strlen(v) > PROXY_MAX_VALUE)
		return "longer than 512 bytes";
	if (strncmp(v, "http://", 7) != 0)
		return "must be http://host:port";
	p = host_end(v + 7);
	if (!p)
		return "has no usable host (no credentials, no path)";
	if (*p != ':')
		return "needs a port (http://host:port)";
	if (parse_port(p, &port) < 0)
		return "must be http://host:port with a port from 1 to 65535, "
		       "nothing after it";
	return NULL;
}

const char *proxy_hosts_problem(const char *v)
{
	const char *p = v;

	if (strlen(v) > PROXY_MAX_VALUE)
		return "longer than 512 bytes";
	for (;;) {
		const char *end;

		p += strspn(p, " ");
		/* ".example.com": the domain and every host below it */
		end = host_end(*p == '.' ? p + 1 : p);
		if (!end)
			return "must be host names, addresses or .domains, "
			       "separated by commas";
		p = end + strspn(end, " ");
		if (!*p)
			return NULL;
		if (*p++ != ',')
			return "must be host names, addresses or .domains, "
			       "separated by commas";
	}
}

/* Whether entry (len bytes, no leading dot) covers host. */
static bool entry_covers(const char *host, const char *entry, size_t len)
{
	size_t h = strlen(host);

	if (h == len)
		return strncasecmp(host, entry, len) == 0;
	return h > len && host[h - len - 1] == '.' &&
	       strncasecmp(host + h - len, entry, len) == 0;
}

bool proxy_bypassed(const char *host, const char *no_proxy)
{
	const char *p = no_proxy;

	while (p && *p) {
		size_t len;

		p += strspn(p, " ,");
		if (*p == '.')
			p++;
		len = strcspn(p, " ,");
		if (len && entry_covers(host, p, len))
			return true;
		p += len;
	}
	return false;
}

int proxy_host_port(const char *proxy, char *host, size_t n, unsigned *port)
{
	const char *h = proxy + strlen("http://"), *end = host_end(h);
	bool bracket = *h == '[';
	size_t len;

	if (!end)
		return MID_E_CONFIG;
	/* "[::1]" is looked up as "::1" */
	len = (size_t)(end - h) - (bracket ? 2 : 0);
	if (len >= n)
		return MID_E_CONFIG;
	memcpy(host, h + bracket, len);
	host[len] = '\0';
	return parse_port(end, port);
}

/* The host of url ("[::1]" with brackets) into out. */
static int url_host(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int r = MID_E_INTERNAL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		r = (size_t)snprintf(out, n, "%s", host) < n ? 0 : MID_E_CONFIG;
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

int proxy_apply(CURL *curl, const char *base_url, const struct cfg_route *r,
		struct resolve_pin *pin, bool *proxied)
{
	char host[256];
	int rc;

	*proxied = false;
	if (!r->proxy)
		return 0;
	rc = url_host(base_url, host, sizeof(host));
	if (rc < 0 || proxy_bypassed(host, r->no_proxy))
		return rc;
	if (curl_easy_setopt(curl, CURLOPT_PROXY, r->proxy) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_PROXYTYPE, (long)CURLPROXY_HTTP) !=
		CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_HTTPPROXYTUNNEL, 1L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_NOPROXY, "") != CURLE_OK)
		return MID_E_INTERNAL;
	*proxied = true;
	/* ours is the proxy's name, so a proxy nobody can find is an outage
	 * by the resolver's word */
	resolve_pin_free(pin);
	return resolve_pin_init(pin, r->proxy);
}

/* Plain HTTP that anyone between us and the proxy can forge: never an
 * outage, so failmode = safe never lets it in. */
int proxy_refusal(CURL *curl, const char *url, struct mid_log *log)
{
	long code = 0;

	if (curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &code) !=
		CURLE_OK ||
	    code == 0 || (code >= 200 && code < 300))
		return 0;
	mid_log_err(log, "%s: the proxy refused the tunnel: %ld%s", url, code,
		    code == 407 ? " (it wants credentials; pam_mobileid "
				  "sends none)"
				: "");
	return code == 407 ? MID_E_CONFIG : MID_E_PROTOCOL;
}
