/* PAM entry points: read the arguments, run the approval, map the result.
 * The result codes: doc/interface.md, "Return codes". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAM_SM_AUTH
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "approval.h"
#include "config.h"
#include "log.h"
#include "mid.h"
#include "outcome.h"
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

/* What the approval needs to know of the host and the login. */
static void fill_env(pam_handle_t *pamh, const char *user, const char *rhost,
		     char **envlist, struct approval_env *env)
{
	memset(env, 0, sizeof(*env));
	env->user = user;
	env->service = item(pamh, PAM_SERVICE);
	env->rhost = rhost && *rhost ? rhost : NULL;
	env->tty = item(pamh, PAM_TTY);
	env->local_tty = isatty(STDOUT_FILENO) || isatty(STDERR_FILENO) ||
			 (env->tty && strncmp(env->tty, "/dev/", 5) == 0);
	env->pam_env = (const char *const *)envlist;
	env->conv = pam_conv_adapter;
	env->conv_ctx = pamh;
}

/* The one line per decision (doc/interface.md, "Logs"). */
static void log_decision(struct mid_log *log, int r, int retval,
			 const struct outcome_policy *pol,
			 const struct approval_result *res, const struct who *w)
{
	if (r == MID_E_UNMAPPED) {
		mid_log_notice(log, "unmapped: user=%s rhost=%s: %s", w->user,
			       w->rhost,
			       retval == PAM_IGNORE ? "ignored" : "refused");
		return;
	}
	mid_log_msg(log, r == 0 ? LOG_NOTICE : LOG_WARNING,
		    "%s: user=%s rhost=%s provider=%s id=%s "
		    "duration=%llu.%llus%s",
		    outcome_of(r)->word, w->user, w->rhost,
		    res->provider[0] ? res->provider : "-",
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
	const char *rhost = item(pamh, PAM_RHOST);
	char **envlist = pam_getenvlist(pamh);
	struct approval_env env;
	struct outcome_policy pol;
	int r, retval = PAM_AUTH_ERR;

	if (final_on_handle(pamh, cfg, (const char *const *)envlist, w, log))
		goto out;
	fill_env(pamh, user, rhost, envlist, &env);
	r = approval_run(cfg, &env, log, res);
	pol.failmode_safe = cfg->failmode == CFG_FAIL_SAFE;
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
