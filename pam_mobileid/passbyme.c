/* The PassBy[ME] provider: send an authorization message to the mapped
 * PassBy[ME] ID, track it, delete it on every abort (doc/passbyme.md). */
#include "passbyme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "creds.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "mid.h"
#include "mtls.h"
#include "util.h"

#define MESSAGES "messages"
/* the API limits of the subject and body texts */
#define SUBJECT_MAX 254
#define BODY_MAX 4094
#define CANCEL_TIMEOUT_MS 3000
/* Microsec's own front ends poll once a second */
#define POLL_MS 1000

struct passbyme {
	struct mtls_provider conn; /* first: mtls_provider_new allocates */
	bool open;
	struct passbyme_info info;
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One request; a 200 reply is parsed into *out, anything else is an
 * error with st->msg set. */
static int call(struct passbyme *b, const char *method, const char *path,
		const char *body, uint64_t deadline_ms, json_object **out,
		struct provider_status *st)
{
	struct http_reply rep;
	int r;

	*out = NULL;
	r = http_request(b->conn.http, method, path, body, deadline_ms, &rep);
	if (r < 0) {
		st->msg = MSG_RFA5;
		return r;
	}
	if (rep.status != 200) {
		r = passbyme_parse_error(rep.status, rep.body, rep.len,
					 body != NULL, st, b->conn.log);
	} else {
		/* an empty or non-JSON 200 is an error, not a status */
		r = json_parse_object(rep.body, rep.len, out);
		if (r == MID_E_PROTOCOL)
			mid_log_err(b->conn.log,
				    "passbyme: %s %s: reply is not a JSON "
				    "object",
				    method, body ? MESSAGES : "message");
		if (r < 0)
			st->msg = r == MID_E_NOMEM ? MSG_RFA5 : MSG_RFA22;
	}
	http_reply_free(&rep);
	return r;
}

static void add_str(json_object *o, const char *key, const char *v, size_t max,
		    int *err)
{
	char cut[BODY_MAX + 1];
	json_object *s;

	snprintf(cut, sizeof(cut), "%s", v);
	cut[util_utf8_cut(cut, strlen(cut) < max ? strlen(cut) : max)] = '\0';
	s = json_object_new_string(cut);
	if (!s || json_object_object_add(o, key, s) < 0) {
		json_object_put(s);
		*err = MID_E_NOMEM;
	}
}

/* The message never outlives the login: availability is cut to the
 * seconds left, so an unanswered request is gone from the phone when the
 * login gives up, even if the delete is lost. */
static unsigned availability(const struct passbyme *b)
{
	uint64_t now = util_now_ms(), left;
	unsigned a = b->conn.cfg->passbyme.availability;

	left = now < b->conn.req->deadline_ms
		   ? (b->conn.req->deadline_ms - now + 999) / 1000
		   : 1;
	return a > left ? (unsigned)left : a;
}

static json_object *send_body(const struct passbyme *b)
{
	json_object *o = json_object_new_object(),
		    *to = json_object_new_array();
	json_object *id = json_object_new_string(b->conn.req->identity), *av;
	int err = 0;

	if (!o || !to || !id || json_object_array_add(to, id) < 0) {
		json_object_put(id);
		goto fail;
	}
	id = NULL;
	if (json_object_object_add(o, "recipients", to) < 0)
		goto fail;
	to = NULL;
	add_str(o, "subject", b->conn.cfg->passbyme.subject, SUBJECT_MAX, &err);
	add_str(o, "body", b->conn.req->text ? b->conn.req->text : "", BODY_MAX,
		&err);
	add_str(o, "type", "authorization", 16, &err);
	av = err < 0 ? NULL : json_object_new_int((int)availability(b));
	if (!av || json_object_object_add(o, "availability", av) < 0) {
		json_object_put(av);
		goto fail;
	}
	return o;
fail:
	json_object_put(to);
	json_object_put(o);
	return NULL;
}

static int passbyme_start(void *p, struct provider_status *st)
{
	struct passbyme *b = p;
	json_object *req = send_body(b), *reply = NULL;
	const char *body;
	int r = MID_E_NOMEM;

	st->show_qr = false;
	st->msg = MSG_RFA22;
	body = req ? json_object_to_json_string_ext(
			 req, JSON_C_TO_STRING_PLAIN |
				  JSON_C_TO_STRING_NOSLASHESCAPE)
		   : NULL;
	if (!body)
		goto out;
	r = call(b, "POST", MESSAGES, body, b->conn.req->deadline_ms, &reply,
		 st);
	if (r < 0)
		goto out;
	r = passbyme_parse_session(reply, NULL, b->conn.req->identity,
				   wall_ms(), &b->info, st, b->conn.log);
	if (r < 0) {
		/* a message we cannot read may still be out there */
		b->open = b->info.message_id[0] != '\0' && r != MID_E_FAILED &&
			  r != MID_E_DENIED;
		goto out;
	}
	/* even an answer this fast is read by the next poll */
	b->open = true;
	st->msg = MSG_PBM_APPROVE;
	mid_log_debug(b->conn.log, "passbyme: message %.8s... sent",
		      b->info.message_id);
	r = 0;
out:
	json_object_put(req);
	json_object_put(reply);
	return r;
}

static int path_of(const struct passbyme *b, char *buf, size_t n)
{
	if ((size_t)snprintf(buf, n, MESSAGES "/%s", b->info.message_id) >= n)
		return MID_E_INTERNAL;
	return 0;
}

static int passbyme_poll(void *p, struct provider_status *st)
{
	struct passbyme *b = p;
	char path[PASSBYME_ID_MAX + 16];
	json_object *reply = NULL;
	int r;

	st->show_qr = false;
	if (!b->open || path_of(b, path, sizeof(path)) < 0)
		return MID_E_INTERNAL;
	r = call(b, "GET", path, NULL, b->conn.req->deadline_ms, &reply, st);
	if (r == 0)
		r = passbyme_parse_session(reply, b->info.message_id,
					   b->conn.req->identity, wall_ms(),
					   &b->info, st, b->conn.log);
	/* a final status is final at PassBy[ME] too: nothing to delete;
	 * after a reply we cannot read, the message may still be open */
	if (reply &&
	    (r == PROVIDER_APPROVED || r == MID_E_DENIED || r == MID_E_FAILED))
		b->open = false;
	json_object_put(reply);
	return r;
}

static void passbyme_cancel(void *p)
{
	struct passbyme *b = p;
	struct provider_status st;
	char path[PASSBYME_ID_MAX + 16];
	json_object *reply = NULL;
	int r;

	if (!b->open || path_of(b, path, sizeof(path)) < 0)
		return;
	b->open = false;
	/* the login's own deadline may have passed: delete gets its own */
	r = call(b, "DELETE", path, NULL, util_now_ms() + CANCEL_TIMEOUT_MS,
		 &reply, &st);
	if (r < 0 && r != MID_E_FAILED) /* FAILED: already final */
		mid_log_warn(b->conn.log, "passbyme: delete failed: %s",
			     mid_strerror(r));
	json_object_put(reply);
}

static int passbyme_qr(void *p, uint64_t now_ms, char *buf, size_t len)
{
	(void)p;
	(void)now_ms;
	(void)buf;
	(void)len;
	return MID_E_INTERNAL; /* a push provider: no QR, ever */
}

static unsigned passbyme_next_frame_ms(void *p, uint64_t now_ms)
{
	(void)p;
	(void)now_ms;
	return UINT32_MAX;
}

static unsigned passbyme_interval_ms(void *p)
{
	(void)p;
	return POLL_MS;
}

static void passbyme_free(void *p)
{
	mtls_provider_free(p, sizeof(struct passbyme));
}

static int passbyme_new(const struct mid_config *cfg,
			const struct mid_request *req, struct mid_log *log,
			void **out)
{
	struct passbyme *b;
	int r = mtls_provider_new(sizeof(*b), &cfg->passbyme.tls, "passbyme",
				  cfg, req, log, out);

	if (r < 0)
		return r;
	b = *out;
	r = http_session_header(b->conn.http, "X-PBM-API-VERSION: 1");
	if (r < 0) {
		passbyme_free(b);
		*out = NULL;
	}
	return r;
}

static const struct provider_ops passbyme_ops = {
    .name = "passbyme",
    .title = MSG_PBM_TITLE,
    .start = passbyme_start,
    .qr = passbyme_qr,
    .poll = passbyme_poll,
    .cancel = passbyme_cancel,
    .interval_ms = passbyme_interval_ms,
    .next_frame_ms = passbyme_next_frame_ms,
    .free = passbyme_free,
};

/* A PassBy[ME] ID is an e-mail-like user name: printable ASCII, an '@'. */
static int passbyme_check_id(const char *id, int this_year, char *out, size_t n)
{
	size_t len = strlen(id);

	(void)this_year;
	if (len == 0 || len > 254 || !strchr(id, '@') || len >= n)
		return MID_E_CONFIG;
	for (const char *c = id; *c; c++)
		if (*c <= ' ' || *c > '~')
			return MID_E_CONFIG;
	memcpy(out, id, len + 1);
	return 0;
}

static bool passbyme_configured(const struct mid_config *cfg)
{
	return cfg->passbyme.present;
}

static const struct cfg_tls *passbyme_tls(const struct mid_config *cfg)
{
	return &cfg->passbyme.tls;
}

static int passbyme_check_config(const struct mid_config *cfg,
				 struct mid_log *log)
{
	if (cfg->passbyme.availability <= cfg->timeout)
		return 0;
	/* the module cuts it to the login's time left anyway */
	mid_log_err(log,
		    "[passbyme] availability = %u outlives timeout = %u: a "
		    "request would stay answerable after the login gave up; "
		    "set availability <= timeout",
		    cfg->passbyme.availability, cfg->timeout);
	return -1;
}

/* A push to the app, no QR code; the client certificate is the login. */
const struct provider_def passbyme_provider = {
    .name = "passbyme",
    .needs = PROVIDER_NEEDS_CLIENT_CERT,
    .check_id = passbyme_check_id,
    .configured = passbyme_configured,
    .tls = passbyme_tls,
    .check_config = passbyme_check_config,
    .create = passbyme_new,
    .ops = &passbyme_ops,
};
