/* One libcurl session per login: mutual TLS, the configured CA as the only
 * trust anchor, one connection reused for every request, capped replies. */
#include "http.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "creds.h"
#include "log.h"
#include "mid.h"
#include "util.h"

struct http_session {
	CURL *curl;
	struct curl_slist *headers;
	const struct creds *creds;
	struct mid_log *log;
	char *base;
	char errbuf[CURL_ERROR_SIZE];
	/* the reply being received */
	char *buf;
	size_t len, cap;
	int overflow;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe in every libcurl: run it once. */
static void curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

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
		nb = realloc(s->buf, cap);
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

static CURLcode on_ssl_ctx(CURL *curl, void *ctx, void *userdata)
{
	struct http_session *s = userdata;
	SSL_CTX *sctx = ctx;

	SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION);
	return creds_apply(s->creds, sctx) == 0 ? CURLE_OK
						: CURLE_SSL_CERTPROBLEM;
}

#define SETOPT(opt, val)                                                       \
	do {                                                                   \
		if (curl_easy_setopt(s->curl, opt, val) != CURLE_OK)           \
			goto fail;                                             \
	} while (0)

/* The system store libcurl was built with, named explicitly: left unset,
 * a fallback could read SSL_CERT_FILE / SSL_CERT_DIR from the caller. */
static int system_store(struct http_session *s)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	if (!v || (!v->cainfo && !v->capath)) {
		mid_log_err(s->log, "libcurl has no system CA store built in: "
				    "set ca in the provider's section");
		return MID_E_CONFIG;
	}
	if (curl_easy_setopt(s->curl, CURLOPT_CAINFO, v->cainfo) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_CAPATH, v->capath) != CURLE_OK)
		return MID_E_INTERNAL;
	return 0;
}

int http_session_header(struct http_session *s, const char *header)
{
	struct curl_slist *h = curl_slist_append(s->headers, header);

	if (!h)
		return MID_E_NOMEM;
	s->headers = h;
	return 0;
}

int http_session_new(const char *base_url, const struct creds *creds,
		     struct mid_log *log, struct http_session **out)
{
	struct http_session *s;
	struct curl_blob ca;

	*out = NULL;
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK)
		return MID_E_INTERNAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return MID_E_NOMEM;
	s->creds = creds;
	s->log = log;
	s->base = strdup(base_url);
	s->curl = curl_easy_init();
	/* BankID rejects a charset parameter; "Expect:" stops the
	 * 100-continue round trip libcurl would add for larger bodies */
	s->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (s->headers)
		s->headers = curl_slist_append(s->headers, "Expect:");
	if (!s->base || !s->curl || !s->headers)
		goto fail;

	SETOPT(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in the host process */
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	/* the caller's environment must not route us through a proxy */
	SETOPT(CURLOPT_PROXY, "");
	SETOPT(CURLOPT_NOPROXY, "*");
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (creds->ca_pem) {
		/* the configured CA is the only trust anchor: no system store
		 */
		ca.data = creds->ca_pem;
		ca.len = creds->ca_len;
		ca.flags = CURL_BLOB_COPY;
		SETOPT(CURLOPT_CAINFO, NULL);
		SETOPT(CURLOPT_CAPATH, NULL);
		SETOPT(CURLOPT_CAINFO_BLOB, &ca);
	} else if (system_store(s) < 0) {
		goto fail;
	}
	SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
	SETOPT(CURLOPT_SSL_CTX_DATA, s);
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
	*out = s;
	return 0;
fail:
	http_session_free(s);
	return MID_E_INTERNAL;
}

static int classify(struct http_session *s, CURLcode rc)
{
	curl_off_t connected = 0;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT: return MID_E_UNREACHABLE;
	case CURLE_OPERATION_TIMEDOUT:
		/* only a connect that never completed counts as an outage */
		curl_easy_getinfo(s->curl, CURLINFO_CONNECT_TIME_T, &connected);
		return connected == 0 ? MID_E_UNREACHABLE : MID_E_SERVER;
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
	default: return MID_E_SERVER;
	}
}

/* Sets the method: POST with body, else GET, or DELETE with no body. */
static int set_method(struct http_session *s, const char *method,
		      const char *body)
{
	bool post = strcmp(method, "POST") == 0;

	if (curl_easy_setopt(
		s->curl, CURLOPT_CUSTOMREQUEST,
		post || strcmp(method, "GET") == 0 ? NULL : method) != CURLE_OK)
		return MID_E_INTERNAL;
	if (post)
		return curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body) ==
			       CURLE_OK
			   ? 0
			   : MID_E_INTERNAL;
	return curl_easy_setopt(s->curl, CURLOPT_HTTPGET, 1L) == CURLE_OK
		   ? 0
		   : MID_E_INTERNAL;
}

int http_post_json(struct http_session *s, const char *endpoint,
		   const char *body, uint64_t deadline_ms,
		   struct http_reply *rep)
{
	return http_request(s, "POST", endpoint, body, deadline_ms, rep);
}

int http_request(struct http_session *s, const char *method,
		 const char *endpoint, const char *body, uint64_t deadline_ms,
		 struct http_reply *rep)
{
	const struct http_call c = {method, endpoint, body, NULL, NULL};

	return http_send(s, &c, deadline_ms, rep);
}

/* Appends line to h; on failure frees h and returns NULL. */
static struct curl_slist *append(struct curl_slist *h, const char *line)
{
	struct curl_slist *n = curl_slist_append(h, line);

	if (!n)
		curl_slist_free_all(h);
	return n;
}

/* The session's headers with c's own in place of (or besides) them. */
static struct curl_slist *call_headers(const struct http_session *s,
				       const struct http_call *c)
{
	struct curl_slist *h = NULL;
	char line[2048];
	bool fits = true;

	for (const struct curl_slist *l = s->headers; l; l = l->next) {
		if (c->content_type &&
		    strncasecmp(l->data, "Content-Type:", 13) == 0)
			continue;
		if (!(h = append(h, l->data)))
			return NULL;
	}
	if (c->content_type) {
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
	if (now >= deadline_ms)
		return MID_E_TIMEOUT;
	left = (long)(deadline_ms - now);
	if (left > HTTP_REQUEST_TIMEOUT_MS)
		left = HTTP_REQUEST_TIMEOUT_MS;
	if ((size_t)snprintf(url, sizeof(url), "%s%s", s->base, c->endpoint) >=
	    sizeof(url))
		return MID_E_CONFIG;
	s->len = 0;
	s->overflow = 0;
	s->errbuf[0] = '\0';
	if ((c->content_type || c->authorization) &&
	    !(own = call_headers(s, c)))
		return MID_E_NOMEM;
	r = set_call(s, c, url, own, left);
	if (r < 0)
		goto out;
	rc = curl_easy_perform(s->curl);
	if (rc != CURLE_OK) {
		r = classify(s, rc);
		mid_log_msg(s->log,
			    r == MID_E_UNREACHABLE ? LOG_WARNING : LOG_ERR,
			    "%s: %s%s%s", url, curl_easy_strerror(rc),
			    s->errbuf[0] ? ": " : "", s->errbuf);
		if (r == MID_E_SERVER && util_now_ms() >= deadline_ms)
			r = MID_E_TIMEOUT;
		goto out;
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	rep->status = status;
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
	free(s->base);
	free(s);
}
