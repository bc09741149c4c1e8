/* simcore: command line, TLS context, listeners, accept loops, port file. */
#include "simcore.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#define MAX_APP_OPTIONS 32

/* The common command line; the app's options come on top. */
struct core_args {
	const char *cert, *key, *client_ca;
	const char *listen, *control, *port_file;
	bool verbose;
	int64_t date_offset_s;
	int64_t tickets; /* TLS 1.3 session tickets per full handshake */
};

struct listener {
	int fd;
	void *(*handler)(void *);
	const struct simcore_server *srv;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The clock's zero, set once (simcore_main reads it before any thread). */
static int64_t g_t0;
static pthread_once_t g_t0_once = PTHREAD_ONCE_INIT;

static void set_t0(void) { g_t0 = mono_ms(); }

static int64_t start_ms(void)
{
	pthread_once(&g_t0_once, set_t0);
	return g_t0;
}

int64_t sim_now_ms(void) { return mono_ms() - start_ms(); }

void sim_http_date(const struct simcore_server *srv, char *buf, size_t n)
{
	time_t t = time(NULL) + (time_t)(srv ? srv->date_offset_s : 0);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		snprintf(buf, n, "Thu, 01 Jan 1970 00:00:00 GMT");
}

void sim_sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000};

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void sim_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[sim %8lld] ", (long long)sim_now_ms());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int sim_start_thread(void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	pthread_t t;
	int r;

	pthread_attr_init(&a);
	/* Small stacks so that a thousand connection threads stay cheap. */
	pthread_attr_setstacksize(&a, SIM_THREAD_STACK);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return r ? -1 : 0;
}

static void *accept_loop(void *arg)
{
	const struct listener *l = arg;

	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
		struct sim_conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOMEM)
				sim_sleep_ms(50);
			continue;
		}
		/* Header and body go out as separate writes: avoid Nagle +
		 * delayed ACK stalls. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1},
			   sizeof(int));
		c = calloc(1, sizeof(*c));
		if (c) {
			c->fd = fd;
			c->srv = l->srv;
		}
		if (!c || sim_start_thread(l->handler, c) < 0) {
			sim_log("cannot start connection thread");
			free(c);
			close(fd);
		}
	}
	return NULL;
}

static SSL_CTX *make_ctx(const struct core_args *a)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	STACK_OF(X509_NAME) *names = NULL;
	static const unsigned char sid[] = "mobileid-sim";

	if (!ctx)
		goto bad;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_num_tickets(ctx, (size_t)a->tickets);
	if (SSL_CTX_use_certificate_chain_file(ctx, a->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, a->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto bad;
	/* Without --client-ca: server-authenticated TLS only (Toopher) */
	if (!a->client_ca)
		goto done;
	/* Trust only the RP CA for client certs, never the system store. */
	if (SSL_CTX_load_verify_locations(ctx, a->client_ca, NULL) != 1)
		goto bad;
	names = SSL_load_client_CA_file(a->client_ca);
	if (!names)
		goto bad;
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(
	    ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
done:
	SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	return ctx;
bad:
	ERR_print_errors_fp(stderr);
	SSL_CTX_free(ctx);
	return NULL;
}

static int write_port_file(const char *path, int api, int control)
{
	char tmp[4096];
	FILE *f;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"api\":%d,\"control\":%d}\n", api, control);
	if (fclose(f) != 0)
		return -1;
	/* Rename so readers never see a half-written file. */
	return rename(tmp, path);
}

static void usage(const struct simcore_app *app)
{
	fprintf(stderr,
		"usage: %s --cert server.pem --key server.key "
		"[--client-ca clientca.pem]\n"
		"  [--listen 127.0.0.1:0] [--control 127.0.0.1:0] "
		"[--port-file FILE] [--verbose]\n"
		"  [--date-offset-s SECONDS (the Date header, off by that)]\n"
		"  [--tickets N (TLS 1.3 session tickets per full handshake; "
		"2)]\n%s",
		app->name, app->usage ? app->usage : "");
}

static int parse_num(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || !end || *end || end == s || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* A signed number of seconds; 1 or -1 (printed). */
static int parse_offset(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || !end || *end || end == s) {
		fprintf(stderr, "bad --date-offset-s '%s'\n", s);
		return -1;
	}
	*out = v;
	return 1;
}

/* Fills opts with the common options, then the app's (val = 256 + index).
 */
