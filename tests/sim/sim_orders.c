/* mobileid-sim: order store, BankID state machine, request/connection log. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define DEFAULT_PNO "199001011239"
#define MISMATCH_PNO "198103229871"
#define MISMATCH_PNO_ALT "191212121212"
#define DEVICE_IP "192.0.2.10"
#define MAX_LOGGED_REQUESTS 2000000

pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;

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
};

struct reqlog {
	int64_t t_ms;
	long conn;
	char method[16];
	char path[96];
	char ctype[64];
	int status;
	char error_code[32];
	char order_ref[SIM_UUID_LEN + 1];
};

struct connlog {
	long id;
	char client[256];
	int64_t t_open, t_close;
	long requests;
};

static struct order **g_orders;
static size_t g_norders, g_corders;
static struct reqlog *g_reqs;
static size_t g_nreqs, g_creqs;
static struct connlog **g_conns;
static size_t g_nconns, g_cconns;
static long g_next_conn = 1;
static long g_stat_connections, g_stat_hs_fail, g_stat_requests;

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
	free(o->scans);
	free(o->reqs);
	free(o);
}

void orders_init(void) {}

void orders_reset(void)
{
	size_t i, keep = 0;

	pthread_mutex_lock(&sim_lock);
	for (i = 0; i < g_norders; i++)
		order_free(g_orders[i]);
	g_norders = 0;
	g_nreqs = 0;
	/* Open connections keep their records: their threads still use them. */
	for (i = 0; i < g_nconns; i++) {
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
	pthread_mutex_unlock(&sim_lock);
	fault_clear();
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
		if (now - o->created_ms >= sim_cfg.start_failed_ms)
			order_finish(o, ST_FAILED, "startFailed",
				     o->created_ms + sim_cfg.start_failed_ms);
		return;
	}
	exp_at = o->picked_ms + sim_cfg.expire_ms;
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
		keep = sim_cfg.keep_complete_ms;
	else if (!strcmp(o->hint, "startFailed"))
		keep = sim_cfg.keep_timedout_ms;
	else
		keep = sim_cfg.keep_failed_ms;
	return now - o->final_ms < keep;
}

static struct order *find_ref(const char *ref)
{
	for (size_t i = g_norders; i-- > 0;)
		if (!strcmp(g_orders[i]->ids.ref, ref))
			return g_orders[i];
	return NULL;
}

int orders_create(const struct order_new *n, bool mismatch,
		  struct order_created *out)
{
	int64_t now = sim_now_ms();
	struct order *o = NULL;
	int r = -1;
	bool busy = false;

	pthread_mutex_lock(&sim_lock);
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
	o = calloc(1, sizeof(*o));
	if (!o || grow((void **)&g_orders, &g_corders, g_norders,
		       sizeof(*g_orders)) < 0)
		goto oom;
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
		goto oom;
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
	*out = o->ids;
	g_orders[g_norders++] = o;
	o = NULL;
	r = 0;
	goto out;
oom:
	abort();
out:
	pthread_mutex_unlock(&sim_lock);
	order_free(o);
	return r;
}

