/* toopher-sim: the store — the consumer, seen nonces, users, pairings and
 * terminals (authentication requests are in toopher_requests.c). */
#include "toopher_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define NONCE_MAX 64
#define MAX_NONCES 65536

struct ts_store ts = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct nonce {
	char key[128], nonce[NONCE_MAX];
	int64_t ts;
} nonces[MAX_NONCES];
static int nnonces;

static void set_default_consumer(void)
{
	snprintf(ts.key, sizeof(ts.key), "mobileid-test-key");
	snprintf(ts.secret, sizeof(ts.secret), "mobileid-test-secret");
}

void store_init(void) { set_default_consumer(); }

void store_reset(void)
{
	pthread_mutex_lock(&ts.lock);
	for (int i = 0; i < ts.nrequests; i++)
		json_object_put(ts.requests[i].params);
	memset(ts.users, 0, sizeof(ts.users));
	memset(ts.pairings, 0, sizeof(ts.pairings));
	memset(ts.terminals, 0, sizeof(ts.terminals));
	memset(ts.requests, 0, sizeof(ts.requests));
	ts.nusers = ts.npairings = ts.nterminals = ts.nrequests = 0;
	nnonces = 0;
	set_default_consumer();
	pthread_mutex_unlock(&ts.lock);
	ts_oauth_reset();
}

bool store_consumer_secret(const char *key, char *out, size_t n)
{
	bool ok;

	pthread_mutex_lock(&ts.lock);
	ok = !strcmp(key, ts.key);
	if (ok)
		snprintf(out, n, "%s", ts.secret);
	pthread_mutex_unlock(&ts.lock);
	return ok;
}

int store_set_consumer(const char *key, const char *secret)
{
	if (!key || !secret || !*key || !*secret || strlen(key) >= 128 ||
	    strlen(secret) >= 128)
		return -1;
	pthread_mutex_lock(&ts.lock);
	snprintf(ts.key, sizeof(ts.key), "%s", key);
	snprintf(ts.secret, sizeof(ts.secret), "%s", secret);
	pthread_mutex_unlock(&ts.lock);
	return 0;
}

/* A nonce counts as seen for as long as its timestamp would be accepted. */
bool store_nonce_fresh(const char *key, const char *nonce, int64_t t)
{
	int64_t oldest = ts_wall_s() - 2 * ts_timing.skew_s;
	bool fresh = strlen(nonce) < NONCE_MAX;
	int k = 0;

	pthread_mutex_lock(&ts.lock);
	for (int i = 0; i < nnonces; i++) {
		if (nonces[i].ts < oldest)
			continue; /* forgotten */
		if (!strcmp(nonces[i].key, key) &&
		    !strcmp(nonces[i].nonce, nonce))
			fresh = false;
		nonces[k++] = nonces[i];
	}
	nnonces = k;
	if (fresh && nnonces < MAX_NONCES) {
		snprintf(nonces[nnonces].key, sizeof(nonces[0].key), "%s", key);
		snprintf(nonces[nnonces].nonce, NONCE_MAX, "%s", nonce);
		nonces[nnonces++].ts = t;
	}
	pthread_mutex_unlock(&ts.lock);
	return fresh;
}

void ts_new_id(char out[TS_ID_LEN + 1])
{
	unsigned char b[16];

	RAND_bytes(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, TS_ID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int find_user(const char *name)
{
	for (int i = 0; name && i < ts.nusers; i++)
		if (!strcmp(ts.users[i].name, name))
			return i;
	return -1;
}

/* Lock held. -1 when the store is full. */
static int user_for(const char *name)
{
	int u = find_user(name);

	if (u >= 0 || ts.nusers >= TS_MAX_USERS)
		return u;
	u = ts.nusers++;
	ts_new_id(ts.users[u].id);
	snprintf(ts.users[u].name, TS_NAME_MAX, "%s", name);
	return u;
}

struct json_object *ts_user_json(int u)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(ts.users[u].id));
	json_object_object_add(o, "name",
			       json_object_new_string(ts.users[u].name));
	json_object_object_add(o, "toopher_authentication_enabled",
			       json_object_new_boolean(!ts.users[u].disabled));
	return o;
}

struct json_object *ts_pairing_json(int i)
{
	struct ts_pairing *p = &ts.pairings[i];
	struct json_object *o = json_object_new_object();

	if (p->state == PAIR_PENDING && p->answer != TS_NONE &&
	    sim_now_ms() >= p->answer_ms) {
		p->state = p->answer == TS_GRANT ? PAIR_ENABLED : PAIR_DENIED;
		p->answer = TS_NONE;
	}
	json_object_object_add(o, "id", json_object_new_string(p->id));
	json_object_object_add(
	    o, "enabled",
	    json_object_new_boolean(p->state == PAIR_ENABLED && !p->gone_code));
	json_object_object_add(
	    o, "pending", json_object_new_boolean(p->state == PAIR_PENDING));
	json_object_object_add(o, "user", ts_user_json(p->user));
	return o;
}

/* Phrases are the app's words: lower-case letters and single spaces. */
static bool phrase_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= 64 || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] == ' ' && s[i + 1] != ' ')))
			return false;
	return true;
}

