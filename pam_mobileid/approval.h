/* The provider-neutral approval: start, show, poll, restart, cancel,
 * decide. The data path of a login reads top to bottom in approval.c. */
#ifndef MID_APPROVAL_H
#define MID_APPROVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ui.h"

struct mid_config;
struct mid_log;
struct policy;

/* What the front end (PAM module or admin tool) knows of this login. */
struct approval_env {
	const char *user;
	const char *service;
	const char *rhost; /* may be NULL */
	const char *tty;   /* PAM_TTY, may be NULL */
	bool local_tty;	   /* the conversation writes to a terminal */
	/* a terminal, or a host like sshd that shows prompts: somebody can
	 * see a QR or a status line */
	bool can_show;
	const char *command; /* what sudo runs, for the app's text; or NULL */
	bool command_whole;  /* command is all of it, not cut */
	/* a signed sudo (sudo_sign): the person signs the text, and the
	 * signature is kept in the audit directory before success */
	bool sign;
	const char *const *pam_env;
	ui_conv_fn conv;
	void *conv_ctx;
	struct policy *policy; /* NULL: none (the admin tool) */
};

struct approval_result {
	char provider[16];
	char masked_id[32];
	uint64_t duration_ms;
	bool order_created; /* an order existed: no failmode = safe */
	bool sign;	    /* a signed sudo: no failmode = safe either */
	int signal;	    /* a signal to hand to the host at the very end */
	int pass;	    /* enum policy_pass: how it passed without order */
};

/* Runs the whole approval. Returns 0 (approved) or MID_E_*. A signal that
 * ended it is in res->signal: pass it to wait_deliver() last of all. */
int approval_run(const struct mid_config *cfg, const struct approval_env *env,
		 struct mid_log *log, struct approval_result *res);

#endif
