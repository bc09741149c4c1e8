/* mobileid-sim-load: keeps N BankID orders pending and collects each every
 * 2 s through libcurl multi, then reports throughput, latency and errors. */
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define LOAD_MAX_BODY 4096
#define LOAD_COLLECT_INTERVAL 2.0

enum load_state { LS_IDLE, LS_AUTH, LS_COLLECT, LS_CANCEL, LS_DONE };

struct load_order {
	CURL *h;
	char pno[13];
	char ref[40];
	enum load_state state;
	bool in_flight;
	double t_sent, next_due;
	char body[LOAD_MAX_BODY];
	size_t len;
	char post[160];
};

struct load_opts {
	const char *url, *certdir;
	long orders, conns, sim_pid;
	double duration;
	bool fresh;
};

static double load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A valid personal number per index: varying month/day/serial, Luhn digit. */
static void load_pno(long i, char out[13])
{
	int sum = 0;

	snprintf(out, 13, "1980%02ld%02ld%03ld", 1 + (i / 1000) % 12,
		 1 + (i / 12000) % 28, i % 1000);
	for (int k = 0; k < 9; k++) {
		int d = (out[2 + k] - '0') * ((k % 2) ? 1 : 2);

		sum += d / 10 + d % 10;
	}
	out[11] = (char)('0' + (10 - sum % 10) % 10);
	out[12] = '\0';
}

static size_t load_write(char *p, size_t sz, size_t n, void *ud)
{
	struct load_order *o = ud;
	size_t len = sz * n;
	size_t room = sizeof(o->body) - 1 - o->len;

	memcpy(o->body + o->len, p, len < room ? len : room);
	o->len += len < room ? len : room;
	o->body[o->len] = '\0';
	return len;
}

struct load_stats {
	long auth_ok, collect_ok, cancel_ok, errors;
	long err_curl, err_http, err_body;
	double *lat;
	size_t nlat, clat;
	double t_ramp_start, t_ramp_end;
};

static void lat_add(struct load_stats *s, double v)
{
	if (s->nlat == s->clat) {
		size_t ncap = s->clat ? s->clat * 2 : 4096;
		double *p = realloc(s->lat, ncap * sizeof(*p));

		if (!p)
			return;
		s->lat = p;
		s->clat = ncap;
	}
	s->lat[s->nlat++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void load_send(CURLM *m, const struct load_opts *op,
		      struct load_order *o, const char *endpoint)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", op->url, endpoint);
	curl_easy_setopt(o->h, CURLOPT_URL, url);
	curl_easy_setopt(o->h, CURLOPT_POSTFIELDS, o->post);
	o->len = 0;
	o->body[0] = '\0';
	o->t_sent = load_now();
	o->in_flight = true;
	curl_multi_add_handle(m, o->h);
}

static void load_fail(struct load_stats *s, long *kind,
		      const struct load_order *o, const char *what)
{
	s->errors++;
	(*kind)++;
	if (s->errors <= 5)
		fprintf(stderr, "error (%s) order %s: %.200s\n", what, o->pno,
			o->body);
}

/* Handles one finished transfer and decides the order's next step. */
static void load_done(struct load_stats *s, struct load_order *o, CURLcode rc,
		      double t_end)
{
	long http = 0;
	struct json_object *j = NULL, *v = NULL;

	o->in_flight = false;
	curl_easy_getinfo(o->h, CURLINFO_RESPONSE_CODE, &http);
	if (rc != CURLE_OK) {
		snprintf(o->body, sizeof(o->body), "%s",
			 curl_easy_strerror(rc));
		load_fail(s, &s->err_curl, o, "curl");
		goto out;
	}
	if (http != 200) {
		load_fail(s, &s->err_http, o, "http");
		goto out;
	}
	j = json_tokener_parse(o->body);
	if (!j) {
		load_fail(s, &s->err_body, o, "json");
		goto out;
	}
	switch (o->state) {
	case LS_AUTH:
		if (!json_object_object_get_ex(j, "orderRef", &v)) {
			load_fail(s, &s->err_body, o, "auth body");
			goto out;
		}
		snprintf(o->ref, sizeof(o->ref), "%s",
			 json_object_get_string(v));
		s->auth_ok++;
		o->state = LS_COLLECT;
		/* Spread first collects over one interval, like logins that
		 * start at random times. */
		o->next_due = t_end + LOAD_COLLECT_INTERVAL *
					  (1.0 + (double)rand() / RAND_MAX);
		snprintf(o->post, sizeof(o->post), "{\"orderRef\":\"%s\"}",
			 o->ref);
		break;
	case LS_COLLECT:
		lat_add(s, t_end - o->t_sent);
		if (!json_object_object_get_ex(j, "hintCode", &v) ||
		    strcmp(json_object_get_string(v),
			   "outstandingTransaction")) {
			load_fail(s, &s->err_body, o, "collect body");
			goto out;
		}
		s->collect_ok++;
		o->next_due = o->next_due + LOAD_COLLECT_INTERVAL;
		break;
	case LS_CANCEL:
		s->cancel_ok++;
		o->state = LS_DONE;
		break;
	default: break;
	}
	json_object_put(j);
	return;
out:
	json_object_put(j);
	o->state = LS_DONE;
}

static long proc_kb(long pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: mobileid-sim-load --url https://localhost:PORT/rp/v6.0/ "
	    "--certs DIR\n  [--orders 1000] [--conns 1000] [--duration 30] "
	    "[--fresh] [--sim-pid PID]\n"
	    "  --conns: size of the shared keep-alive connection pool;\n"
	    "  --fresh: a new TLS connection for every request (like npm "
	    "bankid)\n");
}

