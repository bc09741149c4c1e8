/* What the module remembers across processes: one small file per key in a
 * root-only directory. File names are hashes of the key, so no user name or
 * remote host chooses a path; every file is opened without following links
 * and checked on the descriptor; every read-modify-write holds flock. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "file.h"
#include "log.h"
#include "mid.h"
#include "util.h"

/* a file holds at most this many timestamps (max_requests is below it) */
#define MAX_STAMPS 128
#define MAX_STATE_FILE (MAX_STAMPS * 24)
#define NAME_MAX_LEN 48
/* how often a waiting login looks at the lock */
#define LOCK_STEP_MS 100

static const char *const mark_prefix[] = {
    [STATE_DENIED] = "deny",
    [STATE_APPROVED] = "ok",
};

/* CLOCK_BOOTTIME: the same in every process, never set by anyone, and
 * /run starts empty at boot. */
static uint64_t boot_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int hash_field(EVP_MD_CTX *md, const char *s)
{
	uint32_t len = s ? (uint32_t)strlen(s) : UINT32_MAX;

	/* length first: ("ab", "c") and ("a", "bc") differ */
	return EVP_DigestUpdate(md, &len, sizeof(len)) &&
	       (!s || EVP_DigestUpdate(md, s, len));
}

/* "<prefix>-<hex>" for the key; returns 0 or MID_E_INTERNAL. */
static int file_name(const char *prefix, const struct state_key *k, char *out,
		     size_t n)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		 hash_field(md, prefix) && hash_field(md, k->user) &&
		 hash_field(md, k->rhost) && hash_field(md, k->service) &&
		 EVP_DigestFinal_ex(md, digest, &dlen) && dlen >= 16;
	int o;

	EVP_MD_CTX_free(md);
	if (!ok)
		return MID_E_INTERNAL;
	o = snprintf(out, n, "%s-", prefix);
	for (unsigned i = 0; i < 16 && o > 0 && (size_t)o + 3 <= n; i++)
		o += snprintf(out + o, n - (size_t)o, "%02x", digest[i]);
	return o > 0 && (size_t)o == strlen(prefix) + 33 ? 0 : MID_E_INTERNAL;
}

/* The descriptor is a regular file of ours alone, with one link. */
static bool fd_is_ours(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	       sb.st_uid == geteuid() && sb.st_nlink == 1 &&
	       (sb.st_mode & 077) == 0;
}

/* Opens (creating 0600, whatever the umask) and locks a state file. */
static int open_locked(struct state *st, const char *name, int lock_op)
{
	int fd = openat(st->dirfd, name,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
			    O_NONBLOCK,
			0600);

	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) < 0 || !fd_is_ours(fd) || flock(fd, lock_op) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Reads up to MAX_STAMPS numbers, one a line. Returns the count or -1. */
static int read_stamps(int fd, uint64_t *stamps)
{
	char buf[MAX_STATE_FILE + 1];
	ssize_t len = pread(fd, buf, MAX_STATE_FILE, 0);
	int n = 0;

	if (len < 0)
		return -1;
	buf[len] = '\0';
	for (char *p = buf, *end; *p && n < MAX_STAMPS; p = end) {
		unsigned long long v;

		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p || errno || *end != '\n')
			return -1; /* not ours: fail closed */
		stamps[n++] = v;
		end++;
	}
	return n;
}

static int write_stamps(int fd, const uint64_t *stamps, int n)
{
	char buf[MAX_STATE_FILE];
	size_t o = 0;

	for (int i = 0; i < n; i++) {
		int w = snprintf(buf + o, sizeof(buf) - o, "%" PRIu64 "\n",
				 stamps[i]);

		if (w < 0 || (size_t)w >= sizeof(buf) - o)
			return -1;
		o += (size_t)w;
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, o, 0) != (ssize_t)o)
		return -1;
	return 0;
}

/* Whoever may write to a directory above the state may replace it: the
 * parent of dir passes the same walk as the files the module reads. */
