/* toopher-sim: a Toopher API (v1) simulator on simcore. Every request's
 * OAuth 1.0a signature is verified; pairings, authentication requests,
 * automation, the account errors and a virtual phone. doc/toopher.md. */
#ifndef TOOPHER_SIM_H
#define TOOPHER_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include "core/simcore.h"

#define TS_ID_LEN 36
#define TS_NAME_MAX 256

/* ---- options (toopher_main.c) ---- */
struct toopher_timing {
	int64_t skew_s; /* accepted distance of oauth_timestamp */
};
extern struct toopher_timing ts_timing;

/* ---- OAuth verification (toopher_oauth.c) ---- */
/* Verifies rq's signature with the consumers in the store. 0, or the HTTP
 * status (401, 400) with a short reason in *why. */
int ts_oauth_verify(const struct sim_request *rq, const char **why,
		    char *placement, size_t plen);
/* Wall-clock seconds as the simulator sees them (with /clock offset). */
int64_t ts_wall_s(void);
void ts_set_clock_offset(int64_t s);
void ts_oauth_reset(void);

/* ---- the simcore_app entries ---- */
/* the request headers it reads, in simcore_app.headers order */
enum { TS_HDR_AUTHORIZATION, TS_HDR_HOST };
extern const char *const toopher_headers[];
extern const char *const toopher_endpoints[];
const char *toopher_endpoint_of(const char *path);
void toopher_serve(const struct sim_conn *c, const struct sim_request *rq,
		   const char *ep, struct simcore_reply *res);
const char *toopher_fault_body(enum simfault_mode m, const char *endpoint);
int toopher_control(const struct sim_request *rq, struct json_object *body,
		    struct json_object **out);

/* ---- request parameters (toopher_api.c) ---- */
#define TS_MAX_PARAMS 64
struct ts_params {
	size_t n;
	char *name[TS_MAX_PARAMS], *value[TS_MAX_PARAMS]; /* decoded */
};
/* The value of name in the query or the form body, or NULL. */
const char *ts_param(const struct ts_params *p, const char *name);
/* A boolean parameter: true/false in any case; dflt when absent; -1 when
 * it is something else. */
int ts_param_bool(const struct ts_params *p, const char *name, int dflt);

/* ---- the store (toopher_store.c) ---- */
enum ts_answer { TS_NONE, TS_GRANT, TS_DENY };

void store_init(void);
void store_reset(void);
/* The secret of consumer key, copied into out; false if unknown. */
bool store_consumer_secret(const char *key, char *out, size_t n);
int store_set_consumer(const char *key, const char *secret);
/* Records (key, nonce) at timestamp ts; false if it was seen already. */
bool store_nonce_fresh(const char *key, const char *nonce, int64_t ts);

/* API operations: the HTTP status and the reply (a Toopher object or an
 * error body). */
int store_pair_create(const struct ts_params *p, struct json_object **out);
int store_pair_get(const char *id, struct json_object **out);
int store_initiate(const struct ts_params *p, struct json_object **out,
		   char ref[SIM_REF_MAX]);
int store_auth_get(const char *id, struct json_object **out);
int store_users_get(const char *name, struct json_object **out);

/* The oracle: every request (true) or pairing (false). */
struct json_object *store_list_json(bool requests);
void store_stats(struct json_object *stats);

struct json_object *ts_error(int code, const char *message);

/* ---- the store's records, shared by its two files ---- */
#define TS_MAX_USERS 256
#define TS_MAX_PAIRINGS 1024
#define TS_MAX_TERMINALS 1024
#define TS_MAX_REQUESTS 4096

enum ts_pair_state { PAIR_PENDING, PAIR_ENABLED, PAIR_DENIED };
enum ts_otp { OTP_OFF, OTP_ERROR, OTP_REASON };

struct ts_user {
	char id[TS_ID_LEN + 1], name[TS_NAME_MAX];
	bool disabled;	 /* 704 */
	enum ts_otp otp; /* 708 */
};

struct ts_pairing {
	char id[TS_ID_LEN + 1], phrase[TS_NAME_MAX];
	int user;
	enum ts_pair_state state;
	int gone_code; /* 0, or 601 / 707: authentication refused */
	enum ts_answer automation;
	bool automation_now;   /* decided in the initiate reply already */
	enum ts_answer answer; /* the phone's, due at answer_ms */
	int64_t answer_ms, created_ms;
};

struct ts_terminal {
	char id[TS_ID_LEN + 1], name[TS_NAME_MAX], extra[TS_NAME_MAX];
	int user;
};

struct ts_request {
	char id[TS_ID_LEN + 1], action_id[TS_ID_LEN + 1];
	char action[TS_NAME_MAX];
	int pairing, terminal;
	bool automation_allowed, automated, pending, granted;
	int reason_code;
	enum ts_answer answer; /* the phone's, due at answer_ms */
	bool answer_automated;
	int64_t answer_ms, created_ms, final_ms, last_poll_ms;
	int polls;
	struct json_object *params; /* every non-oauth parameter sent */
};

struct ts_store {
	pthread_mutex_t lock;
	char key[128], secret[128];
	struct ts_user users[TS_MAX_USERS];
	struct ts_pairing pairings[TS_MAX_PAIRINGS];
	struct ts_terminal terminals[TS_MAX_TERMINALS];
	struct ts_request requests[TS_MAX_REQUESTS];
	int nusers, npairings, nterminals, nrequests;
};
extern struct ts_store ts;

void ts_new_id(char out[TS_ID_LEN + 1]);
struct json_object *ts_user_json(int u);
struct json_object *ts_pairing_json(int i);
/* The pairing a request names (pairing_id, or user_name's newest enabled
 * one): its index, or -1 with the HTTP status and error body set. */
int ts_find_pairing(const struct ts_params *p, int *status,
		    struct json_object **out);
int ts_terminal_for(int user, const struct ts_params *p, int *status,
		    struct json_object **out);
struct json_object *ts_request_json(const struct ts_request *r);
/* Applies an answer whose time has come (lock held). */
void ts_request_settle(struct ts_request *r);
/* The named request, or the newest pending one of a pairing, if it is
 * pending and unanswered (lock held). */
struct ts_request *ts_pending_request(const char *id, int pairing);

#endif
