/* What `mobileid check` tells of a provider's credentials and, with
 * --probe, of the way to it: one request proves the name, the connection,
 * the server's certificate against our trust anchor, that the provider
 * accepts our client certificate and that our clocks agree, without
 * starting anything at the provider. */
#ifndef MID_PROBE_H
#define MID_PROBE_H

#include <stdio.h>

struct cfg_tls;
struct mid_log;

#define PROBE_TIMEOUT_MS 10000
/* a client certificate this close to its end is a warning */
#define PROBE_RENEW_DAYS 30
/* a server clock further off than this is a warning: certificate validity
 * (ours, the server's) is judged by this host's clock */
#define PROBE_SKEW_S 60

/* Loads the [section]'s credentials as a login would and prints how long
 * the client certificate (client: the provider needs one) has left, with
 * a warning within PROBE_RENEW_DAYS. Returns 0, or -1 with the problem
 * logged (an expired certificate among them). */
int probe_creds(const struct cfg_tls *tls, const char *section, int client,
		FILE *out, struct mid_log *log);

/* GETs the [section]'s url over its mutual-TLS settings (the base URL
 * names no resource: no order, no message) and prints one line: the
 * answer, or the step that failed (DNS, connection, the server's
 * certificate, ours), and a warning when the server's Date is more than
 * PROBE_SKEW_S off. Returns 0, or -1 when the provider was not reached. */
int probe_tls(const struct cfg_tls *tls, const char *section, FILE *out,
	      struct mid_log *log);

/* Toopher (no client certificate): one signed GET of a pairing that does
 * not exist proves the way, the server's certificate and that the consumer
 * key and secret are accepted (HTTP 404, not 401), with the same lines. */
struct mid_config;
int probe_toopher(const struct mid_config *cfg, FILE *out, struct mid_log *log);

#endif
