/* A host process for pam_mobileid_fault.so: real libpam (pam_start_confdir,
 * pam_authenticate, pam_end), the module's failable calls failed one at a
 * time (fault.h), the phone played through mobileid-sim's control API, the
 * module's log lines caught where libpam writes them (syslog).
 *
 *   fault_login OPTIONS walk SCENARIO   every n from --from to the number
 *                                       of failable calls, --stride apart
 *   fault_login OPTIONS host LOGINS     one process, mixed outcomes and
 *                                       faults, RSS and fds at checkpoints
 *   fault_login OPTIONS threads LOGINS  two threads at once, each its own
 *                                       user and outcome
 *   fault_login OPTIONS initretry       curl_global_init fails in the first
 *                                       login only; the second must pass
 * OPTIONS: --confdir DIR --service NAME --control PORT [--logdir DIR]
 *          [--from N] [--stride S] [--hang S] [--leakcheck each]
 *          [--pin MODULE.so] [--every N (host: checkpoint each N logins)]
 * SCENARIO: approve, deny or timeout (alice); the usermap maps alice and
 * bob; mallory is unmapped. Prints one line per login; exits 1 when a
 * login broke the contract, a crash/hang/leak ends the process. */
#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>
#include <security/pam_appl.h>

#include "fault.h"

#define PNR_ALICE "199001011239"
#define PNR_BOB "198112289874"
#define MAX_LOG 64
#define LOG_LINE 1024

enum scenario { APPROVE, DENY, TIMEOUT, UNMAPPED };
static const char *const scenario_names[] = {"approve", "deny", "timeout",
					     "unmapped"};

struct opts {
	const char *confdir, *service, *logdir, *pin;
	int control;
	bool leakcheck; /* after every login, not only at exit */
	unsigned long from, stride, every;
	unsigned hang;
};

/* one login: who, what the phone does, what the module logged */
struct login {
	const struct opts *o;
	const char *user, *pnr;
	enum scenario sc;
	bool opened;
	char hit[64];	 /* the call that was made to fail, or "" */
	char where[256]; /* the function it came from */
	bool leaked;
	unsigned nlog;
	char log[MAX_LOG][LOG_LINE];
};

static _Thread_local struct login *current;
static pthread_mutex_t archive_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *archive;

/* ---- the simulator's control API: plain HTTP on loopback ---- */

/* Sends one request; returns the HTTP status (0 on failure) and the body
 * (malloc'd) in *reply if reply is not NULL. */
static int ctl(int port, const char *method, const char *path, const char *body,
	       char **reply)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	char req[1024], *buf = NULL, *p;
	size_t len = 0, cap = 0;
	int fd, status = 0, n;

	if (reply)
		*reply = NULL;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* one write: a second small one would wait for a delayed ACK */
	n = snprintf(
	    req, sizeof(req),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu"
	    "\r\n\r\n%s",
	    method, path, body ? strlen(body) : 0, body ? body : "");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (n < 0 || (size_t)n >= sizeof(req) || fd < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, (size_t)n) != n)
		goto out;
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				goto out;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (!buf)
		goto out;
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		status = 0;
	p = strstr(buf, "\r\n\r\n");
	if (reply && p) {
		*reply = strdup(p + 4);
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return status;
}

static void phone_open(struct login *l)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"personalNumber\":\"%s\",\"action\":\"%s\","
		 "\"delay_ms\":0}",
		 l->pnr, l->sc == APPROVE ? "approve" : "deny");
	ctl(l->o->control, "POST", "/phone/open", body, NULL);
}

/* Orders the simulator still holds open (pending), or -1. */
static int open_orders(const struct opts *o)
{
	char *reply = NULL;
	struct json_object *j, *orders;
	int n = -1;

	if (ctl(o->control, "GET", "/orders", NULL, &reply) != 200 || !reply)
		goto out;
	j = json_tokener_parse(reply);
	if (j && json_object_object_get_ex(j, "orders", &orders)) {
		n = 0;
		for (size_t i = 0; i < json_object_array_length(orders); i++) {
			struct json_object *st = NULL;

			json_object_object_get_ex(
			    json_object_array_get_idx(orders, i), "status",
			    &st);
			if (st &&
			    !strcmp(json_object_get_string(st), "pending"))
				n++;
		}
	}
	json_object_put(j);
out:
	free(reply);
	return n;
}

