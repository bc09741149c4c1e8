/* One libcurl session per login: mutual TLS, the configured CA as the only
 * trust anchor, one connection reused for every request, capped replies. */
#include "http.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "creds.h"
#include "curlinit.h"
#include "httptls.h"
#include "log.h"
#include "mid.h"
#include "netfacts.h"
#include "proxy.h"
#include "resolve.h"
#include "tlskeep.h"
#include "util.h"

struct http_session {
	CURL *curl;
	struct curl_slist *headers;
	struct resolve_pin pin; /* our own lookup of the provider's host */
	struct net_facts facts;
	struct httptls tls;
	struct mid_log *log;
	char *base;
	char errbuf[CURL_ERROR_SIZE];
	bool proxied; /* through a configured proxy */
	/* the reply being received */
	char *buf;
	size_t len, cap;
	int overflow;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_session *s = userdata;
	size_t n = size * nmemb;

	if (n > HTTP_MAX_REPLY - s->len) {
		s->overflow = 1;
		return 0; /* aborts the transfer */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *nb;

		while (cap < s->len + n + 1)
			cap *= 2;
		nb = util_regrow(s->buf, s->cap, s->len + 1, cap);
		if (!nb)
			return 0;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

#define SETOPT(opt, val)                                                       \
	do {                                                                   \
		if (curl_easy_setopt(s->curl, opt, val) != CURLE_OK)           \
			goto fail;                                             \
	} while (0)

/* Appends line to h; on failure frees h (libcurl leaves it with us) and
 * returns NULL. */
static struct curl_slist *append(struct curl_slist *h, const char *line)
{
	struct curl_slist *n = curl_slist_append(h, line);

	if (!n)
		curl_slist_free_all(h);
	return n;
}

int http_session_header(struct http_session *s, const char *header)
{
	struct curl_slist *h = curl_slist_append(s->headers, header);

	if (!h)
		return MID_E_NOMEM;
	s->headers = h;
	return 0;
}

int http_session_new(const char *base_url, const struct cfg_route *route,
		     struct mid_log *log, struct http_session **out)
{
	struct http_session *s;
	int r = MID_E_INTERNAL;

	*out = NULL;
	if (curlinit_once() < 0) {
		mid_log_err(log,
			    "libcurl could not initialise (out of memory?)");
		return MID_E_LOCAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return MID_E_NOMEM;
	s->log = log;
	netfacts_init(&s->facts);
	s->base = strdup(base_url);
	s->curl = curl_easy_init();
	/* BankID rejects a charset parameter; "Expect:" stops the
	 * 100-continue round trip libcurl would add for larger bodies */
	s->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (s->headers)
		s->headers = append(s->headers, "Expect:");
	if (!s->base || !s->curl || !s->headers ||
	    resolve_pin_init(&s->pin, base_url) < 0)
		goto fail;

	SETOPT(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in the host process */
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	/* the caller's environment must not route us through a proxy */
	SETOPT(CURLOPT_PROXY, "");
	SETOPT(CURLOPT_NOPROXY, "*");
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(CURLOPT_MAXCONNECTS, 1L);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_HTTPHEADER, s->headers);
	SETOPT(CURLOPT_USERAGENT, "pam_mobileid/" MID_VERSION);
	SETOPT(CURLOPT_WRITEFUNCTION, on_data);
	SETOPT(CURLOPT_WRITEDATA, s);
	SETOPT(CURLOPT_ERRORBUFFER, s->errbuf);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_MAX_REPLY);
	SETOPT(CURLOPT_POST, 1L);
	if (netfacts_attach(&s->facts, s->curl) < 0)
		goto fail;
	r = proxy_apply(s->curl, s->base, route, &s->pin, &s->proxied);
	if (r < 0)
		goto fail;
	/* meanwhile the caller loads the credentials */
	resolve_pin_start(&s->pin, log);
	*out = s;
	return 0;
fail:
	http_session_free(s);
	return r;
}

int http_session_tls(struct http_session *s, struct creds *creds,
		     const char *keep_dir)
{
	s->tls.creds = creds;
	s->tls.keep = tlskeep_new(keep_dir, s->base, creds, s->log);
	return httptls_apply(s->curl, &s->tls, s->log);
}

static int classify(struct http_session *s, CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return netfacts_connect_error(&s->facts, s->curl);
	case CURLE_OPERATION_TIMEDOUT: return netfacts_timeout(&s->facts);
	case CURLE_OUT_OF_MEMORY: return MID_E_NOMEM;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE: return MID_E_TLS;
	case CURLE_SSL_CERTPROBLEM: return MID_E_CONFIG;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		return s->overflow || rc == CURLE_FILESIZE_EXCEEDED
			   ? MID_E_PROTOCOL
			   : MID_E_NOMEM;
	case CURLE_RECV_ERROR:
		/* TLS 1.3 reports a refused client certificate on first read */
		return strstr(s->errbuf, "alert") ? MID_E_TLS : MID_E_SERVER;
	default: return MID_E_SERVER; /* incl. a name we did not resolve */
	}
}

/* Sets the method: POST with body, else GET, or DELETE with no body. */
static int set_method(struct http_session *s, const char *method,
		      const char *body)
{
	bool post = strcmp(method, "POST") == 0;
	CURLcode rc = curl_easy_setopt(
	    s->curl, CURLOPT_CUSTOMREQUEST,
	    post || strcmp(method, "GET") == 0 ? NULL : method);

	if (rc == CURLE_OK)
		rc = post ? curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body)
			  : curl_easy_setopt(s->curl, CURLOPT_HTTPGET, 1L);
	return rc == CURLE_OK ? 0 : MID_E_INTERNAL;
}

