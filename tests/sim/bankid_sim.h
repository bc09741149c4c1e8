/* mobileid-sim: the BankID RP API v6 simulator, built on simcore. */
#ifndef BANKID_SIM_H
#define BANKID_SIM_H

#include "core/simcore.h"

#define SIM_UUID_LEN 36
#define SIM_PNO_LEN 12

/* The BankID clock, from the command line (bankid_main.c). */
struct bankid_timing {
	int64_t start_failed_ms, expire_ms, keep_complete_ms;
	int64_t keep_failed_ms, keep_timedout_ms;
	int64_t qr_max_age_s;
};

/* ---- orders (bankid_orders.c) ---- */
enum order_kind { KIND_AUTH, KIND_SIGN, KIND_PHONE_AUTH, KIND_PHONE_SIGN };
enum order_status { ST_PENDING, ST_FAILED, ST_COMPLETE };
enum phone_action { ACT_NONE, ACT_APPROVE, ACT_DENY, ACT_HOLD };

struct order_new {
	enum order_kind kind;
	char pno[SIM_PNO_LEN + 1];
	char end_user_ip[64];
	char *uvd_text; /* decoded userVisibleData, owned by caller */
	char call_initiator[8];
	bool mrtd, return_risk;
	const struct sim_conn *conn;
};

struct order_created {
	char ref[SIM_UUID_LEN + 1];
	char auto_token[SIM_UUID_LEN + 1];
	char qr_token[SIM_UUID_LEN + 1];
	char qr_secret[SIM_UUID_LEN + 1];
};

/* The order store has its own lock; every orders_* function takes it. */
void orders_init(const struct bankid_timing *t);
void orders_reset(void);
/* 0 ok; -1 already in progress (older order failed as cancelled). */
int orders_create(const struct order_new *n, bool mismatch,
		  struct order_created *out);
/* Collect: returns a JSON object or NULL for "No such order". */
struct json_object *orders_collect(const char *ref, const char *client_fp);
/* Cancel: 0 ok, -1 no such order. */
int orders_cancel(const char *ref, const char *client_fp);
/* Request log entry idx concerned order ref (simcore note_request). */
void orders_note_request(const char *ref, long idx);
/* Control phone actions: HTTP status and JSON body to return. */
int orders_scan(const char *qr, enum phone_action act, int64_t delay_ms,
		const char *pno, struct json_object **reply);
int orders_open(const char *pno, enum phone_action act, int64_t delay_ms,
		const char *complete_pno, struct json_object **reply);
/* Ends the start window of an outstanding order now (startFailed, as at
 * start-failed-ms): 200, 404 unknown, 410 not outstanding. */
int orders_lapse(const char *ref, struct json_object **reply);
struct json_object *orders_list_json(void);
struct json_object *orders_one_json(const char *ref);
/* Adds "orders" and "pending" to the control port's stats. */
void orders_stats(struct json_object *stats);

/* ---- the RP API (bankid_api.c) ---- */
extern const char *const bankid_endpoints[];
const char *bankid_endpoint_of(const char *path);
void bankid_serve(const struct sim_conn *c, const struct sim_request *rq,
		  const char *ep, struct simcore_reply *res);
void bankid_request_ref(const struct sim_request *rq, char out[SIM_REF_MAX]);
const char *bankid_fault_body(enum simfault_mode m, const char *ep);
bool bankid_pno_valid(const char *pno);
/* The API's error answer: {"errorCode","details"} with an HTTP status. */
void bankid_set_err(struct simcore_reply *res, int status, const char *code,
		    const char *details);

/* ---- start requests (bankid_start.c) ---- */
void bankid_start(const char *ep, struct json_object *body,
		  const struct sim_conn *c, struct simcore_reply *res);

static inline bool json_is(struct json_object *o, enum json_type t)
{
	return o && json_object_is_type(o, t);
}

/* ---- what the virtual phone computes (bankid_phone.c) ---- */
/* A scanned "bankid.<qrStartToken>.<time>.<hex HMAC>"; points into buf. */
struct bankid_qr {
	char buf[256];
	const char *token, *time_text, *mac;
	long time;
};
/* 0, or -1 when the text is not a BankID QR code. */
int bankid_qr_parse(const char *qr, struct bankid_qr *out);
/* Whether the code's HMAC-SHA256 of its time under secret is right. */
bool bankid_qr_mac_ok(const struct bankid_qr *q, const char *secret);

/* What the completion data of an order is made from. */
struct bankid_completion {
	const char *pno, *client_fp, *uvd, *ref;
	bool sign, mrtd, return_risk;
};
struct json_object *bankid_completion_json(const struct bankid_completion *in);

/* ---- what the virtual phone signs with (bankid_sign.c) ---- */
/* The person a completion is for. */
struct bankid_person {
	const char *pno, *given, *surname, *name;
};
/* The base64 XML signature and OCSP response of a completion (heap). */
void bankid_sign_evidence(const struct bankid_completion *in,
			  const struct bankid_person *p, char **signature,
			  char **ocsp);
/* The PEM of the CA that issues the persons' certificates and signs the
 * OCSP responses (made on first use, the same until the process ends). */
const char *bankid_signer_ca_pem(void);

/* ---- the virtual phone and the order oracle (bankid_control.c) ---- */
int bankid_control(const struct sim_request *rq, struct json_object *body,
		   struct json_object **reply);

#endif
