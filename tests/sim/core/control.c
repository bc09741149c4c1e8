/* simcore: the plain-HTTP control port — health, logs, faults, reset, and
 * new TLS ticket keys, and whatever routes the app adds (its virtual
 * phone, its order oracle). */
#include "simcore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/rand.h>

static struct json_object *ctl_error(const char *msg)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "error", json_object_new_string(msg));
	return j;
}

static struct json_object *ctl_ok(void)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "ok", json_object_new_boolean(1));
	return j;
}

static void ctl_reset(const struct simcore_app *app)
{
	/* The log first: an order made in between only loses its history. */
	simlog_reset();
	simfault_clear();
	if (app->reset)
		app->reset();
}

static int ctl_fault(const struct simcore_app *app, struct json_object *body,
		     struct json_object **reply)
{
	char err[64] = "";

	if (!body || simfault_add(body, app->endpoints, err, sizeof(err)) < 0) {
		*reply = ctl_error(err[0] ? err : "need a JSON object body");
		return 400;
	}
	*reply = ctl_ok();
	return 200;
}

/* New TLS session ticket keys: the tickets handed out so far are no
 * longer taken, as after a restart or a key rotation of a real server. */
static int ctl_tls_forget(const struct simcore_server *srv,
			  struct json_object **reply)
{
	unsigned char keys[80];

	if (RAND_bytes(keys, sizeof(keys)) != 1 ||
	    SSL_CTX_set_tlsext_ticket_keys(srv->ctx, keys, sizeof(keys)) != 1) {
		*reply = ctl_error("cannot set ticket keys");
		return 500;
	}
	*reply = ctl_ok();
	return 200;
}

SSL_TICKET_RETURN simcore_ticket_decrypted(SSL *ssl, SSL_SESSION *ss,
					   const unsigned char *name,
					   size_t name_len,
					   SSL_TICKET_STATUS status, void *arg)
{
	const struct simcore_server *srv = arg;

	(void)ssl;
	(void)ss;
	(void)name;
	(void)name_len;
	switch (status) {
	case SSL_TICKET_SUCCESS:
	case SSL_TICKET_SUCCESS_RENEW:
		if (atomic_load(&srv->break_resumption))
			return SSL_TICKET_RETURN_ABORT;
		return status == SSL_TICKET_SUCCESS
			   ? SSL_TICKET_RETURN_USE
			   : SSL_TICKET_RETURN_USE_RENEW;
	case SSL_TICKET_EMPTY:
	case SSL_TICKET_NO_DECRYPT: return SSL_TICKET_RETURN_IGNORE_RENEW;
	default: return SSL_TICKET_RETURN_IGNORE;
	}
}

static int ctl_route(const struct simcore_server *srv,
		     const struct sim_request *rq, struct json_object *body,
		     struct json_object **reply)
{
	const struct simcore_app *app = srv->app;
	bool get = !strcmp(rq->method, "GET"),
	     post = !strcmp(rq->method, "POST");
	const char *p = rq->path;
	int status;

	if (get && !strcmp(p, "/health")) {
		*reply = ctl_ok();
		return 200;
	}
	if (get && !strcmp(p, "/stats")) {
		*reply = simlog_stats_json();
		if (app->stats)
			app->stats(*reply);
		return 200;
	}
	if (get && !strcmp(p, "/requests")) {
		*reply = simlog_requests_json();
		return 200;
	}
	if (get && !strcmp(p, "/connections")) {
		*reply = simlog_connections_json();
		return 200;
	}
	if (post && !strcmp(p, "/reset")) {
		atomic_store(&((struct simcore_server *)srv)->break_resumption,
			     false);
		ctl_reset(app);
		*reply = ctl_ok();
		return 200;
	}
	if (post && !strcmp(p, "/fault"))
		return ctl_fault(app, body, reply);
	if (post && !strcmp(p, "/tls/forget"))
		return ctl_tls_forget(srv, reply);
	if (post && !strcmp(p, "/tls/break-resumption")) {
		atomic_store(&((struct simcore_server *)srv)->break_resumption,
			     true);
		*reply = ctl_ok();
		return 200;
	}
	status = app->control ? app->control(rq, body, reply) : 0;
	if (status)
		return status;
	*reply = ctl_error("no such control endpoint");
	return 404;
}

/* A JSON object body, or NULL (also for any other JSON value). */
static struct json_object *object_body(const struct sim_request *rq)
{
	struct json_object *body;

	if (!rq->body || !rq->body_len)
		return NULL;
	body = json_tokener_parse(rq->body);
	if (body && !json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		body = NULL;
	}
	return body;
}

/* Answers one control request; false when the connection must end. */
static bool serve_one(struct sim_conn *c, const struct sim_request *rq)
{
	struct json_object *body = NULL, *reply = NULL;
	bool keep = rq->keep_alive && !rq->error_status;
	int status;

	if (rq->error_status) {
		reply =
		    ctl_error(rq->error_text ? rq->error_text : "bad request");
		status = rq->error_status;
	} else {
		body = object_body(rq);
		status = ctl_route(c->srv, rq, body, &reply);
	}
	if (c->srv->verbose)
		sim_log("control %s %s -> %d", rq->method, rq->path, status);
	simhttp_respond_json(c, status, reply, !keep);
	json_object_put(reply);
	json_object_put(body);
	return keep && !c->dead;
}

void *simcore_control_thread(void *arg)
{
	struct sim_conn *c = arg;
	struct sim_request rq;
	struct timeval tv = {.tv_sec = SIM_IDLE_TIMEOUT_S};

	memset(&rq, 0, sizeof(rq));
	c->rbuf = malloc(SIM_MAX_HEADER_BYTES);
	if (!c->rbuf)
		goto out;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (simhttp_read_request(c, &rq) > 0 && serve_one(c, &rq))
		simhttp_request_clear(&rq);
out:
	simhttp_request_clear(&rq);
	simhttp_conn_close(c);
	free(c);
	return NULL;
}