static void build_options(const struct simcore_app *app, struct option *opts)
{
	static const struct option common[] = {
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"client-ca", required_argument, NULL, 'a'},
	    {"listen", required_argument, NULL, 'l'},
	    {"control", required_argument, NULL, 'C'},
	    {"port-file", required_argument, NULL, 'p'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"date-offset-s", required_argument, NULL, 'D'},
	    {"tickets", required_argument, NULL, 'T'},
	};
	size_t n = sizeof(common) / sizeof(common[0]);

	memcpy(opts, common, sizeof(common));
	for (size_t i = 0;
	     app->options && app->options[i].name && i < MAX_APP_OPTIONS; i++)
		opts[n++] =
		    (struct option){app->options[i].name, required_argument,
				    NULL, 256 + (int)i};
	opts[n] = (struct option){NULL, 0, NULL, 0};
}

/* 1 go on, 0 exit with success (--help), -1 exit with failure. */
static int take_option(const struct simcore_app *app, struct core_args *a,
		       int opt)
{
	switch (opt) {
	case 'c': a->cert = optarg; return 1;
	case 'k': a->key = optarg; return 1;
	case 'a': a->client_ca = optarg; return 1;
	case 'l': a->listen = optarg; return 1;
	case 'C': a->control = optarg; return 1;
	case 'p': a->port_file = optarg; return 1;
	case 'v': a->verbose = true; return 1;
	case 'h': usage(app); return 0;
	case 'D': return parse_offset(optarg, &a->date_offset_s);
	case 'T': return parse_num(optarg, &a->tickets) == 0 ? 1 : -1;
	default: break;
	}
	if (opt >= 256 && opt < 256 + MAX_APP_OPTIONS) {
		if (parse_num(optarg, app->options[opt - 256].value) == 0)
			return 1;
		fprintf(stderr, "%s: bad number '%s'\n", app->name, optarg);
		return -1;
	}
	usage(app);
	return -1;
}

static int parse_args(const struct simcore_app *app, int argc, char **argv,
		      struct core_args *a)
{
	struct option opts[10 + MAX_APP_OPTIONS + 1];
	int opt, r;

	build_options(app, opts);
	while ((opt = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		r = take_option(app, a, opt);
		if (r <= 0)
			return r;
	}
	if (!a->cert || !a->key || optind != argc) {
		usage(app);
		return -1;
	}
	return 1;
}

/* One fd per connection thread: lift the soft limit to the hard one;
 * SIGTERM/SIGINT are taken by sigwait in the main thread only. */
static void prepare_process(sigset_t *set)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* Listens on both ports and starts their accept loops; 0 or -1. */
static int start_listeners(const struct core_args *a, struct listener *api,
			   struct listener *ctl)
{
	int api_port = 0, ctl_port = 0;

	api->fd = simhttp_listen(a->listen, &api_port);
	ctl->fd = simhttp_listen(a->control, &ctl_port);
	if (api->fd < 0 || ctl->fd < 0) {
		fprintf(stderr, "%s: cannot listen on %s / %s: %s\n",
			api->srv->app->name, a->listen, a->control,
			strerror(errno));
		return -1;
	}
	if (sim_start_thread(accept_loop, api) < 0 ||
	    sim_start_thread(accept_loop, ctl) < 0)
		return -1;
	if (a->port_file && write_port_file(a->port_file, api_port, ctl_port)) {
		fprintf(stderr, "%s: cannot write %s\n", api->srv->app->name,
			a->port_file);
		return -1;
	}
	sim_log("api https port %d, control http port %d", api_port, ctl_port);
	return 0;
}

_Noreturn void simcore_main(const struct simcore_app *app, int argc,
			    char **argv)
{
	static struct core_args a = {
	    .listen = "127.0.0.1:0", .control = "127.0.0.1:0", .tickets = 2};
	static struct simcore_server srv;
	static struct listener api_l = {.handler = simcore_api_thread};
	static struct listener ctl_l = {.handler = simcore_control_thread};
	sigset_t set;
	int sig = 0, rc = 1, r;

	(void)sim_now_ms();
	r = parse_args(app, argc, argv, &a);
	if (r <= 0) {
		rc = r == 0 ? 0 : 1;
		goto out;
	}
	prepare_process(&set);
	srv.app = app;
	srv.verbose = a.verbose;
	srv.date_offset_s = a.date_offset_s;
	srv.ctx = make_ctx(&a);
	if (!srv.ctx) {
		fprintf(stderr, "%s: cannot load TLS cert/key/client CA\n",
			app->name);
		goto out;
	}
	SSL_CTX_set_session_ticket_cb(srv.ctx, NULL, simcore_ticket_decrypted,
				      &srv);
	api_l.srv = ctl_l.srv = &srv;
	if (start_listeners(&a, &api_l, &ctl_l) < 0)
		goto out;
	sigwait(&set, &sig);
	sim_log("signal %d, exiting", sig);
	rc = 0;
out:
	fflush(stderr);
	/* Connection threads are detached; _exit avoids racing their cleanup.
	 */
	_exit(rc);
}
