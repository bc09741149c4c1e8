/* The provider's address, looked up by us: outage or local failure. */
#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mid.h"
#include "util.h"

/* One lookup, shared by the caller and the thread that runs getaddrinfo:
 * whichever lets go last frees it, so a caller that stops waiting at its
 * deadline leaks nothing and the thread never touches freed memory. */
struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	int refs;
	bool done;
	char host[256], port[8];
	struct addrinfo *res;
	int rc;	 /* getaddrinfo's answer */
	int err; /* errno right after it: glibc says EAI_NONAME on EMFILE */
};

static void lookup_release(struct lookup *lk)
{
	bool last;

	pthread_mutex_lock(&lk->lock);
	last = --lk->refs == 0;
	pthread_mutex_unlock(&lk->lock);
	if (!last)
		return;
	if (lk->res)
		freeaddrinfo(lk->res);
	pthread_cond_destroy(&lk->done_cv);
	pthread_mutex_destroy(&lk->lock);
	free(lk);
}

static void *lookup_run(void *arg)
{
	struct lookup *lk = arg;
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	errno = 0;
	lk->rc = getaddrinfo(lk->host, lk->port, &hints, &lk->res);
	lk->err = errno;
	pthread_mutex_lock(&lk->lock);
	lk->done = true;
	pthread_cond_signal(&lk->done_cv);
	pthread_mutex_unlock(&lk->lock);
	lookup_release(lk);
	return NULL;
}

static struct lookup *lookup_new(const char *host, const char *port)
{
	struct lookup *lk = calloc(1, sizeof(*lk));
	pthread_condattr_t ca;

	if (!lk)
		return NULL;
	snprintf(lk->host, sizeof(lk->host), "%s", host);
	snprintf(lk->port, sizeof(lk->port), "%s", port);
	lk->refs = 2;
	if (pthread_condattr_init(&ca) != 0) {
		free(lk);
		return NULL;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&lk->lock, NULL);
	pthread_cond_init(&lk->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	return lk;
}

/* Starts the lookup thread with every signal blocked: no host handler may
 * ever run on it. Returns 0 or an errno. */
static int lookup_start(struct lookup *lk, pthread_t *tid)
{
	sigset_t all, old;
	int e;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(tid, NULL, lookup_run, lk);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e;
}

/* A lookup we stop waiting for runs on in our code after pam_end() may
 * have unloaded the module: keep the module loaded from then on. */
static void abandon(pthread_t tid)
{
	util_pin_loaded((const void *)abandon);
	pthread_detach(tid);
}

/* Waits for the answer until deadline_ms; true if it came. */
static bool lookup_wait(struct lookup *lk, uint64_t deadline_ms)
{
	struct timespec ts;
	bool done;

	ts.tv_sec = (time_t)(deadline_ms / 1000);
	ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
	pthread_mutex_lock(&lk->lock);
	while (!lk->done &&
	       pthread_cond_timedwait(&lk->done_cv, &lk->lock, &ts) == 0)
		;
	done = lk->done;
	pthread_mutex_unlock(&lk->lock);
	return done;
}

/* Could this host have run the lookup? It needs a socket and a file open
 * at once (/etc/hosts and the DNS socket); a resource limit that forbids
 * that makes the resolver's "no such name" worthless. */
static bool host_can_resolve(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int f = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
	bool ok = s >= 0 && (f >= 0 || errno == ENOENT);

	if (s >= 0)
		close(s);
	if (f >= 0)
		close(f);
	return ok;
}

static bool local_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS ||
	       e == EAGAIN || e == EACCES || e == EPERM;
}

/* The resolver's answer: an outage only when it says so itself and this
 * host was able to ask. */
static int classify(const struct lookup *lk, struct mid_log *log)
{
	bool answered = lk->rc == EAI_NONAME || lk->rc == EAI_AGAIN ||
			lk->rc == EAI_FAIL
#ifdef EAI_NODATA
			|| lk->rc == EAI_NODATA
#endif
	    ;
	bool local = !answered || local_errno(lk->err) || !host_can_resolve();

	mid_log_msg(log, local ? LOG_ERR : LOG_WARNING,
		    "cannot resolve %s: %s%s%s%s", lk->host,
		    gai_strerror(lk->rc), lk->err ? ": " : "",
		    lk->err ? strerror(lk->err) : "",
		    local ? " (a failure of this host)" : "");
	if (local)
		return lk->rc == EAI_MEMORY ? MID_E_NOMEM : MID_E_LOCAL;
	/* REFUSED and the like: the contract forgives NXDOMAIN and SERVFAIL */
	return lk->rc == EAI_FAIL ? MID_E_SERVER : MID_E_UNREACHABLE;
}