static char *b64(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

static const char *const given_names[] = {"Anna", "Erik",  "Maria",
					  "Lars", "Karin", "Johan"};
static const char *const surnames[] = {"Andersson", "Johansson", "Karlsson",
				       "Nilsson",   "Eriksson",	 "Larsson"};

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

static struct json_object *completion_json(const struct order *o)
{
	const char *pno = completion_pno(o);
	struct json_object *cd = json_object_new_object();
	struct json_object *user = json_object_new_object();
	struct json_object *dev = json_object_new_object();
	unsigned char md[32];
	char name[128], xml[2048];
	char *uvd64 = NULL, *s = NULL;
	unsigned sum = 0;

	for (const char *p = pno; *p; p++)
		sum += (unsigned)(*p - '0');
	snprintf(name, sizeof(name), "%s %s", given_names[sum % 6],
		 surnames[(sum / 6) % 6]);
	json_object_object_add(user, "personalNumber",
			       json_object_new_string(pno));
	json_object_object_add(user, "name", json_object_new_string(name));
	json_object_object_add(user, "givenName",
			       json_object_new_string(given_names[sum % 6]));
	json_object_object_add(user, "surname",
			       json_object_new_string(surnames[(sum / 6) % 6]));
	json_object_object_add(cd, "user", user);
	json_object_object_add(dev, "ipAddress",
			       json_object_new_string(DEVICE_IP));
	/* A stable per-(RP, person) hardware id, like a real phone would have.
	 */
	snprintf(xml, sizeof(xml), "%s/%s", o->client_fp, pno);
	EVP_Digest(xml, strlen(xml), md, NULL, EVP_sha256(), NULL);
	s = b64(md, 20);
	json_object_object_add(dev, "uhi", json_object_new_string(s ? s : ""));
	free(s);
	json_object_object_add(cd, "device", dev);
	json_object_object_add(cd, "bankIdIssueDate",
			       json_object_new_string("2023-11-29Z"));
	if (o->mrtd) {
		struct json_object *su = json_object_new_object();

		json_object_object_add(su, "mrtd", json_object_new_boolean(1));
		json_object_object_add(cd, "stepUp", su);
	}
	if (o->return_risk)
		json_object_object_add(cd, "risk",
				       json_object_new_string("low"));
	if (o->uvd)
		uvd64 = b64((const unsigned char *)o->uvd, strlen(o->uvd));
	snprintf(xml, sizeof(xml),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>"
		 "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"
		 "<SignedInfo><SignatureMethod Algorithm=\"http://www.w3.org/"
		 "2001/04/xmldsig-more#ecdsa-sha256\"/></SignedInfo>"
		 "<SignatureValue>c2ltdWxhdG9y</SignatureValue><Object>"
		 "<bankIdSignedData xmlns=\"http://www.bankid.com/signature/"
		 "v1.0.0/types\" Id=\"bidSignedData\"><usrVisibleData>%.1000s"
		 "</usrVisibleData><srvInfo><nonce>%s</nonce></srvInfo>"
		 "<clientInfo><funcId>%s</funcId></clientInfo>"
		 "</bankIdSignedData></Object></Signature>",
		 uvd64 ? uvd64 : "", o->ids.ref,
		 o->kind == KIND_SIGN || o->kind == KIND_PHONE_SIGN
		     ? "Signing"
		     : "Identification");
	s = b64((const unsigned char *)xml, strlen(xml));
	json_object_object_add(cd, "signature",
			       json_object_new_string(s ? s : ""));
	free(s);
	EVP_Digest(o->ids.ref, strlen(o->ids.ref), md, NULL, EVP_sha256(),
		   NULL);
	s = b64(md, sizeof(md));
	json_object_object_add(cd, "ocspResponse",
			       json_object_new_string(s ? s : ""));
	free(s);
	free(uvd64);
	return cd;
}

struct json_object *orders_collect(const char *ref, const char *client_fp)
{
	int64_t now = sim_now_ms();
	struct json_object *j = NULL;
	struct order *o;

	pthread_mutex_lock(&sim_lock);
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
	pthread_mutex_unlock(&sim_lock);
	return j;
}

int orders_cancel(const char *ref, const char *client_fp)
{
	int64_t now = sim_now_ms();
	struct order *o;
	int r = -1;

	pthread_mutex_lock(&sim_lock);
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
	pthread_mutex_unlock(&sim_lock);
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

int orders_scan(const char *qr, enum phone_action act, int64_t delay_ms,
		const char *pno, struct json_object **reply)
{
	int64_t now = sim_now_ms();
	char buf[256], mac_hex[65];
	char *parts[4], *save = NULL, *p;
	unsigned char md[32];
	unsigned mdlen = 0;
	struct order *o = NULL;
	long long qt = 0;
	int64_t e;
	int n = 0, status;

	if (strlen(qr) >= sizeof(buf)) {
		*reply = err_obj("bad qr");
		return 400;
	}
	snprintf(buf, sizeof(buf), "%s", qr);
	for (p = strtok_r(buf, ".", &save); p && n < 4;
	     p = strtok_r(NULL, ".", &save))
		parts[n++] = p;
	if (n != 4 || p || strcmp(parts[0], "bankid") || strlen(parts[2]) > 9 ||
	    strspn(parts[2], "0123456789") != strlen(parts[2])) {
		*reply = err_obj("bad qr");
		return 400;
	}
	for (p = parts[2]; *p; p++)
		qt = qt * 10 + (*p - '0');
	pthread_mutex_lock(&sim_lock);
	for (size_t i = g_norders; i-- > 0;)
		if (!strcmp(g_orders[i]->ids.qr_token, parts[1])) {
			o = g_orders[i];
			break;
		}
	if (!o) {
		*reply = err_obj("unknown token");
		status = 404;
		goto out;
	}
	HMAC(EVP_sha256(), o->ids.qr_secret, (int)strlen(o->ids.qr_secret),
	     (const unsigned char *)parts[2], strlen(parts[2]), md, &mdlen);
	for (unsigned i = 0; i < 32; i++)
		snprintf(mac_hex + 2 * i, 3, "%02x", md[i]);
	if (strlen(parts[3]) != 64 || CRYPTO_memcmp(mac_hex, parts[3], 64)) {
		add_scan(o, now, (long)qt, "bad hmac");
		*reply = err_obj("bad hmac");
		status = 403;
		goto out;
	}
	e = (now - o->created_ms) / 1000;
	if (qt > e + 1 || e - qt > sim_cfg.qr_max_age_s) {
		add_scan(o, now, (long)qt, "stale");
		*reply = err_obj("stale");
		status = 409;
		goto out;
	}
	order_tick(o, now);
	if (o->rp_cancelled || o->status != ST_PENDING ||
	    strcmp(o->hint, "outstandingTransaction")) {
		add_scan(o, now, (long)qt, "gone");
		*reply = err_obj("order not outstanding");
		json_object_object_add(
		    *reply, "status",
		    json_object_new_string(status_name(o->status)));
		status = 410;
		goto out;
	}
	add_scan(o, now, (long)qt, "ok");
	order_pick(o, act, delay_ms, pno, "qr", now);
	*reply = json_object_new_object();
	json_object_object_add(*reply, "orderRef",
			       json_object_new_string(o->ids.ref));
	status = 200;
out:
	pthread_mutex_unlock(&sim_lock);
	return status;
}

int orders_open(const char *pno, enum phone_action act, int64_t delay_ms,
		const char *complete_pno, struct json_object **reply)
{
	int64_t now = sim_now_ms();
	struct order *o = NULL;
	int status = 404;

	pthread_mutex_lock(&sim_lock);
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
	*reply = json_object_new_object();
	json_object_object_add(*reply, "orderRef",
			       json_object_new_string(o->ids.ref));
	status = 200;
out:
	pthread_mutex_unlock(&sim_lock);
	return status;
}

static struct json_object *str_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static struct json_object *order_json(struct order *o, int64_t now)
{
	struct json_object *j = json_object_new_object();
	struct json_object *scans = json_object_new_array();
	struct json_object *reqs = json_object_new_array();
	struct json_object *conns = json_object_new_array();
	long last_conn = -1;

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
	json_object_object_add(j, "scans", scans);
	for (size_t i = 0; i < o->nreqs; i++) {
		const struct reqlog *r = &g_reqs[o->reqs[i]];
		struct json_object *s = json_object_new_object();
		bool seen = false;

		json_object_object_add(s, "method",
				       json_object_new_string(r->method));
		json_object_object_add(s, "path",
				       json_object_new_string(r->path));
		json_object_object_add(s, "t_ms",
				       json_object_new_int64(r->t_ms));
		json_object_object_add(s, "conn",
				       json_object_new_int64(r->conn));
		json_object_object_add(s, "status",
				       json_object_new_int(r->status));
		json_object_array_add(reqs, s);
		if (r->conn == last_conn)
			continue;
		for (size_t k = 0; k < json_object_array_length(conns); k++)
			if (json_object_get_int64(
				json_object_array_get_idx(conns, k)) == r->conn)
				seen = true;
		if (!seen)
			json_object_array_add(conns,
					      json_object_new_int64(r->conn));
		last_conn = r->conn;
	}
	json_object_object_add(j, "requests", reqs);
	json_object_object_add(j, "connections", conns);
	json_object_object_add(j, "collects",
			       json_object_new_int64(o->collects));
	return j;
}

struct json_object *orders_list_json(void)
{
	struct json_object *j = json_object_new_object();
	struct json_object *a = json_object_new_array();
	int64_t now = sim_now_ms();

	pthread_mutex_lock(&sim_lock);
	for (size_t i = 0; i < g_norders; i++)
		json_object_array_add(a, order_json(g_orders[i], now));
	pthread_mutex_unlock(&sim_lock);
	json_object_object_add(j, "orders", a);
	return j;
}

struct json_object *orders_one_json(const char *ref)
{
	struct json_object *j = NULL;
	struct order *o;

	pthread_mutex_lock(&sim_lock);
	o = find_ref(ref);
	if (o)
		j = order_json(o, sim_now_ms());
	pthread_mutex_unlock(&sim_lock);
	return j;
}

long log_conn_open(const char *client_cn)
{
	struct connlog *c = calloc(1, sizeof(*c));
	long id;

	if (!c)
		abort();
	pthread_mutex_lock(&sim_lock);
	if (grow((void **)&g_conns, &g_cconns, g_nconns, sizeof(*g_conns)) < 0)
		abort();
	c->id = id = g_next_conn++;
	snprintf(c->client, sizeof(c->client), "%s", client_cn);
	c->t_open = sim_now_ms();
	c->t_close = -1;
	g_conns[g_nconns++] = c;
	g_stat_connections++;
	pthread_mutex_unlock(&sim_lock);
	return id;
}

static struct connlog *find_conn(long id)
{
	for (size_t i = g_nconns; i-- > 0;)
		if (g_conns[i]->id == id)
			return g_conns[i];
	return NULL;
}

void log_conn_close(long id)
{
	struct connlog *c;

	pthread_mutex_lock(&sim_lock);
	c = find_conn(id);
	if (c)
		c->t_close = sim_now_ms();
	pthread_mutex_unlock(&sim_lock);
}

void log_handshake_failure(void)
{
	pthread_mutex_lock(&sim_lock);
	g_stat_hs_fail++;
	pthread_mutex_unlock(&sim_lock);
}

long log_request(long conn, const char *method, const char *path,
		 const char *ctype, int status, const char *error_code,
		 const char *order_ref)
{
	struct reqlog *r;
	struct connlog *c;
	struct order *o;
	long idx = -1;

	pthread_mutex_lock(&sim_lock);
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
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->ctype, sizeof(r->ctype), "%s", ctype ? ctype : "");
	r->status = status;
	snprintf(r->error_code, sizeof(r->error_code), "%s",
		 error_code ? error_code : "");
	snprintf(r->order_ref, sizeof(r->order_ref), "%s",
		 order_ref ? order_ref : "");
	o = order_ref && order_ref[0] ? find_ref(order_ref) : NULL;
	if (o) {
		long *p = realloc(o->reqs, (o->nreqs + 1) * sizeof(*p));

		if (p) {
			o->reqs = p;
			p[o->nreqs++] = idx;
		}
	}
out:
	pthread_mutex_unlock(&sim_lock);
	return idx;
}

struct json_object *log_requests_json(void)
{
	struct json_object *j = json_object_new_object();
	struct json_object *a = json_object_new_array();

	pthread_mutex_lock(&sim_lock);
	for (size_t i = 0; i < g_nreqs; i++) {
		const struct reqlog *r = &g_reqs[i];
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "t_ms",
				       json_object_new_int64(r->t_ms));
		json_object_object_add(s, "conn",
				       json_object_new_int64(r->conn));
		json_object_object_add(s, "method",
				       json_object_new_string(r->method));
		json_object_object_add(s, "path",
				       json_object_new_string(r->path));
		json_object_object_add(s, "content_type",
				       str_or_null(r->ctype));
		json_object_object_add(s, "status",
				       json_object_new_int(r->status));
		json_object_object_add(s, "errorCode",
				       str_or_null(r->error_code));
		json_object_object_add(s, "orderRef",
				       str_or_null(r->order_ref));
		json_object_array_add(a, s);
	}
	pthread_mutex_unlock(&sim_lock);
	json_object_object_add(j, "requests", a);
	return j;
}

