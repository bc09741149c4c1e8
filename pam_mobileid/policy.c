/* The policy around an order: denial hold, grace, one open order per user,
 * the order count. The order of the checks is the point: nothing that
 * refuses may have counted an order, and a waiter decides only after the
 * order it waited for has ended. */
#include "policy.h"

#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mid.h"
#include "util.h"

void policy_init(struct policy *p, const struct mid_config *cfg,
		 const char *state_dir, struct mid_log *log)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->log = log;
	p->lock = -1;
	p->st.dirfd = -1;
	p->state_dir = state_dir ? state_dir : STATE_DEFAULT_DIR;
}

/* Is the mark younger than limit_ms? 1 yes, 0 no, MID_E_LOCAL when it
 * cannot be told (fail closed). */
static int mark_within(struct policy *p, enum state_mark m,
		       const struct state_key *k, uint64_t limit_ms)
{
	int64_t age;
	int r = state_mark_age(&p->st, m, k, &age);

	if (r < 0)
		return r;
	return age >= 0 && (uint64_t)age < limit_ms;
}

/* The concurrent order we waited for ended while we waited: its result
 * is ours when it was for the same account, remote host and service. */
static int after_wait(struct policy *p, uint64_t waited_ms)
{
	int r = mark_within(p, STATE_DENIED, &p->deny, waited_ms + 1);

	if (r == 1) {
		mid_log_notice(p->log, "the concurrent order was denied");
		return MID_E_HELD;
	}
	if (r == 0 && !p->each_order)
		r = mark_within(p, STATE_APPROVED, &p->ok, waited_ms + 1);
	if (r == 1) {
		mid_log_info(p->log, "approved by the concurrent order");
		return POLICY_SHARED;
	}
	return r; /* POLICY_ORDER, or the failure */
}

static int take_lock(struct policy *p, uint64_t deadline_ms)
{
	const struct cfg_policy *pol = &p->cfg->policy;
	uint64_t started = util_now_ms();
	int r = state_lock_order(&p->st, p->deny.user,
				 pol->concurrent == CFG_CONCURRENT_WAIT,
				 deadline_ms, &p->lock);

	if (r == MID_E_BUSY)
		mid_log_notice(p->log, "an order for this user is open "
				       "elsewhere (concurrent = refuse)");
	if (r == 1)
		r = after_wait(p, util_now_ms() - started);
	return r;
}

int policy_gate(struct policy *p, const char *account, const char *rhost,
		const char *service, uint64_t deadline_ms)
{
	const struct cfg_policy *pol = &p->cfg->policy;
	int r;

	p->deny = (struct state_key){account, rhost ? rhost : "", NULL};
	p->ok = (struct state_key){account, rhost ? rhost : "",
				   service ? service : ""};
	/* the order lock is kept even with every limit off: two orders at
	 * once for one user are what `concurrent` is there to prevent */
	if (geteuid() != 0) {
		mid_log_debug(p->log, "not root: no denial hold, grace, "
				      "concurrency or order count");
		return POLICY_ORDER;
	}
	r = state_open(&p->st, p->state_dir, p->log);
	if (r < 0)
		return r;
	p->have_state = true;
	/* sshd runs each try in a new process: a denial holds across them */
	r = pol->deny_hold ? mark_within(p, STATE_DENIED, &p->deny,
					 pol->deny_hold * 1000ull)
			   : 0;
	if (r != 0)
		return r == 1 ? MID_E_HELD : r;
	r = pol->grace && !p->each_order
		? mark_within(p, STATE_APPROVED, &p->ok, pol->grace * 1000ull)
		: 0;
	if (r != 0)
		return r == 1 ? POLICY_GRACE : r;
	r = take_lock(p, deadline_ms);
	if (r != POLICY_ORDER)
		return r;
	if (pol->max_requests.count)
		r = state_rate_take(&p->st, account, pol->max_requests.count,
				    pol->max_requests.secs);
	return r;
}

void policy_record(struct policy *p, int result)
{
	if (!p->have_state)
		return;
	if (result == 0) {
		state_mark(&p->st, STATE_APPROVED, &p->ok);
		state_unmark(&p->st, STATE_DENIED, &p->deny);
	} else if (result == MID_E_DENIED) {
		state_mark(&p->st, STATE_DENIED, &p->deny);
	}
}

void policy_end(struct policy *p)
{
	state_unlock(p->lock);
	p->lock = -1;
	state_close(&p->st);
	p->have_state = false;
}
