/* Waiting between polls, interruptible by SIGINT, SIGTERM and SIGHUP. */
#include "wait.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "mid.h"
#include "util.h"

static const int wait_signals[] = {SIGINT, SIGTERM, SIGHUP};

void wait_begin(struct wait_sigs *w)
{
	sigset_t cur;

	memset(w, 0, sizeof(*w));
	sigemptyset(&w->ours);
	sigemptyset(&w->host_blocked);
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	for (size_t i = 0; i < MID_ARRAY_SIZE(wait_signals); i++) {
		int sig = wait_signals[i];
		struct sigaction sa;

		if (sigaction(sig, NULL, &sa) == 0 &&
		    !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN)
			continue; /* ignored by the host: leave it so */
		if (sigismember(&cur, sig))
			sigaddset(&w->host_blocked, sig);
		else
			sigaddset(&w->ours, sig);
	}
	pthread_sigmask(SIG_BLOCK, &w->ours, &w->saved_mask);
	w->active = 1;
}

int wait_interrupted(struct wait_sigs *w)
{
	sigset_t pending;
	struct timespec zero = {0, 0};

	if (!w->active)
		return 0;
	if (sigpending(&pending) == 0) {
		for (size_t i = 0; i < MID_ARRAY_SIZE(wait_signals); i++)
			if (sigismember(&w->host_blocked, wait_signals[i]) &&
			    sigismember(&pending, wait_signals[i]))
				return MID_E_INTERRUPTED;
	}
	if (sigtimedwait(&w->ours, NULL, &zero) > 0)
		return MID_E_INTERRUPTED;
	return 0;
}

int wait_until(struct wait_sigs *w, uint64_t deadline_ms)
{
	for (;;) {
		uint64_t now = util_now_ms(), step;
		struct timespec ts;
		int r = wait_interrupted(w);

		if (r < 0)
			return r;
		if (now >= deadline_ms)
			return 0;
		/* look at host-blocked signals at least every 100 ms */
		step = deadline_ms - now;
		if (step > 100)
			step = 100;
		ts.tv_sec = (time_t)(step / 1000);
		ts.tv_nsec = (long)(step % 1000) * 1000000L;
		if (sigtimedwait(&w->ours, NULL, &ts) > 0)
			return MID_E_INTERRUPTED;
	}
}

struct watcher {
	const sigset_t *sigs;
	void (*on_signal)(void *);
	void *ctx;
	atomic_int stop;
	int sig; /* the signal taken; read after the join */
};

static void *watch(void *arg)
{
	struct watcher *wt = arg;

	while (!atomic_load(&wt->stop)) {
		struct timespec ts = {0, 100 * 1000000L};
		int sig = sigtimedwait(wt->sigs, NULL, &ts);
		sigset_t one;

		if (sig <= 0)
			continue;
		wt->sig = sig;
		wt->on_signal(wt->ctx);
		/* the host's disposition, in this thread only */
		sigemptyset(&one);
		sigaddset(&one, sig);
		pthread_sigmask(SIG_UNBLOCK, &one, NULL);
		raise(sig);
		break;
	}
	return NULL;
}

int wait_call(struct wait_sigs *w, int (*call)(void *), void *arg,
	      void (*on_signal)(void *), void *ctx)
{
	struct watcher wt = {
	    .sigs = &w->ours, .on_signal = on_signal, .ctx = ctx};
	pthread_t tid;
	int r;

	if (!w->active)
		return call(arg);
	r = wait_interrupted(w);
	if (r < 0)
		return r;
	if (pthread_create(&tid, NULL, watch, &wt) != 0) {
		/* no watcher: the host's own signal handling meanwhile */
		wait_end(w);
		r = call(arg);
		wait_begin(w);
		return r;
	}
	r = call(arg);
	atomic_store(&wt.stop, 1);
	pthread_join(tid, NULL);
	return wt.sig ? MID_E_INTERRUPTED : r;
}

void wait_end(struct wait_sigs *w)
{
	if (!w->active)
		return;
	pthread_sigmask(SIG_SETMASK, &w->saved_mask, NULL);
	w->active = 0;
}