static bool parent_is_safe(const char *dir, struct mid_log *log)
{
	char parent[4096];
	const char *slash = strrchr(dir, '/');

	if (!slash || (size_t)(slash - dir) >= sizeof(parent))
		return false;
	snprintf(parent, sizeof(parent), "%.*s",
		 slash == dir ? 1 : (int)(slash - dir), dir);
	if (file_safe_dir(parent, log) == 0)
		return true;
	mid_log_err(
	    log,
	    "state: %s must be root-owned and not "
	    "group/other-writable, and so must every directory above it",
	    parent);
	return false;
}

int state_open(struct state *st, const char *dir, struct mid_log *log)
{
	struct stat sb;

	st->dirfd = -1;
	st->log = log;
	if (!dir || dir[0] != '/' || !parent_is_safe(dir, log))
		return MID_E_CONFIG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		mid_log_err(log, "state: cannot create %s: %s", dir,
			    strerror(errno));
		return MID_E_INTERNAL;
	}
	st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (st->dirfd < 0 || fstat(st->dirfd, &sb) < 0 ||
	    sb.st_uid != geteuid() || (sb.st_mode & 077)) {
		mid_log_err(log,
			    "state: %s must be a directory of this user "
			    "alone (mode 0700, no symlink)",
			    dir);
		return MID_E_CONFIG;
	}
	return 0;
}

void state_close(struct state *st)
{
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;
}

