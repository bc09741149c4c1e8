/* mobileid-sim: the BankID control routes — the virtual phone that scans
 * or opens an order, the order oracle the tests read, and the end of an
 * order's start window on cue. */
#include "bankid_sim.h"

#include <string.h>

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
	if (pno && !bankid_pno_valid(pno)) {
		*reply = ctl_error("invalid completion personalNumber");
		return 400;
	}
	if (scan)
		return orders_scan(val, act, get_delay(body), pno, reply);
	return orders_open(val, act, get_delay(body), pno, reply);
}

/* "<ref>/lapse": copies <ref> to ref; false for any other path. */
static bool lapse_ref(const char *tail, char ref[SIM_UUID_LEN + 1])
{
	const char *slash = strchr(tail, '/');
	size_t n = slash ? (size_t)(slash - tail) : 0;

	if (!slash || n == 0 || n > SIM_UUID_LEN || strcmp(slash, "/lapse"))
		return false;
	memcpy(ref, tail, n);
	ref[n] = '\0';
	return true;
}

int bankid_control(const struct sim_request *rq, struct json_object *body,
		   struct json_object **reply)
{
	bool get = !strcmp(rq->method, "GET"),
	     post = !strcmp(rq->method, "POST");
	const char *p = rq->path;
	char ref[SIM_UUID_LEN + 1];

	if (get && !strcmp(p, "/signer-ca")) {
		*reply = json_object_new_object();
		json_object_object_add(
		    *reply, "pem",
		    json_object_new_string(bankid_signer_ca_pem()));
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
	if (post && !strncmp(p, "/orders/", 8) && lapse_ref(p + 8, ref))
		return orders_lapse(ref, reply);
	if (post && (!strcmp(p, "/phone/scan") || !strcmp(p, "/phone/open"))) {
		if (!body) {
			*reply = ctl_error("need a JSON object body");
			return 400;
		}
		return ctl_phone(!strcmp(p, "/phone/scan"), body, reply);
	}
	return 0;
}
