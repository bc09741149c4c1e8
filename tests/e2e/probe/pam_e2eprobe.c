/* Throwaway PAM module for the e2e harness: records what the host program
 * sets (items, tty, locale, signal state) and exercises its conversation
 * (PAM_TEXT_INFO, prompts, long waits, Ctrl-C).  Never installed.
 *
 * args: out=FILE      append "key=value" lines describing this call
 *       info=TEXT     send TEXT as PAM_TEXT_INFO first (repeatable, max 8)
 *       prompt=TEXT   then ask TEXT (echo on); success iff answer is "ok"
 *       sleep=MS      then wait MS milliseconds, watching for SIGINT
 *       result=ok|fail   result when no prompt is given (default ok)
 */
#define _GNU_SOURCE
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_sig;
static void on_sig(int s) { got_sig = s; }

static void item(FILE *f, pam_handle_t *ph, int it, const char *name)
{
	const void *v = NULL;
	if (pam_get_item(ph, it, &v) == PAM_SUCCESS && v)
		fprintf(f, "%s=%s\n", name, (const char *)v);
	else
		fprintf(f, "%s=(unset)\n", name);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *ph, int flags, int argc,
				   const char **argv)
{
	const char *out = NULL, *prompt = NULL, *infos[8];
	int ninfo = 0, sleep_ms = 0, fail = 0;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else if (!strncmp(argv[i], "info=", 5) && ninfo < 8)
			infos[ninfo++] = argv[i] + 5;
		else if (!strncmp(argv[i], "prompt=", 7))
			prompt = argv[i] + 7;
		else if (!strncmp(argv[i], "sleep=", 6))
			sleep_ms = atoi(argv[i] + 6);
		else if (!strcmp(argv[i], "result=fail"))
			fail = 1;
	}
	FILE *f = out ? fopen(out, "a") : NULL;
	if (!f)
		f = fopen("/dev/null", "w");
	fprintf(f, "call=authenticate pid=%d uid=%d euid=%d flags=%d\n",
		getpid(), getuid(), geteuid(), flags);
	item(f, ph, PAM_SERVICE, "PAM_SERVICE");
	item(f, ph, PAM_USER, "PAM_USER");
	item(f, ph, PAM_TTY, "PAM_TTY");
	item(f, ph, PAM_RHOST, "PAM_RHOST");
	item(f, ph, PAM_RUSER, "PAM_RUSER");
	fprintf(f, "isatty=%d%d%d\n", isatty(0), isatty(1), isatty(2));
	const char *envs[] = {"LANG",		"LC_ALL",    "LC_CTYPE", "TERM",
			      "SSH_CONNECTION", "SUDO_USER", NULL};
	for (int i = 0; envs[i]; i++) {
		const char *v = getenv(envs[i]);
		const char *pv = pam_getenv(ph, envs[i]);
		fprintf(f, "env.%s=%s pamenv.%s=%s\n", envs[i],
			v ? v : "(unset)", envs[i], pv ? pv : "(unset)");
	}
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	struct sigaction sa;
	sigaction(SIGINT, NULL, &sa);
	fprintf(f, "sigint_blocked=%d sigint_handler=%s\n",
		sigismember(&cur, SIGINT),
		sa.sa_handler == SIG_IGN   ? "ign"
		: sa.sa_handler == SIG_DFL ? "dfl"
					   : "custom");
	fflush(f);

	int rc = PAM_SUCCESS;
	for (int i = 0; i < ninfo; i++) {
		rc = pam_info(ph, "%s", infos[i]);
		fprintf(f, "info[%d].rc=%d\n", i, rc);
		fflush(f);
	}
	if (sleep_ms > 0) {
		struct sigaction nsa, osa;
		memset(&nsa, 0, sizeof nsa);
		nsa.sa_handler = on_sig;
		sigaction(SIGINT, &nsa, &osa);
		int waited = 0;
		while (waited < sleep_ms && !got_sig) {
			sigset_t pend;
			sigpending(&pend);
			if (sigismember(&pend, SIGINT)) {
				fprintf(f, "sigint=pending-blocked at_ms=%d\n",
					waited);
				got_sig =
				    -1; /* leave it pending for the host */
				break;
			}
			usleep(50000);
			waited += 50;
		}
		if (got_sig > 0)
			fprintf(f, "sigint=delivered at_ms=%d\n", waited);
		fprintf(f, "slept_ms=%d\n", waited);
		fflush(f);
		sigaction(SIGINT, &osa, NULL);
		if (got_sig) {
			fclose(f);
			got_sig = 0;
			return PAM_AUTH_ERR;
		}
	}
	if (prompt) {
		char *resp = NULL;
		rc = pam_prompt(ph, PAM_PROMPT_ECHO_ON, &resp, "%s", prompt);
		fprintf(f, "prompt.rc=%d answer=%s\n", rc,
			resp ? resp : "(null)");
		fclose(f);
		if (rc != PAM_SUCCESS)
			return PAM_AUTH_ERR;
		int ok = resp && !strcmp(resp, "ok");
		free(resp);
		return ok ? PAM_SUCCESS : PAM_AUTH_ERR;
	}
	fprintf(f, "result=%s\n", fail ? "fail" : "ok");
	fclose(f);
	return fail ? PAM_AUTH_ERR : PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *ph, int flags, int argc,
			      const char **argv)
{
	return PAM_SUCCESS;
}
PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *ph, int flags, int argc,
				const char **argv)
{
	return PAM_SUCCESS;
}
