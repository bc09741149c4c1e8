/* passbyme-sim: the PassBy[ME] messaging API simulator (doc/passbyme.md),
 * on simcore. Shared declarations. */
#ifndef PBM_SIM_H
#define PBM_SIM_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/simcore.h"

#define PBM_PREFIX "/frontend/messages"
#define PBM_ID_MAX 254	    /* a PassBy[ME] ID */
#define PBM_SUBJECT_MAX 254 /* the API's limits */
#define PBM_BODY_MAX 4094
#define PBM_MAX_RECIPIENTS 8
#define PBM_MAX_AVAILABILITY 86400

struct pbm_timing {
	int64_t delivery_ms; /* send to NOTIFIED */
	int64_t download_ms; /* NOTIFIED to DOWNLOADED */
	int64_t keep_ms;     /* a finished message stays readable this long */
};

/* What a user's phone does with the next messages (control POST /users),
 * and how the account stands. */
enum pbm_account {
	ACC_OK,
	ACC_OFFLINE,	 /* the push never arrives */
	ACC_NO_DOWNLOAD, /* notified, the app never fetches */
	ACC_NO_DEVICE,
	ACC_DISABLED,
	ACC_FAILED,
	ACC_UNKNOWN /* the send is refused: 420 NOT_FOUND */
};
enum pbm_answer { ANS_NONE, ANS_APPROVE, ANS_DENY, ANS_SEE, ANS_APPROVE_AS };

struct pbm_send {
	const char *client_fp, *client_cn;
	json_object *recipients;	   /* array of strings, validated */
	const char *subject, *body, *type; /* subject/body may be NULL */
	int64_t availability;
};

/* ---- the store (pbm_messages.c); every function takes the lock ---- */
void pbm_init(const struct pbm_timing *t);
void pbm_reset(void);
/* 200 and a SessionInfo, or 420 with *code set. */
int pbm_send(const struct pbm_send *s, json_object **reply, const char **code,
	     char ref[SIM_REF_MAX]);
/* GET (cancel false) or DELETE (cancel true) of message id. */
int pbm_track(const char *id, const char *client_fp, bool cancel,
	      json_object **reply, const char **code);
void pbm_note_request(const char *ref, long idx);
void pbm_stats(json_object *stats);

/* control: the phone, the accounts, the oracle */
int pbm_set_user(const char *user, enum pbm_account acc, enum pbm_answer ans,
		 const char *as, int64_t answer_ms);
/* Answers the newest open message of user: 200, or 404 if none. */
int pbm_phone(const char *user, enum pbm_answer ans, const char *as,
	      int64_t delay_ms, json_object **reply);
json_object *pbm_messages_json(const char *id); /* NULL id: all */

/* ---- the API (pbm_api.c) and control routes (pbm_control.c) ---- */
extern const char *const pbm_endpoints[];
extern const char *const pbm_headers[];
const char *pbm_endpoint_of(const char *path);
void pbm_serve(const struct sim_conn *c, const struct sim_request *rq,
	       const char *endpoint, struct simcore_reply *out);
void pbm_request_ref(const struct sim_request *rq, char out[SIM_REF_MAX]);
const char *pbm_fault_body(enum simfault_mode m, const char *endpoint);
int pbm_control(const struct sim_request *rq, json_object *body,
		json_object **reply);

json_object *pbm_error(const char *code, const char *message);

#endif
