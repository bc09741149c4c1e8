/* simcore: one API connection — TLS handshake with a client certificate,
 * then request after request: fault, app answer, log, response. */
#include "simcore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

/* The faulty answer replaces the real one; the request is still logged.
 * Returns whether the connection goes on. */
static bool serve_fault(struct sim_conn *c, const struct sim_request *rq,
			const char *ep, const struct simfault *f, bool keep)
{
	const struct simcore_app *app = c->srv->app;
	char ref[SIM_REF_MAX] = "";
	long idx;

	if (app->request_ref)
		app->request_ref(rq, ref);
	idx = simlog_request(c->id, rq, simfault_logged_status(f),
			     f->mode == FAULT_INTERNAL
				 ? "internalError"
				 : simfault_mode_name(f->mode),
			     ref);
	if (ref[0] && app->note_request)
		app->note_request(ref, idx);
	simfault_respond(c, f, ep);
	return !c->dead && keep && f->mode != FAULT_HANG &&
	       f->mode != FAULT_CLOSE;
}

/* One byte at a time, headers included, to test client read timeouts. */
static void respond_drip(struct sim_conn *c, const struct simcore_reply *res,
			 int64_t delay_ms)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(
	    res->body, JSON_C_TO_STRING_PLAIN, &len);
	char head[256];
	int hn = snprintf(head, sizeof(head),
			  "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\n\r\n",
			  res->status, simhttp_reason(res->status), len);

	for (int i = 0; i < hn && !c->dead; i++) {
		simhttp_write_all(c, head + i, 1);
		sim_sleep_ms(delay_ms);
	}
	for (size_t i = 0; i < len && !c->dead; i++) {
		simhttp_write_all(c, s + i, 1);
		sim_sleep_ms(delay_ms);
	}
}

/* Serves one API request; false when the connection must end. */
static bool serve_one(struct sim_conn *c, const struct sim_request *rq)
{
	const struct simcore_app *app = c->srv->app;
	const char *ep = app->endpoint_of(rq->path);
	struct simcore_reply res;
	struct simfault f;
	bool faulted = false, keep = rq->keep_alive && !rq->error_status;
	long idx;

	memset(&res, 0, sizeof(res));
	memset(&f, 0, sizeof(f));
	if (ep && !rq->error_status)
		faulted = simfault_take(ep, false, &f);
	if (faulted && f.mode == FAULT_SLOW)
		sim_sleep_ms(f.delay_ms);
	if (faulted && f.mode != FAULT_SLOW && f.mode != FAULT_DRIP) {
		keep = serve_fault(c, rq, ep, &f, keep);
		free(f.body);
		return keep;
	}
	app->serve(c, rq, ep, &res);
	if (!res.body)
		res.body = json_object_new_object();
	idx = simlog_request(c->id, rq, res.status, res.error_code, res.ref);
	if (res.ref[0] && app->note_request)
		app->note_request(res.ref, idx);
	if (c->srv->verbose)
		sim_log("conn %ld %s %s -> %d %s", c->id, rq->method, rq->path,
			res.status, res.error_code ? res.error_code : "");
	if (faulted && f.mode == FAULT_DRIP)
		respond_drip(c, &res, f.delay_ms);
	else
		simhttp_respond_json(c, res.status, res.body, !keep);
	json_object_put(res.body);
	free(f.body);
	return !c->dead && keep;
}

static void cert_identity(struct sim_conn *c)
{
	X509 *x = SSL_get1_peer_certificate(c->ssl);
	unsigned char md[32];
	unsigned mdlen = 0;

	if (!x)
		return;
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
				  c->client_cn, sizeof(c->client_cn));
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(c->client_fp + 2 * i, 3, "%02x", md[i]);
	X509_free(x);
}

static void set_timeout(int fd, int secs)
{
	struct timeval tv = {.tv_sec = secs};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* TLS handshake that demands a client certificate; 0 or -1. */
static int handshake(struct sim_conn *c)
{
	c->ssl = SSL_new(c->srv->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return -1;
	set_timeout(c->fd, SIM_HANDSHAKE_TIMEOUT_S);
	if (SSL_accept(c->ssl) != 1) {
		if (c->srv->verbose) {
			char e[256];

			ERR_error_string_n(ERR_peek_error(), e, sizeof(e));
			sim_log("handshake failed: %s", e);
		}
		ERR_clear_error();
		simlog_handshake_failure();
		c->dead = true;
		return -1;
	}
	cert_identity(c);
	set_timeout(c->fd, SIM_IDLE_TIMEOUT_S);
	return 0;
}

void *simcore_api_thread(void *arg)
{
	struct sim_conn *c = arg;
	struct sim_request rq;

	memset(&rq, 0, sizeof(rq));
	c->rbuf = malloc(SIM_MAX_HEADER_BYTES);
	if (!c->rbuf || handshake(c) < 0)
		goto out;
	c->id = simlog_conn_open(c->client_cn, SSL_session_reused(c->ssl));
	while (simhttp_read_request(c, &rq) > 0 && serve_one(c, &rq))
		simhttp_request_clear(&rq);
	simlog_conn_close(c->id);
out:
	simhttp_request_clear(&rq);
	simhttp_conn_close(c);
	free(c);
	return NULL;
}
