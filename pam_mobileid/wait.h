/* The life of an order under the host's signals. From before the order is
 * started until after it is cancelled, every signal that would end the host
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM: login's LOGIN_TIMEOUT) is
 * blocked and taken with sigtimedwait(), so it can cancel the order first;
 * it then reaches the host as it would have without us: re-raised with the
 * host's disposition once we are done (wait_deliver), or, if the host had
 * it blocked (sudo blocks SIGINT and SIGQUIT and looks at its pending set
 * itself), made pending again at once. No handler is ever installed; a
 * signal the host ignores stays ignored and is not watched. */
#ifndef MID_WAIT_H
#define MID_WAIT_H

#include <signal.h>
#include <stdint.h>

struct wait_sigs {
	sigset_t watched;      /* taken by sigtimedwait while active */
	sigset_t host_blocked; /* of those, blocked by the host already */
	sigset_t saved_mask;
	int caught;  /* the first signal taken, 0 if none */
	int deliver; /* the signal wait_deliver() must raise, 0 if none */
	int active;
};

void wait_begin(struct wait_sigs *w);
/* Sleeps until deadline_ms (monotonic), woken only by a watched signal.
 * Returns 0, or MID_E_INTERRUPTED. */
int wait_until(struct wait_sigs *w, uint64_t deadline_ms);
/* Non-blocking check. */
int wait_interrupted(struct wait_sigs *w);
/* Runs call(arg), which may block for long (a prompt the person answers),
 * while a watcher thread, with every signal blocked, takes the watched
 * ones: on one it calls on_signal(ctx) (cancel the order); if the host
 * leaves that signal at its default action, the watcher then ends the
 * process with it as the host would have ended (sshd's PAM process on
 * SIGTERM, while the host blocks in its conversation); a host handler is
 * run later, by wait_deliver() in the calling thread, never on ours.
 * Returns call's result, or MID_E_INTERRUPTED if a signal came meanwhile. */
int wait_call(struct wait_sigs *w, int (*call)(void *), void *arg,
	      void (*on_signal)(void *), void *ctx);
/* Restores the host's signal mask; the caught signal is kept. */
void wait_end(struct wait_sigs *w);
/* Hands a signal taken earlier to the host: its handler runs now, in the
 * calling thread, or its default action ends the process. Call it last,
 * after every log line and every free. 0 is a no-op. */
void wait_deliver(int sig);

#endif
