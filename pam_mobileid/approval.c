/* The provider-neutral approval: start, show, poll, restart, cancel,
 * decide. */
#include "approval.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apptext.h"
#include "audit.h"
#include "chain.h"
#include "config.h"
#include "log.h"
#include "mid.h"
#include "net.h"
#include "outcome.h"
#include "policy.h"
#include "provider.h"
#include "startgate.h"
#include "uipolicy.h"
#include "usermap.h"
#include "util.h"
#include "wait.h"

#define MAX_TEXT 2048
/* transport failures in a row while collecting before we give up */
#define MAX_POLL_FAILURES 3
/* a frame a second; a wake this early still draws the next one */
#define FRAME_MS 1000u
#define FRAME_SLACK_MS 100u

/* The state of one approval while it runs. */
struct run {
	struct mid_log *log;
	struct ui *ui;
	const struct provider_ops *ops;
	void *p;
	const struct mid_request *req;
	struct provider_status st;
	struct wait_sigs sigs;
	uint64_t last_poll;
	unsigned failures;
	bool redraw;	   /* the screen is behind: status or order changed */
	uint64_t shown_ms; /* when the last frame went out */
	struct startgate *gate; /* the turn to start, given back once started */
};

/* Status line: the provider's message and the time left. */
static void status_text(struct run *run, uint64_t now, char *out, size_t n)
{
	unsigned secs =
	    now < run->req->deadline_ms
		? (unsigned)((run->req->deadline_ms - now + 999) / 1000)
		: 0;

	snprintf(out, n, "%s\n%s %u s", i18n_text(run->ui->lang, run->st.msg),
		 i18n_text(run->ui->lang, MSG_TIME_LEFT), secs);
}

struct prompt_call {
	struct run *run;
	const char *qr, *status;
};

static int prompt_call(void *arg)
{
	struct prompt_call *c = arg;

	return ui_prompt(c->run->ui, c->qr, c->status);
}

/* The watcher took a signal while the prompt was up. */
static void cancel_order(void *arg)
{
	struct run *run = arg;

	run->ops->cancel(run->p);
	mid_log_notice(run->log, "signal while the prompt was up: order "
				 "cancelled");
}

static int show(struct run *run)
{
	char payload[QR_PAYLOAD_MAX], status[MAX_TEXT];
	uint64_t now = util_now_ms();
	struct prompt_call call = {run, NULL, status};

	if (run->st.show_qr &&
	    run->ops->qr(run->p, now, payload, sizeof(payload)) == 0)
		call.qr = payload;
	status_text(run, now, status, sizeof(status));
	if (run->ui->mode != UI_PROMPT)
		return ui_frame(run->ui, call.qr,
				run->ui->mode == UI_OFF
				    ? i18n_text(run->ui->lang, run->st.msg)
				    : status);
	/* the prompt blocks until the person answers: an interrupt
	 * meanwhile (sshd ends its PAM process with SIGTERM when the client
	 * goes) must still cancel the order */
	return wait_call(&run->sigs, prompt_call, &call, cancel_order, run);
}

/* One collect; returns PROVIDER_PENDING to go on, 1 when approved, or the
 * final error. Starts a new order when the old one lapsed unscanned. */
static int poll_once(struct run *run)
{
	struct provider_status before = run->st;
	int r = run->ops->poll(run->p, &run->st);

	if (run->st.msg != before.msg || run->st.show_qr != before.show_qr)
		run->redraw = true;
	run->last_poll = util_now_ms();
	if (r == PROVIDER_RESTART) {
		mid_log_info(run->log, "order not picked up in time; starting "
				       "a new one");
		r = run->ops->start(run->p, &run->st);
		if (r < 0)
			return r; /* no order is open now: nothing to poll */
		run->st.show_qr = true;
		run->redraw = true; /* a new code */
	}
	if (r == MID_E_UNREACHABLE || r == MID_E_SERVER) {
		/* a collect cut short by the login's deadline: time is up */
		if (util_now_ms() >= run->req->deadline_ms)
			return MID_E_TIMEOUT;
		/* a lost collect is retried */
		if (++run->failures < MAX_POLL_FAILURES)
			return PROVIDER_PENDING;
		return MID_E_SERVER;
	}
	if (r >= 0)
		run->failures = 0;
	return r;
}

