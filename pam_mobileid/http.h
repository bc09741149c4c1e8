/* One libcurl session per login: mutual TLS, the configured CA as the only
 * trust anchor, one connection reused for every request, capped replies. */
#ifndef MID_HTTP_H
#define MID_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "netfacts.h"

struct cfg_route;
struct creds;
struct mid_log;
struct http_session;

#define HTTP_MAX_REPLY (256 * 1024)
#define HTTP_CONNECT_TIMEOUT_MS 5000
#define HTTP_REQUEST_TIMEOUT_MS 10000

struct http_reply {
	long status;
	char *body; /* NUL-terminated */
	size_t len;
	int64_t date; /* its Date header, seconds since the epoch; -1: none */
};

/* A session for base_url (ending in '/'), through the config's proxy r
 * (a CONNECT tunnel) unless the URL's host is in its no_proxy list
 * (proxy_bypassed); without one it stays direct, and never goes through
 * one the environment names. The host it connects to, the provider's or
 * the proxy's, is looked up from now on (resolve_pin_start), while the
 * caller loads the credentials that http_session_tls() then gives it. */
int http_session_new(const char *base_url, const struct cfg_route *r,
		     struct mid_log *log, struct http_session **out);

/* The session's TLS, before its first request. creds must outlive the
 * session; without a CA in creds (creds->ca_certs NULL) the server is
 * verified against the system store libcurl was built with, never one the
 * environment names. keep_dir: the state directory, where a TLS session
 * is kept from one login to the next when running as root (tlskeep.h);
 * NULL: never. */
int http_session_tls(struct http_session *s, struct creds *creds,
		     const char *keep_dir);

/* Sends method to base_url + endpoint: "POST" with body as
 * application/json, "GET" and "DELETE" with none. Ends no later than
 * deadline_ms (monotonic). Transport failures come back as negative codes:
 * MID_E_UNREACHABLE (DNS, refused, connect timed out), MID_E_TLS (the peer
 * failed verification or refused our certificate), MID_E_PROTOCOL (reply
 * too large), MID_E_SERVER (anything else after connecting). Any HTTP
 * status is 0 with rep filled. */
int http_request(struct http_session *s, const char *method,
		 const char *endpoint, const char *body, uint64_t deadline_ms,
		 struct http_reply *rep);

/* One request with headers of its own: a Content-Type in place of the
 * session's, and an Authorization value (wiped after the request). */
struct http_call {
	const char *method;	   /* "GET", "POST" (sends body) or "DELETE" */
	const char *endpoint;	   /* appended to base_url; may carry a query */
	const char *body;	   /* POST only */
	const char *content_type;  /* of body; NULL: the session's */
	const char *authorization; /* NULL: none */
};

int http_send(struct http_session *s, const struct http_call *c,
	      uint64_t deadline_ms, struct http_reply *rep);

/* Adds a header ("Name: value") to every later request of the session. */
int http_session_header(struct http_session *s, const char *header);

/* How far the last request of s got (netfacts.h), for the probe. */
enum net_step http_session_step(const struct http_session *s);

void http_reply_free(struct http_reply *rep);
void http_session_free(struct http_session *s);

#endif
