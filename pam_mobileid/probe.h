/* mobileid check --probe: one request to a provider proves the way there,
 * its server certificate against our trust anchor, and that it accepts our
 * client certificate, without starting anything at the provider. */
#ifndef MID_PROBE_H
#define MID_PROBE_H

struct cfg_tls;
struct mid_log;

#define PROBE_TIMEOUT_MS 10000

/* GETs the [section]'s url over its mutual-TLS settings. Returns 0 with
 * the HTTP status (any status: TLS and the client certificate were
 * accepted), or MID_E_* with the reason logged. */
int probe_tls(const struct cfg_tls *tls, const char *section, long *status,
	      struct mid_log *log);

#endif