static void next_wake(struct run *run, uint64_t now, uint64_t *wake)
{
	uint64_t next_poll = run->last_poll + run->ops->interval_ms(run->p);
	unsigned frame = run->ops->next_frame_ms(run->p, now);

	*wake = next_poll;
	if (run->ui->mode == UI_ANIMATE && frame != UINT32_MAX &&
	    run->st.show_qr && now + frame < *wake)
		*wake = now + frame;
	else if (run->ui->mode == UI_ANIMATE && now + 1000 < *wake)
		*wake = now + 1000; /* the time left counts down */
	if (run->req->deadline_ms < *wake)
		*wake = run->req->deadline_ms;
}

static int loop(struct run *run)
{
	int r;

	run->redraw = true;
	for (;;) {
		uint64_t now = util_now_ms(), wake;

		if (now >= run->req->deadline_ms)
			return MID_E_TIMEOUT;
		/* a frame is drawn on its second; a poll that changed nothing
		 * draws none (else two frames would go out a few ms apart) */
		if (run->redraw || run->ui->mode == UI_PROMPT ||
		    now >= run->shown_ms + FRAME_MS - FRAME_SLACK_MS) {
			r = show(run);
			if (r < 0)
				return r;
			run->redraw = false;
			run->shown_ms = now;
		}
		r = wait_interrupted(&run->sigs);
		if (r < 0)
			return r;
		if (run->ui->mode == UI_PROMPT) {
			/* never collect more often than once a second */
			r = wait_until(&run->sigs, run->last_poll + 1000);
		} else {
			next_wake(run, util_now_ms(), &wake);
			r = wait_until(&run->sigs, wake);
			if (r == 0 &&
			    util_now_ms() < run->last_poll +
						run->ops->interval_ms(run->p)) {
				run->redraw = true; /* the next second */
				continue;
			}
		}
		if (r < 0)
			return r;
		if (util_now_ms() >= run->req->deadline_ms)
			return MID_E_TIMEOUT;
		r = poll_once(run);
		if (r != PROVIDER_PENDING)
			return r == PROVIDER_APPROVED ? 0 : r;
	}
}

static int run_order(struct run *run, struct approval_result *res)
{
	int r;

	/* a signal from before the order exists until after it is cancelled
	 * waits for the cancel */
	wait_begin(&run->sigs);
	r = run->ops->start(run->p, &run->st);
	startgate_leave(run->gate);
	if (r == 0) {
		res->order_created = true;
		run->last_poll = util_now_ms();
		r = loop(run);
		if (r != 0)
			/* every abort path cancels what is still open */
			run->ops->cancel(run->p);
	} else {
		/* a reply we could not read may still have made an order */
		run->ops->cancel(run->p);
	}
	/* no order: an outage here may be failmode-safe */
	wait_interrupted(&run->sigs);
	wait_end(&run->sigs);
	if (run->sigs.caught)
		mid_log_notice(run->log, "signal %d: %s", run->sigs.caught,
			       res->order_created ? "order cancelled"
						  : "no order was open");
	res->signal = run->sigs.deliver;
	if (r == MID_E_UNREACHABLE && res->order_created)
		r = MID_E_SERVER;
	return r;
}

/* What the provider gets to know of this login; its strings live in buf. */
struct request_buf {
	char text[APPTEXT_MAX];
	char ip[NET_IP_MAX];
};

static void make_request(const struct mid_config *cfg,
			 const struct approval_env *env,
			 const struct provider_def *def, const char *identity,
			 bool qr, struct request_buf *buf,
			 struct mid_request *req, struct mid_log *log)
{
	apptext_make(cfg, env, buf->text, sizeof(buf->text));
	req->user = env->user;
	req->service = env->service;
	req->rhost = env->rhost;
	req->identity = identity;
	req->text = buf->text;
	req->tty = env->tty;
	req->command = env->command;
	req->sign = env->sign;
	req->want_qr = (def->needs & PROVIDER_NEEDS_QR) && qr;
	if (def->needs & PROVIDER_NEEDS_END_USER_IP) {
		net_end_user_ip(env->rhost, buf->ip, sizeof(buf->ip), log);
		req->end_user_ip = buf->ip;
	}
}

/* Before any order: is there anybody to see it, and does the policy let
 * an order start? Returns 0 to start one, 1 when the policy passed the
 * login without one, or MID_E_*. */
static int gate(const struct approval_env *env, const struct ui *ui,
		const char *account, uint64_t deadline_ms,
		struct approval_result *res)
{
	int r;

	/* an order nobody can see is a push the person cannot place */
	if (!env->conv || (ui->mode != UI_OFF && !env->can_show))
		return MID_E_NOTERM;
	if (!env->policy)
		return 0;
	r = policy_gate(env->policy, account, env->rhost, env->service,
			deadline_ms);
	if (r > 0)
		res->pass = r;
	return r > 0 ? 1 : r;
}

