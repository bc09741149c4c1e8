/* The provider's address, looked up by us rather than by libcurl, so the
 * resolver's own answer decides between an outage (NXDOMAIN, SERVFAIL) and
 * a failure of this host (EMFILE, ENOMEM, no thread) that the caller of a
 * setuid host can provoke with resource limits. */
#ifndef MID_RESOLVE_H
#define MID_RESOLVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct mid_log;

/* "host:port:addr[,addr...]" for CURLOPT_RESOLVE */
#define RESOLVE_LINE_MAX 1024

struct lookup;

/* One provider host, looked up once per session and pinned in libcurl
 * (CURLOPT_RESOLVE), so libcurl's own resolver never runs. */
struct resolve_pin {
	char *host, *port; /* NULL host: an IP literal, nothing to look up */
	struct curl_slist *list;
	struct lookup *lk; /* the lookup under way on thread tid */
	pthread_t tid;
	int start_r; /* MID_E_* the lookup could not start with */
};

/* Takes host and port from base_url. Returns 0, MID_E_CONFIG, MID_E_NOMEM. */
int resolve_pin_init(struct resolve_pin *p, const char *base_url);
/* Starts looking the host up on a thread of its own, so that the answer
 * is there by the time a request needs it (once; nothing for a literal).
 * A lookup that cannot start is logged and reported by the next
 * resolve_pin_apply(). */
void resolve_pin_start(struct resolve_pin *p, struct mid_log *log);
/* Waits for the lookup (starting it if need be) no longer than until_ms
 * (monotonic) and hands the answer to curl. Returns 0, MID_E_UNREACHABLE
 * (the resolver answered: no such name, or it failed upstream),
 * MID_E_LOCAL or MID_E_NOMEM (this host could not run the lookup),
 * MID_E_SERVER (refused upstream), MID_E_CONFIG (a name too long) or
 * MID_E_TIMEOUT (no answer before until_ms). A failed lookup is made
 * again by the next call. */
int resolve_pin_apply(struct resolve_pin *p, CURL *curl, uint64_t until_ms,
		      struct mid_log *log);
/* Lets go of a lookup still under way: it ends on its own. */
void resolve_pin_free(struct resolve_pin *p);

#endif