int state_mark(struct state *st, enum state_mark m, const struct state_key *k)
{
	char name[NAME_MAX_LEN];
	uint64_t now = boot_ms();
	int fd, r = MID_E_INTERNAL;

	if (file_name(mark_prefix[m], k, name, sizeof(name)) < 0)
		return r;
	fd = open_locked(st, name, LOCK_EX);
	if (fd >= 0 && write_stamps(fd, &now, 1) == 0)
		r = 0;
	if (r < 0)
		mid_log_err(st->log, "state: cannot record %s: %s",
			    mark_prefix[m], strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

int state_mark_age(struct state *st, enum state_mark m,
		   const struct state_key *k, int64_t *age_ms)
{
	char name[NAME_MAX_LEN];
	uint64_t stamp = 0, now = boot_ms();
	int fd, n = -1;

	*age_ms = -1;
	if (file_name(mark_prefix[m], k, name, sizeof(name)) < 0)
		return MID_E_LOCAL;
	fd = openat(st->dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0; /* no mark */
	if (fd < 0)
		goto fail; /* EMFILE, ENOMEM, a link: cannot tell */
	if (fd_is_ours(fd) && flock(fd, LOCK_SH) == 0)
		n = read_stamps(fd, &stamp);
	close(fd);
	if (n == 0)
		return 0; /* created, never written: no mark */
	if (n != 1 || stamp > now)
		goto fail;
	*age_ms = (int64_t)(now - stamp);
	return 0;
fail:
	mid_log_err(st->log, "state: cannot read the %s mark: %s",
		    mark_prefix[m], n == -1 ? strerror(errno) : "damaged");
	return MID_E_LOCAL;
}

void state_unmark(struct state *st, enum state_mark m,
		  const struct state_key *k)
{
	char name[NAME_MAX_LEN];

	if (file_name(mark_prefix[m], k, name, sizeof(name)) == 0)
		unlinkat(st->dirfd, name, 0);
}

int state_rate_take(struct state *st, const char *user, unsigned max,
		    unsigned window_s)
{
	const struct state_key k = {.user = user};
	uint64_t stamps[MAX_STAMPS + 1], now = boot_ms();
	uint64_t window_ms = (uint64_t)window_s * 1000u;
	char name[NAME_MAX_LEN];
	int fd, n, kept = 0, r = MID_E_INTERNAL;

	if (max == 0 || max > MAX_STAMPS ||
	    file_name("rate", &k, name, sizeof(name)) < 0)
		return r;
	fd = open_locked(st, name, LOCK_EX);
	if (fd < 0)
		goto out;
	n = read_stamps(fd, stamps);
	if (n < 0)
		goto out;
	for (int i = 0; i < n; i++)
		if (stamps[i] <= now && now - stamps[i] < window_ms)
			stamps[kept++] = stamps[i];
	if ((unsigned)kept >= max) {
		r = MID_E_MAXTRIES;
		goto out;
	}
	stamps[kept++] = now;
	r = write_stamps(fd, stamps, kept) == 0 ? 0 : MID_E_INTERNAL;
out:
	if (r == MID_E_INTERNAL)
		mid_log_err(st->log, "state: cannot count orders: %s",
			    strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

int state_lock_order(struct state *st, const char *user, bool wait,
		     uint64_t deadline_ms, int *fd)
{
	const struct state_key k = {.user = user};
	char name[NAME_MAX_LEN];
	int waited = 0;

	*fd = -1;
	if (file_name("order", &k, name, sizeof(name)) < 0)
		return MID_E_INTERNAL;
	for (;;) {
		struct timespec step = {0, LOCK_STEP_MS * 1000000L};

		*fd = open_locked(st, name, LOCK_EX | LOCK_NB);
		if (*fd >= 0)
			return waited;
		if (errno != EWOULDBLOCK) {
			mid_log_err(st->log, "state: cannot lock: %s",
				    strerror(errno));
			return MID_E_INTERNAL;
		}
		if (!wait)
			return MID_E_BUSY;
		if (util_now_ms() + LOCK_STEP_MS >= deadline_ms)
			return MID_E_TIMEOUT;
		waited = 1;
		nanosleep(&step, NULL);
	}
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int state_file_get(struct state *st, const char *prefix, const char *id,
		   size_t max, char **buf, size_t *len)
{
	char name[NAME_MAX_LEN];
	struct stat sb;
	size_t size = 0;
	int fd, r = 1;

	*buf = NULL;
	*len = 0;
	if (file_name(prefix, &(struct state_key){.user = id}, name,
		      sizeof(name)) < 0)
		return MID_E_LOCAL;
	fd = openat(st->dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) /* a symlink (ELOOP) is not ours either */
		return errno == ENOENT || errno == ELOOP ? 1 : MID_E_LOCAL;
	if (fd_is_ours(fd) && fstat(fd, &sb) == 0 && sb.st_size > 0 &&
	    (size_t)sb.st_size <= max) {
		size = (size_t)sb.st_size;
		*buf = malloc(size + 1);
		r = *buf ? 0 : MID_E_NOMEM;
	}
	/* written whole under another name and renamed: never partial */
	if (r == 0 && pread(fd, *buf, size, 0) != (ssize_t)size)
		r = MID_E_LOCAL;
	close(fd);
	if (r != 0) {
		util_freezero(*buf, size);
		*buf = NULL;
		return r;
	}
	(*buf)[size] = '\0';
	*len = size;
	return 0;
}

int state_file_put(struct state *st, const char *prefix, const char *id,
		   const void *data, size_t len)
{
	char name[NAME_MAX_LEN], tmp[NAME_MAX_LEN + 24];
	int fd, r = MID_E_INTERNAL;

	if (file_name(prefix, &(struct state_key){.user = id}, name,
		      sizeof(name)) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.%ld", name, (long)getpid()) < 0)
		return r;
	unlinkat(st->dirfd, tmp, 0); /* a crashed writer's, same pid */
	fd = openat(st->dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			O_NOCTTY,
		    0600);
	if (fd < 0)
		return r;
	if (fchmod(fd, 0600) == 0 && fd_is_ours(fd) &&
	    write(fd, data, len) == (ssize_t)len &&
	    renameat(st->dirfd, tmp, st->dirfd, name) == 0)
		r = 0;
	close(fd);
	if (r < 0)
		unlinkat(st->dirfd, tmp, 0);
	return r;
}