static int transport_error(struct http_session *s, const char *url, CURLcode rc)
{
	const char *what;
	int r = s->proxied ? proxy_refusal(s->curl, url, s->log) : 0;

	if (r < 0)
		return r;
	r = classify(s, rc);
	what = curl_easy_strerror(rc);
	/* curl's detail often ends in its own summary: say it once */
	if (s->errbuf[0] && strstr(s->errbuf, what))
		what = "";
	mid_log_msg(s->log, r == MID_E_UNREACHABLE ? LOG_WARNING : LOG_ERR,
		    "%s: %s%s%s", url, what, *what && s->errbuf[0] ? ": " : "",
		    s->errbuf);
	return r;
}

/* Whatever stopped at the login's own deadline is a timeout, never an
 * outage: the caller can stop the process to get there. */
static int at_deadline(int r, uint64_t deadline_ms)
{
	if (r < 0 && r != MID_E_CONFIG && util_now_ms() >= deadline_ms)
		return MID_E_TIMEOUT;
	return r == MID_E_TIMEOUT ? MID_E_SERVER : r; /* the lookup's own */
}

int http_request(struct http_session *s, const char *method,
		 const char *endpoint, const char *body, uint64_t deadline_ms,
		 struct http_reply *rep)
{
	const struct http_call c = {method, endpoint, body, NULL, NULL};

	return http_send(s, &c, deadline_ms, rep);
}

/* The session's headers with c's own in place of (or besides) them. */
static struct curl_slist *call_headers(const struct http_session *s,
				       const struct http_call *c)
{
	struct curl_slist *h = NULL;
	char line[2048];
	bool fits = true;

	for (const struct curl_slist *l = s->headers; l; l = l->next) {
		/* c's own, or none for a request without a body */
		if ((c->content_type || !c->body) &&
		    strncasecmp(l->data, "Content-Type:", 13) == 0)
			continue;
		if (!(h = append(h, l->data)))
			return NULL;
	}
	if (c->content_type && c->body) {
		fits = (size_t)snprintf(line, sizeof(line), "Content-Type: %s",
					c->content_type) < sizeof(line);
		h = fits ? append(h, line) : h;
	}
	if (h && fits && c->authorization) {
		fits = (size_t)snprintf(line, sizeof(line), "Authorization: %s",
					c->authorization) < sizeof(line);
		h = fits ? append(h, line) : h;
	}
	explicit_bzero(line, sizeof(line));
	if (!fits) {
		curl_slist_free_all(h);
		h = NULL;
	}
	return h;
}

