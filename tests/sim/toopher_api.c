/* toopher-sim: the /v1 endpoints: routing, form parsing, the signature
 * check before anything else, error bodies. */
#include "toopher_sim.h"

#include "oauth1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PREFIX "/v1/"

const char *const toopher_headers[] = {"Authorization", "Host", NULL};

const char *const toopher_endpoints[] = {
    "pair_create", "pair_status", "initiate", "auth_status", "users", NULL};

struct json_object *ts_error(int code, const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error_code", json_object_new_int(code));
	json_object_object_add(o, "error_message",
			       json_object_new_string(message));
	return o;
}

/* The endpoint of a path (query left out), and the id it names. */
static const char *route(const char *path, char *id, size_t n)
{
	size_t len = strcspn(path, "?"), plen = strlen(PREFIX);
	const char *rest = path + plen;
	size_t rlen = len - plen;

	id[0] = '\0';
	if (len <= plen || strncmp(path, PREFIX, plen) != 0)
		return NULL;
	if (rlen == 5 && !strncmp(rest, "users", 5))
		return "users";
	if (rlen == 15 && !strncmp(rest, "pairings/create", 15))
		return "pair_create";
	if (rlen == 32 &&
	    !strncmp(rest, "authentication_requests/initiate", 32))
		return "initiate";
	if (rlen > 9 && !strncmp(rest, "pairings/", 9) && rlen - 9 < n &&
	    !memchr(rest + 9, '/', rlen - 9)) {
		snprintf(id, n, "%.*s", (int)(rlen - 9), rest + 9);
		return "pair_status";
	}
	if (rlen > 24 && !strncmp(rest, "authentication_requests/", 24) &&
	    rlen - 24 < n && !memchr(rest + 24, '/', rlen - 24)) {
		snprintf(id, n, "%.*s", (int)(rlen - 24), rest + 24);
		return "auth_status";
	}
	return NULL;
}

const char *toopher_endpoint_of(const char *path)
{
	char id[SIM_MAX_PATH];

	return route(path, id, sizeof(id));
}

const char *ts_param(const struct ts_params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->name[i], name) == 0)
			return p->value[i];
	return NULL;
}

int ts_param_bool(const struct ts_params *p, const char *name, int dflt)
{
	const char *v = ts_param(p, name);

	if (!v)
		return dflt;
	if (!strcasecmp(v, "true"))
		return 1;
	return strcasecmp(v, "false") == 0 ? 0 : -1;
}

static void params_free(struct ts_params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->name[i]);
		free(p->value[i]);
	}
	p->n = 0;
}

/* Decodes one "a=b" piece of a form ('+' is a space). */
static char *form_part(const char *s, size_t len)
{
	char *out = malloc(len + 1);

	if (out && oauth1_decode(s, len, true, out) < 0) {
		free(out);
		out = NULL;
	}
	return out;
}

/* Adds the non-oauth pairs of a form-encoded string. */
static int params_add(struct ts_params *p, const char *s, size_t len)
{
	while (len > 0) {
		size_t n = strcspn(s, "&");
		const char *eq = memchr(s, '=', n < len ? n : len);
		size_t nl;

		n = n < len ? n : len;
		nl = eq ? (size_t)(eq - s) : n;
		if (n > 0 && strncmp(s, "oauth_", 6) != 0) {
			if (p->n >= TS_MAX_PARAMS)
				return -1;
			p->name[p->n] = form_part(s, nl);
			p->value[p->n] = eq ? form_part(eq + 1, n - nl - 1)
					    : form_part("", 0);
			if (!p->name[p->n] || !p->value[p->n++])
				return -1;
		}
		s += n;
		len -= n;
		if (len > 0) {
			s++;
			len--;
		}
	}
	return 0;
}

static int parse_params(const struct sim_request *rq, struct ts_params *p)
{
	const char *q = strchr(rq->path, '?');

	if (q && params_add(p, q + 1, strlen(q + 1)) < 0)
		return -1;
	if (rq->body && rq->has_content_type &&
	    !strncasecmp(rq->content_type, "application/x-www-form-urlencoded",
			 33))
		return params_add(p, rq->body, rq->body_len);
	return 0;
}

