/* The TLS policy of every session: the configured CA as the only trust
 * anchor (or the system store, named explicitly), TLS 1.2 at least, no
 * key log, received plaintext wiped, our client certificate, a TLS 1.3
 * session resumed from the last login when one is kept. Nothing of it
 * comes from the environment (doc/security.md). */
#ifndef MID_HTTPTLS_H
#define MID_HTTPTLS_H

#include <curl/curl.h>

struct creds;
struct mid_log;
struct tlskeep;

struct httptls {
	struct creds *creds;  /* its client certificate is decoded on demand */
	struct tlskeep *keep; /* the sessions kept between logins, or NULL */
};

/* Sets the policy on curl; t and what it points to must outlive it.
 * Returns 0, MID_E_CONFIG (no CA and no system store) or MID_E_INTERNAL. */
int httptls_apply(CURL *curl, const struct httptls *t, struct mid_log *log);

#endif
