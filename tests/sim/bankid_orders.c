/* mobileid-sim: the BankID order store and state machine. */
#include "bankid_sim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define DEFAULT_PNO "199001011239"
#define MISMATCH_PNO "198103229871"
#define MISMATCH_PNO_ALT "191212121212"

/* Everything below is guarded by orders_lock; under it only the request
 * log's own lock is taken (simlog_request_brief). */
static pthread_mutex_t orders_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct bankid_timing *g_t;
/* MOBILEID_SIM_SECRETS: a file that gets every qrStartSecret handed out,
 * so that the test suite can look for them in the module's logs */
static FILE *g_secrets;

struct scan {
	int64_t t_ms;
	long qr_time;
	const char *result;
};

struct order {
	struct order_created ids;
	enum order_kind kind;
	char pno[SIM_PNO_LEN + 1];
	char end_user_ip[64];
	char *uvd;
	char call_initiator[8];
	bool mrtd, return_risk, mismatch, rp_cancelled;
	char client_fp[65];
	char client_cn[256];
	enum order_status status;
	const char *hint;
	int64_t created_ms, picked_ms, final_ms;
	enum phone_action action;
	int64_t action_at_ms;
	char complete_pno[SIM_PNO_LEN + 1];
	const char *via;
	struct scan *scans;
	size_t nscans;
	long *reqs;
	size_t nreqs;
	long collects;
	char *completion; /* completionData once made: signed only once */
};

static struct order **g_orders;
static size_t g_norders, g_corders;

static const char *kind_name(enum order_kind k)
{
	switch (k) {
	case KIND_AUTH: return "auth";
	case KIND_SIGN: return "sign";
	case KIND_PHONE_AUTH: return "phone/auth";
	default: return "phone/sign";
	}
}

static const char *status_name(enum order_status s)
{
	return s == ST_PENDING	? "pending"
	       : s == ST_FAILED ? "failed"
				: "complete";
}

/* Grows a dynamic array to hold one more element; -1 on OOM. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = realloc(*arr, ncap * elem);

	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static void uuid4(char out[SIM_UUID_LEN + 1])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		abort();
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, SIM_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

static void order_free(struct order *o)
{
	if (!o)
		return;
	free(o->uvd);
	free(o->completion);
	free(o->scans);
	free(o->reqs);
	free(o);
}

void orders_init(const struct bankid_timing *t)
{
	const char *path = getenv("MOBILEID_SIM_SECRETS");

	g_t = t;
	if (path && *path)
		g_secrets = fopen(path, "a");
}

void orders_reset(void)
{
	pthread_mutex_lock(&orders_lock);
	for (size_t i = 0; i < g_norders; i++)
		order_free(g_orders[i]);
	g_norders = 0;
	pthread_mutex_unlock(&orders_lock);
}

static void order_finish(struct order *o, enum order_status st,
			 const char *hint, int64_t at)
{
	o->status = st;
	o->hint = hint;
	o->final_ms = at;
}

/* Advances one order along the clock; lock held. */
static void order_tick(struct order *o, int64_t now)
{
	int64_t exp_at;

	if (o->rp_cancelled || o->status != ST_PENDING)
		return;
	if (!strcmp(o->hint, "outstandingTransaction")) {
		if (now - o->created_ms >= g_t->start_failed_ms)
			order_finish(o, ST_FAILED, "startFailed",
				     o->created_ms + g_t->start_failed_ms);
		return;
	}
	exp_at = o->picked_ms + g_t->expire_ms;
	if ((o->action == ACT_APPROVE || o->action == ACT_DENY) &&
	    o->action_at_ms <= now && o->action_at_ms < exp_at) {
		if (o->action == ACT_APPROVE)
			order_finish(o, ST_COMPLETE, NULL, o->action_at_ms);
		else
			order_finish(o, ST_FAILED, "userCancel",
				     o->action_at_ms);
		return;
	}
	if (now >= exp_at)
		order_finish(o, ST_FAILED, "expiredTransaction", exp_at);
}

