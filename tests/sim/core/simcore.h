/* simcore: the provider-neutral half of a test simulator — an HTTPS API
 * server that demands a client certificate, a strict HTTP/1.1 parser, a
 * request/connection log, injected faults and a plain-HTTP control port.
 * A simulator (BankID, PassBy[ME], Toopher, ...) fills a struct simcore_app
 * with its endpoints and calls simcore_main(); see tests/sim/README.md. */
#ifndef SIMCORE_H
#define SIMCORE_H

#include <json-c/json.h>
#include <openssl/ssl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_HEADER_BYTES (16 * 1024)
#define SIM_MAX_BODY_BYTES (256 * 1024)
#define SIM_MAX_JSON_DEPTH 32
#define SIM_MAX_PATH 256
#define SIM_MAX_CTYPE 128
#define SIM_REF_MAX 64 /* longest order reference kept in the request log */
#define SIM_THREAD_STACK (256 * 1024)
#define SIM_IDLE_TIMEOUT_S 120
#define SIM_APP_HEADERS 4      /* headers an app may ask to see */
#define SIM_APP_HEADER_MAX 512 /* longest value kept */
#define SIM_HANDSHAKE_TIMEOUT_S 10

/* ---- small utilities (server.c) ---- */
int64_t sim_now_ms(void); /* monotonic, from the simulator's start */
void sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_sleep_ms(int64_t ms);
struct simcore_server;
/* The Date header's value: now, off by the server's --date-offset-s. */
void sim_http_date(const struct simcore_server *srv, char *buf, size_t n);
int sim_start_thread(void *(*fn)(void *), void *arg);

/* ---- one connection, one request (http.c) ---- */
struct simcore_server;

struct sim_conn {
	int fd;
	SSL *ssl; /* NULL on the plain control port */
	long id;  /* API connection id, 0 on control */
	char client_cn[256];
	char client_fp[65];  /* hex SHA-256 of the client cert DER */
	unsigned char *rbuf; /* read buffer, SIM_MAX_HEADER_BYTES */
	size_t rlen, roff;
	bool dead;
	const struct simcore_server *srv;
};

struct sim_request {
	char method[16];
	char path[SIM_MAX_PATH];
	char content_type[SIM_MAX_CTYPE]; /* "" when absent */
	bool has_content_type;
	bool keep_alive;
	char *body; /* NUL-terminated, may be NULL */
	size_t body_len;
	int error_status; /* nonzero: request unreadable, answer and close */
	const char *error_text;
	/* the values of the app's headers (simcore_app.headers), in that
	 * order; NULL when the request has none */
	char *header[SIM_APP_HEADERS];
};

/* One CRLF- (or LF-) terminated line of at most max bytes: 0, -1 on
 * EOF/error, -2 too long (conn.c). */
int simconn_getline(struct sim_conn *c, char *line, size_t max);
int simconn_read_exact(struct sim_conn *c, char *dst, size_t n);

/* Reads one request; returns 1 ok, 0 clean EOF, -1 error/timeout. */
int simhttp_read_request(struct sim_conn *c, struct sim_request *rq);
void simhttp_request_clear(struct sim_request *rq);
/* The body as one strict JSON object (depth cap, UTF-8 checked, only
 * whitespace after it); NULL when it is anything else. */
struct json_object *simhttp_json_body(const struct sim_request *rq);
int simhttp_write_all(struct sim_conn *c, const void *buf, size_t len);
/* Writes a complete response with Content-Length; ctype NULL =
 * application/json. */
int simhttp_respond(struct sim_conn *c, int status, const char *ctype,
		    const char *body, size_t len, bool close_conn);
int simhttp_respond_json(struct sim_conn *c, int status,
			 struct json_object *obj, bool close_conn);
const char *simhttp_reason(int status);
/* Blocks until the peer closes the connection (for the hang fault). */
void simhttp_wait_peer_close(struct sim_conn *c);
void simhttp_conn_close(struct sim_conn *c);
/* Listening socket for "host:port" ("[::1]:0" too); -1 on error. */
int simhttp_listen(const char *spec, int *port_out);

/* ---- request and connection log, counters (reqlog.c) ---- */
long simlog_conn_open(const char *client_cn, bool resumed);
void simlog_conn_close(long id);
void simlog_handshake_failure(void);
/* Records an API request; returns its index (-1 when the log is full). */
long simlog_request(long conn, const struct sim_request *rq, int status,
		    const char *error_code, const char *ref);