/* Writes "host:port:a,b" from the answer (IPv6 in brackets). */
static int format_line(const struct lookup *lk, char *line, size_t n)
{
	size_t o;
	int k = snprintf(line, n, "%s:%s:", lk->host, lk->port);
	bool first = true;

	if (k < 0 || (size_t)k >= n)
		return MID_E_CONFIG;
	o = (size_t)k;
	for (const struct addrinfo *a = lk->res; a; a = a->ai_next) {
		char ip[INET6_ADDRSTRLEN];
		const void *src =
		    a->ai_family == AF_INET
			? (const void *)&((struct sockaddr_in *)a->ai_addr)
			      ->sin_addr
			: (const void *)&((struct sockaddr_in6 *)a->ai_addr)
			      ->sin6_addr;

		if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
		    !inet_ntop(a->ai_family, src, ip, sizeof(ip)))
			continue;
		k = snprintf(line + o, n - o,
			     a->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
			     first ? "" : ",", ip);
		if (k < 0 || (size_t)k >= n - o)
			break; /* the addresses that fit are enough */
		o += (size_t)k;
		first = false;
	}
	line[o] = '\0';
	return first ? MID_E_SERVER : 0;
}

/* Lets go of the pin's lookup: its thread is joined once it has answered
 * (it is then about to end), else left to end on its own. */
static void pin_drop(struct resolve_pin *p)
{
	if (lookup_wait(p->lk, 0))
		pthread_join(p->tid, NULL);
	else
		abandon(p->tid);
	lookup_release(p->lk);
	p->lk = NULL;
}

void resolve_pin_start(struct resolve_pin *p, struct mid_log *log)
{
	int e;

	if (!p->host || p->list || p->lk || p->start_r)
		return;
	if (strlen(p->host) >= sizeof(p->lk->host) ||
	    strlen(p->port) >= sizeof(p->lk->port)) {
		mid_log_err(log, "host name too long: %.64s...", p->host);
		p->start_r = MID_E_CONFIG;
		return;
	}
	p->lk = lookup_new(p->host, p->port);
	if (!p->lk) {
		p->start_r = MID_E_NOMEM;
		return;
	}
	e = lookup_start(p->lk, &p->tid);
	if (e != 0) {
		mid_log_err(log, "cannot start a resolver thread: %s",
			    strerror(e));
		p->lk->refs = 1;
		lookup_release(p->lk);
		p->lk = NULL;
		p->start_r = MID_E_LOCAL;
	}
}

/* Waits for the pin's lookup until deadline_ms and writes its answer as
 * a CURLOPT_RESOLVE line. */
static int pin_answer(struct resolve_pin *p, uint64_t deadline_ms, char *line,
		      size_t n, struct mid_log *log)
{
	int r;

	if (!lookup_wait(p->lk, deadline_ms)) {
		mid_log_err(log, "no address for %s before the deadline",
			    p->host);
		pin_drop(p);
		return MID_E_TIMEOUT;
	}
	r = p->lk->rc != 0 ? classify(p->lk, log) : format_line(p->lk, line, n);
	pin_drop(p);
	return r;
}

int resolve_pin_init(struct resolve_pin *p, const char *base_url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	unsigned char ip[sizeof(struct in6_addr)];
	int r = MID_E_CONFIG;

	memset(p, 0, sizeof(*p));
	if (!u)
		return MID_E_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
		CURLUE_OK)
		goto out;
	r = 0;
	if (host[0] == '[' || inet_pton(AF_INET, host, ip) == 1)
		goto out;
	p->host = strdup(host);
	p->port = strdup(port);
	if (!p->host || !p->port)
		r = MID_E_NOMEM;
out:
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return r;
}

int resolve_pin_apply(struct resolve_pin *p, CURL *curl, uint64_t until_ms,
		      struct mid_log *log)
{
	char line[RESOLVE_LINE_MAX];
	struct curl_slist *l;
	int r;

	if (!p->host || p->list)
		return 0;
	resolve_pin_start(p, log);
	/* a lookup that could not start is tried again by the next request */
	r = p->start_r;
	p->start_r = 0;
	if (r == 0)
		r = pin_answer(p, until_ms, line, sizeof(line), log);
	if (r < 0)
		return r;
	l = curl_slist_append(NULL, line);
	if (!l)
		return MID_E_NOMEM;
	if (curl_easy_setopt(curl, CURLOPT_RESOLVE, l) != CURLE_OK) {
		curl_slist_free_all(l);
		return MID_E_INTERNAL;
	}
	p->list = l;
	return 0;
}

void resolve_pin_free(struct resolve_pin *p)
{
	if (p->lk)
		pin_drop(p);
	curl_slist_free_all(p->list);
	free(p->host);
	free(p->port);
	memset(p, 0, sizeof(*p));
}
