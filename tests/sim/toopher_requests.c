/* toopher-sim: authentication requests (initiate, status, automation,
 * the OTP case) and what the oracle shows of them. */
#include "toopher_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the OTP the virtual app shows: any other is wrong */
#define TEST_OTP "123456"

void ts_request_settle(struct ts_request *r)
{
	if (!r->pending || r->answer == TS_NONE || sim_now_ms() < r->answer_ms)
		return;
	r->pending = false;
	r->granted = r->answer == TS_GRANT;
	r->automated = r->answer_automated;
	r->final_ms = sim_now_ms();
	r->answer = TS_NONE;
}

static const char *reason(const struct ts_request *r)
{
	if (r->pending)
		return "";
	if (r->automated)
		return r->granted ? "Allowed by automation"
				  : "Denied by automation";
	return r->granted ? "Allowed by user" : "Denied by user";
}

static struct json_object *terminal_json(int t)
{
	const struct ts_terminal *x = &ts.terminals[t];
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(x->id));
	json_object_object_add(o, "name", json_object_new_string(x->name));
	json_object_object_add(o, "requester_specified_id",
			       json_object_new_string(x->extra));
	json_object_object_add(o, "user", ts_user_json(x->user));
	return o;
}

struct json_object *ts_request_json(const struct ts_request *r)
{
	struct json_object *o = json_object_new_object(), *a;
	int u = ts.pairings[r->pairing].user;

	json_object_object_add(o, "id", json_object_new_string(r->id));
	json_object_object_add(o, "pending",
			       json_object_new_boolean(r->pending));
	json_object_object_add(o, "granted",
			       json_object_new_boolean(r->granted));
	json_object_object_add(o, "automated",
			       json_object_new_boolean(r->automated));
	json_object_object_add(o, "reason", json_object_new_string(reason(r)));
	json_object_object_add(o, "reason_code",
			       json_object_new_int(r->reason_code));
	json_object_object_add(o, "terminal", terminal_json(r->terminal));
	json_object_object_add(o, "user", ts_user_json(u));
	a = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_string(r->action_id));
	json_object_object_add(a, "name", json_object_new_string(r->action));
	json_object_object_add(o, "action", a);
	return o;
}

static struct json_object *params_json(const struct ts_params *p)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < p->n; i++)
		json_object_object_add(o, p->name[i],
				       json_object_new_string(p->value[i]));
	return o;
}

/* What the request's own parameters decide at once: an OTP, automation. */
static void decide_early(struct ts_request *r, const struct ts_pairing *pr,
			 const struct ts_params *p)
{
	const char *otp = ts_param(p, "otp");

	if (otp) {
		r->pending = false;
		r->granted = !strcmp(otp, TEST_OTP);
		r->final_ms = r->created_ms;
		return;
	}
	if (ts.users[pr->user].otp == OTP_REASON)
		r->reason_code = 708; /* the requester must ask for an OTP */
	if (pr->automation == TS_NONE || !r->automation_allowed)
		return;
	r->answer = pr->automation;
	r->answer_automated = true;
	r->answer_ms = r->created_ms;
	if (pr->automation_now)
		ts_request_settle(r);
}

static int make_request(int i, int t, const struct ts_params *p,
			struct json_object **out, char ref[SIM_REF_MAX])
{
	const char *action = ts_param(p, "action_name");
	int allowed = ts_param_bool(p, "automation_allowed", 1);
	struct ts_request *r;

	if (allowed < 0 || (action && strlen(action) >= TS_NAME_MAX) ||
	    ts.nrequests >= TS_MAX_REQUESTS) {
		*out = ts_error(400, "Bad parameters");
		return 400;
	}
	r = &ts.requests[ts.nrequests++];
	ts_new_id(r->id);
	ts_new_id(r->action_id);
	snprintf(r->action, TS_NAME_MAX, "%s", action ? action : "Log in");
	r->pairing = i;
	r->terminal = t;
	r->automation_allowed = allowed;
	r->pending = true;
	r->created_ms = sim_now_ms();
	r->params = params_json(p);
	decide_early(r, &ts.pairings[i], p);
	snprintf(ref, SIM_REF_MAX, "%s", r->id);
	*out = ts_request_json(r);
	return 200;
}

int store_initiate(const struct ts_params *p, struct json_object **out,
		   char ref[SIM_REF_MAX])
{
	int status, i, t = -1;

	pthread_mutex_lock(&ts.lock);
	i = ts_find_pairing(p, &status, out);
	if (i >= 0)
		t = ts_terminal_for(ts.pairings[i].user, p, &status, out);
	if (t >= 0)
		status = make_request(i, t, p, out, ref);
	pthread_mutex_unlock(&ts.lock);
	return status;
}

static struct ts_request *find_request(const char *id)
{
	for (int i = 0; id && i < ts.nrequests; i++)
		if (!strcmp(ts.requests[i].id, id))
			return &ts.requests[i];
	return NULL;
}

int store_auth_get(const char *id, struct json_object **out)
{
	struct ts_request *r;
	int status = 200;

	pthread_mutex_lock(&ts.lock);
	r = find_request(id);
	if (!r) {
		*out = ts_error(404, "No such authentication request");
		status = 404;
	} else {
		r->polls++;
		r->last_poll_ms = sim_now_ms();
		ts_request_settle(r);
		*out = ts_request_json(r);
	}
	pthread_mutex_unlock(&ts.lock);
	return status;
}

/* The oracle's view: the API object plus what the test needs to know. */
static struct json_object *oracle_json(const struct ts_request *r)
{
	struct json_object *o = ts_request_json(r);

	json_object_object_add(
	    o, "pairing_id",
	    json_object_new_string(ts.pairings[r->pairing].id));
	json_object_object_add(o, "polls", json_object_new_int(r->polls));
	json_object_object_add(o, "created_ms",
			       json_object_new_int64(r->created_ms));
	json_object_object_add(o, "last_poll_ms",
			       json_object_new_int64(r->last_poll_ms));
	json_object_object_add(o, "final_ms",
			       json_object_new_int64(r->final_ms));
	json_object_object_add(o, "params", json_object_get(r->params));
	return o;
}

struct json_object *store_list_json(bool requests)
{
	struct json_object *a = json_object_new_array();

	pthread_mutex_lock(&ts.lock);
	for (int i = 0; requests && i < ts.nrequests; i++)
		json_object_array_add(a, oracle_json(&ts.requests[i]));
	for (int i = 0; !requests && i < ts.npairings; i++) {
		struct json_object *o = ts_pairing_json(i);

		json_object_object_add(
		    o, "phrase", json_object_new_string(ts.pairings[i].phrase));
		json_object_array_add(a, o);
	}
	pthread_mutex_unlock(&ts.lock);
	return a;
}

void store_stats(struct json_object *stats)
{
	pthread_mutex_lock(&ts.lock);
	json_object_object_add(stats, "pairings",
			       json_object_new_int(ts.npairings));
	json_object_object_add(stats, "authentication_requests",
			       json_object_new_int(ts.nrequests));
	pthread_mutex_unlock(&ts.lock);
}

/* The newest pending request of a pairing, or the one named (lock held). */
struct ts_request *ts_pending_request(const char *id, int pairing)
{
	for (int i = ts.nrequests - 1; i >= 0; i--) {
		struct ts_request *r = &ts.requests[i];

		ts_request_settle(r);
		if (id ? !strcmp(r->id, id)
		       : r->pairing == pairing && r->pending)
			return r->pending && r->answer == TS_NONE ? r : NULL;
	}
	return NULL;
}
