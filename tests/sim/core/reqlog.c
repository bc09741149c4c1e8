/* simcore: the log of API requests and connections, and the counters. */
#include "simcore.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LOGGED_REQUESTS 2000000

struct reqlog {
	int64_t t_ms;
	long conn;
	char method[16];
	char path[96];
	char ctype[64];
	int status;
	char error_code[32];
	char ref[SIM_REF_MAX];
};

struct connlog {
	long id;
	char client[256];
	bool resumed; /* a TLS session resumed, not a full handshake */
	int64_t t_open, t_close;
	long requests;
};

/* Everything below is guarded by log_lock; no other lock is taken under it.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reqlog *g_reqs;
static size_t g_nreqs, g_creqs;
static struct connlog **g_conns;
static size_t g_nconns, g_cconns;
static long g_next_conn = 1;
static long g_stat_connections, g_stat_hs_fail, g_stat_requests;

/* Grows a dynamic array to hold one more element; -1 on OOM. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct json_object *str_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

long simlog_conn_open(const char *client_cn, bool resumed)
{
	struct connlog *c = calloc(1, sizeof(*c));
	long id;

	if (!c)
		abort();
	pthread_mutex_lock(&log_lock);
	if (grow((void **)&g_conns, &g_cconns, g_nconns, sizeof(*g_conns)) < 0)
		abort();
	c->id = id = g_next_conn++;
	snprintf(c->client, sizeof(c->client), "%s", client_cn);
	c->resumed = resumed;
	c->t_open = sim_now_ms();
	c->t_close = -1;
	g_conns[g_nconns++] = c;
	g_stat_connections++;
	pthread_mutex_unlock(&log_lock);
	return id;
}

static struct connlog *find_conn(long id)
{
	for (size_t i = g_nconns; i-- > 0;)
		if (g_conns[i]->id == id)
			return g_conns[i];
	return NULL;
}

void simlog_conn_close(long id)
{
	struct connlog *c;

	pthread_mutex_lock(&log_lock);
	c = find_conn(id);
	if (c)
		c->t_close = sim_now_ms();
	pthread_mutex_unlock(&log_lock);
}

void simlog_handshake_failure(void)
{
	pthread_mutex_lock(&log_lock);
	g_stat_hs_fail++;
	pthread_mutex_unlock(&log_lock);
}

long simlog_request(long conn, const struct sim_request *rq, int status,
		    const char *error_code, const char *ref)
{
	struct reqlog *r;
	struct connlog *c;
	long idx = -1;

	pthread_mutex_lock(&log_lock);
	g_stat_requests++;
	c = find_conn(conn);
	if (c)
		c->requests++;
	if (g_nreqs >= MAX_LOGGED_REQUESTS ||
	    grow((void **)&g_reqs, &g_creqs, g_nreqs, sizeof(*g_reqs)) < 0)
		goto out;
	idx = (long)g_nreqs++;
	r = &g_reqs[idx];
	r->t_ms = sim_now_ms();
	r->conn = conn;
	snprintf(r->method, sizeof(r->method), "%s", rq->method);
	/* Long paths and types are cut: the log keeps their start. */
	snprintf(r->path, sizeof(r->path), "%.*s", (int)sizeof(r->path) - 1,
		 rq->path);
	snprintf(r->ctype, sizeof(r->ctype), "%.*s", (int)sizeof(r->ctype) - 1,
		 rq->content_type);
	r->status = status;
	snprintf(r->error_code, sizeof(r->error_code), "%s",
		 error_code ? error_code : "");
	snprintf(r->ref, sizeof(r->ref), "%s", ref ? ref : "");
out:
	pthread_mutex_unlock(&log_lock);
	return idx;
}

static struct json_object *brief_json(const struct reqlog *r)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "method", json_object_new_string(r->method));
	json_object_object_add(s, "path", json_object_new_string(r->path));
	json_object_object_add(s, "t_ms", json_object_new_int64(r->t_ms));
	json_object_object_add(s, "conn", json_object_new_int64(r->conn));
	json_object_object_add(s, "status", json_object_new_int(r->status));
	return s;
}

struct json_object *simlog_request_brief(long idx)
{
	struct json_object *j = NULL;

	pthread_mutex_lock(&log_lock);
	if (idx >= 0 && (size_t)idx < g_nreqs)
		j = brief_json(&g_reqs[idx]);
	pthread_mutex_unlock(&log_lock);
	return j;
}

struct json_object *simlog_requests_json(void)
{
	struct json_object *j = json_object_new_object();
	struct json_object *a = json_object_new_array();

	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < g_nreqs; i++) {
		const struct reqlog *r = &g_reqs[i];
		struct json_object *s = brief_json(r);

		json_object_object_add(s, "content_type",
				       str_or_null(r->ctype));
		json_object_object_add(s, "errorCode",
				       str_or_null(r->error_code));
		json_object_object_add(s, "orderRef", str_or_null(r->ref));
		json_object_array_add(a, s);
	}
	pthread_mutex_unlock(&log_lock);
	json_object_object_add(j, "requests", a);
	return j;
}

struct json_object *simlog_connections_json(void)
{
	struct json_object *j = json_object_new_object();
	struct json_object *a = json_object_new_array();

	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < g_nconns; i++) {
		const struct connlog *c = g_conns[i];
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "id", json_object_new_int64(c->id));
		json_object_object_add(s, "client",
				       json_object_new_string(c->client));
		json_object_object_add(s, "resumed",
				       json_object_new_boolean(c->resumed));
		json_object_object_add(s, "t_open_ms",
				       json_object_new_int64(c->t_open));
		json_object_object_add(
		    s, "t_close_ms",
		    c->t_close >= 0 ? json_object_new_int64(c->t_close) : NULL);
		json_object_object_add(s, "requests",
				       json_object_new_int64(c->requests));
		json_object_array_add(a, s);
	}
	pthread_mutex_unlock(&log_lock);
	json_object_object_add(j, "connections", a);
	return j;
}

struct json_object *simlog_stats_json(void)
{
	struct json_object *j = json_object_new_object();

	pthread_mutex_lock(&log_lock);
	json_object_object_add(j, "connections",
			       json_object_new_int64(g_stat_connections));
	json_object_object_add(j, "handshake_failures",
			       json_object_new_int64(g_stat_hs_fail));
	json_object_object_add(j, "requests",
			       json_object_new_int64(g_stat_requests));
	pthread_mutex_unlock(&log_lock);
	return j;
}

void simlog_reset(void)
{
	size_t keep = 0;

	pthread_mutex_lock(&log_lock);
	g_nreqs = 0;
	/* Open connections keep their records: their threads still use them. */
	for (size_t i = 0; i < g_nconns; i++) {
		if (g_conns[i]->t_close < 0) {
			g_conns[i]->requests = 0;
			g_conns[keep++] = g_conns[i];
		} else {
			free(g_conns[i]);
		}
	}
	g_nconns = keep;
	g_stat_connections = 0;
	g_stat_hs_fail = 0;
	g_stat_requests = 0;
	pthread_mutex_unlock(&log_lock);
}
