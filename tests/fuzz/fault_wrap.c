/* The wrappers linked into pam_mobileid_fault.so with -Wl,--wrap=NAME (the
 * list is FAULT_WRAPPED in CMakeLists.txt): every call the module makes to
 * one of these may be the n-th failable call of fault.h's plan, and then
 * fails the way the library documents (NULL + errno, -1, an error code).
 * Only the module's own calls are wrapped, as in pam-u2f's fuzz/wrap.c;
 * what libcurl and OpenSSL allocate inside stays real. The waits
 * (sigtimedwait, poll, ...) run in virtual time on a login thread. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <qrencode.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "fault.h"

#define PC __builtin_return_address(0)
#define FAILS(name) fault_fail(#name, PC)

/* name, return type, parameters, arguments, errno on failure, result on
 * failure */
#define WRAP(type, name, params, args, err, fail)                              \
	type __real_##name params;                                             \
	type __wrap_##name params;                                             \
	type __wrap_##name params                                              \
	{                                                                      \
		if (FAILS(name)) {                                             \
			errno = (err);                                         \
			return fail;                                           \
		}                                                              \
		return __real_##name args;                                     \
	}

/* allocation */
WRAP(void *, malloc, (size_t n), (n), ENOMEM, NULL)
WRAP(void *, calloc, (size_t a, size_t b), (a, b), ENOMEM, NULL)
WRAP(void *, realloc, (void *p, size_t n), (p, n), ENOMEM, NULL)
WRAP(char *, strdup, (const char *s), (s), ENOMEM, NULL)
WRAP(char *, strndup, (const char *s, size_t n), (s, n), ENOMEM, NULL)

/* files */
WRAP(FILE *, fopen, (const char *p, const char *m), (p, m), EMFILE, NULL)
WRAP(FILE *, fdopen, (int fd, const char *m), (fd, m), ENOMEM, NULL)
WRAP(ssize_t, read, (int fd, void *b, size_t n), (fd, b, n), EIO, -1)
WRAP(ssize_t, __read_chk, (int fd, void *b, size_t n, size_t bl),
     (fd, b, n, bl), EIO, -1)
WRAP(ssize_t, pread, (int fd, void *b, size_t n, off_t o), (fd, b, n, o), EIO,
     -1)
WRAP(int, fstat, (int fd, struct stat *st), (fd, st), EIO, -1)
WRAP(int, stat, (const char *p, struct stat *st), (p, st), ENOMEM, -1)
WRAP(int, lstat, (const char *p, struct stat *st), (p, st), ENOMEM, -1)
WRAP(ssize_t, pwrite, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o),
     EIO, -1)
WRAP(int, ftruncate, (int fd, off_t n), (fd, n), EIO, -1)
WRAP(int, mkdir, (const char *p, mode_t m), (p, m), ENOSPC, -1)
WRAP(int, flock, (int fd, int op), (fd, op), ENOLCK, -1)
WRAP(int, fstatat, (int d, const char *p, struct stat *st, int f),
     (d, p, st, f), ENOMEM, -1)

/* open's third argument, which only O_CREAT and O_TMPFILE pass */
static mode_t open_mode(int flags, va_list ap)
{
	return flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, mode_t) : 0;
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return FAILS(open) ? (errno = EMFILE, -1)
			   : __real_open(path, flags, mode);
}

int __real_openat(int dir, const char *path, int flags, ...);
int __wrap_openat(int dir, const char *path, int flags, ...);
int __wrap_openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return FAILS(openat) ? (errno = EMFILE, -1)
			     : __real_openat(dir, path, flags, mode);
}

/* libcurl */
WRAP(CURLcode, curl_global_init, (long f), (f), ENOMEM, CURLE_OUT_OF_MEMORY)
WRAP(CURL *, curl_easy_init, (void), (), ENOMEM, NULL)
WRAP(CURLcode, curl_easy_perform, (CURL * c), (c), ENOMEM, CURLE_OUT_OF_MEMORY)
WRAP(struct curl_slist *, curl_slist_append,
     (struct curl_slist * l, const char *s), (l, s), ENOMEM, NULL)