/* Starts, shows and polls the order, and says how it ended; *status is
 * the provider's last status line. */
static int order(const struct mid_config *cfg, const struct provider_def *def,
		 struct mid_request *req, struct ui *ui, struct mid_log *log,
		 struct approval_result *res, enum mid_msg *status)
{
	struct startgate gate;
	struct run run = {
	    .log = log, .ui = ui, .req = req, .ops = def->ops, .gate = &gate};
	int r;

	startgate_enter(&gate, cfg->policy.state_dir, req->deadline_ms, log);
	r = def->create(cfg, req, log, &run.p);
	if (r == 0) {
		ui->title = req->sign && run.ops->title_sign
				? run.ops->title_sign
				: run.ops->title;
		r = run_order(&run, res);
		/* an unaudited signature is no approval */
		if (r == 0 && req->sign)
			r = audit_keep(cfg->policy.audit_dir, req, run.ops,
				       run.p, log);
		*status = run.st.msg;
		run.ops->free(run.p);
	}
	startgate_leave(&gate);
	return r;
}

/* The user's identities in turn: the next is asked only when the one
 * before could not be reached before any order existed (never after a
 * denial, a timeout or anything the provider said). */
static int ask_chain(const struct mid_config *cfg,
		     const struct approval_env *env,
		     const struct usermap_entry *entry, struct ui *ui,
		     struct mid_request *req, struct mid_log *log,
		     struct approval_result *res)
{
	enum mid_msg status = MSG_NONE;
	struct request_buf buf;
	int r = MID_E_INTERNAL;

	for (unsigned i = 0; i < entry->n; i++) {
		const struct usermap_ident *id = &entry->ident[i];
		/* the user map names only providers of the table */
		const struct provider_def *def = provider_find(id->provider);

		snprintf(res->provider, sizeof(res->provider), "%s",
			 id->provider);
		mid_log_mask(res->masked_id, sizeof(res->masked_id), id->id);
		if (!def)
			return MID_E_INTERNAL;
		if (env->sign && !def->can_sign) {
			mid_log_warn(log,
				     "sudo_sign: %s cannot sign: not asked",
				     def->name);
			continue;
		}
		make_request(cfg, env, def, id->id, ui->mode != UI_OFF, &buf,
			     req, log);
		r = order(cfg, def, req, ui, log, res, &status);
		if (r != MID_E_UNREACHABLE || res->order_created ||
		    i + 1 == entry->n)
			break;
		mid_log_warn(log,
			     "%s unreachable before any order: asking "
			     "the next identity (%s)",
			     id->provider, entry->ident[i + 1].provider);
	}
	ui_final(ui, i18n_text(ui->lang, outcome_msg(r, status)), r != 0);
	return r;
}

int approval_run(const struct mid_config *cfg, const struct approval_env *env,
		 struct mid_log *log, struct approval_result *res)
{
	struct usermap_entry entry;
	struct mid_request req = {0};
	struct ui ui;
	char account[USERMAP_MAX_USER];
	uint64_t start = util_now_ms();
	int r;

	memset(res, 0, sizeof(*res));
	res->sign = env->sign;
	r = usermap_account(env->user, account, sizeof(account), log);
	if (r < 0)
		return r;
	/* no mapping, no request: guessing names must reach no phone */
	r = usermap_lookup(cfg->usermap, account, &entry, log);
	if (r == 0)
		r = chain_check(cfg, &entry, env, log, res);
	uipolicy_pick(cfg, env, &ui);
	/* the person is told why sudo refuses without asking the phone */
	if (r == MID_E_NOSIGN || r == MID_E_TOOLONG)
		ui_final(&ui, i18n_text(ui.lang, outcome_msg(r, MSG_NONE)),
			 true);
	if (r < 0)
		return r;
	req.deadline_ms = start + (uint64_t)cfg->timeout * 1000u;
	r = gate(env, &ui, account, req.deadline_ms, res);
	if (r == 0) {
		r = ask_chain(cfg, env, &entry, &ui, &req, log, res);
		if (env->policy)
			policy_record(env->policy, r);
	} else {
		ui_final(&ui,
			 i18n_text(ui.lang, r > 0 ? MSG_GRACE
						  : outcome_msg(r, MSG_NONE)),
			 r < 0);
	}
	res->duration_ms = util_now_ms() - start;
	explicit_bzero(&entry, sizeof(entry));
	return r > 0 ? 0 : r;
}
