/* PAM entry points: read the arguments, run the approval, map the result.
 * The result codes: doc/interface.md, "Return codes". */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAM_SM_AUTH
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "approval.h"
#include "config.h"
#include "context.h"
#include "log.h"
#include "mid.h"
#include "outcome.h"
#include "policy.h"
#include "scope.h"
#include "uipolicy.h"
#include "usermap.h"
#include "util.h"
#include "wait.h"

/* pam_set_data key: the outcome that is final for this handle, a denial in
 * the app or an interrupt; its data is that MID_E code as a pointer */
#define FINAL_KEY "pam_mobileid:final"
/* the build hides every symbol; the export map names these six */
#define MID_EXPORT __attribute__((visibility("default")))

static void no_cleanup(pam_handle_t *pamh, void *data, int err) {}

/* The module's log sink: syslog tagged with the service, as PAM does. */
static void pam_log_sink(void *ctx, int prio, const char *line)
{
	pam_syslog(ctx, prio, "%s", line);
}

static int pam_conv_adapter(void *ctx, enum ui_style style, const char *msg,
			    char **answer)
{
	pam_handle_t *pamh = ctx;
	const struct pam_conv *conv = NULL;
	struct pam_message m;
	const struct pam_message *pm = &m;
	struct pam_response *resp = NULL;
	int r;

	*answer = NULL;
	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    !conv || !conv->conv)
		return MID_E_CONV;
	m.msg_style = style == UI_ASK	  ? PAM_PROMPT_ECHO_ON
		      : style == UI_ERROR ? PAM_ERROR_MSG
					  : PAM_TEXT_INFO;
	m.msg = msg;
	r = conv->conv(1, &pm, &resp, conv->appdata_ptr);
	if (resp) {
		*answer = resp[0].resp;
		free(resp);
	}
	return r == PAM_SUCCESS ? 0 : MID_E_CONV;
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

/* The user and remote host for the log lines, quoted; "local" when there
 * is no remote host. */
struct who {
	char user[MID_LOG_QUOTED_MAX];
	char rhost[MID_LOG_QUOTED_MAX];
};

static void who_set(struct who *w, const char *user, const char *rhost)
{
	mid_log_quote(w->user, sizeof(w->user), user);
	if (rhost && *rhost)
		mid_log_quote(w->rhost, sizeof(w->rhost), rhost);
	else
		snprintf(w->rhost, sizeof(w->rhost), "local");
}

/* sudo asks again after PAM_AUTH_ERR: a denial in the app, or an interrupt,
 * is final for this handle, so no second order reaches the phone; the
 * person is told why nothing happens. True when this handle is done. */
static bool final_on_handle(pam_handle_t *pamh, const struct mid_config *cfg,
			    const char *const *pam_env, const struct who *w,
			    struct mid_log *log)
{
	const void *final = NULL;
	char *answer = NULL;
	int r;

	if (pam_get_data(pamh, FINAL_KEY, &final) != PAM_SUCCESS || !final)
		return false;
	r = (int)(intptr_t) final;
	mid_log_notice(log, "%s: user=%s rhost=%s (%s earlier on this handle)",
		       outcome_of(r)->word, w->user, w->rhost,
		       outcome_of(r)->word);
	pam_conv_adapter(
	    pamh, UI_ERROR,
	    i18n_text(uipolicy_lang(cfg, pam_env),
		      r == MID_E_DENIED ? MSG_DENIED_BEFORE : MSG_INTERRUPTED),
	    &answer);
	free(answer);
	return true;
}

static void remember_final(pam_handle_t *pamh, int r)
{
	if (r == MID_E_DENIED || r == MID_E_INTERRUPTED)
		/* the code itself is the data: negative, so never NULL */
		pam_set_data(pamh, FINAL_KEY, (void *)(intptr_t)r, no_cleanup);
}

/* Is fd open to something other than /dev/null? */
static bool shows_somewhere(int fd)
{
	struct stat sb, null;

	if (fstat(fd, &sb) < 0)
		return false;
	return !(S_ISCHR(sb.st_mode) && stat("/dev/null", &null) == 0 &&
		 sb.st_rdev == null.st_rdev);
}

/* Somebody can see a QR or a status line: the host has a conversation and
 * a terminal (standard streams, controlling terminal, or a PAM_TTY the host
 * set: sshd "ssh", su/login/sudo the device), or its output goes somewhere
 * other than /dev/null (a pipe someone reads). sudo -n asks for nobody's
 * attention. */