int store_pair_create(const struct ts_params *p, struct json_object **out)
{
	const char *phrase = ts_param(p, "pairing_phrase");
	const char *name = ts_param(p, "user_name");
	int u, i;

	if (!phrase) /* the Perl client's name for it */
		phrase = ts_param(p, "pairing_token");
	if (!phrase_ok(phrase) || !name || !*name ||
	    strlen(name) >= TS_NAME_MAX) {
		*out =
		    ts_error(400, phrase_ok(phrase) ? "user_name is required"
						    : "Invalid pairing phrase");
		return 400;
	}
	pthread_mutex_lock(&ts.lock);
	u = user_for(name);
	i = u >= 0 && ts.npairings < TS_MAX_PAIRINGS ? ts.npairings++ : -1;
	if (i >= 0) {
		ts_new_id(ts.pairings[i].id);
		snprintf(ts.pairings[i].phrase, TS_NAME_MAX, "%s", phrase);
		ts.pairings[i].user = u;
		ts.pairings[i].created_ms = sim_now_ms();
		*out = ts_pairing_json(i);
	} else {
		*out = ts_error(500, "store full");
	}
	pthread_mutex_unlock(&ts.lock);
	return i >= 0 ? 200 : 500;
}

static int find_pairing_id(const char *id)
{
	for (int i = 0; id && i < ts.npairings; i++)
		if (!strcmp(ts.pairings[i].id, id))
			return i;
	return -1;
}

int store_pair_get(const char *id, struct json_object **out)
{
	int i, status = 200;

	pthread_mutex_lock(&ts.lock);
	i = find_pairing_id(id);
	if (i < 0) {
		*out = ts_error(404, "No such pairing");
		status = 404;
	} else {
		*out = ts_pairing_json(i);
	}
	pthread_mutex_unlock(&ts.lock);
	return status;
}

/* Lock held. */
static int pairing_refusal(int i, int *status, struct json_object **out)
{
	const struct ts_pairing *p = &ts.pairings[i];

	*status = 409;
	if (ts.users[p->user].disabled)
		*out = ts_error(704, "The specified user has disabled Toopher "
				     "authentication.");
	else if (p->gone_code == 707)
		*out = ts_error(707, "Pairing has been deactivated");
	else if (p->state != PAIR_ENABLED || p->gone_code == 601)
		*out = ts_error(601, "Pairing has not been authorized");
	else if (ts.users[p->user].otp == OTP_ERROR)
		*out = ts_error(708, "User requires OTP authentication");
	else
		return i;
	return -1;
}

int ts_find_pairing(const struct ts_params *p, int *status,
		    struct json_object **out)
{
	const char *id = ts_param(p, "pairing_id");
	const char *name = ts_param(p, "user_name");
	int i = -1, u;

	*status = 404;
	if (id && *id) {
		i = find_pairing_id(id);
		if (i < 0)
			*out = ts_error(404, "No such pairing");
	} else if (name && *name) {
		u = find_user(name);
		for (int k = 0; u >= 0 && k < ts.npairings; k++)
			if (ts.pairings[k].user == u &&
			    ts.pairings[k].state == PAIR_ENABLED)
				i = k;
		*status = 409;
		if (u < 0)
			*out = ts_error(705, "No matching user exists.");
		else if (i < 0)
			*out = ts_error(601, "Pairing has not been authorized");
	} else {
		*status = 400;
		*out = ts_error(400, "pairing_id or user_name is required");
	}
	return i < 0 ? -1 : pairing_refusal(i, status, out);
}

int ts_terminal_for(int user, const struct ts_params *p, int *status,
		    struct json_object **out)
{
	const char *tid = ts_param(p, "terminal_id");
	const char *name = ts_param(p, "terminal_name");
	const char *extra = ts_param(p, "requester_specified_terminal_id");
	int t;

	if (!extra)
		extra = ts_param(p, "terminal_name_extra");
	for (t = 0; t < ts.nterminals; t++) {
		const struct ts_terminal *x = &ts.terminals[t];

		if (x->user == user &&
		    (tid ? !strcmp(x->id, tid)
			 : name && !strcmp(x->name, name) &&
			       !strcmp(x->extra, extra ? extra : "")))
			return t;
	}
	*status = 409;
	if (tid) {
		*out = ts_error(706, "No matching terminal exists");
		return -1;
	}
	if (!name || !*name || strlen(name) >= TS_NAME_MAX ||
	    (extra && strlen(extra) >= TS_NAME_MAX) ||
	    ts.nterminals >= TS_MAX_TERMINALS) {
		*status = 400;
		*out = ts_error(400, "terminal_name is required");
		return -1;
	}
	t = ts.nterminals++;
	ts_new_id(ts.terminals[t].id);
	snprintf(ts.terminals[t].name, TS_NAME_MAX, "%s", name);
	snprintf(ts.terminals[t].extra, TS_NAME_MAX, "%s", extra ? extra : "");
	ts.terminals[t].user = user;
	return t;
}

int store_users_get(const char *name, struct json_object **out)
{
	int u;

	pthread_mutex_lock(&ts.lock);
	u = find_user(name);
	*out = json_object_new_array();
	if (u >= 0)
		json_object_array_add(*out, ts_user_json(u));
	pthread_mutex_unlock(&ts.lock);
	return 200;
}
