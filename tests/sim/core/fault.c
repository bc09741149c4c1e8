/* simcore: injected misbehaviour of the API server (control POST /fault). */
#include "simcore.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FAULTS 64
#define DEFAULT_OVERSIZED_BYTES (8 * 1024 * 1024)
#define MAX_OVERSIZED_BYTES (1024LL * 1024 * 1024)
#define DEEPNEST_DEPTH 100000

struct fault_slot {
	struct simfault f;
	long remaining; /* 0 = until cleared */
};

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fault_slot g_faults[MAX_FAULTS];
static size_t g_nfaults;

static const char *const mode_names[] = {
    "none",	"maintenance", "internal", "status",   "slow",
    "hang",	"drip",	       "garbage",  "html403",  "oversized",
    "deepnest", "wrongtype",   "badutf8",  "mismatch", "close"};

const char *simfault_mode_name(enum simfault_mode m) { return mode_names[m]; }

void simfault_clear(void)
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

/* The mode called name, -1 when there is none. */
static int mode_of(const char *name)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(name, mode_names[i]))
			return (int)i;
	return -1;
}

static bool known_endpoint(const char *ep, const char *const *endpoints)
{
	if (!strcmp(ep, "*"))
		return true;
	for (; *endpoints; endpoints++)
		if (!strcmp(ep, *endpoints))
			return true;
	return false;
}

int simfault_add(struct json_object *spec, const char *const *endpoints,
		 char *err, size_t errlen)
{
	struct json_object *v = NULL;
	const char *mode = "", *ep = "*";
	struct fault_slot s;
	int m, r = -1;

	memset(&s, 0, sizeof(s));
	if (json_object_object_get_ex(spec, "mode", &v) && v)
		mode = json_object_get_string(v);
	m = mode_of(mode);
	if (m < 0) {
		snprintf(err, errlen, "unknown mode");
		goto out;
	}
	if (m == FAULT_NONE) {
		simfault_clear();
		r = 0;
		goto out;
	}
	v = NULL;
	if (json_object_object_get_ex(spec, "endpoint", &v) && v)
		ep = json_object_get_string(v);
	if (!known_endpoint(ep, endpoints)) {
		snprintf(err, errlen, "unknown endpoint");
		goto out;
	}
	s.f.mode = (enum simfault_mode)m;
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

bool simfault_take(const char *endpoint, bool creating, struct simfault *out)
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
	if (simhttp_write_all(c, head, (size_t)n) < 0 ||
	    simhttp_write_all(c, pre, sizeof(pre) - 1) < 0)
		return;
	while (left > 0 && !c->dead) {
		size_t chunk =
		    left > (int64_t)sizeof(fill) ? sizeof(fill) : (size_t)left;

		simhttp_write_all(c, fill, chunk);
		left -= (int64_t)chunk;
	}
	simhttp_write_all(c, post, sizeof(post) - 1);
}

static void send_deepnest(struct sim_conn *c)
{
	char *b = malloc(2 * DEEPNEST_DEPTH);

	if (!b)
		return;
	memset(b, '[', DEEPNEST_DEPTH);
	memset(b + DEEPNEST_DEPTH, ']', DEEPNEST_DEPTH);
	simhttp_respond(c, 200, NULL, b, 2 * DEEPNEST_DEPTH, false);
	free(b);
}

int simfault_logged_status(const struct simfault *f)
{
	switch (f->mode) {
	case FAULT_HANG:
	case FAULT_CLOSE: return 0;
	case FAULT_STATUS: return f->status;
	case FAULT_MAINTENANCE: return 503;
	case FAULT_INTERNAL: return 500;
	case FAULT_HTML403: return 403;
	default: return 200;
	}
}

/* The app's body for a fault at endpoint, sent with status. */
static void respond_app_body(struct sim_conn *c, const struct simfault *f,
			     const char *endpoint, int status)
{
	const char *b = c->srv->app->fault_body
			    ? c->srv->app->fault_body(f->mode, endpoint)
			    : NULL;

	if (!b)
		b = "{}";
	simhttp_respond(c, status, NULL, b, strlen(b), false);
}

void simfault_respond(struct sim_conn *c, const struct simfault *f,
		      const char *endpoint)
{
	static const char html[] =
	    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
	    "<center><h1>403 Forbidden</h1></center>\r\n"
	    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
	static const char garbage[] =
	    "<<this is not json>>\x01\x02{\"orderRef\":";
	const char *b;

	switch (f->mode) {
	case FAULT_MAINTENANCE:
	case FAULT_INTERNAL:
	case FAULT_WRONGTYPE:
	case FAULT_BADUTF8:
		respond_app_body(c, f, endpoint, simfault_logged_status(f));
		break;
	case FAULT_STATUS:
		b = f->body ? f->body : "{}";
		simhttp_respond(c, f->status, NULL, b, strlen(b), false);
		break;
	case FAULT_HANG: simhttp_wait_peer_close(c); break;
	case FAULT_GARBAGE:
		simhttp_respond(c, 200, NULL, garbage, sizeof(garbage) - 1,
				false);
		break;
	case FAULT_HTML403:
		simhttp_respond(c, 403, "text/html", html, sizeof(html) - 1,
				false);
		break;
	case FAULT_OVERSIZED: send_oversized(c, f->bytes); break;
	case FAULT_DEEPNEST: send_deepnest(c); break;
	case FAULT_CLOSE:
	default:
		c->dead = true; /* no close_notify either: an abrupt end */
		break;
	}
}
