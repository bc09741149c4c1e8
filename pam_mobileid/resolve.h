/* The provider's address, looked up by us rather than by libcurl, so the
 * resolver's own answer decides between an outage (NXDOMAIN, SERVFAIL) and
 * a failure of this host (EMFILE, ENOMEM, no thread) that the caller of a
 * setuid host can provoke with resource limits. */
#ifndef MID_RESOLVE_H
#define MID_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct mid_log;

/* "host:port:addr[,addr...]" for CURLOPT_RESOLVE */
#define RESOLVE_LINE_MAX 1024

/* Resolves host (a name; literals need no lookup) for port, waiting no
 * longer than deadline_ms (monotonic). Returns 0 with line filled,
 * MID_E_UNREACHABLE (the resolver answered: no such name, or it failed
 * upstream), MID_E_LOCAL or MID_E_NOMEM (this host could not run the
 * lookup), MID_E_SERVER (refused upstream) or MID_E_TIMEOUT (no answer
 * before deadline_ms). */
int resolve_host(const char *host, const char *port, uint64_t deadline_ms,
		 char *line, size_t n, struct mid_log *log);

/* One provider host, looked up once per session and pinned in libcurl
 * (CURLOPT_RESOLVE), so libcurl's own resolver never runs. */
struct resolve_pin {
	char *host, *port; /* NULL host: an IP literal, nothing to look up */
	struct curl_slist *list;
};

/* Takes host and port from base_url. Returns 0, MID_E_CONFIG, MID_E_NOMEM. */
int resolve_pin_init(struct resolve_pin *p, const char *base_url);
/* Looks the host up (once) and hands the answer to curl; the same codes
 * as resolve_host(). */
int resolve_pin_apply(struct resolve_pin *p, CURL *curl, uint64_t until_ms,
		      struct mid_log *log);
void resolve_pin_free(struct resolve_pin *p);

#endif