/* ---- the conversation: a person who answers every prompt at once ---- */

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *appdata)
{
	struct login *l = appdata;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	/* the first thing shown means an order exists: the phone acts */
	if (!l->opened && (l->sc == APPROVE || l->sc == DENY)) {
		l->opened = true;
		phone_open(l);
	}
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup("");
	*resp = r;
	return PAM_SUCCESS;
}

/* ---- the log: libpam's pam_syslog ends in syslog(); catch it here ---- */

static void catch_line(const char *fmt, va_list ap)
{
	char line[LOG_LINE];
	struct login *l = current;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (l && l->nlog < MAX_LOG)
		snprintf(l->log[l->nlog++], LOG_LINE, "%s", line);
	pthread_mutex_lock(&archive_lock);
	if (archive) {
		fprintf(archive, "%s\n", line);
		fflush(archive);
	}
	pthread_mutex_unlock(&archive_lock);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...);
void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	catch_line(fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	catch_line(fmt, ap);
}

void syslog(int pri, const char *fmt, ...);
void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	catch_line(fmt, ap);
	va_end(ap);
}

void vsyslog(int pri, const char *fmt, va_list ap);
void vsyslog(int pri, const char *fmt, va_list ap) { catch_line(fmt, ap); }

/* ---- one login ---- */

/* the sanitizer's symbolizer, when the build has one */
void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t len)
    __attribute__((weak));

/* LeakSanitizer's check, when the build has one: nonzero = a leak */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* "function file:line" of a code address in the (still loaded) module */
static void fault_where(void *pc, char *out, size_t len)
{
	Dl_info info;

	snprintf(out, len, "?");
	if (__sanitizer_symbolize_pc) {
		char frames[1024];

		/* the call site, not the instruction after it; one string per
		 * inlined frame, innermost first: skip the system headers'
		 * inline wrappers (fortified open, read) */
		__sanitizer_symbolize_pc((char *)pc - 1, "%f@%s:%l", frames,
					 sizeof(frames));
		frames[sizeof(frames) - 1] = '\0';
		for (char *f = frames; *f && f < frames + sizeof(frames);
		     f += strlen(f) + 1) {
			snprintf(out, len, "%.*s", (int)len - 1, f);
			if (!strstr(f, "@/usr/"))
				break;
		}
		return;
	}
	if (dladdr(pc, &info) && info.dli_sname)
		snprintf(out, len, "%s+%#lx", info.dli_sname,
			 (unsigned long)((char *)pc - (char *)info.dli_saddr));
}

static const char *pam_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_BUF_ERR: return "PAM_BUF_ERR";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_ABORT: return "PAM_ABORT";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	default: return "PAM_OTHER";
	}
}

static void login_init(struct login *l, const struct opts *o, enum scenario sc,
		       bool bob)
{
	memset(l, 0, sizeof(*l));
	l->o = o;
	l->sc = sc;
	l->user = sc == UNMAPPED ? "mallory" : bob ? "bob" : "alice";
	l->pnr = bob ? PNR_BOB : PNR_ALICE;
}

/* Runs one login with the n-th failable call failing (0: none); returns
 * the PAM code of pam_authenticate. */
static int login_run(struct login *l, unsigned long n)
{
	struct pam_conv c = {conv, l};
	pam_handle_t *pamh = NULL;
	int rc;

	current = l;
	rc =
	    pam_start_confdir(l->o->service, l->user, &c, l->o->confdir, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start: %d\n", rc);
		exit(2);
	}
	fault_arm(n);
	rc = pam_authenticate(pamh, 0);
	fault_disarm();
	/* pam_end unloads the module: name the call site before */
	if (fault_hit()) {
		snprintf(l->hit, sizeof(l->hit), "%s", fault_hit());
		fault_where(fault_hit_pc(), l->where, sizeof(l->where));
	}
	/* what the module still holds is reachable through pamh */
	if (l->o->leakcheck && __lsan_do_recoverable_leak_check)
		l->leaked = __lsan_do_recoverable_leak_check() != 0;
	pam_end(pamh, rc);
	current = NULL;
	return rc;
}

