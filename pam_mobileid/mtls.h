/* The base of the providers that speak HTTPS with a client certificate
 * (BankID, PassBy[ME]): the login they serve and one session that proves
 * the relying party with its certificate. */
#ifndef MID_MTLS_H
#define MID_MTLS_H

#include <stddef.h>

#include "creds.h"

struct cfg_tls;
struct http_session;
struct mid_config;
struct mid_log;
struct mid_request;

struct mtls_provider {
	const struct mid_config *cfg;
	const struct mid_request *req;
	struct mid_log *log;
	struct creds creds; /* must outlive http */
	struct http_session *http;
};

/* A provider's mutual-TLS session: opens a session at the [section]'s
 * url (a '/' added if missing), through its proxy if it names one, and
 * while the host is looked up loads its client certificate and CA into
 * creds (which must outlive the session). keep_dir: the state directory,
 * where the decrypted PKCS#12 key (creds_load) and the TLS session
 * (http_session_tls) are kept between logins; NULL: never. Returns 0 or
 * MID_E_*. */
int http_session_mtls(const struct cfg_tls *tls, const char *section,
		      const char *keep_dir, struct creds *creds,
		      struct mid_log *log, struct http_session **out);

/* Allocates size zeroed bytes, a provider's struct whose first member is
 * a struct mtls_provider, and opens its session with the credentials of
 * tls (config section `section`). 0 with *out set, or an MID_E_ code
 * with nothing left held. */
int mtls_provider_new(size_t size, const struct cfg_tls *tls,
		      const char *section, const struct mid_config *cfg,
		      const struct mid_request *req, struct mid_log *log,
		      void **out);

/* Closes the session, drops the credentials, wipes the size bytes and
 * frees them; the provider has freed its own members before. */
void mtls_provider_free(void *p, size_t size);

#endif