static bool order_visible(const struct order *o, int64_t now)
{
	int64_t keep;

	if (o->rp_cancelled)
		return false;
	if (o->status == ST_PENDING)
		return true;
	if (o->status == ST_COMPLETE)
		keep = g_t->keep_complete_ms;
	else if (!strcmp(o->hint, "startFailed"))
		keep = g_t->keep_timedout_ms;
	else
		keep = g_t->keep_failed_ms;
	return now - o->final_ms < keep;
}

static struct order *find_ref(const char *ref)
{
	for (size_t i = g_norders; i-- > 0;)
		if (!strcmp(g_orders[i]->ids.ref, ref))
			return g_orders[i];
	return NULL;
}

/* A new pending order with fresh references; aborts when out of memory. */
static struct order *order_new(const struct order_new *n, bool mismatch,
			       int64_t now)
{
	struct order *o = calloc(1, sizeof(*o));

	if (!o)
		abort();
	uuid4(o->ids.ref);
	uuid4(o->ids.auto_token);
	uuid4(o->ids.qr_token);
	uuid4(o->ids.qr_secret);
	o->kind = n->kind;
	snprintf(o->pno, sizeof(o->pno), "%s", n->pno);
	snprintf(o->end_user_ip, sizeof(o->end_user_ip), "%s", n->end_user_ip);
	snprintf(o->call_initiator, sizeof(o->call_initiator), "%s",
		 n->call_initiator);
	if (n->uvd_text && !(o->uvd = strdup(n->uvd_text)))
		abort();
	o->mrtd = n->mrtd;
	o->return_risk = n->return_risk;
	o->mismatch = mismatch;
	snprintf(o->client_fp, sizeof(o->client_fp), "%s", n->conn->client_fp);
	snprintf(o->client_cn, sizeof(o->client_cn), "%s", n->conn->client_cn);
	o->status = ST_PENDING;
	o->hint = "outstandingTransaction";
	o->created_ms = now;
	o->final_ms = -1;
	o->picked_ms = -1;
	return o;
}

int orders_create(const struct order_new *n, bool mismatch,
		  struct order_created *out)
{
	int64_t now = sim_now_ms();
	struct order *o;
	int r = -1;
	bool busy = false;

	pthread_mutex_lock(&orders_lock);
	if (n->pno[0]) {
		for (size_t i = 0; i < g_norders; i++) {
			struct order *p = g_orders[i];

			order_tick(p, now);
			if (p->rp_cancelled || p->status != ST_PENDING ||
			    strcmp(p->pno, n->pno))
				continue;
			/* BankID aborts the older order when a second one
			 * arrives. */
			order_finish(p, ST_FAILED, "cancelled", now);
			busy = true;
		}
	}
	if (busy)
		goto out;
	o = order_new(n, mismatch, now);
	if (g_secrets) {
		fprintf(g_secrets, "%s\n", o->ids.qr_secret);
		fflush(g_secrets);
	}
	if (grow((void **)&g_orders, &g_corders, g_norders, sizeof(*g_orders)) <
	    0)
		abort();
	*out = o->ids;
	g_orders[g_norders++] = o;
	r = 0;
out:
	pthread_mutex_unlock(&orders_lock);
	return r;
}

static const char *completion_pno(const struct order *o)
{
	const char *p = o->complete_pno[0] ? o->complete_pno
			: o->pno[0]	   ? o->pno
					   : DEFAULT_PNO;

	if (o->mismatch)
		return strcmp(p, MISMATCH_PNO) ? MISMATCH_PNO
					       : MISMATCH_PNO_ALT;
	return p;
}

static struct json_object *completion_json(struct order *o)
{
	const struct bankid_completion in = {
	    .pno = completion_pno(o),
	    .client_fp = o->client_fp,
	    .uvd = o->uvd,
	    .ref = o->ids.ref,
	    .sign = o->kind == KIND_SIGN || o->kind == KIND_PHONE_SIGN,
	    .mrtd = o->mrtd,
	    .return_risk = o->return_risk,
	};

	struct json_object *j;