/* The contract for one login: never PAM_SUCCESS unless the phone
 * approved; the expected answer when nothing was made to fail. */
static bool login_ok(const struct login *l, int rc, bool faulted)
{
	static const int expect[] = {PAM_SUCCESS, PAM_AUTH_ERR, PAM_AUTH_ERR,
				     PAM_USER_UNKNOWN};

	if (rc == PAM_SUCCESS && l->sc != APPROVE)
		return false;
	return faulted || rc == expect[l->sc];
}

static const char *last_log(const struct login *l)
{
	return l->nlog ? l->log[l->nlog - 1] : "";
}

/* ---- walk: fail each failable call in turn ---- */

static int walk(const struct opts *o, enum scenario sc)
{
	struct login l;
	unsigned long total, n;
	int rc, bad = 0;

	/* the first login loads what stays loaded; then a clean count */
	login_init(&l, o, sc, false);
	login_run(&l, 0);
	ctl(o->control, "POST", "/reset", "{}", NULL);
	login_init(&l, o, sc, false);
	rc = login_run(&l, 0);
	total = fault_calls();
	printf("clean scenario=%s calls=%lu rc=%s log=\"%s\"\n",
	       scenario_names[sc], total, pam_name(rc), last_log(&l));
	if (!login_ok(&l, rc, false))
		bad++;
	ctl(o->control, "POST", "/reset", "{}", NULL);
	/* a timeout's count varies a little (frames against collects):
	 * past the clean count go one by one until a login fails nothing */
	for (n = o->from;; n += n < total ? o->stride : 1) {
		int open;

		fprintf(stderr, "walk %s n=%lu\n", scenario_names[sc], n);
		alarm(o->hang);
		login_init(&l, o, sc, false);
		rc = login_run(&l, n);
		alarm(0);
		open = open_orders(o);
		printf("run n=%lu calls=%lu rc=%s hit=%s at=%s open=%d "
		       "leak=%d log=\"%s\"\n",
		       n, fault_calls(), pam_name(rc), *l.hit ? l.hit : "-",
		       *l.hit ? l.where : "-", open, l.leaked, last_log(&l));
		if (!login_ok(&l, rc, *l.hit) || l.leaked) {
			printf("BROKEN n=%lu\n", n);
			bad++;
		}
		ctl(o->control, "POST", "/reset", "{}", NULL);
		if (!*l.hit && n > total)
			break;
		if (n < total && n + o->stride > total && total > o->stride)
			n = total - o->stride; /* the last one too */
		if (n > 2 * total + 16) {
			printf("BROKEN the walk does not end\n");
			bad++;
			break;
		}
	}
	fflush(stdout);
	return bad ? 1 : 0;
}

/* ---- host: many logins in one process ---- */

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* What the allocator has handed out and not had back: a leak grows it,
 * while the resident size also moves with fragmentation and arenas. */
static long heap_kb(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* not the one readdir uses */
}

/* small deterministic generator: the same mix on every run */
static unsigned long next_rand(unsigned long *s)
{
	*s = *s * 6364136223846793005UL + 1442695040888963407UL;
	return *s >> 33;
}

/* Login i of the mix: one in ten goes all the way to the phone (approve,
 * deny, time out, or approve with a call failed anywhere); the others
 * end before the network: an unmapped name, or a call failed early. */
static enum scenario mix(unsigned long i, unsigned long *seed,
			 unsigned long calls, unsigned long pre,
			 unsigned long *n)
{
	static const enum scenario full[] = {APPROVE, DENY, TIMEOUT, APPROVE};

	*n = 0;
	if (i % 10 == 0) {
		if (i / 10 % 4 == 3)
			*n = 1 + next_rand(seed) % calls;
		return full[i / 10 % 4];
	}
	if (i % 2)
		return UNMAPPED;
	*n = 1 + next_rand(seed) % pre;
	return APPROVE;
}

