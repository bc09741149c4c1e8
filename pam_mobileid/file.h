/* Files the module trusts: read only when the file and every directory
 * above it (and every symbolic link on the way, and what it points to) are
 * root's alone; and one line reader for the files we parse. */
#ifndef MID_FILE_H
#define MID_FILE_H

#include <stddef.h>

struct mid_log;

/* What a file may be. Every kind must be a regular file owned by root and
 * not writable by group or other; a secret must also not be other-readable. */
enum file_kind { FILE_PUBLIC, FILE_SECRET };

/* Reads a whole file (at most max bytes) into a NUL-terminated heap buffer
 * (*len bytes, which may hold NUL bytes). Before opening, every directory
 * from / down must be owned by root and not writable by group or other,
 * as OpenSSH's safe_path checks; a symbolic link is followed only when it
 * is root's and its target passes the same checks, directories and all.
 * The opened descriptor must be the file checked, a regular file of root's
 * not writable by group or other (not readable by other for FILE_SECRET).
 * mode (may be NULL) gets the file's mode bits. Logs why it refused.
 * Returns 0, MID_E_CONFIG or MID_E_NOMEM. Free with util_freezero(). */
int file_read(const char *path, enum file_kind kind, size_t max, char **buf,
	      size_t *len, unsigned *mode, struct mid_log *log);

/* The same walk for a directory that holds files we create (state, audit):
 * it and every directory above it must be owned by root and not writable
 * by group or other; links on the way as for file_read. Returns 0,
 * MID_E_CONFIG (logged) or MID_E_NOMEM. */
int file_safe_dir(const char *path, struct mid_log *log);
/* Opens the directory path for files only we may read (the audit
 * records), with the checks of file_read on every directory above it and
 * on symbolic links; a missing directory on the way is made (mode 0700).
 * The directory itself must be the effective user's, mode 0700 (no access
 * for group or other). Returns its descriptor, or MID_E_CONFIG (logged) /
 * MID_E_NOMEM. */
int file_dir_open(const char *path, struct mid_log *log);

struct stat;
/* The same, and st gets the opened file's fstat (its identity: device,
 * inode, size, times). */
int file_read_st(const char *path, enum file_kind kind, size_t max, char **buf,
		 size_t *len, struct stat *st, struct mid_log *log);

#define FILE_MAX_LINE 1024

/* Walks text[0..len) line by line for a parser (config, user map). */
struct file_lines {
	const char *text, *end;
	const char *path;
	unsigned lineno;
	char where[320];	      /* "path:line", for the parser's log */
	char line[FILE_MAX_LINE + 1]; /* the current line, without '\n' */
};

void file_lines_init(struct file_lines *it, const char *text, size_t len,
		     const char *path);
/* The next line into it->line: 1, or 0 at the end; MID_E_CONFIG (logged
 * with the file and line) for a NUL byte or a line over FILE_MAX_LINE
 * bytes, which are errors, never the end of the file. */
int file_lines_next(struct file_lines *it, struct mid_log *log);
/* Wipes the line buffer (a config line may hold a password). */
void file_lines_end(struct file_lines *it);

#endif