	/* every collect answers the same signature; a fresh copy each time,
	 * as json-c's reference counts are not shared across threads */
	if (!o->completion) {
		j = bankid_completion_json(&in);
		o->completion = strdup(json_object_to_json_string_ext(
		    j,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	}
	return o->completion ? json_tokener_parse(o->completion) : NULL;
}

struct json_object *orders_collect(const char *ref, const char *client_fp)
{
	int64_t now = sim_now_ms();
	struct json_object *j = NULL;
	struct order *o;

	pthread_mutex_lock(&orders_lock);
	o = find_ref(ref);
	if (!o || strcmp(o->client_fp, client_fp))
		goto out;
	order_tick(o, now);
	if (!order_visible(o, now))
		goto out;
	o->collects++;
	j = json_object_new_object();
	json_object_object_add(j, "orderRef",
			       json_object_new_string(o->ids.ref));
	json_object_object_add(j, "status",
			       json_object_new_string(status_name(o->status)));
	if (o->status == ST_COMPLETE)
		json_object_object_add(j, "completionData", completion_json(o));
	else
		json_object_object_add(j, "hintCode",
				       json_object_new_string(o->hint));
out:
	pthread_mutex_unlock(&orders_lock);
	return j;
}

int orders_cancel(const char *ref, const char *client_fp)
{
	int64_t now = sim_now_ms();
	struct order *o;
	int r = -1;

	pthread_mutex_lock(&orders_lock);
	o = find_ref(ref);
	if (!o || strcmp(o->client_fp, client_fp))
		goto out;
	order_tick(o, now);
	/* Only a pending order can be cancelled; final ones are
	 * invalidParameters. */
	if (o->rp_cancelled || o->status != ST_PENDING)
		goto out;
	o->rp_cancelled = true;
	order_finish(o, ST_FAILED, "cancelled", now);
	r = 0;
out:
	pthread_mutex_unlock(&orders_lock);
	return r;
}

static struct json_object *err_obj(const char *msg)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "error", json_object_new_string(msg));
	return j;
}

/* Picks the order up in the app and schedules the user's answer; lock held. */
static void order_pick(struct order *o, enum phone_action act, int64_t delay_ms,
		       const char *complete_pno, const char *via, int64_t now)
{
	if (o->picked_ms < 0)
		o->picked_ms = now;
	o->hint = "userSign";
	o->via = via;
	o->action = act;
	o->action_at_ms = now + (delay_ms > 0 ? delay_ms : 0);
	if (complete_pno && complete_pno[0])
		snprintf(o->complete_pno, sizeof(o->complete_pno), "%s",
			 complete_pno);
	order_tick(o, now);
}

static void add_scan(struct order *o, int64_t now, long qt, const char *res)
{
	struct scan *s = realloc(o->scans, (o->nscans + 1) * sizeof(*s));

	if (!s)
		return;
	o->scans = s;
	s[o->nscans].t_ms = now;
	s[o->nscans].qr_time = qt;
	s[o->nscans].result = res;
	o->nscans++;
}

/* The order whose QR code was scanned; lock held. */
static struct order *find_qr_token(const char *token)
{
	for (size_t i = g_norders; i-- > 0;)
		if (!strcmp(g_orders[i]->ids.qr_token, token))
			return g_orders[i];
	return NULL;
}

/* Why a scan of o's code fails (HTTP status, reply), 0 when it does not;
 * lock held. */
static int scan_refused(struct order *o, const struct bankid_qr *q, int64_t now,
			struct json_object **reply)
{
	int64_t age = (now - o->created_ms) / 1000;

	if (!bankid_qr_mac_ok(q, o->ids.qr_secret)) {
		add_scan(o, now, q->time, "bad hmac");
		*reply = err_obj("bad hmac");
		return 403;
	}
	if (q->time > age + 1 || age - q->time > g_t->qr_max_age_s) {
		add_scan(o, now, q->time, "stale");
		*reply = err_obj("stale");
		return 409;
	}
	order_tick(o, now);
	if (o->rp_cancelled || o->status != ST_PENDING ||
	    strcmp(o->hint, "outstandingTransaction")) {
		add_scan(o, now, q->time, "gone");
		*reply = err_obj("order not outstanding");
		json_object_object_add(
		    *reply, "status",
		    json_object_new_string(status_name(o->status)));
		return 410;
	}
	return 0;
}