static void set(struct simcore_reply *res, int status, struct json_object *o,
		const char *why)
{
	res->status = status;
	json_object_put(res->body);
	res->body = o;
	res->error_code = why;
}

/* Method and body rules before the signature is looked at. */
static bool request_ok(const struct sim_request *rq, const char *ep,
		       struct simcore_reply *res)
{
	bool post = !strcmp(ep, "pair_create") || !strcmp(ep, "initiate");

	if (strcmp(rq->method, post ? "POST" : "GET") != 0) {
		set(res, 405, ts_error(405, "Method not allowed"), "method");
		return false;
	}
	if (post && rq->body_len > 0 &&
	    (!rq->has_content_type ||
	     strncasecmp(rq->content_type, "application/x-www-form-urlencoded",
			 33) != 0)) {
		set(res, 400,
		    ts_error(400, "Parameters must be form-encoded "
				  "(application/x-www-form-urlencoded)"),
		    "content type");
		return false;
	}
	return true;
}

/* The error_code of a reply, for the request log. */
static const char *code_name(struct json_object *o)
{
	static const char *const names[] = {"400", "404", "409", "601", "704",
					    "705", "706", "707", "708"};
	struct json_object *v = NULL;
	char buf[16];

	if (json_object_object_get_ex(o, "error_code", &v)) {
		snprintf(buf, sizeof(buf), "%d", json_object_get_int(v));
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(buf, names[i]))
				return names[i];
	}
	return "error";
}

static int dispatch(const char *ep, const char *id, const struct ts_params *p,
		    struct json_object **out, char ref[SIM_REF_MAX])
{
	if (!strcmp(ep, "pair_create"))
		return store_pair_create(p, out);
	if (!strcmp(ep, "pair_status")) {
		snprintf(ref, SIM_REF_MAX, "%.63s", id);
		return store_pair_get(id, out);
	}
	if (!strcmp(ep, "initiate"))
		return store_initiate(p, out, ref);
	if (!strcmp(ep, "auth_status")) {
		snprintf(ref, SIM_REF_MAX, "%.63s", id);
		return store_auth_get(id, out);
	}
	return store_users_get(ts_param(p, "name"), out);
}

void toopher_serve(const struct sim_conn *c, const struct sim_request *rq,
		   const char *ep, struct simcore_reply *res)
{
	struct ts_params p = {.n = 0};
	struct json_object *out = NULL;
	char id[SIM_MAX_PATH], placement[16];
	const char *why = NULL;
	int status;

	(void)c;
	if (rq->error_status) {
		set(res, rq->error_status,
		    ts_error(rq->error_status, rq->error_text), "bad request");
		return;
	}
	if (!ep || !route(rq->path, id, sizeof(id))) {
		set(res, 404, ts_error(404, "Not found"), "not found");
		return;
	}
	if (!request_ok(rq, ep, res))
		return;
	status = ts_oauth_verify(rq, &why, placement, sizeof(placement));
	if (status) {
		set(res, status, ts_error(status, why), why);
		return;
	}
	if (parse_params(rq, &p) < 0) {
		set(res, 400, ts_error(400, "Bad parameters"), "parameters");
	} else {
		status = dispatch(ep, id, &p, &out, res->ref);
		set(res, status, out, status == 200 ? NULL : code_name(out));
	}
	params_free(&p);
}

const char *toopher_fault_body(enum simfault_mode m, const char *endpoint)
{
	(void)endpoint;
	switch (m) {
	case FAULT_MAINTENANCE:
		return "{\"error_code\":503,\"error_message\":\"Service "
		       "temporarily unavailable\"}";
	case FAULT_INTERNAL:
		return "{\"error_code\":500,\"error_message\":\"Internal "
		       "error\"}";
	case FAULT_WRONGTYPE:
		return "{\"id\":7,\"pending\":\"no\",\"granted\":\"yes\"}";
	case FAULT_BADUTF8:
		return "{\"id\":\"\xc3\x28\",\"pending\":false,"
		       "\"granted\":true}";
	default: return NULL;
	}
}
