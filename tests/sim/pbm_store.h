/* passbyme-sim: a message and its recipients, shared by the store
 * (pbm_messages.c, which owns the lock), the life cycle
 * (pbm_lifecycle.c) and the JSON views (pbm_json.c). */
#ifndef PBM_STORE_H
#define PBM_STORE_H

#include "pbm_sim.h"

#define NEVER INT64_MAX

enum rstatus {
	RS_PENDING,
	RS_NOTIFIED,
	RS_DOWNLOADED,
	RS_SEEN,
	RS_NOT_SEEN,
	RS_NOT_NOTIFIED,
	RS_NOT_DOWNLOADED,
	RS_NO_DEVICE,
	RS_FAILED,
	RS_DISABLED,
	RS_CANCELLED,
	RS_APPROVED,
	RS_DENIED
};
extern const char *const pbm_rs_names[];

struct recipient {
	char user[PBM_ID_MAX + 1];
	char reported[PBM_ID_MAX + 1]; /* the userId the replies name */
	enum rstatus st;
	int64_t t_notify, t_download, t_answer, t_final;
	enum pbm_answer ans;
	char as[PBM_ID_MAX + 1];
};

struct message {
	char id[40];
	char secure_id[8];
	char client_fp[65], client_cn[256];
	char *subject, *body, type[16];
	int64_t availability, created, expires, expires_wall;
	int n;
	struct recipient rec[PBM_MAX_RECIPIENTS];
	bool cancelled;
	int tracks, deletes;
	json_object *requests; /* brief request log entries */
	struct message *next;
};

/* a final status never changes again */
bool pbm_final(enum rstatus s);
void pbm_finish(struct recipient *r, enum rstatus s, int64_t t);
/* Applies every transition of r due by now, in time order. */
void pbm_advance(struct message *m, struct recipient *r, int64_t now);
/* Advances every recipient; when the last became final, or NEVER. */
int64_t pbm_last_final(struct message *m, int64_t now);

void pbm_random_id(char *out, size_t len);
/* the SessionInfo the API answers */
json_object *pbm_session_json(const struct message *m);
/* the oracle's view: SessionInfo and what the simulator knows */
json_object *pbm_message_json(struct message *m, int64_t now);

#endif