static struct json_object *ref_reply(const struct order *o)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "orderRef",
			       json_object_new_string(o->ids.ref));
	return j;
}

int orders_scan(const char *qr, enum phone_action act, int64_t delay_ms,
		const char *pno, struct json_object **reply)
{
	int64_t now = sim_now_ms();
	struct bankid_qr q;
	struct order *o;
	int status;

	if (bankid_qr_parse(qr, &q) < 0) {
		*reply = err_obj("bad qr");
		return 400;
	}
	pthread_mutex_lock(&orders_lock);
	o = find_qr_token(q.token);
	if (!o) {
		*reply = err_obj("unknown token");
		status = 404;
		goto out;
	}
	status = scan_refused(o, &q, now, reply);
	if (status)
		goto out;
	add_scan(o, now, q.time, "ok");
	order_pick(o, act, delay_ms, pno, "qr", now);
	*reply = ref_reply(o);
	status = 200;
out:
	pthread_mutex_unlock(&orders_lock);
	return status;
}

int orders_open(const char *pno, enum phone_action act, int64_t delay_ms,
		const char *complete_pno, struct json_object **reply)
{
	int64_t now = sim_now_ms();
	struct order *o = NULL;
	int status = 404;

	pthread_mutex_lock(&orders_lock);
	for (size_t i = g_norders; i-- > 0;) {
		struct order *p = g_orders[i];

		order_tick(p, now);
		if (p->rp_cancelled || p->status != ST_PENDING ||
		    strcmp(p->pno, pno))
			continue;
		/* A held order (userSign, no answer yet) can be answered again.
		 */
		if (strcmp(p->hint, "outstandingTransaction") &&
		    p->action != ACT_HOLD)
			continue;
		o = p;
		break;
	}
	if (!o) {
		*reply = err_obj("no pending order");
		goto out;
	}
	order_pick(o, act, delay_ms, complete_pno, "pno", now);
	*reply = ref_reply(o);
	status = 200;
out:
	pthread_mutex_unlock(&orders_lock);
	return status;
}

int orders_lapse(const char *ref, struct json_object **reply)
{
	int64_t now = sim_now_ms();
	struct order *o;
	int status = 404;

	pthread_mutex_lock(&orders_lock);
	o = find_ref(ref);
	if (!o) {
		*reply = err_obj("unknown order");
		goto out;
	}
	order_tick(o, now);
	if (o->rp_cancelled || o->status != ST_PENDING ||
	    strcmp(o->hint, "outstandingTransaction")) {
		*reply = err_obj("order not outstanding");
		status = 410;
		goto out;
	}
	/* what the clock does at start-failed-ms, now */
	order_finish(o, ST_FAILED, "startFailed", now);
	*reply = ref_reply(o);
	status = 200;
out:
	pthread_mutex_unlock(&orders_lock);
	return status;
}

static struct json_object *str_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static bool has_conn(struct json_object *conns, long conn)
{
	for (size_t k = 0; k < json_object_array_length(conns); k++)
		if (json_object_get_int64(
			json_object_array_get_idx(conns, k)) == conn)
			return true;
	return false;
}

static struct json_object *scans_json(const struct order *o)
{
	struct json_object *scans = json_object_new_array();

	for (size_t i = 0; i < o->nscans; i++) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "t_ms",
				       json_object_new_int64(o->scans[i].t_ms));
		json_object_object_add(
		    s, "qrTime", json_object_new_int64(o->scans[i].qr_time));
		json_object_object_add(
		    s, "result", json_object_new_string(o->scans[i].result));
		json_object_array_add(scans, s);
	}
	return scans;
}

/* "requests" of the order from the request log, and the "connections"
 * they came on. */
