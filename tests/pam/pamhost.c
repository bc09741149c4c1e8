/* A small PAM host for the signal tests: like pamtester, but with the
 * signal dispositions a real host has, chosen on the command line.
 *
 *   pamhost [-b SIG]... [-h SIG]... [-i SIG]... SERVICE USER
 *
 * -b blocks SIG for the whole authentication (sudo does that for SIGINT and
 * SIGQUIT), -h installs a handler that reports it, -i ignores it. Prints
 * info text to stdout and answers prompts from stdin. At the end it writes
 * "result=<code> pending=<signals> handled=<signals> main=<0|1>" on stderr:
 * which blocked signals are still pending, which handlers ran, and whether
 * every handler ran in the main thread. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <security/pam_appl.h>

static volatile sig_atomic_t handled[65];
static volatile sig_atomic_t off_main;
static pid_t main_tid;

static void on_signal(int sig)
{
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "handler %d\n", sig);

	handled[sig]++;
	if ((pid_t)syscall(SYS_gettid) != main_tid)
		off_main = 1;
	if (write(STDERR_FILENO, msg, (size_t)n) < 0)
		handled[0]++;
}

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		char line[512];

		if (msg[i]->msg_style == PAM_TEXT_INFO) {
			printf("%s\n", msg[i]->msg);
			fflush(stdout);
		} else if (msg[i]->msg_style == PAM_ERROR_MSG) {
			fprintf(stderr, "%s\n", msg[i]->msg);
		} else {
			fprintf(stderr, "%s", msg[i]->msg);
			if (!fgets(line, sizeof(line), stdin)) {
				free(r);
				return PAM_CONV_ERR;
			}
			line[strcspn(line, "\n")] = '\0';
			r[i].resp = strdup(line);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
	struct pam_conv c = {conv, NULL};
	pam_handle_t *pamh = NULL;
	sigset_t block, pending;
	int opt, rc;

	main_tid = (pid_t)syscall(SYS_gettid);
	sigemptyset(&block);
	while ((opt = getopt(argc, argv, "b:h:i:")) != -1) {
		int sig = atoi(optarg);
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = opt == 'i' ? SIG_IGN : on_signal;
		if (opt == 'b')
			sigaddset(&block, sig);
		else
			sigaction(sig, &sa, NULL);
	}
	if (argc - optind != 2)
		return 2;
	sigprocmask(SIG_BLOCK, &block, NULL);
	if (pam_start(argv[optind], argv[optind + 1], &c, &pamh) != PAM_SUCCESS)
		return 2;
	rc = pam_authenticate(pamh, 0);
	sigpending(&pending);
	fprintf(stderr, "result=%s pending=", pam_strerror(pamh, rc));
	for (int s = 1; s < 32; s++)
		if (sigismember(&pending, s))
			fprintf(stderr, "%d,", s);
	fprintf(stderr, " handled=");
	for (int s = 1; s < 32; s++)
		if (handled[s])
			fprintf(stderr, "%d*%d,", s, (int)handled[s]);
	fprintf(stderr, " main=%d\n", !off_main);
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}