/* 1 when the library named soname is loaded in this process (after
 * pam_end: only when something keeps it). */
static int still_loaded(const char *soname)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);

	if (h)
		dlclose(h);
	return h != NULL;
}

static int host(const struct opts *o, unsigned long logins)
{
	struct login *l = calloc(1, sizeof(*l));
	unsigned long seed = 1, calls, pre, count[4] = {0}, faults = 0;
	int bad = 0, curl_kept;

	if (!l)
		return 2;
	login_init(l, o, APPROVE, false);
	login_run(l, 0);
	/* after one clean login's pam_end, before any failed call */
	curl_kept = still_loaded("libcurl.so.4");
	calls = fault_calls();
	pre = fault_first_net() > 1 ? fault_first_net() - 1 : 1;
	for (unsigned long i = 0; i < logins; i++) {
		unsigned long n;
		enum scenario sc = mix(i, &seed, calls, pre, &n);
		int rc;

		alarm(o->hang);
		login_init(l, o, sc, i / 10 % 2);
		rc = login_run(l, n);
		alarm(0);
		count[sc]++;
		if (*l->hit) {
			faults++;
			/* an order the failure left open would make the
			 * next one of this person alreadyInProgress */
			if (open_orders(o) != 0)
				ctl(o->control, "POST", "/reset", "{}", NULL);
		}
		if (!login_ok(l, rc, *l->hit)) {
			printf("BROKEN login=%lu scenario=%s user=%s n=%lu "
			       "rc=%s log=\"%s\"\n",
			       i, scenario_names[sc], l->user, n, pam_name(rc),
			       last_log(l));
			bad++;
		}
		if ((i + 1) % o->every == 0 || i + 1 == logins)
			printf("checkpoint logins=%lu rss_kb=%ld heap_kb=%ld "
			       "fds=%d\n",
			       i + 1, rss_kb(), heap_kb(), open_fds());
		fflush(stdout);
	}
	printf("host logins=%lu approve=%lu deny=%lu timeout=%lu "
	       "unmapped=%lu faults=%lu broken=%d curl_loaded=%d\n",
	       logins, count[APPROVE], count[DENY], count[TIMEOUT],
	       count[UNMAPPED], faults, bad, curl_kept);
	free(l);
	return bad ? 1 : 0;
}

/* ---- initretry: a library's one-time init fails, the next login not ---- */

/* The first login of the process finds curl_global_init failing (as on
 * ENOMEM): it fails closed, and the next login tries the init again
 * instead of failing for the rest of the host's life. */
static int initretry(const struct opts *o)
{
	struct pam_conv c;
	struct login l;
	pam_handle_t *pamh = NULL;
	int first, second;

	login_init(&l, o, APPROVE, false);
	c = (struct pam_conv){conv, &l};
	current = &l;
	if (pam_start_confdir(o->service, l.user, &c, o->confdir, &pamh) !=
	    PAM_SUCCESS)
		return 2;
	fault_arm_named("curl_global_init");
	first = pam_authenticate(pamh, 0);
	fault_disarm();
	printf("initretry first=%s hit=%s log=\"%s\"\n", pam_name(first),
	       fault_hit() ? fault_hit() : "-", last_log(&l));
	pam_end(pamh, first);
	current = NULL;
	ctl(o->control, "POST", "/reset", "{}", NULL);
	login_init(&l, o, APPROVE, false);
	second = login_run(&l, 0);
	printf("initretry second=%s log=\"%s\"\n", pam_name(second),
	       last_log(&l));
	return first != PAM_SUCCESS && second == PAM_SUCCESS ? 0 : 1;
}

/* ---- threads: two logins at once, each its own person ---- */

struct worker {
	const struct opts *o;
	unsigned long logins;
	bool bob;
	int bad;
	pthread_t tid;
};

/* alice approves, bob denies; each line of each login names its own
 * user and its own outcome */
