/* The Toopher API client: one HTTPS session, every request signed with
 * OAuth 1.0a, error replies mapped to our codes. */
#include "toopher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "creds.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "mid.h"
#include "oauth1.h"
#include "util.h"

#define FORM_MAX 4096

struct toopher_api {
	struct mid_log *log;
	char *base; /* url, ending in '/' */
	char *key;
	char *secret; /* wiped on free */
	struct creds creds;
	struct http_session *http;
};

static int load_secret(const struct cfg_toopher *t, char **out,
		       struct mid_log *log)
{
	int r;

	*out = NULL;
	if (t->consumer_secret && t->consumer_secret_file) {
		mid_log_err(log, "[toopher]: give consumer_secret or "
				 "consumer_secret_file, not both");
		return MID_E_CONFIG;
	}
	if (t->consumer_secret_file) {
		r = creds_read_password_file(t->consumer_secret_file, out, log);
		if (r < 0)
			return r;
	} else if (t->consumer_secret) {
		*out = strdup(t->consumer_secret);
		if (!*out)
			return MID_E_NOMEM;
	}
	if (!*out || !**out) {
		mid_log_err(log, "[toopher]: no consumer secret (set "
				 "consumer_secret_file)");
		util_strfree(*out);
		*out = NULL;
		return MID_E_CONFIG;
	}
	return 0;
}

static int check_section(const struct mid_config *cfg, struct mid_log *log)
{
	if (!cfg->toopher.present) {
		mid_log_err(log, "%s: no [toopher] section", cfg->path);
		return MID_E_CONFIG;
	}
	if (!cfg->toopher.consumer_key) {
		mid_log_err(log, "[toopher]: consumer_key is required");
		return MID_E_CONFIG;
	}
	return 0;
}

int toopher_api_new(const struct mid_config *cfg, struct mid_log *log,
		    struct toopher_api **out)
{
	const char *url = cfg->toopher.url;
	struct toopher_api *a;
	size_t n = strlen(url);
	int r;

	*out = NULL;
	r = check_section(cfg, log);
	if (r < 0)
		return r;
	a = calloc(1, sizeof(*a));
	if (!a)
		return MID_E_NOMEM;
	a->log = log;
	r = load_secret(&cfg->toopher, &a->secret, log);
	if (r < 0)
		goto fail;
	a->key = strdup(cfg->toopher.consumer_key);
	a->base = malloc(n + 2);
	r = MID_E_NOMEM;
	if (!a->key || !a->base)
		goto fail;
	snprintf(a->base, n + 2, "%s%s", url,
		 n && url[n - 1] == '/' ? "" : "/");
	r = http_session_new(a->base, &cfg->toopher.route, log, &a->http);
	if (r == 0 && cfg->toopher.ca) {
		/* the configured CA only; else the system store */
		struct cfg_tls tls = {.ca = cfg->toopher.ca};

		r = creds_load(&tls, "toopher", 0, NULL, &a->creds, log);
	}
	if (r == 0)
		r = http_session_tls(a->http, &a->creds, cfg->policy.state_dir);
	if (r < 0)
		goto fail;
	*out = a;
	return 0;
fail:
	toopher_api_free(a);
	return r;
}

void toopher_api_free(struct toopher_api *a)
{
	if (!a)
		return;
	http_session_free(a->http);
	creds_free(&a->creds);
	util_strfree(a->secret);
	free(a->key);
	free(a->base);
	free(a);
}

char *toopher_form(const char *const *pairs)
{
	char *out = malloc(FORM_MAX), *e = NULL;
	size_t k = 0;

	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; pairs[i] && pairs[i + 1]; i += 2) {
		int w;

		if (oauth1_encode(pairs[i + 1], strlen(pairs[i + 1]), &e) < 0)
			goto fail;
		w = snprintf(out + k, FORM_MAX - k, "%s%s=%s", k ? "&" : "",
			     pairs[i], e);
		free(e);
		if (w < 0 || (size_t)w >= FORM_MAX - k)
			goto fail;
		k += (size_t)w;
	}
	return out;
fail:
	free(out);
	return NULL;
}

/* The Authorization header for one request, with a fresh nonce. */
static int sign(struct toopher_api *a, const char *method, const char *url,
		const char *form, char **header)
{
	char nonce[OAUTH1_NONCE_SIZE], ts[24];
	struct oauth1_request rq = {
	    .method = method,
	    .url = url,
	    .body = form,
	    .consumer_key = a->key,
	    .consumer_secret = a->secret,
	    .nonce = nonce,
	    .timestamp = ts,
	};
	int r = oauth1_nonce(nonce);

	if (r < 0)
		return r;
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	return oauth1_authorization(&rq, header);
}

static int parse_ok(struct toopher_api *a, const char *endpoint,
		    const struct http_reply *rep, json_object **out,
		    enum mid_msg *msg)
{
	int r = json_parse_object(rep->body, rep->len, out);

	if (r == MID_E_PROTOCOL)
		mid_log_err(a->log, "toopher: %s: reply is not a JSON object",
			    endpoint);
	if (r < 0)
		*msg = r == MID_E_NOMEM ? MSG_RFA5 : MSG_RFA22;
	return r;
}

int toopher_api_send(struct toopher_api *a, const char *method,
		     const char *endpoint, const char *form,
		     uint64_t deadline_ms, struct http_reply *rep)
{
	struct http_call c = {
	    .method = method,
	    .endpoint = endpoint,
	    .content_type = "application/x-www-form-urlencoded",
	    .body = form,
	};
	char url[2048], *auth = NULL;
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((size_t)snprintf(url, sizeof(url), "%s%s", a->base, endpoint) >=
	    sizeof(url))
		return MID_E_CONFIG;
	r = sign(a, method, url, form, &auth);
	if (r < 0)
		return r;
	c.authorization = auth;
	r = http_send(a->http, &c, deadline_ms, rep);
	util_strfree(auth);
	return r;
}

enum net_step toopher_api_step(const struct toopher_api *a)
{
	return http_session_step(a->http);
}

int toopher_api_call(struct toopher_api *a, const char *method,
		     const char *endpoint, const char *form,
		     uint64_t deadline_ms, json_object **out, enum mid_msg *msg)
{
	struct http_reply rep;
	int r;

	*out = NULL;
	*msg = MSG_RFA22;
	r = toopher_api_send(a, method, endpoint, form, deadline_ms, &rep);
	if (r < 0) {
		*msg = r == MID_E_UNREACHABLE ? MSG_UNAVAILABLE : MSG_RFA5;
		return r;
	}
	if (rep.status >= 200 && rep.status < 300)
		r = parse_ok(a, endpoint, &rep, out, msg);
	else
		r = toopher_parse_error(rep.status, rep.body, rep.len, msg,
					a->log);
	http_reply_free(&rep);
	return r;
}
