/* Toopher (api.toopher.com/v1): push approval of an authentication request
 * for a pairing, and the pairing itself. doc/toopher.md is the protocol. */
#ifndef MID_TOOPHER_H
#define MID_TOOPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "i18n.h"
#include "netfacts.h"
#include "provider.h"

#define TOOPHER_ID_MAX 64
/* Toopher's advice: poll once a second */
#define TOOPHER_POLL_MS 1000

struct mid_config;
struct mid_log;
struct toopher_api;

/* Its row of the provider table. */
extern const struct provider_def toopher_provider;

/* ---- the signed API client (toopher_api.c) ---- */

/* Reads [toopher]: url, consumer_key, the consumer secret (inline or from
 * consumer_secret_file), the optional ca; opens the one HTTPS session.
 * MID_E_CONFIG (logged) for anything missing or unsafe. */
int toopher_api_new(const struct mid_config *cfg, struct mid_log *log,
		    struct toopher_api **out);
void toopher_api_free(struct toopher_api *a);

/* Signs and sends one call: GET endpoint (its query signed too) or POST of
 * the form body. 0 with the JSON object of a 2xx reply in *out, else
 * MID_E_* with *msg saying why for the person. */
int toopher_api_call(struct toopher_api *a, const char *method,
		     const char *endpoint, const char *form,
		     uint64_t deadline_ms, json_object **out,
		     enum mid_msg *msg);

/* Signs and sends one call as toopher_api_call does; 0 with the reply of
 * any status in rep (free it), else MID_E_*. For the probe, with
 * toopher_api_step(): how far the last call got (netfacts.h). */
struct http_reply;
int toopher_api_send(struct toopher_api *a, const char *method,
		     const char *endpoint, const char *form,
		     uint64_t deadline_ms, struct http_reply *rep);
enum net_step toopher_api_step(const struct toopher_api *a);

/* "k1=v1&k2=v2..." from NULL-terminated name, value pairs, each value
 * percent-encoded. Heap string or NULL. */
char *toopher_form(const char *const *pairs);

/* ---- reply parsers, exposed for the unit tests and the fuzzer ---- */

/* An error reply (status >= 300, or an unreadable 2xx): MID_E_UNREACHABLE
 * only for 503; MID_E_FAILED for the account errors (601, 704-708) with
 * their message; MID_E_PROTOCOL or MID_E_SERVER otherwise. */
int toopher_parse_error(long status, const char *body, size_t len,
			enum mid_msg *msg, struct mid_log *log);

/* An authentication request (initiate or status reply) for request id
 * want_id (NULL: any, and its id goes to id_out if not NULL):
 * PROVIDER_PENDING, PROVIDER_APPROVED (granted; logs an automated grant),
 * MID_E_DENIED, MID_E_FAILED (OTP required) or MID_E_PROTOCOL. */
int toopher_parse_auth(json_object *reply, const char *want_id,
		       char id_out[TOOPHER_ID_MAX + 1], enum mid_msg *msg,
		       struct mid_log *log);

/* A pairing: PROVIDER_PENDING, PROVIDER_APPROVED (enabled), MID_E_DENIED
 * (answered, not enabled) or MID_E_PROTOCOL; the same id rules. */
int toopher_parse_pairing(json_object *reply, const char *want_id,
			  char id_out[TOOPHER_ID_MAX + 1], struct mid_log *log);

/* ---- pairing (toopher_pair.c), for `mobileid pair` ---- */

/* Called about once a second while the pairing waits for the app. */
typedef void (*toopher_pair_progress)(void *ctx, enum mid_msg msg,
				      unsigned secs_left);

/* Creates a pairing of user with the phrase the app shows and waits until
 * it is confirmed in the app or deadline_ms. 0 with the pairing id in id;
 * else MID_E_* with *msg for the person. */
int toopher_pair(const struct mid_config *cfg, const char *user,
		 const char *phrase, uint64_t deadline_ms,
		 toopher_pair_progress progress, void *ctx,
		 char id[TOOPHER_ID_MAX + 1], enum mid_msg *msg,
		 struct mid_log *log);

#endif
