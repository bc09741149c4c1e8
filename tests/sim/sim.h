/* mobileid-sim: BankID RP API v6 simulator shared declarations. */
#ifndef MOBILEID_SIM_H
#define MOBILEID_SIM_H

#include <json-c/json.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_HEADER_BYTES (16 * 1024)
#define SIM_MAX_BODY_BYTES (256 * 1024)
#define SIM_MAX_JSON_DEPTH 32
#define SIM_UUID_LEN 36
#define SIM_PNO_LEN 12
#define SIM_MAX_PATH 256
#define SIM_MAX_CTYPE 128
#define SIM_THREAD_STACK (256 * 1024)
#define SIM_IDLE_TIMEOUT_S 120
#define SIM_HANDSHAKE_TIMEOUT_S 10

/* ---- configuration (sim_main.c) ---- */
struct sim_config {
	const char *cert, *key, *client_ca;
	const char *listen, *control, *port_file;
	int64_t start_failed_ms, expire_ms, keep_complete_ms;
	int64_t keep_failed_ms, keep_timedout_ms;
	int64_t qr_max_age_s;
	bool verbose;
};
extern struct sim_config sim_cfg;

int64_t sim_now_ms(void);
void sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_sleep_ms(int64_t ms);
int sim_start_thread(void *(*fn)(void *), void *arg);

/* ---- connection + HTTP/1.1 (sim_http.c) ---- */
struct sim_conn {
	int fd;
	SSL *ssl; /* NULL on the plain control port */
	long id;  /* API connection id, 0 on control */
	char client_cn[256];
	char client_fp[65];  /* hex SHA-256 of the client cert DER */
	unsigned char *rbuf; /* read buffer, SIM_MAX_HEADER_BYTES */
	size_t rlen, roff;
	bool dead;
};

struct sim_request {
	char method[16];
	char path[SIM_MAX_PATH];
	char content_type[SIM_MAX_CTYPE];
	bool has_content_type;
	bool keep_alive;
	char *body; /* NUL-terminated, may be NULL */
	size_t body_len;
	int error_status; /* nonzero: request unreadable, answer and close */
	const char *error_text;
};

/* Reads one request; returns 1 ok, 0 clean EOF, -1 error/timeout. */
int http_read_request(struct sim_conn *c, struct sim_request *rq);
void http_request_clear(struct sim_request *rq);
int http_write_all(struct sim_conn *c, const void *buf, size_t len);
/* Writes a complete response with Content-Length; ctype NULL =
 * application/json. */
int http_respond(struct sim_conn *c, int status, const char *ctype,
		 const char *body, size_t len, bool close_conn);
int http_respond_json(struct sim_conn *c, int status, struct json_object *obj,
		      bool close_conn);
const char *http_reason(int status);
/* Blocks until the peer closes the connection (for the hang fault). */
void http_wait_peer_close(struct sim_conn *c);
void http_conn_close(struct sim_conn *c);
int http_listen(const char *spec, int *port_out);

/* ---- orders, logs, stats (sim_orders.c) ---- */
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

extern pthread_mutex_t sim_lock;

/* All orders_* functions take sim_lock themselves. */
void orders_init(void);
void orders_reset(void);
/* 0 ok; -1 already in progress (older order failed as cancelled). */
int orders_create(const struct order_new *n, bool mismatch,
		  struct order_created *out);
/* Collect: returns a JSON object or NULL for "No such order". */
struct json_object *orders_collect(const char *ref, const char *client_fp);
/* Cancel: 0 ok, -1 no such order. */
int orders_cancel(const char *ref, const char *client_fp);
/* Control phone actions: HTTP status and JSON body to return. */
int orders_scan(const char *qr, enum phone_action act, int64_t delay_ms,
		const char *pno, struct json_object **reply);
int orders_open(const char *pno, enum phone_action act, int64_t delay_ms,
		const char *complete_pno, struct json_object **reply);
struct json_object *orders_list_json(void);
struct json_object *orders_one_json(const char *ref);

/* Request/connection log. */
long log_conn_open(const char *client_cn);
void log_conn_close(long id);
void log_handshake_failure(void);
/* Records an API request and returns its index. */
long log_request(long conn, const char *method, const char *path,
		 const char *ctype, int status, const char *error_code,
		 const char *order_ref);
struct json_object *log_requests_json(void);
struct json_object *log_connections_json(void);
struct json_object *log_stats_json(void);

/* ---- BankID API (sim_api.c) ---- */
void *api_conn_thread(void *arg);
bool api_pno_valid(const char *pno);

/* ---- faults (sim_fault.c) ---- */
enum fault_mode {
	FAULT_NONE,
	FAULT_MAINTENANCE,
	FAULT_INTERNAL,
	FAULT_STATUS,
	FAULT_SLOW,
	FAULT_HANG,
	FAULT_DRIP,
	FAULT_GARBAGE,
	FAULT_HTML403,
	FAULT_OVERSIZED,
	FAULT_DEEPNEST,
	FAULT_WRONGTYPE,
	FAULT_BADUTF8,
	FAULT_MISMATCH,
	FAULT_CLOSE
};
struct fault {
	enum fault_mode mode;
	char endpoint[32];
	int64_t delay_ms;
	int64_t bytes;
	int status;
	char *body;
};
/* 0 ok, -1 bad mode. */
int fault_add(struct json_object *spec, char *err, size_t errlen);
void fault_clear(void);
/* Takes one use of the first matching fault (copy into *out, caller frees
 * out->body); mismatch faults match only order-creating endpoints when
 * creating is true, other modes only when it is false. */
bool fault_take(const char *endpoint, bool creating, struct fault *out);
/* Sends the faulty response for modes that replace the answer. */
void fault_respond(struct sim_conn *c, const struct fault *f,
		   const char *endpoint, int *status_out);
const char *fault_mode_name(enum fault_mode m);

/* ---- control API (sim_control.c) ---- */
void *control_conn_thread(void *arg);

#endif
