/* The base of the providers that speak HTTPS with a client certificate. */
#include "mtls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "mid.h"

int http_session_mtls(const struct cfg_tls *tls, const char *section,
		      const char *keep_dir, struct creds *creds,
		      struct mid_log *log, struct http_session **out)
{
	size_t n = strlen(tls->url);
	char base[600];
	int r;

	*out = NULL;
	if ((size_t)snprintf(base, sizeof(base), "%s%s", tls->url,
			     n && tls->url[n - 1] == '/' ? "" : "/") >=
	    sizeof(base)) {
		mid_log_err(log, "[%s] url is too long", section);
		return MID_E_CONFIG;
	}
	r = http_session_new(base, &tls->route, log, out);
	if (r == 0)
		r = creds_load(tls, section, 1, keep_dir, creds, log);
	if (r == 0)
		r = http_session_tls(*out, creds, keep_dir);
	if (r < 0) {
		http_session_free(*out);
		*out = NULL;
	}
	return r;
}

int mtls_provider_new(size_t size, const struct cfg_tls *tls,
		      const char *section, const struct mid_config *cfg,
		      const struct mid_request *req, struct mid_log *log,
		      void **out)
{
	struct mtls_provider *m;
	int r;

	*out = NULL;
	if (size < sizeof(*m))
		return MID_E_INTERNAL;
	m = calloc(1, size);
	if (!m)
		return MID_E_NOMEM;
	m->cfg = cfg;
	m->req = req;
	m->log = log;
	r = http_session_mtls(tls, section, cfg->policy.state_dir, &m->creds,
			      log, &m->http);
	if (r < 0) {
		mtls_provider_free(m, size);
		return r;
	}
	*out = m;
	return 0;
}

void mtls_provider_free(void *p, size_t size)
{
	struct mtls_provider *m = p;

	if (!m)
		return;
	http_session_free(m->http);
	creds_free(&m->creds);
	explicit_bzero(m, size);
	free(m);
}
