/* mid-pamhost [-n N] [-m] SERVICE USERPREFIX: a PAM host for benchmarks.
 * Forks N children at once, as sshd forks one process per connection; child
 * I runs pam_start(SERVICE, USERPREFIX<I>), pam_authenticate, pam_end with a
 * conversation that answers every prompt with "" and notes the first QR
 * frame. Prints one line per event on stdout, times in CLOCK_MONOTONIC µs
 * (Python's time.monotonic() * 1e6):
 *   qr I T            the first QR frame was handed to the conversation
 *   mem I WHEN ANON_KIB LIB_KIB RSS_KIB   with -m: /proc/self/smaps summed
 *                     at the first QR frame (WHEN=qr) and after
 *                     pam_authenticate returned (WHEN=auth): anonymous
 *                     memory, resident shared objects (*.so*), all resident
 *   end I RC T_AUTH T_QR T_END CPU_QR   pam_authenticate entry, first QR
 *                     (0: none), return; RC is its PAM code; CPU_QR: CPU
 *                     time (µs) of the process from entry to the first QR
 *   err I TEXT        when RC is not PAM_SUCCESS: the last error message
 *                     the module showed (first line, cut at 100 bytes)
 *   log I TEXT        then the module's first warning or error log line:
 *                     this program defines syslog() and the _chk variant
 *                     that libpam's pam_syslog() calls (linked -rdynamic)
 *   rusage UTIME_US STIME_US NVCSW NIVCSW   all children together
 * Exits 0 when every pam_authenticate returned PAM_SUCCESS. */
#include <security/pam_appl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* a rendered QR frame is far longer than any status line */
#define QR_MIN_BYTES 300

struct login {
	int index, want_mem;
	long long t_qr, cpu0, cpu_qr;
	char err[101];
};

/* the first warning or error the module logged (one login per process) */
static char first_log[201];

void vsyslog(int prio, const char *fmt, va_list ap)
{
	if (!first_log[0] && LOG_PRI(prio) <= LOG_WARNING)
		vsnprintf(first_log, sizeof(first_log), fmt, ap);
}

void syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int prio, int flag, const char *fmt, ...);
void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

static long long clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long now_us(void) { return clock_us(CLOCK_MONOTONIC); }

/* One line per write(2): lines from N children never interleave. */
static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(STDOUT_FILENO, line, (size_t)n);
}

static void report_mem(int index, const char *when)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[1024];
	long anon = 0, lib = 0, rss = 0, kb;
	int is_lib = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (sp && sp > line && sp[-1] != ':') { /* a mapping's header */
			is_lib = strstr(line, ".so") != NULL;
		} else if (sscanf(line, "Rss: %ld kB", &kb) == 1) {
			rss += kb;
			if (is_lib)
				lib += kb;
		} else if (sscanf(line, "Anonymous: %ld kB", &kb) == 1) {
			anon += kb;
		}
	}
	fclose(f);
	emit("mem %d %s %ld %ld %ld\n", index, when, anon, lib, rss);
}

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *ctx)
{
	struct login *l = ctx;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup("");
		else if (style == PAM_ERROR_MSG)
			snprintf(l->err, sizeof(l->err), "%.*s",
				 (int)strcspn(msg[i]->msg, "\n"), msg[i]->msg);
		else if (!l->t_qr && strlen(msg[i]->msg) >= QR_MIN_BYTES) {
			l->t_qr = now_us();
			l->cpu_qr =
			    clock_us(CLOCK_PROCESS_CPUTIME_ID) - l->cpu0;
			emit("qr %d %lld\n", l->index, l->t_qr);
			if (l->want_mem)
				report_mem(l->index, "qr");
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int one_login(const char *service, const char *prefix, int index,
		     int want_mem)
{
	struct login l = {index, want_mem, 0, 0, 0, ""};
	struct pam_conv pc = {conv, &l};
	pam_handle_t *ph = NULL;
	char user[128];
	long long t0, t1;
	int rc;

	snprintf(user, sizeof(user), "%s%d", prefix, index);
	rc = pam_start(service, user, &pc, &ph);
	if (rc != PAM_SUCCESS) {
		emit("end %d %d 0 0 0\n", index, rc);
		return 1;
	}
	t0 = now_us();
	l.cpu0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
	rc = pam_authenticate(ph, 0);
	t1 = now_us();
	if (want_mem)
		report_mem(index, "auth");
	pam_end(ph, rc);
	emit("end %d %d %lld %lld %lld %lld\n", index, rc, t0, l.t_qr, t1,
	     l.cpu_qr);
	if (rc != PAM_SUCCESS) {
		emit("err %d %s\n", index, l.err);
		emit("log %d %s\n", index, first_log);
	}
	return rc == PAM_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv)
{
	int n = 1, want_mem = 0, opt, failed = 0, status;
	struct rusage ru;

	while ((opt = getopt(argc, argv, "n:m")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'm')
			want_mem = 1;
		else
			return 2;
	}
	if (argc - optind != 2 || n < 1) {
		fprintf(stderr, "usage: mid-pamhost [-n N] [-m] SERVICE "
				"USERPREFIX\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(one_login(argv[optind], argv[optind + 1], i,
					want_mem));
		if (pid < 0) {
			perror("fork");
			failed++;
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	getrusage(RUSAGE_CHILDREN, &ru);
	emit("rusage %lld %lld %ld %ld\n",
	     (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
	     (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
	     ru.ru_nvcsw, ru.ru_nivcsw);
	return failed ? 1 : 0;
}
