/* mobileid-sim: plain-HTTP control API (virtual phone and test oracle). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

static struct json_object *ctl_error(const char *msg)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "error", json_object_new_string(msg));
	return j;
}

static int parse_action(struct json_object *body, enum phone_action *act)
{
	struct json_object *v = NULL;
	const char *s = "approve";

	if (json_object_object_get_ex(body, "action", &v) && v)
		s = json_object_get_string(v);
	if (!strcmp(s, "approve"))
		*act = ACT_APPROVE;
	else if (!strcmp(s, "deny"))
		*act = ACT_DENY;
	else if (!strcmp(s, "hold"))
		*act = ACT_HOLD;
	else
		return -1;
	return 0;
}

static const char *get_str(struct json_object *body, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(body, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t get_delay(struct json_object *body)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(body, "delay_ms", &v) || !v)
		return 1000;
	return json_object_get_int64(v);
}

/* Phone scan/open; returns HTTP status and sets *reply. */
static int ctl_phone(bool scan, struct json_object *body,
		     struct json_object **reply)
{
	enum phone_action act;
	const char *key = scan ? "qr" : "personalNumber";
	const char *val = get_str(body, key);
	const char *pno =
	    get_str(body, scan ? "personalNumber" : "completePersonalNumber");

	if (!val || parse_action(body, &act) < 0) {
		*reply =
		    ctl_error(scan ? "need qr and a valid action"
				   : "need personalNumber and a valid action");
		return 400;
	}
	if (pno && !api_pno_valid(pno)) {
		*reply = ctl_error("invalid completion personalNumber");
		return 400;
	}
	if (scan)
		return orders_scan(val, act, get_delay(body), pno, reply);
	return orders_open(val, act, get_delay(body), pno, reply);
}

static int ctl_route(const struct sim_request *rq, struct json_object *body,
		     struct json_object **reply)
{
	bool get = !strcmp(rq->method, "GET"),
	     post = !strcmp(rq->method, "POST");
	const char *p = rq->path;
	char err[64] = "";

	if (get && !strcmp(p, "/health")) {
		*reply = json_object_new_object();
		json_object_object_add(*reply, "ok",
				       json_object_new_boolean(1));
		return 200;
	}
	if (get && !strcmp(p, "/stats")) {
		*reply = log_stats_json();
		return 200;
	}
	if (get && !strcmp(p, "/orders")) {
		*reply = orders_list_json();
		return 200;
	}
	if (get && !strncmp(p, "/orders/", 8)) {
		*reply = orders_one_json(p + 8);
		if (*reply)
			return 200;
		*reply = ctl_error("unknown order");
		return 404;
	}
	if (get && !strcmp(p, "/requests")) {
		*reply = log_requests_json();
		return 200;
	}
	if (get && !strcmp(p, "/connections")) {
		*reply = log_connections_json();
		return 200;
	}
	if (post && !strcmp(p, "/reset")) {
		orders_reset();
		*reply = json_object_new_object();
		json_object_object_add(*reply, "ok",
				       json_object_new_boolean(1));
		return 200;
	}
	if (post && (!strcmp(p, "/phone/scan") || !strcmp(p, "/phone/open"))) {
		if (!body) {
			*reply = ctl_error("need a JSON object body");
			return 400;
		}
		return ctl_phone(!strcmp(p, "/phone/scan"), body, reply);
	}
	if (post && !strcmp(p, "/fault")) {
		if (!body || fault_add(body, err, sizeof(err)) < 0) {
			*reply =
			    ctl_error(err[0] ? err : "need a JSON object body");
			return 400;
		}
		*reply = json_object_new_object();
		json_object_object_add(*reply, "ok",
				       json_object_new_boolean(1));
		return 200;
	}
	*reply = ctl_error("no such control endpoint");
	return 404;
}

void *control_conn_thread(void *arg)
{
	struct sim_conn *c = arg;
	struct sim_request rq;
	struct timeval tv = {.tv_sec = SIM_IDLE_TIMEOUT_S};

	memset(&rq, 0, sizeof(rq));
	c->rbuf = malloc(SIM_MAX_HEADER_BYTES);
	if (!c->rbuf)
		goto out;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		struct json_object *body = NULL, *reply = NULL;
		int status;
		bool keep;

		if (http_read_request(c, &rq) <= 0)
			break;
		keep = rq.keep_alive && !rq.error_status;
		if (rq.error_status) {
			reply = ctl_error(rq.error_text ? rq.error_text
							: "bad request");
			status = rq.error_status;
		} else {
			if (rq.body && rq.body_len) {
				body = json_tokener_parse(rq.body);
				if (body && !json_object_is_type(
						body, json_type_object)) {
					json_object_put(body);
					body = NULL;
				}
			}
			status = ctl_route(&rq, body, &reply);
		}
		if (sim_cfg.verbose)
			sim_log("control %s %s -> %d", rq.method, rq.path,
				status);
		http_respond_json(c, status, reply, !keep);
		json_object_put(reply);
		json_object_put(body);
		http_request_clear(&rq);
		if (!keep || c->dead)
			break;
	}
out:
	http_request_clear(&rq);
	http_conn_close(c);
	free(c);
	return NULL;
}
