/* passbyme-sim: POST /frontend/messages, GET and DELETE
 * /frontend/messages/{id}: validation and 420 error bodies. */
#include "pbm_sim.h"

#include <stdio.h>
#include <string.h>

/* "message": GET and DELETE of one message (faults see only the path) */
const char *const pbm_endpoints[] = {"send", "message", NULL};
/* sim_request.header[0] */
const char *const pbm_headers[] = {"X-PBM-API-VERSION", NULL};

json_object *pbm_error(const char *code, const char *message)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	return o;
}

static void fail(struct simcore_reply *out, int status, const char *code,
		 const char *message)
{
	out->status = status;
	out->error_code = code;
	out->body = pbm_error(code, message);
}

/* The message ID of a /frontend/messages/{id} path, or NULL. */
static const char *id_of(const char *path)
{
	const char *id;

	if (strncmp(path, PBM_PREFIX "/", sizeof(PBM_PREFIX)) != 0)
		return NULL;
	id = path + sizeof(PBM_PREFIX);
	return *id && !strchr(id, '/') && !strchr(id, '?') ? id : NULL;
}

const char *pbm_endpoint_of(const char *path)
{
	if (!strcmp(path, PBM_PREFIX))
		return "send";
	return id_of(path) ? "message" : NULL;
}

void pbm_request_ref(const struct sim_request *rq, char out[SIM_REF_MAX])
{
	const char *id = id_of(rq->path);

	snprintf(out, SIM_REF_MAX, "%s", id ? id : "");
}

const char *pbm_fault_body(enum simfault_mode m, const char *endpoint)
{
	(void)endpoint;
	switch (m) {
	case FAULT_MAINTENANCE:
		return "{\"code\":\"SERVICE_UNAVAILABLE\",\"message\":"
		       "\"Maintenance.\"}";
	case FAULT_INTERNAL: return "";
	case FAULT_WRONGTYPE:
		return "{\"messageId\":1,\"expirationDate\":[],"
		       "\"recipients\":\"APPROVED\"}";
	case FAULT_BADUTF8:
		return "{\"code\":\"ERROR\",\"message\":\"\xc0\xaf\"}";
	default: return NULL;
	}
}

static bool str_or_null(json_object *o, const char *key, size_t max,
			const char **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return true;
	if (!json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) > max)
		return false;
	*out = json_object_get_string(v);
	return true;
}

static bool recipients_valid(json_object *list)
{
	size_t n;

	if (!list || !json_object_is_type(list, json_type_array))
		return false;
	n = json_object_array_length(list);
	if (n < 1 || n > PBM_MAX_RECIPIENTS)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(list, i);

		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) < 1 ||
		    json_object_get_string_len(v) > PBM_ID_MAX)
			return false;
	}
	return true;
}

/* The send: recipients, availability >= 1, a known type; the body is JSON
 * whatever the Content-Type says, as the real server takes it. */
static void serve_send(const struct sim_conn *c, json_object *req,
		       struct simcore_reply *out)
{
	struct pbm_send s = {.client_fp = c->client_fp,
			     .client_cn = c->client_cn};
	json_object *v = NULL;
	const char *code = NULL, *cb;

	if (!req) {
		fail(out, 420, "MALFORMED_INPUT", "The body is not JSON.");
		return;
	}
	json_object_object_get_ex(req, "recipients", &s.recipients);
	if (!recipients_valid(s.recipients) ||
	    !json_object_object_get_ex(req, "availability", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (s.availability = json_object_get_int64(v)) < 1 ||
	    s.availability > PBM_MAX_AVAILABILITY ||
	    !str_or_null(req, "subject", PBM_SUBJECT_MAX, &s.subject) ||
	    !str_or_null(req, "body", PBM_BODY_MAX, &s.body) ||
	    !str_or_null(req, "callbackUrl", 2048, &cb) ||
	    !str_or_null(req, "type", 16, &s.type) || !s.type ||
	    (strcmp(s.type, "authorization") && strcmp(s.type, "message") &&
	     strcmp(s.type, "esign"))) {
		fail(out, 420, "MALFORMED_INPUT",
		     "recipients, availability or type invalid.");
		return;
	}
	out->status = pbm_send(&s, &out->body, &code, out->ref);
	out->error_code = code;
}

void pbm_serve(const struct sim_conn *c, const struct sim_request *rq,
	       const char *endpoint, struct simcore_reply *out)
{
	const char *code = NULL, *id = id_of(rq->path);
	bool get = !strcmp(rq->method, "GET"),
	     del = !strcmp(rq->method, "DELETE");

	if (rq->error_status) {
		fail(out, rq->error_status, "MALFORMED_INPUT",
		     rq->error_text ? rq->error_text : "Bad request.");
		return;
	}
	if (!endpoint) {
		fail(out, 404, "NOT_FOUND", "No such resource.");
		return;
	}
	if (!rq->header[0] || strcmp(rq->header[0], "1") != 0) {
		fail(out, 420, "UNSUPPORTED_API_VERSION",
		     "X-PBM-API-VERSION must be 1.");
		return;
	}
	if (!strcmp(endpoint, "send")) {
		json_object *req;

		if (strcmp(rq->method, "POST") != 0) {
			fail(out, 405, "MALFORMED_INPUT", "Use POST.");
			return;
		}
		req = simhttp_json_body(rq);
		serve_send(c, req, out);
		json_object_put(req);
		return;
	}
	if ((!get && !del) || (rq->body && rq->body_len)) {
		fail(out, 405, "MALFORMED_INPUT",
		     "Use GET or DELETE, no body.");
		return;
	}
	snprintf(out->ref, sizeof(out->ref), "%s", id);
	out->status = pbm_track(id, c->client_fp, del, &out->body, &code);
	out->error_code = code;
}