struct json_object *log_connections_json(void)
{
	struct json_object *j = json_object_new_object();
	struct json_object *a = json_object_new_array();

	pthread_mutex_lock(&sim_lock);
	for (size_t i = 0; i < g_nconns; i++) {
		const struct connlog *c = g_conns[i];
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "id", json_object_new_int64(c->id));
		json_object_object_add(s, "client",
				       json_object_new_string(c->client));
		json_object_object_add(s, "t_open_ms",
				       json_object_new_int64(c->t_open));
		json_object_object_add(
		    s, "t_close_ms",
		    c->t_close >= 0 ? json_object_new_int64(c->t_close) : NULL);
		json_object_object_add(s, "requests",
				       json_object_new_int64(c->requests));
		json_object_array_add(a, s);
	}
	pthread_mutex_unlock(&sim_lock);
	json_object_object_add(j, "connections", a);
	return j;
}

struct json_object *log_stats_json(void)
{
	struct json_object *j = json_object_new_object();
	int64_t now = sim_now_ms();
	long pending = 0;

	pthread_mutex_lock(&sim_lock);
	for (size_t i = 0; i < g_norders; i++) {
		order_tick(g_orders[i], now);
		if (!g_orders[i]->rp_cancelled &&
		    g_orders[i]->status == ST_PENDING)
			pending++;
	}
	json_object_object_add(j, "connections",
			       json_object_new_int64(g_stat_connections));
	json_object_object_add(j, "handshake_failures",
			       json_object_new_int64(g_stat_hs_fail));
	json_object_object_add(j, "requests",
			       json_object_new_int64(g_stat_requests));
	json_object_object_add(j, "orders",
			       json_object_new_int64((int64_t)g_norders));
	json_object_object_add(j, "pending", json_object_new_int64(pending));
	pthread_mutex_unlock(&sim_lock);
	return j;
}