static void wipe_headers(struct http_session *s, struct curl_slist *h)
{
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	for (struct curl_slist *l = h; l; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(h);
}

static int set_call(struct http_session *s, const struct http_call *c,
		    const char *url, struct curl_slist *own, long left)
{
	s->len = 0;
	s->overflow = 0;
	s->errbuf[0] = '\0';
	netfacts_request(&s->facts, left >= HTTP_CONNECT_TIMEOUT_MS);
	if (set_method(s, c->method, c->body) < 0 ||
	    (own &&
	     curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, own) != CURLE_OK) ||
	    curl_easy_setopt(s->curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, left) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS,
			     left < HTTP_CONNECT_TIMEOUT_MS
				 ? left
				 : (long)HTTP_CONNECT_TIMEOUT_MS) != CURLE_OK)
		return MID_E_INTERNAL;
	return 0;
}

/* A handshake that offered the kept TLS session and failed sent no
 * request: it is tried once more with a full handshake, in the time left
 * (unless our own certificate failed to decode when the server asked). */
static CURLcode perform(struct http_session *s, uint64_t deadline_ms)
{
	CURLcode rc = curl_easy_perform(s->curl);
	uint64_t now = util_now_ms();

	if (rc != CURLE_OK && creds_failed(s->tls.creds) == 0 &&
	    tlskeep_failed(s->tls.keep) && now < deadline_ms &&
	    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS,
			     (long)(deadline_ms - now)) == CURLE_OK)
		rc = curl_easy_perform(s->curl);
	return rc;
}

int http_send(struct http_session *s, const struct http_call *c,
	      uint64_t deadline_ms, struct http_reply *rep)
{
	struct curl_slist *own = NULL;
	char url[2048];
	uint64_t now = util_now_ms();
	long left, status = 0;
	CURLcode rc;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (!s->tls.creds) /* http_session_tls() was not called */
		return MID_E_INTERNAL;
	if (now >= deadline_ms)
		return MID_E_TIMEOUT;
	left = (long)(deadline_ms - now);
	if (left > HTTP_REQUEST_TIMEOUT_MS)
		left = HTTP_REQUEST_TIMEOUT_MS;
	if ((size_t)snprintf(url, sizeof(url), "%s%s", s->base, c->endpoint) >=
	    sizeof(url))
		return MID_E_CONFIG;
	if ((c->content_type || c->authorization) &&
	    !(own = call_headers(s, c)))
		return MID_E_NOMEM;
	r = resolve_pin_apply(&s->pin, s->curl, now + (uint64_t)left, s->log);
	netfacts_lookup(&s->facts, r);
	if (r == 0)
		r = set_call(s, c, url, own, left);
	if (r == 0) {
		rc = perform(s, deadline_ms);
		netfacts_done(&s->facts, s->curl, rc);
		/* our certificate, decoded when the server asked, is ours to
		 * blame (logged as it failed), never the server or the way */
		if (rc != CURLE_OK) {
			r = creds_failed(s->tls.creds);
			if (r == 0)
				r = transport_error(s, url, rc);
		}
	}
	r = at_deadline(r, deadline_ms);
	if (r < 0)
		goto out;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	rep->status = status;
	rep->date = netfacts_date(s->curl);
	rep->body = s->buf ? s->buf : strdup("");
	rep->len = s->len;
	s->buf = NULL;
	s->cap = s->len = 0;
	r = rep->body ? 0 : MID_E_NOMEM;
out:
	if (own) /* it held the Authorization value */
		wipe_headers(s, own);
	return r;
}

enum net_step http_session_step(const struct http_session *s)
{
	return s->facts.step;
}

void http_reply_free(struct http_reply *rep)
{
	if (!rep)
		return;
	util_freezero(rep->body, rep->len);
	memset(rep, 0, sizeof(*rep));
}

void http_session_free(struct http_session *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	util_freezero(s->buf, s->cap);
	resolve_pin_free(&s->pin);
	tlskeep_free(s->tls.keep);
	free(s->base);
	free(s);
}
