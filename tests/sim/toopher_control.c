/* toopher-sim: the control routes — the virtual phone (confirm a pairing,
 * grant or deny a request, automation), account states, the consumer, the
 * clock, and the oracle's lists. */
#include "toopher_sim.h"

#include <stdio.h>
#include <string.h>

static const char *str(struct json_object *body, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(body, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t num(struct json_object *body, const char *key, int64_t dflt)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(body, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int64(v);
}

static bool flag(struct json_object *body, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(body, key, &v) &&
	       json_object_get_boolean(v);
}

static int reply(struct json_object **out, int status, const char *key,
		 const char *value)
{
	*out = json_object_new_object();
	json_object_object_add(*out, key, json_object_new_string(value));
	return status;
}

/* Lock held: the pairing named by pairing_id, or by phrase (newest). */
static int pairing_of(struct json_object *body)
{
	const char *id = str(body, "pairing_id"), *phrase = str(body, "phrase");

	for (int i = ts.npairings - 1; i >= 0; i--)
		if ((id && !strcmp(ts.pairings[i].id, id)) ||
		    (!id && phrase && !strcmp(ts.pairings[i].phrase, phrase)))
			return i;
	return -1;
}

static enum ts_answer answer_of(const char *a, const char *yes)
{
	if (a && !strcmp(a, yes))
		return TS_GRANT;
	return a && !strcmp(a, "deny") ? TS_DENY : TS_NONE;
}

/* POST /pairings: a confirmed (or pending) pairing made directly. */
static int new_pairing(struct json_object *body, struct json_object **out)
{
	struct ts_params p = {.n = 2};
	const char *state = str(body, "state"), *name = str(body, "user_name");
	int st;

	if (!name)
		return reply(out, 400, "error", "user_name is required");
	p.name[0] = (char *)"pairing_phrase";
	p.value[0] = (char *)"test pairing";
	p.name[1] = (char *)"user_name";
	p.value[1] = (char *)name;
	st = store_pair_create(&p, out);
	if (st == 200 && !(state && !strcmp(state, "pending"))) {
		pthread_mutex_lock(&ts.lock);
		ts.pairings[ts.npairings - 1].state = PAIR_ENABLED;
		json_object_put(*out);
		*out = ts_pairing_json(ts.npairings - 1);
		pthread_mutex_unlock(&ts.lock);
	}
	return st;
}

static int phone_pair(struct json_object *body, struct json_object **out)
{
	enum ts_answer a = answer_of(str(body, "action"), "confirm");
	int i, st = 404;

	if (a == TS_NONE)
		return reply(out, 400, "error", "action: confirm or deny");
	pthread_mutex_lock(&ts.lock);
	i = pairing_of(body);
	if (i >= 0 && ts.pairings[i].state == PAIR_PENDING) {
		ts.pairings[i].answer = a;
		ts.pairings[i].answer_ms =
		    sim_now_ms() + num(body, "delay_ms", 0);
		st = reply(out, 200, "id", ts.pairings[i].id);
	}
	pthread_mutex_unlock(&ts.lock);
	return st == 200 ? st : reply(out, 404, "error", "no pending pairing");
}

static int phone_answer(struct json_object *body, struct json_object **out)
{
	enum ts_answer a = answer_of(str(body, "action"), "grant");
	struct ts_request *r = NULL;
	int st = 404;

	if (a == TS_NONE)
		return reply(out, 400, "error", "action: grant or deny");
	pthread_mutex_lock(&ts.lock);
	if (str(body, "id") || pairing_of(body) >= 0)
		r = ts_pending_request(str(body, "id"), pairing_of(body));
	if (r) {
		r->answer = a;
		r->answer_automated = flag(body, "automated");
		r->answer_ms = sim_now_ms() + num(body, "delay_ms", 0);
		st = reply(out, 200, "id", r->id);
	}
	pthread_mutex_unlock(&ts.lock);
	return st == 200 ? st : reply(out, 404, "error", "no pending request");
}

/* automate, pairing state: one field of a pairing */
static int pairing_set(const char *route, struct json_object *body,
		       struct json_object **out)
{
	const char *a = str(body, "action"), *s = str(body, "state");
	int i, st = 200;

	pthread_mutex_lock(&ts.lock);
	i = pairing_of(body);
	if (i < 0) {
		st = 404;
	} else if (!strcmp(route, "/phone/automate")) {
		ts.pairings[i].automation = answer_of(a, "grant");
		ts.pairings[i].automation_now = flag(body, "immediate");
		st = (a && !strcmp(a, "off")) ||
			     ts.pairings[i].automation != TS_NONE
			 ? 200
			 : 400;
	} else if (s && !strcmp(s, "enabled")) {
		ts.pairings[i].state = PAIR_ENABLED;
		ts.pairings[i].gone_code = 0;
	} else if (s && !strcmp(s, "deactivated")) {
		ts.pairings[i].gone_code = 707;
	} else if (s && !strcmp(s, "unauthorized")) {
		ts.pairings[i].gone_code = 601;
	} else {
		st = 400;
	}
	pthread_mutex_unlock(&ts.lock);
	return reply(out, st, st == 200 ? "ok" : "error",
		     st == 200 ? "yes" : "bad pairing, action or state");
}

static int user_set(struct json_object *body, struct json_object **out)
{
	const char *name = str(body, "name"), *otp = str(body, "otp");
	int st = 404;

	pthread_mutex_lock(&ts.lock);
	for (int u = 0; name && u < ts.nusers; u++) {
		if (strcmp(ts.users[u].name, name) != 0)
			continue;
		ts.users[u].disabled = flag(body, "disabled");
		ts.users[u].otp = !otp			   ? OTP_OFF
				  : !strcmp(otp, "error")  ? OTP_ERROR
				  : !strcmp(otp, "reason") ? OTP_REASON
							   : OTP_OFF;
		st = 200;
	}
	pthread_mutex_unlock(&ts.lock);
	return reply(out, st, st == 200 ? "ok" : "error",
		     st == 200 ? "yes" : "no such user");
}

static int lists(const char *p, struct json_object **out)
{
	bool req = !strcmp(p, "/authentication_requests");

	*out = json_object_new_object();
	json_object_object_add(*out,
			       req ? "authentication_requests" : "pairings",
			       store_list_json(req));
	return 200;
}

int toopher_control(const struct sim_request *rq, struct json_object *body,
		    struct json_object **out)
{
	const char *p = rq->path;

	if (!strcmp(rq->method, "GET"))
		return !strcmp(p, "/pairings") ||
			       !strcmp(p, "/authentication_requests")
			   ? lists(p, out)
			   : 0;
	if (strcmp(rq->method, "POST") != 0)
		return 0;
	if (!body &&
	    (!strcmp(p, "/pairings") || !strncmp(p, "/phone/", 7) ||
	     !strcmp(p, "/pairings/state") || !strcmp(p, "/users/state") ||
	     !strcmp(p, "/consumer") || !strcmp(p, "/clock")))
		return reply(out, 400, "error", "need a JSON object body");
	if (!strcmp(p, "/pairings"))
		return new_pairing(body, out);
	if (!strcmp(p, "/phone/pair"))
		return phone_pair(body, out);
	if (!strcmp(p, "/phone/answer"))
		return phone_answer(body, out);
	if (!strcmp(p, "/phone/automate") || !strcmp(p, "/pairings/state"))
		return pairing_set(p, body, out);
	if (!strcmp(p, "/users/state"))
		return user_set(body, out);
	if (!strcmp(p, "/consumer"))
		return store_set_consumer(str(body, "key"),
					  str(body, "secret")) == 0
			   ? reply(out, 200, "ok", "yes")
			   : reply(out, 400, "error", "key and secret");
	if (!strcmp(p, "/clock")) {
		ts_set_clock_offset(num(body, "offset_s", 0));
		return reply(out, 200, "ok", "yes");
	}
	return 0;
}