CURLcode __real_curl_easy_setopt(CURL *c, CURLoption o, ...);
CURLcode __wrap_curl_easy_setopt(CURL *c, CURLoption o, ...);
CURLcode __wrap_curl_easy_setopt(CURL *c, CURLoption o, ...)
{
	va_list ap;
	CURLcode r;

	if (FAILS(curl_easy_setopt))
		return CURLE_OUT_OF_MEMORY;
	/* one argument whose type the option number says (curl.h) */
	va_start(ap, o);
	if (o < CURLOPTTYPE_OBJECTPOINT)
		r = __real_curl_easy_setopt(c, o, va_arg(ap, long));
	else if (o < CURLOPTTYPE_OFF_T)
		r = __real_curl_easy_setopt(c, o, va_arg(ap, void *));
	else if (o < CURLOPTTYPE_BLOB)
		r = __real_curl_easy_setopt(c, o, va_arg(ap, curl_off_t));
	else
		r = __real_curl_easy_setopt(c, o, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode __real_curl_easy_getinfo(CURL *c, CURLINFO i, ...);
CURLcode __wrap_curl_easy_getinfo(CURL *c, CURLINFO i, ...);
CURLcode __wrap_curl_easy_getinfo(CURL *c, CURLINFO i, ...)
{
	va_list ap;
	void *out;

	if (FAILS(curl_easy_getinfo))
		return CURLE_BAD_FUNCTION_ARGUMENT;
	va_start(ap, i);
	out = va_arg(ap, void *);
	va_end(ap);
	return __real_curl_easy_getinfo(c, i, out);
}

/* json-c */
WRAP(json_object *, json_object_new_object, (void), (), ENOMEM, NULL)
WRAP(json_object *, json_object_new_array, (void), (), ENOMEM, NULL)
WRAP(json_object *, json_object_new_string, (const char *s), (s), ENOMEM, NULL)
WRAP(json_object *, json_object_new_string_len, (const char *s, int n), (s, n),
     ENOMEM, NULL)
WRAP(json_object *, json_object_new_int, (int32_t v), (v), ENOMEM, NULL)
WRAP(json_object *, json_object_new_int64, (int64_t v), (v), ENOMEM, NULL)
WRAP(json_object *, json_object_new_boolean, (json_bool v), (v), ENOMEM, NULL)
WRAP(int, json_object_object_add,
     (json_object * o, const char *k, json_object *v), (o, k, v), ENOMEM, -1)
WRAP(int, json_object_array_add, (json_object * a, json_object *v), (a, v),
     ENOMEM, -1)
WRAP(const char *, json_object_to_json_string_ext, (json_object * o, int f),
     (o, f), ENOMEM, NULL)
WRAP(struct json_tokener *, json_tokener_new_ex, (int depth), (depth), ENOMEM,
     NULL)
WRAP(json_object *, json_tokener_parse, (const char *s), (s), ENOMEM, NULL)

/* OpenSSL, as creds.c, http.c and qr.c call it */
WRAP(BIO *, BIO_new_mem_buf, (const void *b, int n), (b, n), ENOMEM, NULL)
WRAP(PKCS12 *, d2i_PKCS12_bio, (BIO * b, PKCS12 **p), (b, p), ENOMEM, NULL)
WRAP(int, PKCS12_parse,
     (PKCS12 * p, const char *pw, EVP_PKEY **k, X509 **c, STACK_OF(X509) * *ca),
     (p, pw, k, c, ca), ENOMEM, 0)
WRAP(X509 *, PEM_read_bio_X509,
     (BIO * b, X509 **x, pem_password_cb *cb, void *u), (b, x, cb, u), ENOMEM,
     NULL)
WRAP(EVP_PKEY *, PEM_read_bio_PrivateKey,
     (BIO * b, EVP_PKEY **x, pem_password_cb *cb, void *u), (b, x, cb, u),
     ENOMEM, NULL)
WRAP(int, SSL_CTX_use_certificate, (SSL_CTX * c, X509 *x), (c, x), ENOMEM, 0)
WRAP(int, SSL_CTX_use_PrivateKey, (SSL_CTX * c, EVP_PKEY *k), (c, k), ENOMEM, 0)
WRAP(int, X509_check_private_key, (const X509 *x, const EVP_PKEY *k), (x, k),
     ENOMEM, 0)
WRAP(long, SSL_CTX_ctrl, (SSL_CTX * c, int cmd, long l, void *p),
     (c, cmd, l, p), ENOMEM, 0)
WRAP(int, RAND_bytes, (unsigned char *b, int n), (b, n), ENOMEM, 0)
WRAP(EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), ENOMEM, NULL)
WRAP(unsigned char *, HMAC,
     (const EVP_MD *md, const void *k, int kl, const unsigned char *d, size_t n,
      unsigned char *o, unsigned int *ol),
     (md, k, kl, d, n, o, ol), ENOMEM, NULL)

/* libqrencode */
WRAP(QRcode *, QRcode_encodeString,
     (const char *s, int v, QRecLevel l, QRencodeMode m, int cs),
     (s, v, l, m, cs), ENOMEM, NULL)

/* libpam */
WRAP(int, pam_get_item, (const pam_handle_t *h, int t, const void **v),
     (h, t, v), ENOMEM, PAM_BUF_ERR)
WRAP(int, pam_get_user, (pam_handle_t * h, const char **u, const char *p),
     (h, u, p), ENOMEM, PAM_BUF_ERR)
WRAP(int, pam_get_data, (const pam_handle_t *h, const char *n, const void **d),
     (h, n, d), ENOMEM, PAM_SYSTEM_ERR)
WRAP(int, pam_set_data,
     (pam_handle_t * h, const char *n, void *d,
      void (*c)(pam_handle_t *, void *, int)),
     (h, n, d, c), ENOMEM, PAM_BUF_ERR)
WRAP(char **, pam_getenvlist, (pam_handle_t * h), (h), ENOMEM, NULL)

/* the system */
WRAP(int, gethostname, (char *n, size_t l), (n, l), ENAMETOOLONG, -1)
WRAP(int, getaddrinfo,
     (const char *n, const char *s, const struct addrinfo *h,
      struct addrinfo **r),
     (n, s, h, r), ENOMEM, EAI_MEMORY)
WRAP(int, getifaddrs, (struct ifaddrs * *i), (i), ENOMEM, -1)
WRAP(int, pthread_create,
     (pthread_t * t, const pthread_attr_t *a, void *(*f)(void *), void *arg),
     (t, a, f, arg), EAGAIN, EAGAIN)
WRAP(struct tm *, localtime_r, (const time_t *t, struct tm *tm), (t, tm),
     EOVERFLOW, NULL)
WRAP(int, getpwnam_r,
     (const char *n, struct passwd *p, char *b, size_t l, struct passwd **r),
     (n, p, b, l, r), ENOMEM, (*r = NULL, ENOMEM))
WRAP(int, getpwuid_r,
     (uid_t u, struct passwd *p, char *b, size_t l, struct passwd **r),
     (u, p, b, l, r), ENOMEM, (*r = NULL, ENOMEM))
WRAP(int, getgrnam_r,
     (const char *n, struct group *g, char *b, size_t l, struct group **r),
     (n, g, b, l, r), ENOMEM, (*r = NULL, ENOMEM))
WRAP(int, getgrouplist, (const char *u, gid_t g, gid_t *gs, int *n),
     (u, g, gs, n), ENOMEM, -1)
WRAP(struct passwd *, getpwnam, (const char *n), (n), ENOMEM, NULL)

/* ---- virtual time: the module's clock and its waits ---- */

/* the longest real sleep of a helper thread (the prompt watcher): it
 * only looks for signals, and a join must not wait 100 ms for it */
#define HELPER_NAP_MS 5

int __real_clock_gettime(clockid_t c, struct timespec *ts);
int __wrap_clock_gettime(clockid_t c, struct timespec *ts);
int __wrap_clock_gettime(clockid_t c, struct timespec *ts)
{
	int r = __real_clock_gettime(c, ts);
	uint64_t off = fault_offset_ms();

	if (r == 0 && off && c != CLOCK_REALTIME &&
	    c != CLOCK_REALTIME_COARSE) {
		uint64_t ns = (uint64_t)ts->tv_nsec + (off % 1000) * 1000000u;

		ts->tv_sec += (time_t)(off / 1000 + ns / 1000000000u);
		ts->tv_nsec = (long)(ns % 1000000000u);
	}
	return r;
}

static uint64_t ts_ms(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000u +
	       ((uint64_t)ts->tv_nsec + 999999u) / 1000000u;
}

/* The wait a call may really do: none on a login thread (the clock moves
 * on instead), a nap on a helper thread. */
static struct timespec real_wait(const struct timespec *ts)
{
	struct timespec zero = {0, 0}, nap = {0, HELPER_NAP_MS * 1000000L};

	if (fault_is_virtual()) {
		fault_advance_ms(ts_ms(ts));
		return zero;
	}
	return ts_ms(ts) < HELPER_NAP_MS ? *ts : nap;
}

int __real_sigtimedwait(const sigset_t *s, siginfo_t *i,
			const struct timespec *ts);
int __wrap_sigtimedwait(const sigset_t *s, siginfo_t *i,
			const struct timespec *ts);
int __wrap_sigtimedwait(const sigset_t *s, siginfo_t *i,
			const struct timespec *ts)
{
	struct timespec w;

	if (!ts)
		return __real_sigtimedwait(s, i, ts);
	w = real_wait(ts);
	return __real_sigtimedwait(s, i, &w);
}

int __real_ppoll(struct pollfd *f, nfds_t n, const struct timespec *ts,
		 const sigset_t *m);
int __wrap_ppoll(struct pollfd *f, nfds_t n, const struct timespec *ts,
		 const sigset_t *m);
int __wrap_ppoll(struct pollfd *f, nfds_t n, const struct timespec *ts,
		 const sigset_t *m)
{
	struct timespec w;

	if (!ts)
		return __real_ppoll(f, n, ts, m);
	w = real_wait(ts);
	return __real_ppoll(f, n, &w, m);
}

int __real_poll(struct pollfd *f, nfds_t n, int ms);
int __wrap_poll(struct pollfd *f, nfds_t n, int ms);
int __wrap_poll(struct pollfd *f, nfds_t n, int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L}, w;

	if (ms <= 0)
		return __real_poll(f, n, ms);
	w = real_wait(&ts);
	return __real_poll(f, n, (int)ts_ms(&w));
}

int __real_nanosleep(const struct timespec *ts, struct timespec *rem);
int __wrap_nanosleep(const struct timespec *ts, struct timespec *rem);
int __wrap_nanosleep(const struct timespec *ts, struct timespec *rem)
{
	struct timespec w = real_wait(ts);

	return __real_nanosleep(&w, rem);
}

/* resolve.c waits for its lookup thread until a deadline on the module's
 * (virtual) clock: the real one is that much earlier */
int __real_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				  const struct timespec *abs);
int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				  const struct timespec *abs);
int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				  const struct timespec *abs)
{
	uint64_t off = fault_is_virtual() ? fault_offset_ms() : 0, ms;
	struct timespec real;

	if (!abs || !off)
		return __real_pthread_cond_timedwait(c, m, abs);
	ms = (uint64_t)abs->tv_sec * 1000u + (uint64_t)abs->tv_nsec / 1000000u;
	ms = ms > off ? ms - off : 0;
	real.tv_sec = (time_t)(ms / 1000);
	real.tv_nsec = (long)(ms % 1000) * 1000000L;
	return __real_pthread_cond_timedwait(c, m, &real);
}
