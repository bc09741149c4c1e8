/* mobileid-sim: command line, TLS context, listeners, accept loops. */
#include "sim.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

struct sim_config sim_cfg = {
    .listen = "127.0.0.1:0",
    .control = "127.0.0.1:0",
    .start_failed_ms = 30000,
    .expire_ms = 180000,
    .keep_complete_ms = 180000,
    .keep_failed_ms = 300000,
    .keep_timedout_ms = 190000,
    .qr_max_age_s = 5,
};
SSL_CTX *sim_api_ctx;
static int64_t g_start_ms;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_now_ms(void) { return mono_ms() - g_start_ms; }

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

struct listener {
	int fd;
	void *(*handler)(void *);
};

static void *accept_loop(void *arg)
{
	struct listener *l = arg;

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
		if (!c || (c->fd = fd, sim_start_thread(l->handler, c) < 0)) {
			sim_log("cannot start connection thread");
			free(c);
			close(fd);
		}
	}
	return NULL;
}

static int parse_ms(const char *s, int64_t *out)
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

static void usage(void)
{
	fprintf(stderr,
		"usage: mobileid-sim --cert server.pem --key server.key "
		"--client-ca clientca.pem\n"
		"  [--listen 127.0.0.1:0] [--control 127.0.0.1:0] [--port-file "
		"FILE]\n"
		"  [--start-failed-ms 30000] [--expire-ms 180000] "
		"[--keep-complete-ms 180000]\n"
		"  [--keep-failed-ms 300000] [--keep-timedout-ms 190000] "
		"[--qr-max-age-s 5] [--verbose]\n");
}

static SSL_CTX *make_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	STACK_OF(X509_NAME) *names = NULL;
	static const unsigned char sid[] = "mobileid-sim";

	if (!ctx)
		goto bad;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, sim_cfg.cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, sim_cfg.key, SSL_FILETYPE_PEM) !=
		1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto bad;
	/* Trust only the RP CA for client certs, never the system store. */
	if (SSL_CTX_load_verify_locations(ctx, sim_cfg.client_ca, NULL) != 1)
		goto bad;
	names = SSL_load_client_CA_file(sim_cfg.client_ca);
	if (!names)
		goto bad;
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(
	    ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	return ctx;
bad:
	ERR_print_errors_fp(stderr);
	SSL_CTX_free(ctx);
	return NULL;
}

static int write_port_file(int api, int control)
{
	char tmp[4096];
	FILE *f;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp", sim_cfg.port_file);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"api\":%d,\"control\":%d}\n", api, control);
	if (fclose(f) != 0)
		return -1;
	/* Rename so readers never see a half-written file. */
	return rename(tmp, sim_cfg.port_file);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"client-ca", required_argument, NULL, 'a'},
	    {"listen", required_argument, NULL, 'l'},
	    {"control", required_argument, NULL, 'C'},
	    {"port-file", required_argument, NULL, 'p'},
	    {"start-failed-ms", required_argument, NULL, 1},
	    {"expire-ms", required_argument, NULL, 2},
	    {"keep-complete-ms", required_argument, NULL, 3},
	    {"keep-failed-ms", required_argument, NULL, 4},
	    {"keep-timedout-ms", required_argument, NULL, 5},
	    {"qr-max-age-s", required_argument, NULL, 6},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int64_t *timing[] = {NULL,
			     &sim_cfg.start_failed_ms,
			     &sim_cfg.expire_ms,
			     &sim_cfg.keep_complete_ms,
			     &sim_cfg.keep_failed_ms,
			     &sim_cfg.keep_timedout_ms,
			     &sim_cfg.qr_max_age_s};
	static struct listener api_l = {.handler = api_conn_thread};
	static struct listener ctl_l = {.handler = control_conn_thread};
	struct rlimit rl;
	sigset_t set;
	int opt, api_port = 0, ctl_port = 0, sig = 0, rc = 1;

	g_start_ms = mono_ms();
	while ((opt = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': sim_cfg.cert = optarg; break;
		case 'k': sim_cfg.key = optarg; break;
		case 'a': sim_cfg.client_ca = optarg; break;
		case 'l': sim_cfg.listen = optarg; break;
		case 'C': sim_cfg.control = optarg; break;
		case 'p': sim_cfg.port_file = optarg; break;
		case 'v': sim_cfg.verbose = true; break;
		case 1:
		case 2:
		case 3:
		case 4:
		case 5:
		case 6:
			if (parse_ms(optarg, timing[opt]) < 0) {
				fprintf(stderr,
					"mobileid-sim: bad number '%s'\n",
					optarg);
				goto out;
			}
			break;
		case 'h':
			usage();
			rc = 0;
			goto out;
		default: usage(); goto out;
		}
	}
	if (!sim_cfg.cert || !sim_cfg.key || !sim_cfg.client_ca ||
	    optind != argc) {
		usage();
		goto out;
	}
	/* One fd per connection thread: lift the soft limit to the hard one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	orders_init();
	sim_api_ctx = make_ctx();
	if (!sim_api_ctx) {
		fprintf(stderr,
			"mobileid-sim: cannot load TLS cert/key/client CA\n");
		goto out;
	}
	api_l.fd = http_listen(sim_cfg.listen, &api_port);
	ctl_l.fd = http_listen(sim_cfg.control, &ctl_port);
	if (api_l.fd < 0 || ctl_l.fd < 0) {
		fprintf(stderr, "mobileid-sim: cannot listen on %s / %s: %s\n",
			sim_cfg.listen, sim_cfg.control, strerror(errno));
		goto out;
	}
	if (sim_start_thread(accept_loop, &api_l) < 0 ||
	    sim_start_thread(accept_loop, &ctl_l) < 0)
		goto out;
	if (sim_cfg.port_file && write_port_file(api_port, ctl_port) < 0) {
		fprintf(stderr, "mobileid-sim: cannot write %s\n",
			sim_cfg.port_file);
		goto out;
	}
	sim_log("api https port %d, control http port %d", api_port, ctl_port);
	sigwait(&set, &sig);
	sim_log("signal %d, exiting", sig);
	rc = 0;
out:
	fflush(stderr);
	/* Connection threads are detached; _exit avoids racing their cleanup.
	 */
	_exit(rc);
}