/* {method, path, t_ms, conn, status} of request idx; NULL if none. */
struct json_object *simlog_request_brief(long idx);
struct json_object *simlog_requests_json(void);
struct json_object *simlog_connections_json(void);
/* {connections, handshake_failures, requests} */
struct json_object *simlog_stats_json(void);
/* Forgets requests, closed connections and counters. */
void simlog_reset(void);

/* ---- injected faults (fault.c) ---- */
enum simfault_mode {
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
struct simfault {
	enum simfault_mode mode;
	char endpoint[32];
	int64_t delay_ms;
	int64_t bytes;
	int status;
	char *body;
};
/* 0 ok, -1 bad spec (message in err); endpoints is the app's list. */
int simfault_add(struct json_object *spec, const char *const *endpoints,
		 char *err, size_t errlen);
void simfault_clear(void);
/* Takes one use of the first matching fault (copy into *out, caller frees
 * out->body); mismatch faults match only when creating is true (an
 * order-creating endpoint asks), other modes only when it is false. */
bool simfault_take(const char *endpoint, bool creating, struct simfault *out);
const char *simfault_mode_name(enum simfault_mode m);
/* Status the request log records for a faulted request (0: none sent). */
int simfault_logged_status(const struct simfault *f);
/* Sends the answer of a fault that replaces the real one (all modes but
 * slow, drip and mismatch). */
void simfault_respond(struct sim_conn *c, const struct simfault *f,
		      const char *endpoint);

/* ---- the simulator that uses the core ---- */
struct simcore_reply {
	int status;
	const char *error_code;	  /* for the request log; NULL when none */
	char ref[SIM_REF_MAX];	  /* order the request concerns, for the log */
	struct json_object *body; /* sent as JSON, owned by the reply */
};

struct simcore_option {
	const char *name; /* --name N, a non-negative integer */
	int64_t *value;
};

struct simcore_app {
	const char *name;  /* program name for messages */
	const char *usage; /* the app's own options, for --help */
	/* request headers the app reads (sim_request.header), NULL-ended,
	 * at most SIM_APP_HEADERS; NULL: none */
	const char *const *headers;
	const struct simcore_option *options; /* ends with a NULL name */
	const char *const *endpoints; /* fault endpoint names, NULL-ended */
	/* Endpoint name of an API path; NULL when the path is none. */
	const char *(*endpoint_of)(const char *path);
	/* Decides the answer to one request (rq->error_status may be set,
	 * endpoint may be NULL); must set status and body. */
	void (*serve)(const struct sim_conn *c, const struct sim_request *rq,
		      const char *endpoint, struct simcore_reply *out);
	/* Optional: the order a request body names, so that faulted requests
	 * still appear in that order's history. */
	void (*request_ref)(const struct sim_request *rq,
			    char out[SIM_REF_MAX]);
	/* Optional: request log entry idx concerned order ref. */
	void (*note_request)(const char *ref, long idx);
	/* Body of the maintenance, internal, wrongtype and badutf8 faults at
	 * an endpoint; NULL: "{}". */
	const char *(*fault_body)(enum simfault_mode m, const char *endpoint);
	/* Optional control routes: HTTP status, 0 when the route is not the
	 * app's (the core answers 404). body is NULL or a JSON object. */
	int (*control)(const struct sim_request *rq, struct json_object *body,
		       struct json_object **reply);
	void (*stats)(struct json_object *stats); /* optional: add counters */
	void (*reset)(void);			  /* optional: POST /reset */
};

struct simcore_server {
	const struct simcore_app *app;
	SSL_CTX *ctx; /* API TLS context: server cert, client CA required */
	bool verbose;
	int64_t date_offset_s; /* --date-offset-s: a server clock that is off */
	/* POST /tls/break-resumption: a handshake offering a ticket of ours
	 * is aborted (a server whose resumption is broken); /reset ends it */
	atomic_bool break_resumption;
};

/* The API context's ticket callback (control.c): tickets are taken as
 * OpenSSL would, unless srv (arg) breaks resumption. */
SSL_TICKET_RETURN simcore_ticket_decrypted(SSL *ssl, SSL_SESSION *ss,
					   const unsigned char *name,
					   size_t name_len,
					   SSL_TICKET_STATUS status, void *arg);

/* Parses the common and the app's options, listens and serves until
 * SIGTERM/SIGINT; never returns. */
_Noreturn void simcore_main(const struct simcore_app *app, int argc,
			    char **argv);

/* Internal to the core: one thread per accepted connection. */
void *simcore_api_thread(void *arg);
void *simcore_control_thread(void *arg);

#endif
