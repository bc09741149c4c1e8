/* libmid-timeline.so: LD_PRELOADed into a login's host (mid-pamhost) and
 * into mobileid-sim by timeline.py, it notes when each process opens a
 * file, connects, starts a thread, looks a name up and moves bytes over a
 * socket, so the way from pam_authenticate to the first QR frame can be
 * cut into steps on both sides of the connection. Times are
 * CLOCK_MONOTONIC µs, as mid-pamhost's. The events go to a ring in memory
 * (the newest TIMELINE_MAX) and are written at exit to
 * $MID_TIMELINE_DIR/tl.PID, one per line: "T_US TID WHAT DETAIL".
 * A benchmark tool: it only watches, and a call it wraps behaves as the
 * library's own. */
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMELINE_MAX 32768
#define EVENT_TEXT 72
#define MAX_FD 4096

struct event {
	long long t;
	long tid;
	char text[EVENT_TEXT];
};

static struct event ring[TIMELINE_MAX];
static unsigned long count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* descriptors accept() returned: their read() and write() are noted */
static unsigned char accepted[MAX_FD];

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void note(const char *fmt, ...)
{
	struct event *e;
	va_list ap;

	pthread_mutex_lock(&lock);
	e = &ring[count++ % TIMELINE_MAX];
	e->t = now_us();
	e->tid = (long)gettid();
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&lock);
}

static void dump(void)
{
	const char *dir = getenv("MID_TIMELINE_DIR");
	unsigned long first = count > TIMELINE_MAX ? count - TIMELINE_MAX : 0;
	char path[4096];
	FILE *f;

	if (!dir || !count)
		return;
	snprintf(path, sizeof(path), "%s/tl.%d", dir, (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return;
	for (unsigned long i = first; i < count; i++) {
		const struct event *e = &ring[i % TIMELINE_MAX];

		fprintf(f, "%lld %ld %s\n", e->t, e->tid, e->text);
	}
	fclose(f);
	count = 0;
}

__attribute__((destructor)) static void at_exit(void) { dump(); }

#define REAL(name)                                                             \
	static __typeof__(name) *real_##name;                                  \
	if (!real_##name)                                                      \
	real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int mode, r;

	REAL(open);
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	r = real_open(path, flags, mode);
	note("open %s", base(path));
	return r;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int mode, r;

	REAL(openat);
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	r = real_openat(dirfd, path, flags, mode);
	note("open %s", base(path));
	return r;
}

int connect(int fd, const struct sockaddr *a, socklen_t len)
{
	REAL(connect);
	if (a->sa_family == AF_INET || a->sa_family == AF_INET6)
		note("connect");
	return real_connect(fd, a, len);
}

static void accepted_fd(int fd)
{
	if (fd >= 0 && fd < MAX_FD) {
		accepted[fd] = 1;
		note("accept %d", fd);
	}
}

int accept(int fd, struct sockaddr *a, socklen_t *len)
{
	int r;

	REAL(accept);
	r = real_accept(fd, a, len);
	accepted_fd(r);
	return r;
}

int accept4(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
	int r;

	REAL(accept4);
	r = real_accept4(fd, a, len, flags);
	accepted_fd(r);
	return r;
}

int close(int fd)
{
	REAL(close);
	if (fd >= 0 && fd < MAX_FD)
		accepted[fd] = 0;
	return real_close(fd);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	REAL(send);
	note("send %zu", n);
	return real_send(fd, buf, n, flags);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	ssize_t r;

	REAL(recv);
	r = real_recv(fd, buf, n, flags);
	if (r > 0)
		note("recv %zd", r);
	return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
	ssize_t r;

	REAL(read);
	r = real_read(fd, buf, n);
	if (r > 0 && fd >= 0 && fd < MAX_FD && accepted[fd])
		note("sread %zd", r);
	return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write);
	if (fd >= 0 && fd < MAX_FD && accepted[fd])
		note("swrite %zu", n);
	return real_write(fd, buf, n);
}

int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *),
		   void *arg)
{
	REAL(pthread_create);
	note("thread");
	return real_pthread_create(t, a, fn, arg);
}

int getaddrinfo(const char *name, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	int r;

	REAL(getaddrinfo);
	note("lookup %s", name ? name : "-");
	r = real_getaddrinfo(name, service, hints, res);
	note("answer");
	return r;
}

/* mid-pamhost's logins end with _exit(), which runs no destructor */
void _exit(int status)
{
	REAL(_exit);
	dump();
	real__exit(status);
	for (;;)
		;
}
