/* mobileid-sim: injected misbehaviour of the API server (control POST /fault).
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FAULTS 64
#define DEFAULT_OVERSIZED_BYTES (8 * 1024 * 1024)
#define MAX_OVERSIZED_BYTES (1024LL * 1024 * 1024)
#define DEEPNEST_DEPTH 100000

struct fault_slot {
	struct fault f;
	long remaining; /* 0 = until cleared */
};

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fault_slot g_faults[MAX_FAULTS];
static size_t g_nfaults;

static const char *const mode_names[] = {
    "none",	"maintenance", "internal", "status",   "slow",
    "hang",	"drip",	       "garbage",  "html403",  "oversized",
    "deepnest", "wrongtype",   "badutf8",  "mismatch", "close"};

const char *fault_mode_name(enum fault_mode m) { return mode_names[m]; }

void fault_clear(void)
{
	pthread_mutex_lock(&fault_lock);
	for (size_t i = 0; i < g_nfaults; i++)
		free(g_faults[i].f.body);
	g_nfaults = 0;
	pthread_mutex_unlock(&fault_lock);
}

static int64_t get_int(struct json_object *spec, const char *key, int64_t def)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(spec, key, &v) || !v)
		return def;
	return json_object_get_int64(v);
}

int fault_add(struct json_object *spec, char *err, size_t errlen)
{
	struct json_object *v = NULL;
	const char *mode = "", *ep = "*";
	struct fault_slot s;
	int m = -1, r = -1;

	memset(&s, 0, sizeof(s));
	if (json_object_object_get_ex(spec, "mode", &v) && v)
		mode = json_object_get_string(v);
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(mode, mode_names[i]))
			m = (int)i;
	if (m < 0) {
		snprintf(err, errlen, "unknown mode");
		goto out;
	}
	if (m == FAULT_NONE) {
		fault_clear();
		r = 0;
		goto out;
	}
	v = NULL;
	if (json_object_object_get_ex(spec, "endpoint", &v) && v)
		ep = json_object_get_string(v);
	if (strcmp(ep, "*") && strcmp(ep, "auth") && strcmp(ep, "sign") &&
	    strcmp(ep, "collect") && strcmp(ep, "cancel") &&
	    strcmp(ep, "phone/auth") && strcmp(ep, "phone/sign")) {
		snprintf(err, errlen, "unknown endpoint");
		goto out;
	}
	s.f.mode = (enum fault_mode)m;
	snprintf(s.f.endpoint, sizeof(s.f.endpoint), "%s", ep);
	s.remaining = (long)get_int(spec, "count", 0);
	s.f.delay_ms = get_int(spec, "delay_ms", m == FAULT_DRIP ? 100 : 5000);
	s.f.bytes = get_int(spec, "bytes", DEFAULT_OVERSIZED_BYTES);
	s.f.status = (int)get_int(spec, "status", 500);
	if (s.remaining < 0 || s.f.delay_ms < 0 || s.f.bytes < 64 ||
	    s.f.bytes > MAX_OVERSIZED_BYTES || s.f.status < 100 ||
	    s.f.status > 599) {
		snprintf(err, errlen, "bad parameter");
		goto out;
	}
	v = NULL;
	if (json_object_object_get_ex(spec, "body", &v) && v) {
		s.f.body = strdup(json_object_get_string(v));
		if (!s.f.body)
			goto out;
	}
	pthread_mutex_lock(&fault_lock);
	if (g_nfaults < MAX_FAULTS) {
		g_faults[g_nfaults++] = s;
		s.f.body = NULL;
		r = 0;
	} else {
		snprintf(err, errlen, "too many faults");
	}
	pthread_mutex_unlock(&fault_lock);
out:
	free(s.f.body);
	return r;
}

bool fault_take(const char *endpoint, bool creating, struct fault *out)
{
	bool hit = false;

	pthread_mutex_lock(&fault_lock);
	for (size_t i = 0; i < g_nfaults; i++) {
		struct fault_slot *s = &g_faults[i];

		if ((s->f.mode == FAULT_MISMATCH) != creating)
			continue;
		if (strcmp(s->f.endpoint, "*") &&
		    strcmp(s->f.endpoint, endpoint))
			continue;
		*out = s->f;
		out->body = s->f.body ? strdup(s->f.body) : NULL;
		if (s->remaining > 0 && --s->remaining == 0) {
			free(s->f.body);
			memmove(s, s + 1, (g_nfaults - i - 1) * sizeof(*s));
			g_nfaults--;
		}
		hit = true;
		break;
	}
	pthread_mutex_unlock(&fault_lock);
	return hit;
}