static void add_history(struct json_object *j, const struct order *o)
{
	struct json_object *reqs = json_object_new_array();
	struct json_object *conns = json_object_new_array();
	long last_conn = -1;

	for (size_t i = 0; i < o->nreqs; i++) {
		struct json_object *r = simlog_request_brief(o->reqs[i]);
		long conn;

		if (!r)
			continue;
		json_object_array_add(reqs, r);
		conn = (long)json_object_get_int64(
		    json_object_object_get(r, "conn"));
		if (conn != last_conn && !has_conn(conns, conn))
			json_object_array_add(conns,
					      json_object_new_int64(conn));
		last_conn = conn;
	}
	json_object_object_add(j, "requests", reqs);
	json_object_object_add(j, "connections", conns);
}

static struct json_object *order_json(struct order *o, int64_t now)
{
	struct json_object *j = json_object_new_object();

	order_tick(o, now);
	json_object_object_add(j, "orderRef",
			       json_object_new_string(o->ids.ref));
	json_object_object_add(j, "kind",
			       json_object_new_string(kind_name(o->kind)));
	json_object_object_add(j, "personalNumber", str_or_null(o->pno));
	json_object_object_add(j, "endUserIp", str_or_null(o->end_user_ip));
	json_object_object_add(j, "userVisibleData",
			       o->uvd ? json_object_new_string(o->uvd) : NULL);
	json_object_object_add(j, "callInitiator",
			       str_or_null(o->call_initiator));
	json_object_object_add(j, "status",
			       json_object_new_string(status_name(o->status)));
	json_object_object_add(j, "hintCode", str_or_null(o->hint));
	json_object_object_add(j, "created_ms",
			       json_object_new_int64(o->created_ms));
	json_object_object_add(
	    j, "final_ms",
	    o->final_ms >= 0 ? json_object_new_int64(o->final_ms) : NULL);
	json_object_object_add(j, "cancelled",
			       json_object_new_boolean(o->rp_cancelled));
	json_object_object_add(j, "client",
			       json_object_new_string(o->client_cn));
	json_object_object_add(j, "via", str_or_null(o->via));
	json_object_object_add(j, "completedAs",
			       o->status == ST_COMPLETE
				   ? json_object_new_string(completion_pno(o))
				   : NULL);
	json_object_object_add(j, "mismatch",
			       json_object_new_boolean(o->mismatch));
	json_object_object_add(j, "scans", scans_json(o));
	add_history(j, o);
	json_object_object_add(j, "collects",
			       json_object_new_int64(o->collects));
	return j;
}

struct json_object *orders_list_json(void)
{
	struct json_object *j = json_object_new_object();
	struct json_object *a = json_object_new_array();
	int64_t now = sim_now_ms();

	pthread_mutex_lock(&orders_lock);
	for (size_t i = 0; i < g_norders; i++)
		json_object_array_add(a, order_json(g_orders[i], now));
	pthread_mutex_unlock(&orders_lock);
	json_object_object_add(j, "orders", a);
	return j;
}

struct json_object *orders_one_json(const char *ref)
{
	struct json_object *j = NULL;
	struct order *o;

	pthread_mutex_lock(&orders_lock);
	o = find_ref(ref);
	if (o)
		j = order_json(o, sim_now_ms());
	pthread_mutex_unlock(&orders_lock);
	return j;
}

void orders_note_request(const char *ref, long idx)
{
	struct order *o;
	long *p;

	if (idx < 0)
		return;
	pthread_mutex_lock(&orders_lock);
	o = find_ref(ref);
	p = o ? realloc(o->reqs, (o->nreqs + 1) * sizeof(*p)) : NULL;
	if (p) {
		o->reqs = p;
		p[o->nreqs++] = idx;
	}
	pthread_mutex_unlock(&orders_lock);
}

void orders_stats(struct json_object *stats)
{
	int64_t now = sim_now_ms();
	long pending = 0;
	size_t n;

	pthread_mutex_lock(&orders_lock);
	for (size_t i = 0; i < g_norders; i++) {
		order_tick(g_orders[i], now);
		if (!g_orders[i]->rp_cancelled &&
		    g_orders[i]->status == ST_PENDING)
			pending++;
	}
	n = g_norders;
	pthread_mutex_unlock(&orders_lock);
	json_object_object_add(stats, "orders",
			       json_object_new_int64((int64_t)n));
	json_object_object_add(stats, "pending",
			       json_object_new_int64(pending));
}
