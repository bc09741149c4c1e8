/* mobileid check --probe: one GET of a provider's base URL. */
#include "probe.h"

#include "creds.h"
#include "http.h"
#include "mid.h"
#include "util.h"

int probe_tls(const struct cfg_tls *tls, const char *section, long *status,
	      struct mid_log *log)
{
	struct http_session *s = NULL;
	struct http_reply rep;
	struct creds c;
	int r;

	*status = 0;
	r = http_session_mtls(tls, section, &c, log, &s);
	/* the base URL names no resource: any answer will do, and none
	 * starts an order or sends a message */
	if (r == 0)
		r = http_request(s, "GET", "", NULL,
				 util_now_ms() + PROBE_TIMEOUT_MS, &rep);
	if (r == 0) {
		*status = rep.status;
		http_reply_free(&rep);
	}
	http_session_free(s);
	creds_free(&c);
	return r;
}
