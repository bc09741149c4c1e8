/* The Toopher provider: an authentication request for the mapped pairing,
 * polled until the app grants or denies it. doc/toopher.md. */
#include "toopher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "log.h"
#include "mid.h"
#include "probe.h"
#include "util.h"

#define NAME_MAX_LEN 256

struct toopher {
	const struct mid_request *req;
	struct mid_log *log;
	struct toopher_api *api;
	char terminal[NAME_MAX_LEN];
	char action[NAME_MAX_LEN];
	char id[TOOPHER_ID_MAX + 1]; /* the request while open */
	bool open;
	bool cancelled;
	int decided; /* initiate's own final answer, or PROVIDER_PENDING */
};

static int toopher_start(void *p, struct provider_status *st)
{
	struct toopher *t = p;
	const char *const pairs[] = {
	    "pairing_id",
	    t->req->identity,
	    "terminal_name",
	    t->terminal,
	    "action_name",
	    t->action,
	    NULL,
	    NULL,
	};
	json_object *reply = NULL;
	char *form = toopher_form(pairs);
	int r;

	st->show_qr = false;
	st->msg = MSG_RFA22;
	if (!form)
		return MID_E_NOMEM;
	r = toopher_api_call(t->api, "POST", "authentication_requests/initiate",
			     form, t->req->deadline_ms, &reply, &st->msg);
	free(form);
	if (r == 0)
		r = toopher_parse_auth(reply, NULL, t->id, &st->msg, t->log);
	json_object_put(reply);
	if (r < 0 && r != MID_E_DENIED)
		return r;
	/* an answer already (automation): the first poll hands it over */
	t->decided = r;
	t->open = r == PROVIDER_PENDING;
	mid_log_debug(t->log, "toopher: request %.8s... started (%s, %s)",
		      t->id, t->terminal, t->action);
	return 0;
}

static int toopher_poll(void *p, struct provider_status *st)
{
	struct toopher *t = p;
	json_object *reply = NULL;
	char endpoint[TOOPHER_ID_MAX + 32];
	int r;

	st->show_qr = false;
	if (t->decided != PROVIDER_PENDING) {
		r = t->decided;
		t->decided = PROVIDER_PENDING;
		st->msg =
		    r == PROVIDER_APPROVED ? MSG_APPROVED : MSG_TOOPHER_DENIED;
		return r;
	}
	if (!t->open)
		return MID_E_INTERNAL;
	snprintf(endpoint, sizeof(endpoint), "authentication_requests/%s",
		 t->id);
	r = toopher_api_call(t->api, "GET", endpoint, NULL, t->req->deadline_ms,
			     &reply, &st->msg);
	if (r == 0)
		r = toopher_parse_auth(reply, t->id, NULL, &st->msg, t->log);
	/* answered, or refused for good (e.g. pairing deactivated) */
	if (r == PROVIDER_APPROVED || r == MID_E_DENIED || r == MID_E_FAILED)
		t->open = false;
	json_object_put(reply);
	return r;
}

/* Toopher has no call to withdraw a request: we stop polling, and the
 * request lapses unanswered in the app. */
static void toopher_cancel(void *p)
{
	struct toopher *t = p;

	if (!t->open)
		return;
	t->open = false;
	t->cancelled = true;
	mid_log_notice(t->log,
		       "toopher: request %.8s... cancelled: no more polls "
		       "(Toopher has no call to withdraw it)",
		       t->id);
}

static int toopher_qr(void *p, uint64_t now_ms, char *buf, size_t len)
{
	(void)p;
	(void)now_ms;
	(void)buf;
	(void)len;
	return MID_E_INTERNAL; /* a push: nothing to scan */
}

static unsigned toopher_interval_ms(void *p)
{
	(void)p;
	return TOOPHER_POLL_MS;
}

static unsigned toopher_next_frame_ms(void *p, uint64_t now_ms)
{
	(void)p;
	(void)now_ms;
	return UINT32_MAX;
}

static void toopher_free(void *p)
{
	struct toopher *t = p;

	if (!t)
		return;
	toopher_api_free(t->api);
	explicit_bzero(t, sizeof(*t));
	free(t);
}

/* What the app shows: the terminal is the remote host, or this host for a
 * local login; the action is the service ("sshd login", "sudo"). */
static void names(struct toopher *t, const struct mid_request *req)
{
	char host[NAME_MAX_LEN] = "";
	const char *svc =
	    req->service && *req->service ? req->service : "login";

	if (req->rhost && *req->rhost)
		snprintf(host, sizeof(host), "%s", req->rhost);
	else if (gethostname(host, sizeof(host) - 1) != 0 || !*host)
		snprintf(host, sizeof(host), "localhost");
	util_sanitize(t->terminal, sizeof(t->terminal), host);
	snprintf(host, sizeof(host), "%s%s", svc,
		 strncmp(svc, "sshd", 4) == 0 ? " login" : "");
	util_sanitize(t->action, sizeof(t->action), host);
}

static int toopher_new(const struct mid_config *cfg,
		       const struct mid_request *req, struct mid_log *log,
		       void **out)
{
	struct toopher *t = calloc(1, sizeof(*t));
	int r;

	*out = NULL;
	if (!t)
		return MID_E_NOMEM;
	t->req = req;
	t->log = log;
	t->decided = PROVIDER_PENDING;
	names(t, req);
	r = toopher_api_new(cfg, log, &t->api);
	if (r < 0) {
		toopher_free(t);
		return r;
	}
	*out = t;
	return 0;
}

static const struct provider_ops toopher_ops = {
    .name = "toopher",
    .title = MSG_TOOPHER_TITLE,
    .start = toopher_start,
    .qr = toopher_qr,
    .poll = toopher_poll,
    .cancel = toopher_cancel,
    .interval_ms = toopher_interval_ms,
    .next_frame_ms = toopher_next_frame_ms,
    .free = toopher_free,
};

/* A pairing id from `mobileid pair`: a token of at most TOOPHER_ID_MAX. */
static int toopher_check_id(const char *id, int this_year, char *out, size_t n)
{
	(void)this_year;
	if (!util_is_token(id, TOOPHER_ID_MAX) || strlen(id) >= n)
		return MID_E_CONFIG;
	memcpy(out, id, strlen(id) + 1);
	return 0;
}

static bool toopher_configured(const struct mid_config *cfg)
{
	return cfg->toopher.present;
}

/* The consumer key and secret load and the session opens. */
static int toopher_check_config(const struct mid_config *cfg,
				struct mid_log *log)
{
	struct toopher_api *a = NULL;
	int r = toopher_api_new(cfg, log, &a);

	toopher_api_free(a);
	return r < 0 ? -1 : 0;
}

/* A push to the paired app, no QR code, no client certificate: requests
 * are signed with the consumer secret (OAuth 1.0a). */
const struct provider_def toopher_provider = {
    .name = "toopher",
    .needs = 0,
    .check_id = toopher_check_id,
    .configured = toopher_configured,
    .check_config = toopher_check_config,
    .create = toopher_new,
    .ops = &toopher_ops,
    .probe = probe_toopher,
};
