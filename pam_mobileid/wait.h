/* Waiting between polls, interruptible by SIGINT, SIGTERM and SIGHUP.
 * No handler is installed: the signals are blocked for the wait and taken
 * with sigtimedwait(); a signal the host already blocks (sudo blocks SIGINT
 * while it authenticates) is only looked at with sigpending() and stays
 * pending for the host; a signal the host ignores stays ignored. */
#ifndef MID_WAIT_H
#define MID_WAIT_H

#include <signal.h>
#include <stdint.h>

struct wait_sigs {
	sigset_t ours;	       /* blocked by us, taken by sigtimedwait */
	sigset_t host_blocked; /* blocked by the host: only looked at */
	sigset_t saved_mask;
	int active;
};

void wait_begin(struct wait_sigs *w);
/* Sleeps until deadline_ms (monotonic). Returns 0, or MID_E_INTERRUPTED. */
int wait_until(struct wait_sigs *w, uint64_t deadline_ms);
/* Non-blocking check. */
int wait_interrupted(struct wait_sigs *w);
/* Runs call(arg), which may block for long (a prompt the person answers),
 * with our signals still blocked and a watcher thread taking them: on one
 * it calls on_signal(ctx) (cancel the order), then raises the signal again
 * in its own thread with the host's disposition, as if we had not been
 * there (sshd's PAM process ends on SIGTERM as it meant to). Returns
 * call's result, or MID_E_INTERRUPTED if a signal came meanwhile. */
int wait_call(struct wait_sigs *w, int (*call)(void *), void *arg,
	      void (*on_signal)(void *), void *ctx);
/* Restores the host's signal mask. */
void wait_end(struct wait_sigs *w);

#endif