static int parse_opts(int argc, char **argv, struct load_opts *op)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (!strcmp(a, "--fresh")) {
			op->fresh = true;
			continue;
		}
		if (!v)
			return -1;
		i++;
		errno = 0;
		if (!strcmp(a, "--url"))
			op->url = v;
		else if (!strcmp(a, "--certs"))
			op->certdir = v;
		else if (!strcmp(a, "--orders"))
			op->orders = strtol(v, &end, 10);
		else if (!strcmp(a, "--conns"))
			op->conns = strtol(v, &end, 10);
		else if (!strcmp(a, "--sim-pid"))
			op->sim_pid = strtol(v, &end, 10);
		else if (!strcmp(a, "--duration"))
			op->duration = strtod(v, &end);
		else
			return -1;
		if (end && (*end || errno))
			return -1;
	}
	return op->url && op->certdir && op->orders > 0 && op->conns > 0 ? 0
									 : -1;
}

int main(int argc, char **argv)
{
	struct load_opts op = {.orders = 1000, .conns = 1000, .duration = 30};
	struct load_stats s;
	struct load_order *ords = NULL;
	struct curl_slist *hdr = NULL;
	char cert[1024], key[1024], ca[1024];
	CURLM *m = NULL;
	struct rlimit rl;
	double t_start, t_steady_end = 0, t_end;
	long rss_peak = -1, threads = -1, max_pending = 0;
	int rc = 2;
	bool cancelling = false;

	memset(&s, 0, sizeof(s));
	if (parse_opts(argc, argv, &op) < 0) {
		usage();
		goto out;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(cert, sizeof(cert), "%s/client.pem", op.certdir);
	snprintf(key, sizeof(key), "%s/client.key", op.certdir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", op.certdir);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, op.conns);
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, op.conns);
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, op.conns);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	ords = calloc((size_t)op.orders, sizeof(*ords));
	if (!m || !hdr || !ords)
		goto out;
	for (long i = 0; i < op.orders; i++) {
		struct load_order *o = &ords[i];

		load_pno(i, o->pno);
		o->h = curl_easy_init();
		if (!o->h)
			goto out;
		curl_easy_setopt(o->h, CURLOPT_PRIVATE, o);
		curl_easy_setopt(o->h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(o->h, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(o->h, CURLOPT_SSLKEY, key);
		curl_easy_setopt(o->h, CURLOPT_CAINFO, ca);
		curl_easy_setopt(o->h, CURLOPT_WRITEFUNCTION, load_write);
		curl_easy_setopt(o->h, CURLOPT_WRITEDATA, o);
		curl_easy_setopt(o->h, CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(o->h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(o->h, CURLOPT_PROXY, "");
		if (op.fresh) {
			curl_easy_setopt(o->h, CURLOPT_FRESH_CONNECT, 1L);
			curl_easy_setopt(o->h, CURLOPT_FORBID_REUSE, 1L);
		}
		snprintf(o->post, sizeof(o->post),
			 "{\"endUserIp\":\"127.0.0.1\",\"requirement\":"
			 "{\"personalNumber\":\"%s\"}}",
			 o->pno);
		o->state = LS_AUTH;
	}
	t_start = load_now();
	s.t_ramp_start = t_start;
	for (long i = 0; i < op.orders; i++)
		load_send(m, &op, &ords[i], "auth");
	for (;;) {
		double now = load_now();
		long inflight = 0, pending = 0;
		int running = 0, left = 0;
		CURLMsg *msg;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct load_order *o = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&o);
			curl_multi_remove_handle(m, msg->easy_handle);
			load_done(&s, o, msg->data.result, load_now());
		}
		if (!s.t_ramp_end && s.auth_ok + s.errors >= op.orders)
			s.t_ramp_end = load_now();
		now = load_now();
		if (!cancelling && s.t_ramp_end &&
		    now - s.t_ramp_end >= op.duration) {
			/* Steady state is over: sample the simulator, then
			 * cancel everything. */
			t_steady_end = now;
			if (op.sim_pid > 0) {
				rss_peak = proc_kb(op.sim_pid, "VmRSS:");
				threads = proc_kb(op.sim_pid, "Threads:");
			}
			cancelling = true;
		}
		for (long i = 0; i < op.orders; i++) {
			struct load_order *o = &ords[i];

			if (o->state == LS_COLLECT)
				pending++;
			if (o->in_flight) {
				inflight++;
				continue;
			}
			if (o->state == LS_COLLECT && cancelling) {
				o->state = LS_CANCEL;
				load_send(m, &op, o, "cancel");
				inflight++;
			} else if (o->state == LS_COLLECT &&
				   o->next_due <= now) {
				load_send(m, &op, o, "collect");
				inflight++;
			}
		}
		if (pending > max_pending)
			max_pending = pending;
		if (cancelling && inflight == 0)
			break;
		curl_multi_poll(m, NULL, 0, 20, NULL);
	}
	t_end = load_now();
	qsort(s.lat, s.nlat, sizeof(double), cmp_double);
	printf("orders            %ld (each its own personal number)\n",
	       op.orders);
	printf("connections       %s\n", op.fresh
					     ? "new TLS connection per request"
					     : "shared keep-alive pool");
	if (!op.fresh)
		printf("pool size         %ld\n", op.conns);
	printf("auth ramp         %.2f s, %.0f orders/s\n",
	       s.t_ramp_end - s.t_ramp_start,
	       (double)s.auth_ok / (s.t_ramp_end - s.t_ramp_start));
	printf("max concurrent    %ld pending orders\n", max_pending);
	printf("steady state      %.1f s, %ld collects, %.0f collects/s\n",
	       t_steady_end - s.t_ramp_end, s.collect_ok,
	       (double)s.collect_ok / (t_steady_end - s.t_ramp_end));
	if (s.nlat)
		printf(
		    "collect latency   p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		    1000 * s.lat[s.nlat / 2], 1000 * s.lat[(s.nlat * 99) / 100],
		    1000 * s.lat[s.nlat - 1]);
	printf("cancels           %ld\n", s.cancel_ok);
	printf("errors            %ld (curl %ld, http %ld, body %ld)\n",
	       s.errors, s.err_curl, s.err_http, s.err_body);
	if (op.sim_pid > 0)
		printf("simulator         RSS %ld KiB, %ld threads (at end of "
		       "steady state), "
		       "peak RSS %ld KiB\n",
		       rss_peak, threads, proc_kb(op.sim_pid, "VmHWM:"));
	printf("total             %.1f s\n", t_end - t_start);
	rc = s.errors ? 1 : 0;
out:
	if (ords) {
		for (long i = 0; i < op.orders; i++)
			if (ords[i].h) {
				if (ords[i].in_flight)
					curl_multi_remove_handle(m, ords[i].h);
				curl_easy_cleanup(ords[i].h);
			}
		free(ords);
	}
	free(s.lat);
	curl_slist_free_all(hdr);
	if (m)
		curl_multi_cleanup(m);
	return rc;
}
