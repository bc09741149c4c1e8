/* The policy around an order: a denial held across processes, an
 * approval's grace, one open order per user, the order count per user.
 * Everything is kept in the state directory (state.c). */
#ifndef MID_POLICY_H
#define MID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

struct mid_config;
struct mid_log;

struct policy {
	const struct mid_config *cfg;
	struct mid_log *log;
	const char *state_dir;
	struct state st;
	bool have_state;
	bool each_order;       /* every approval its own order (signed sudo) */
	int lock;	       /* the user's order lock, or -1 */
	struct state_key deny; /* account + remote host */
	struct state_key ok;   /* account + remote host + service */
};

/* How policy_gate let a login through without an order. */
enum policy_pass {
	POLICY_ORDER = 0,  /* no: start an order */
	POLICY_GRACE = 1,  /* an approval within `grace` */
	POLICY_SHARED = 2, /* the concurrent order we waited for */
};

/* Readies the policy for this login; state_dir NULL means the default.
 * Cross-process state needs root (a host running as the user could not
 * protect it from the user): other hosts get none, and say so in debug. */
void policy_init(struct policy *p, const struct mid_config *cfg,
		 const char *state_dir, struct mid_log *log);

/* Before any order for account (the approver's account name): returns an
 * enum policy_pass, or MID_E_* to refuse (a denial held, the order count
 * reached, a concurrent order with concurrent = refuse, a state that
 * cannot be kept). Holds the user's order lock until policy_end. */
int policy_gate(struct policy *p, const char *account, const char *rhost,
		const char *service, uint64_t deadline_ms);

/* After the order: remembers an approval or a denial. */
void policy_record(struct policy *p, int result);

/* Releases the lock and the state directory. */
void policy_end(struct policy *p);

#endif