static void send_oversized(struct sim_conn *c, int64_t bytes)
{
	static const char pre[] = "{\"orderRef\":\"";
	static const char post[] = "\"}";
	char head[256], fill[16384];
	int64_t left =
	    bytes - (int64_t)(sizeof(pre) - 1) - (int64_t)(sizeof(post) - 1);
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Content-Length: %lld\r\n\r\n",
			 (long long)bytes);

	memset(fill, 'A', sizeof(fill));
	if (http_write_all(c, head, (size_t)n) < 0 ||
	    http_write_all(c, pre, sizeof(pre) - 1) < 0)
		return;
	while (left > 0 && !c->dead) {
		size_t chunk =
		    left > (int64_t)sizeof(fill) ? sizeof(fill) : (size_t)left;

		http_write_all(c, fill, chunk);
		left -= (int64_t)chunk;
	}
	http_write_all(c, post, sizeof(post) - 1);
}

static void send_deepnest(struct sim_conn *c)
{
	char *b = malloc(2 * DEEPNEST_DEPTH);

	if (!b)
		return;
	memset(b, '[', DEEPNEST_DEPTH);
	memset(b + DEEPNEST_DEPTH, ']', DEEPNEST_DEPTH);
	http_respond(c, 200, NULL, b, 2 * DEEPNEST_DEPTH, false);
	free(b);
}

static const char *wrongtype_body(const char *ep)
{
	if (!strcmp(ep, "collect"))
		return "{\"orderRef\":123,\"status\":[],\"hintCode\":{},"
		       "\"completionData\":\"complete\"}";
	if (!strcmp(ep, "cancel"))
		return "[]";
	return "{\"orderRef\":123,\"autoStartToken\":[],\"qrStartToken\":{},"
	       "\"qrStartSecret\":false}";
}

static const char *badutf8_body(const char *ep)
{
	if (!strcmp(ep, "collect"))
		return "{\"orderRef\":\"\xc3\x28\xa0\xa1\",\"status\":"
		       "\"pend\xffing\","
		       "\"hintCode\":\"outstanding\xfe\xffTransaction\"}";
	return "{\"orderRef\":\"\xc3\x28\xa0\xa1\",\"autoStartToken\":"
	       "\"\xed\xa0\x80\","
	       "\"qrStartToken\":\"\xf8\x88\x80\x80\x80\",\"qrStartSecret\":"
	       "\"\xff\xfe\"}";
}

void fault_respond(struct sim_conn *c, const struct fault *f,
		   const char *endpoint, int *status_out)
{
	static const char html[] =
	    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
	    "<center><h1>403 Forbidden</h1></center>\r\n"
	    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
	static const char garbage[] =
	    "<<this is not json>>\x01\x02{\"orderRef\":";
	const char *b;

	*status_out = 200;
	switch (f->mode) {
	case FAULT_MAINTENANCE:
		*status_out = 503;
		b = "{\"errorCode\":\"maintenance\",\"details\":\"Service "
		    "unavailable\"}";
		http_respond(c, 503, NULL, b, strlen(b), false);
		break;
	case FAULT_INTERNAL:
		*status_out = 500;
		b = "{\"errorCode\":\"internalError\",\"details\":\"Internal "
		    "error\"}";
		http_respond(c, 500, NULL, b, strlen(b), false);
		break;
	case FAULT_STATUS:
		*status_out = f->status;
		b = f->body ? f->body : "{}";
		http_respond(c, f->status, NULL, b, strlen(b), false);
		break;
	case FAULT_HANG:
		*status_out = 0;
		http_wait_peer_close(c);
		break;
	case FAULT_GARBAGE:
		http_respond(c, 200, NULL, garbage, sizeof(garbage) - 1, false);
		break;
	case FAULT_HTML403:
		*status_out = 403;
		http_respond(c, 403, "text/html", html, sizeof(html) - 1,
			     false);
		break;
	case FAULT_OVERSIZED: send_oversized(c, f->bytes); break;
	case FAULT_DEEPNEST: send_deepnest(c); break;
	case FAULT_WRONGTYPE:
		b = wrongtype_body(endpoint);
		http_respond(c, 200, NULL, b, strlen(b), false);
		break;
	case FAULT_BADUTF8:
		b = badutf8_body(endpoint);
		http_respond(c, 200, NULL, b, strlen(b), false);
		break;
	case FAULT_CLOSE:
	default:
		*status_out = 0;
		c->dead = true; /* no close_notify either: an abrupt end */
		break;
	}
}