static void *worker(void *arg)
{
	struct worker *w = arg;
	struct login *l = calloc(1, sizeof(*l));
	const char *want =
	    w->bob ? "denied: user=bob " : "approved: user=alice ";

	fault_virtual_time(true);
	for (unsigned long i = 0; l && i < w->logins; i++) {
		int rc;
		bool seen = false;

		login_init(l, w->o, w->bob ? DENY : APPROVE, w->bob);
		rc = login_run(l, 0);
		for (unsigned j = 0; j < l->nlog; j++) {
			if (strstr(l->log[j], w->bob ? "alice" : "bob"))
				w->bad++;
			seen |= strstr(l->log[j], want) != NULL;
		}
		if (!seen || !login_ok(l, rc, false)) {
			printf("BROKEN thread=%s login=%lu rc=%s log=\"%s\"\n",
			       l->user, i, pam_name(rc), last_log(l));
			w->bad++;
		}
	}
	free(l);
	return NULL;
}

static int threads(const struct opts *o, unsigned long logins)
{
	struct worker w[2] = {{o, logins, false, 0, 0},
			      {o, logins, true, 0, 0}};

	for (int i = 0; i < 2; i++)
		if (pthread_create(&w[i].tid, NULL, worker, &w[i]) != 0)
			return 2;
	for (int i = 0; i < 2; i++)
		pthread_join(w[i].tid, NULL);
	printf("threads logins=%lu each, broken alice=%d bob=%d\n", logins,
	       w[0].bad, w[1].bad);
	return w[0].bad || w[1].bad ? 1 : 0;
}

/* ---- main ---- */

static int usage(void)
{
	fprintf(stderr,
		"usage: fault_login --confdir DIR --service NAME "
		"--control PORT [--logdir DIR] [--from N] [--stride S] "
		"[--hang S] [--leakcheck each] [--pin SO] [--every N] walk "
		"approve|deny|timeout | host N | "
		"threads N | initretry\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = {.from = 1, .stride = 1, .every = 500, .hang = 30};
	int i;

	for (i = 1; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		const char *k = argv[i] + 2, *v = argv[i + 1];

		if (!strcmp(k, "confdir"))
			o.confdir = v;
		else if (!strcmp(k, "service"))
			o.service = v;
		else if (!strcmp(k, "pin"))
			o.pin = v;
		else if (!strcmp(k, "logdir"))
			o.logdir = v;
		else if (!strcmp(k, "control"))
			o.control = atoi(v);
		else if (!strcmp(k, "from"))
			o.from = strtoul(v, NULL, 10);
		else if (!strcmp(k, "every"))
			o.every = strtoul(v, NULL, 10);
		else if (!strcmp(k, "stride"))
			o.stride = strtoul(v, NULL, 10);
		else if (!strcmp(k, "leakcheck"))
			o.leakcheck = !strcmp(v, "each");
		else if (!strcmp(k, "hang"))
			o.hang = (unsigned)strtoul(v, NULL, 10);
		else
			return usage();
	}
	if (!o.confdir || !o.service || !o.control || !o.stride || !o.from ||
	    !o.every || i >= argc)
		return usage();
	if (o.logdir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/fault_login-%d.log", o.logdir,
			 (int)getpid());
		archive = fopen(path, "a");
	}
	/* keep the module loaded across pam_end, as a host that also
	 * links it would: its load and relocation are then paid once */
	if (o.pin && !dlopen(o.pin, RTLD_NOW | RTLD_NODELETE)) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fault_virtual_time(true);
	if (!strcmp(argv[i], "initretry"))
		return initretry(&o);
	if (i + 1 >= argc)
		return usage();
	if (!strcmp(argv[i], "walk")) {
		for (int sc = APPROVE; sc <= TIMEOUT; sc++)
			if (!strcmp(argv[i + 1], scenario_names[sc]))
				return walk(&o, (enum scenario)sc);
		return usage();
	}
	if (!strcmp(argv[i], "host"))
		return host(&o, strtoul(argv[i + 1], NULL, 10));
	if (!strcmp(argv[i], "threads"))
		return threads(&o, strtoul(argv[i + 1], NULL, 10));
	return usage();
}
