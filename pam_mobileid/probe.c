/* mobileid check: a provider's credentials, and with --probe one request
 * that tells which step of the way fails. */
#include "probe.h"

#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "creds.h"
#include "http.h"
#include "mid.h"
#include "mtls.h"
#include "toopher.h"
#include "util.h"

/* a pairing no one has: Toopher answers 404 after checking the signature */
#define PROBE_TOOPHER_ENDPOINT "pairings/00000000-0000-0000-0000-000000000000"

int probe_creds(const struct cfg_tls *tls, const char *section, int client,
		FILE *out, struct mid_log *log)
{
	struct creds c;
	int r = creds_load(tls, section, client, NULL, &c, log);

	if (r == 0)
		r = creds_client(&c);
	if (r < 0) {
		creds_free(&c);
		return -1;
	}
	if (client)
		fprintf(out,
			"[%s] client certificate valid for %ld more days "
			"(until %s)\n",
			section, c.not_after_days, c.not_after);
	if (client && c.not_after_days < PROBE_RENEW_DAYS)
		fprintf(out,
			"[%s] warning: the client certificate %s expires in "
			"%ld days: order its successor where it was issued\n",
			section, tls->cert, c.not_after_days);
	creds_free(&c);
	return 0;
}

/* Why the request got no answer, by the step it stopped at. */
static void print_failure(const struct cfg_tls *tls, const char *section,
			  enum net_step step, int r, FILE *out)
{
	const char *via = tls->route.proxy ? " (through proxy " : "";
	const char *proxy = tls->route.proxy ? tls->route.proxy : "";
	const char *end = tls->route.proxy ? ")" : "";

	fprintf(out, "[%s] probe: problem: ", section);
	switch (step) {
	case NET_STEP_NAME:
		fprintf(out,
			"DNS: the host of %s%s%s%s does not resolve; check "
			"the url and this host's resolver\n",
			tls->url, via, proxy, end);
		break;
	case NET_STEP_CONNECT:
		fprintf(out,
			"no connection to %s%s%s%s (refused or unreachable); "
			"check the url's port and the firewall\n",
			tls->url, via, proxy, end);
		break;
	case NET_STEP_SERVER_CERT:
		fprintf(out,
			"the server's certificate did not verify (its chain "
			"to ca = %s, its name for the url's host): the CA of "
			"the other environment (test or production), or not "
			"the provider's server\n",
			tls->ca ? tls->ca : "(the system store)");
		break;
	case NET_STEP_TLS_REFUSED:
		if (!tls->cert) {
			fprintf(out, "the server ended TLS without an answer "
				     "(see above)\n");
			break;
		}
		fprintf(out,
			"the server did not accept our client certificate "
			"cert = %s (it ended TLS without an answer): is it the "
			"one the provider issued to you, for this url?\n",
			tls->cert);
		break;
	default: fprintf(out, "%s (see above)\n", mid_strerror(r)); break;
	}
}

/* The server's clock against ours: certificate validity depends on it. */
static void print_skew(const char *section, int64_t date, FILE *out)
{
	int64_t skew = date - (int64_t)time(NULL);

	if (date < 0 || llabs(skew) <= PROBE_SKEW_S)
		return;
	fprintf(out,
		"[%s] probe: warning: this host's clock is %lld s %s the "
		"server's (its Date header): set the time (NTP); "
		"certificate validity is judged by this clock\n",
		section, (long long)llabs(skew),
		skew > 0 ? "behind" : "ahead of");
}

int probe_tls(const struct cfg_tls *tls, const char *section, FILE *out,
	      struct mid_log *log)
{
	struct http_session *s = NULL;
	struct http_reply rep = {0};
	struct creds c;
	int r;

	r = http_session_mtls(tls, section, NULL, &c, log, &s);
	if (r == 0)
		r = http_request(s, "GET", "", NULL,
				 util_now_ms() + PROBE_TIMEOUT_MS, &rep);
	if (r == 0) {
		fprintf(out,
			"[%s] probe: TLS verified, client certificate "
			"accepted (HTTP %ld)\n",
			section, rep.status);
		print_skew(section, rep.date, out);
	} else {
		print_failure(tls, section,
			      s ? http_session_step(s) : NET_STEP_NONE, r, out);
	}
	http_reply_free(&rep);
	http_session_free(s);
	creds_free(&c);
	return r == 0 ? 0 : -1;
}

int probe_toopher(const struct mid_config *cfg, FILE *out, struct mid_log *log)
{
	const struct cfg_tls tls = {.url = cfg->toopher.url,
				    .ca = cfg->toopher.ca,
				    .route = cfg->toopher.route};
	struct toopher_api *a = NULL;
	struct http_reply rep = {0};
	int r = toopher_api_new(cfg, log, &a);

	if (r == 0)
		r = toopher_api_send(a, "GET", PROBE_TOOPHER_ENDPOINT, NULL,
				     util_now_ms() + PROBE_TIMEOUT_MS, &rep);
	if (r == 0 && (rep.status == 401 || rep.status == 403)) {
		fprintf(out,
			"[toopher] probe: problem: the server refused our "
			"signed request (HTTP %ld): check consumer_key, the "
			"consumer secret and this host's clock\n",
			rep.status);
		r = MID_E_CONFIG;
	} else if (r == 0) {
		fprintf(out,
			"[toopher] probe: TLS verified, signed request "
			"accepted (HTTP %ld)\n",
			rep.status);
	} else {
		print_failure(&tls, "toopher",
			      a ? toopher_api_step(a) : NET_STEP_NONE, r, out);
	}
	if (rep.body)
		print_skew("toopher", rep.date, out);
	http_reply_free(&rep);
	toopher_api_free(a);
	return r == 0 ? 0 : -1;
}
