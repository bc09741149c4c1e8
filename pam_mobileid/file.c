/* Files the module trusts, and one line reader for the files we parse. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mid.h"
#include "util.h"

/* symbolic links followed for one path at most, as the kernel's 40 */
#define MAX_LINKS 40

/* A path being resolved: what is done holds no symbolic link, and every
 * directory in it has passed check_dir. */
struct walk {
	const char *path; /* as given, for the log */
	char done[PATH_MAX];
	char todo[PATH_MAX]; /* what is left, after done */
	unsigned links;
	struct stat st; /* lstat of done */
	bool dir;	/* a directory is wanted, made 0700 where missing */
};

static int refuse(const struct walk *w, const char *what, const char *why,
		  struct mid_log *log)
{
	mid_log_err(log, "%s: %s%s%s", w->path, what, *what ? " " : "", why);
	return MID_E_CONFIG;
}

/* Whoever may write to a directory may replace what is in it. */
static int check_dir(const struct walk *w, const char *dir, struct mid_log *log)
{
	char what[PATH_MAX + 16];

	if (w->st.st_uid == 0 && !(w->st.st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	snprintf(what, sizeof(what), "directory %s", dir);
	return refuse(w, what,
		      "is not owned by root or is writable by group or other",
		      log);
}

static int check_regular(const char *path, const struct stat *st,
			 struct mid_log *log)
{
	if (!S_ISREG(st->st_mode)) {
		mid_log_err(log, "%s: not a regular file", path);
		return MID_E_CONFIG;
	}
	return 0;
}

static int check_stat(const char *path, const struct stat *st,
		      enum file_kind kind, size_t max, struct mid_log *log)
{
	if (check_regular(path, st, log) < 0)
		return MID_E_CONFIG;
	if (st->st_uid != 0) {
		mid_log_err(log, "%s: not owned by root", path);
		return MID_E_CONFIG;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		mid_log_err(log, "%s: writable by group or other", path);
		return MID_E_CONFIG;
	}
	if (kind == FILE_SECRET && (st->st_mode & S_IROTH)) {
		mid_log_err(log, "%s: holds a secret but is readable by other",
			    path);
		return MID_E_CONFIG;
	}
	if ((unsigned long long)st->st_size > max) {
		mid_log_err(log, "%s: larger than %zu bytes", path, max);
		return MID_E_CONFIG;
	}
	return 0;
}

/* done names a symbolic link and rest is what followed it: goes on with
 * the link's target in its place. The directory holding the link has been
 * checked; the target's directories are checked as the walk goes on. */
static int follow(struct walk *w, const char *rest, struct mid_log *log)
{
	char target[PATH_MAX], next[PATH_MAX];
	ssize_t n;

	if (w->st.st_uid != 0) {
		char what[PATH_MAX + 24];

		snprintf(what, sizeof(what), "symbolic link %s", w->done);
		return refuse(w, what, "is not owned by root", log);
	}
	if (++w->links > MAX_LINKS)
		return refuse(w, "", "too many symbolic links", log);
	n = readlink(w->done, target, sizeof(target));
	if (n <= 0 || (size_t)n >= sizeof(target))
		return refuse(w, "", "cannot read a symbolic link", log);
	target[n] = '\0';
	if ((size_t)snprintf(next, sizeof(next), "%s%s", target, rest) >=
	    sizeof(next))
		return refuse(w, "", "path too long", log);
	memcpy(w->todo, next, sizeof(next));
	if (target[0] == '/')
		w->done[0] = '\0';
	else
		*strrchr(w->done, '/') = '\0';
	return 0;
}

/* Takes the next component of todo onto done; 1 when there is none. */
static int step(struct walk *w, size_t *off, struct mid_log *log)
{
	const char *p = w->todo + *off;
	size_t dl = strlen(w->done), cl;

	while (*p == '/')
		p++;
	if (!*p)
		return 1;
	cl = strcspn(p, "/");
	*off = (size_t)(p - w->todo) + cl;
	if (cl == 1 && p[0] == '.')
		return 0;
	if (cl == 2 && p[0] == '.' && p[1] == '.') {
		/* back up: what is above was checked on the way down */
		char *slash = strrchr(w->done, '/');

		if (slash)
			*slash = '\0';
		return 0;
	}
	if (dl + 1 + cl >= sizeof(w->done))
		return refuse(w, "", "path too long", log);
	w->done[dl] = '/';
	memcpy(w->done + dl + 1, p, cl);
	w->done[dl + 1 + cl] = '\0';
	/* a missing directory is made in one already checked (root's) */
	if (w->dir && lstat(w->done, &w->st) < 0 && errno == ENOENT &&
	    mkdir(w->done, 0700) < 0 && errno != EEXIST) {
		mid_log_err(log, "%s: cannot create %s: %s", w->path, w->done,
			    strerror(errno));
		return MID_E_CONFIG;
	}
	if (lstat(w->done, &w->st) < 0) {
		mid_log_err(log, "%s: cannot open: %s", w->path,
			    strerror(errno));
		return MID_E_CONFIG;
	}
	if (S_ISLNK(w->st.st_mode)) {
		int r = follow(w, w->todo + *off, log);

		*off = 0;
		return r;
	}
	if (S_ISDIR(w->st.st_mode))
		return check_dir(w, w->done, log);
	/* a file: it must be the last component */
	return w->todo[*off + strspn(w->todo + *off, "/")]
		   ? refuse(w, "", "not a directory on the way", log)
		   : 0;
}

/* Resolves w->path into w->done, checking each directory and link on the
 * way; w->st is then the lstat of what it names. */
static int walk_path(struct walk *w, struct mid_log *log)
{
	size_t off = 0;
	int r;

	if (lstat("/", &w->st) < 0 || check_dir(w, "/", log) < 0)
		return MID_E_CONFIG;
	w->done[0] = '\0';
	w->links = 0;
	if ((size_t)snprintf(w->todo, sizeof(w->todo), "%s", w->path) >=
	    sizeof(w->todo))
		return refuse(w, "", "path too long", log);
	while ((r = step(w, &off, log)) == 0)
		;
	if (r < 0)
		return r;
	if (lstat(w->done[0] ? w->done : "/", &w->st) < 0)
		return refuse(w, "", "cannot be examined", log);
	return 0;
}

/* walk_path() for a file: never open a FIFO or a device, open() may block
 * or act. */
static int resolve(struct walk *w, struct mid_log *log)
{
	int r = walk_path(w, log);

	if (r == 0 && !w->done[0])
		return refuse(w, "", "not a regular file", log);
	return r < 0 ? r : check_regular(w->path, &w->st, log);
}

/* Walks path, which must name a directory (made 0700 where missing when
 * make); *out (NULL first) is the walk, to free, when 0 is returned. */
static int walk_dir(const char *path, bool make, struct walk **out,
		    struct mid_log *log)
{
	struct walk *w;
	int r;

	if (!path || path[0] != '/') {
		mid_log_err(log, "%s: path must be absolute",
			    path ? path : "(none)");
		return MID_E_CONFIG;
	}
	*out = w = calloc(1, sizeof(*w));
	if (!w)
		return MID_E_NOMEM;
	w->path = path;
	w->dir = make;
	r = walk_path(w, log);
	/* every directory on the way, this one too, passed check_dir */
	if (r == 0 && !S_ISDIR(w->st.st_mode))
		r = refuse(w, "", "is not a directory", log);
	*out = r < 0 ? NULL : w;
	if (r < 0)
		free(w);
	return r;
}

int file_safe_dir(const char *path, struct mid_log *log)
{
	struct walk *w = NULL;
	int r = walk_dir(path, false, &w, log);

	free(w);
	return r;
}

/* Opens what resolve() checked; the descriptor must be that very file. */
static int open_checked(struct walk *w, enum file_kind kind, size_t max,
			struct stat *st, struct mid_log *log)
{
	int fd = open(w->done, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
				   O_NONBLOCK);

	if (fd < 0) {
		mid_log_err(log, "%s: cannot open: %s", w->path,
			    strerror(errno));
		return MID_E_CONFIG;
	}
	if (fstat(fd, st) < 0 || st->st_dev != w->st.st_dev ||
	    st->st_ino != w->st.st_ino) {
		close(fd);
		return refuse(w, "", "changed while it was opened", log);
	}
	if (check_stat(w->path, st, kind, max, log) < 0) {
		close(fd);
		return MID_E_CONFIG;
	}
	return fd;
}

static int read_all(int fd, char *data, size_t size)
{
	size_t have = 0;

	while (have < size) {
		ssize_t n = read(fd, data + have, size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MID_E_CONFIG;
		have += (size_t)n;
	}
	data[have] = '\0';
	return 0;
}

int file_read(const char *path, enum file_kind kind, size_t max, char **buf,
	      size_t *len, unsigned *mode, struct mid_log *log)
{
	struct stat st;
	int r = file_read_st(path, kind, max, buf, len, &st, log);

	if (r == 0 && mode)
		*mode = (unsigned)st.st_mode;
	return r;
}

int file_read_st(const char *path, enum file_kind kind, size_t max, char **buf,
		 size_t *len, struct stat *st, struct mid_log *log)
{
	struct walk *w = NULL;
	char *data = NULL;
	size_t size = 0;
	int fd = -1, r;

	*buf = NULL;
	if (len)
		*len = 0;
	if (!path || path[0] != '/') {
		mid_log_err(log, "%s: path must be absolute",
			    path ? path : "(none)");
		return MID_E_CONFIG;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return MID_E_NOMEM;
	w->path = path;
	r = resolve(w, log);
	if (r == 0)
		r = fd = open_checked(w, kind, max, st, log);
	if (r < 0)
		goto out;
	size = (size_t)st->st_size;
	data = malloc(size + 1);
	r = data ? read_all(fd, data, size) : MID_E_NOMEM;
	if (r == MID_E_CONFIG)
		mid_log_err(log, "%s: read failed", path);
	if (r < 0)
		goto out;
	*buf = data;
	data = NULL;
	if (len)
		*len = size;
out:
	util_freezero(data, size);
	if (fd >= 0)
		close(fd);
	free(w);
	return r;
}

int file_dir_open(const char *path, struct mid_log *log)
{
	struct walk *w = NULL;
	struct stat st;
	int fd = -1, r = walk_dir(path, true, &w, log);

	if (r == 0)
		fd = open(w->done, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				       O_CLOEXEC | O_NOCTTY);
	if (r == 0 && fd < 0)
		r = refuse(w, "", strerror(errno), log);
	else if (r == 0 && (fstat(fd, &st) < 0 || st.st_dev != w->st.st_dev ||
			    st.st_ino != w->st.st_ino))
		r = refuse(w, "", "changed while it was opened", log);
	else if (r == 0 && (st.st_uid != geteuid() || (st.st_mode & 077)))
		r = refuse(w, "", "must be this user's alone (mode 0700)", log);
	if (r < 0 && fd >= 0)
		close(fd);
	free(w);
	return r < 0 ? r : fd;
}

void file_lines_init(struct file_lines *it, const char *text, size_t len,
		     const char *path)
{
	memset(it, 0, sizeof(*it));
	it->text = text;
	it->end = text + len;
	it->path = path;
}

int file_lines_next(struct file_lines *it, struct mid_log *log)
{
	const char *nl, *start;
	size_t n;

	if (it->text >= it->end)
		return 0;
	nl = memchr(it->text, '\n', (size_t)(it->end - it->text));
	n = nl ? (size_t)(nl - it->text) : (size_t)(it->end - it->text);
	start = it->text;
	/* past the line first: a caller may go on after a bad one */
	it->text += n + (nl != NULL);
	it->lineno++;
	snprintf(it->where, sizeof(it->where), "%s:%u", it->path, it->lineno);
	/* a NUL would end the line for the parser: what follows it unread */
	if (memchr(start, '\0', n)) {
		mid_log_err(log, "%s: NUL byte in the line", it->where);
		return MID_E_CONFIG;
	}
	if (n > FILE_MAX_LINE) {
		mid_log_err(log, "%s: line too long", it->where);
		return MID_E_CONFIG;
	}
	memcpy(it->line, start, n);
	it->line[n] = '\0';
	return 1;
}

void file_lines_end(struct file_lines *it)
{
	explicit_bzero(it->line, sizeof(it->line));
}