static bool can_show(pam_handle_t *pamh, const char *service, const char *tty)
{
	const struct pam_conv *conv = NULL;
	int fd;

	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    !conv || !conv->conv)
		return false;
	if (context_is_sudo(service) && context_sudo_noninteractive())
		return false;
	if ((tty && *tty) || isatty(STDIN_FILENO) ||
	    shows_somewhere(STDOUT_FILENO) || shows_somewhere(STDERR_FILENO))
		return true;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Who approves: PAM_USER, or for su with su_approver = caller the person
 * who typed su (the real uid, which su keeps as its caller's). NULL when
 * the caller has no name. */
static const char *approver(const struct mid_config *cfg, const char *service,
			    const char *user, char *caller, size_t n,
			    struct mid_log *log)
{
	if (!context_is_su(service) || cfg->policy.su_approver != CFG_SU_CALLER)
		return user;
	if (context_caller(caller, n) < 0) {
		mid_log_err(log, "su: the caller's uid has no name");
		return NULL;
	}
	if (strcmp(caller, user) != 0)
		mid_log_info(log, "su: the caller approves (su_approver = "
				  "caller)");
	return caller;
}

/* What the approval needs to know of the host and the login. */
struct login_ctx {
	char caller[USERMAP_MAX_USER];
	char command[CONTEXT_MAX_SIGNED_COMMAND + 8];
};

static int fill_env(pam_handle_t *pamh, const struct mid_config *cfg,
		    const char *user, const char *rhost, char **envlist,
		    struct login_ctx *ctx, struct approval_env *env,
		    struct mid_log *log)
{
	memset(env, 0, sizeof(*env));
	env->service = item(pamh, PAM_SERVICE);
	env->user = approver(cfg, env->service, user, ctx->caller,
			     sizeof(ctx->caller), log);
	if (!env->user)
		return MID_E_LOCAL;
	if (context_is_sudo(env->service)) {
		/* sudo_sign: the person signs the command, not only sees it */
		env->sign = cfg->policy.sudo_sign;
		env->command = ctx->command;
		env->command_whole =
		    context_command(ctx->command, sizeof(ctx->command),
				    env->sign ? CONTEXT_MAX_SIGNED_COMMAND
					      : CONTEXT_MAX_COMMAND);
	}
	env->rhost = rhost && *rhost ? rhost : NULL;
	env->tty = item(pamh, PAM_TTY);
	env->local_tty = isatty(STDOUT_FILENO) || isatty(STDERR_FILENO) ||
			 (env->tty && strncmp(env->tty, "/dev/", 5) == 0);
	env->can_show = can_show(pamh, env->service, env->tty);
	env->pam_env = (const char *const *)envlist;
	env->conv = pam_conv_adapter;
	env->conv_ctx = pamh;
	return 0;
}

/* The approval with the policy around it: not in `groups` means not ours
 * to ask, and nothing reaches a phone. */
static int run_with_policy(pam_handle_t *pamh, const struct mid_config *cfg,
			   const char *user, char **envlist,
			   struct mid_log *log, struct approval_result *res)
{
	struct login_ctx ctx;
	struct approval_env env;
	struct policy policy;
	int r = scope_includes(&cfg->policy.groups, user, log);

	if (r <= 0)
		return r == 0 ? MID_E_OUTSIDE : r;
	r = fill_env(pamh, cfg, user, item(pamh, PAM_RHOST), envlist, &ctx,
		     &env, log);
	if (r < 0)
		return r;
	policy_init(&policy, cfg, cfg->policy.state_dir, log);
	/* a signature is for one command: no grace, no shared approval */
	policy.each_order = env.sign;
	env.policy = &policy;
	r = approval_run(cfg, &env, log, res);
	policy_end(&policy);
	return r;
}

/* The one line per decision (doc/interface.md, "Logs"). */
static void log_decision(struct mid_log *log, int r, int retval,
			 const struct outcome_policy *pol,
			 const struct approval_result *res, const struct who *w)
{
	static const char *const pass_note[] = {"", " (grace)",
						" (the concurrent order)"};

	if (r == MID_E_UNMAPPED || r == MID_E_OUTSIDE) {
		mid_log_notice(log, "%s: user=%s rhost=%s: %s",
			       outcome_of(r)->word, w->user, w->rhost,
			       retval == PAM_IGNORE ? "ignored" : "refused");
		return;
	}
	mid_log_msg(log, r == 0 ? LOG_NOTICE : LOG_WARNING,
		    "%s%s: user=%s rhost=%s provider=%s id=%s "
		    "duration=%llu.%llus%s",
		    outcome_of(r)->word,
		    pass_note[res->pass >= 0 && res->pass < 3 ? res->pass : 0],
		    w->user, w->rhost, res->provider[0] ? res->provider : "-",
		    res->masked_id[0] ? res->masked_id : "-",
		    (unsigned long long)(res->duration_ms / 1000),
		    (unsigned long long)(res->duration_ms % 1000 / 100),
		    outcome_forgiven(r, pol) ? " (failmode=safe: let in)" : "");
}

/* Runs the approval for a user whose name passed; the PAM code. */
static int authenticate(pam_handle_t *pamh, const struct mid_config *cfg,
			const char *user, const struct who *w,
			struct mid_log *log, struct approval_result *res)
{
	char **envlist = pam_getenvlist(pamh);
	struct outcome_policy pol;
	int r, retval = PAM_AUTH_ERR;

	if (final_on_handle(pamh, cfg, (const char *const *)envlist, w, log))
		goto out;
	r = run_with_policy(pamh, cfg, user, envlist, log, res);
	pol.failmode_safe = cfg->failmode == CFG_FAIL_SAFE;
	/* an outage leaves a signed sudo unsigned and unrecorded: passing it
	 * would be the hole in the audit trail sudo_sign is there to close */
	if (pol.failmode_safe && res->sign && !res->order_created &&
	    outcome_of(r)->outage) {
		mid_log_warn(log, "sudo_sign: no signature, no record: "
				  "failmode=safe does not apply");
		pol.failmode_safe = false;
	}
	pol.unmapped_ignore = cfg->unmapped == CFG_UNMAPPED_IGNORE;
	pol.order_created = res->order_created;
	retval = outcome_pam(r, &pol);
	remember_final(pamh, r);
	log_decision(log, r, retval, &pol, res, w);
out:
	if (envlist) {
		for (char **e = envlist; *e; e++)
			util_strfree(*e);
		free(envlist);
	}
	return retval;
}

MID_EXPORT PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags,
					      int argc, const char **argv)
{
	struct mid_log log = {.sink = pam_log_sink, .sink_ctx = pamh};
	struct mid_config cfg;
	struct approval_result res;
	struct who w;
	const char *user = NULL, *why;
	int retval = PAM_SERVICE_ERR, r;

	memset(&res, 0, sizeof(res));
	r = cfg_load(&cfg, argc, argv, &log);
	if (r < 0) {
		mid_log_err(&log, "refused config: %s", mid_strerror(r));
		retval = r == MID_E_NOMEM ? PAM_BUF_ERR : PAM_SERVICE_ERR;
		goto out;
	}
	retval = pam_get_user(pamh, &user, NULL);
	if (retval != PAM_SUCCESS || !user || !*user) {
		mid_log_err(&log, "cannot determine the user");
		if (retval == PAM_SUCCESS)
			retval = PAM_USER_UNKNOWN;
		goto out;
	}
	who_set(&w, user, item(pamh, PAM_RHOST));
	/* the map is looked up by this name: refused, never altered */
	why = usermap_name_problem(user);
	if (why) {
		mid_log_err(&log, "refused user name: user=%s rhost=%s: %s",
			    w.user, w.rhost, why);
		retval = PAM_USER_UNKNOWN;
		goto out;
	}
	retval = authenticate(pamh, &cfg, user, &w, &log, &res);
out:
	cfg_free(&cfg);
	/* the host's handler or default action, as if we were not here */
	wait_deliver(res.signal);
	return retval;
}

MID_EXPORT PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags,
					 int argc, const char **argv)
{
	return PAM_SUCCESS;
}

MID_EXPORT PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags,
					   int argc, const char **argv)
{
	return PAM_IGNORE;
}

MID_EXPORT PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags,
					      int argc, const char **argv)
{
	return PAM_IGNORE;
}

MID_EXPORT PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags,
					       int argc, const char **argv)
{
	return PAM_IGNORE;
}

MID_EXPORT PAM_EXTERN int pam_sm_chauthtok(pam_handle_t *pamh, int flags,
					   int argc, const char **argv)
{
	return PAM_IGNORE;
}
