/* The life of an order under the host's signals. */
#include "wait.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "mid.h"
#include "util.h"

static const int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM};

static bool host_ignores(int sig)
{
	struct sigaction sa;

	return sigaction(sig, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
	       sa.sa_handler == SIG_IGN;
}

void wait_begin(struct wait_sigs *w)
{
	sigset_t cur;

	memset(w, 0, sizeof(*w));
	sigemptyset(&w->watched);
	sigemptyset(&w->host_blocked);
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	for (size_t i = 0; i < MID_ARRAY_SIZE(ending_signals); i++) {
		int sig = ending_signals[i];

		if (host_ignores(sig))
			continue; /* ignored by the host: leave it so */
		sigaddset(&w->watched, sig);
		if (sigismember(&cur, sig))
			sigaddset(&w->host_blocked, sig);
	}
	pthread_sigmask(SIG_BLOCK, &w->watched, &w->saved_mask);
	w->active = 1;
}

/* A watched signal was taken: remember it; one the host blocks goes back
 * to pending at once, where the host will look for it. */
static int took(struct wait_sigs *w, int sig)
{
	if (w->caught)
		return MID_E_INTERRUPTED;
	w->caught = sig;
	if (sigismember(&w->host_blocked, sig))
		raise(sig); /* blocked here too: it stays pending */
	else
		w->deliver = sig;
	return MID_E_INTERRUPTED;
}

int wait_interrupted(struct wait_sigs *w)
{
	struct timespec zero = {0, 0};
	int sig;

	if (!w->active)
		return 0;
	if (w->caught)
		return MID_E_INTERRUPTED;
	sig = sigtimedwait(&w->watched, NULL, &zero);
	return sig > 0 ? took(w, sig) : 0;
}

int wait_until(struct wait_sigs *w, uint64_t deadline_ms)
{
	for (;;) {
		uint64_t now = util_now_ms(), left;
		struct timespec ts;
		int r = wait_interrupted(w), sig;

		if (r < 0 || now >= deadline_ms)
			return r;
		left = deadline_ms - now;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		sig = sigtimedwait(&w->watched, NULL, &ts);
		if (sig > 0)
			return took(w, sig);
		/* EAGAIN: the deadline; EINTR: a signal we do not watch
		 * (SIGCHLD, SIGWINCH) ran the host's handler: go on */
	}
}

struct watcher {
	const sigset_t *watched;
	void (*on_signal)(void *);
	void *ctx;
	int sfd, efd;	 /* signalfd and the stop event; -1: poll instead */
	atomic_int stop; /* the fallback's stop flag */
	int sig;	 /* the signal taken; read after the join */
};

static bool default_action(int sig)
{
	struct sigaction sa;

	return sigaction(sig, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
	       sa.sa_handler == SIG_DFL;
}

/* The next watched signal, or 0 once the call is over. Waits for events
 * when the descriptors exist; else (EMFILE) looks ten times a second. */
static int next_signal(struct watcher *wt)
{
	struct signalfd_siginfo si;
	struct timespec tick = {0, 100 * 1000000L};

	for (;;) {
		struct pollfd p[2] = {{wt->sfd, POLLIN, 0},
				      {wt->efd, POLLIN, 0}};
		int sig;

		if (wt->sfd < 0) {
			if (atomic_load(&wt->stop))
				return 0;
			sig = sigtimedwait(wt->watched, NULL, &tick);
			if (sig > 0)
				return sig;
			continue;
		}
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			return 0;
		if (p[0].revents &&
		    read(wt->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			return (int)si.ssi_signo;
	}
}

static void *watch(void *arg)
{
	struct watcher *wt = arg;
	sigset_t one;
	int sig = next_signal(wt);

	if (sig <= 0)
		return NULL;
	wt->sig = sig;
	wt->on_signal(wt->ctx);
	if (!default_action(sig))
		return NULL; /* the host's handler runs in its own thread */
	/* the host would die of it; it may be blocked in its conversation
	 * for good (sshd's PAM process): die of it now, order cancelled */
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	return NULL;
}

/* The watcher starts with every signal blocked: no host handler may run
 * on it. Returns 0 or an errno. */
static int watcher_start(struct watcher *wt, pthread_t *tid)
{
	sigset_t all, old;
	int e;

	wt->sfd = signalfd(-1, wt->watched, SFD_CLOEXEC);
	wt->efd = wt->sfd >= 0 ? eventfd(0, EFD_CLOEXEC) : -1;
	if (wt->efd < 0 && wt->sfd >= 0) {
		close(wt->sfd);
		wt->sfd = -1;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(tid, NULL, watch, wt);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e;
}

static void watcher_stop(struct watcher *wt, pthread_t tid)
{
	uint64_t one = 1;

	atomic_store(&wt->stop, 1);
	/* adding 1 to a counter at 0 cannot fail */
	if (wt->efd >= 0 && write(wt->efd, &one, sizeof(one)) != sizeof(one))
		atomic_store(&wt->stop, 1);
	pthread_join(tid, NULL);
	if (wt->sfd >= 0)
		close(wt->sfd);
	if (wt->efd >= 0)
		close(wt->efd);
}

int wait_call(struct wait_sigs *w, int (*call)(void *), void *arg,
	      void (*on_signal)(void *), void *ctx)
{
	struct watcher wt = {
	    .watched = &w->watched, .on_signal = on_signal, .ctx = ctx};
	pthread_t tid;
	int r;

	if (!w->active || sigisemptyset(&w->watched))
		return call(arg);
	r = wait_interrupted(w);
	if (r < 0)
		return r;
	if (watcher_start(&wt, &tid) != 0) {
		if (wt.sfd >= 0)
			close(wt.sfd);
		if (wt.efd >= 0)
			close(wt.efd);
		return MID_E_LOCAL; /* no watcher: no safe prompt */
	}
	r = call(arg);
	watcher_stop(&wt, tid);
	if (wt.sig)
		return took(w, wt.sig);
	return r;
}

void wait_end(struct wait_sigs *w)
{
	if (!w->active)
		return;
	pthread_sigmask(SIG_SETMASK, &w->saved_mask, NULL);
	w->active = 0;
}

void wait_deliver(int sig)
{
	if (sig > 0)
		raise(sig);
}
