/* What the module remembers across processes, in a root-only directory
 * (/run/pam_mobileid): denials held, approvals in grace, orders counted per
 * user, the order a user has open. sshd runs each try in a new process, so
 * pam_set_data alone forgets between them. */
#ifndef MID_STATE_H
#define MID_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mid_log;

#define STATE_DEFAULT_DIR "/run/pam_mobileid"

struct state {
	int dirfd;
	struct mid_log *log;
};

/* Who and where a mark is for. NULL fields are left out of the key, so a
 * denial (user + remote host) holds for every service. */
struct state_key {
	const char *user;
	const char *rhost;
	const char *service;
};

enum state_mark {
	STATE_DENIED,	/* a denial in the app: deny_hold */
	STATE_APPROVED, /* an approval: grace, and for a concurrent waiter */
};

/* Opens dir, creating it 0700 when missing; refuses a directory that is
 * not ours alone (owner, mode, symlink) or whose parent others can write.
 * Returns 0 or MID_E_CONFIG / MID_E_INTERNAL; state_close() either way. */
int state_open(struct state *st, const char *dir, struct mid_log *log);
void state_close(struct state *st);

/* Records the mark now. Returns 0 or MID_E_INTERNAL. */
int state_mark(struct state *st, enum state_mark m, const struct state_key *k);
/* *age_ms: milliseconds since the mark was set, or -1 when there is
 * none. Returns 0, or MID_E_LOCAL when it cannot tell (no descriptor, a
 * damaged file): the caller fails closed, since a caller who sets
 * `ulimit -n` must not skip a denial hold. */
int state_mark_age(struct state *st, enum state_mark m,
		   const struct state_key *k, int64_t *age_ms);
/* Forgets the mark (an approval ends a denial hold). */
void state_unmark(struct state *st, enum state_mark m,
		  const struct state_key *k);

/* Counts one order for the user: 0 when fewer than max were counted in the
 * last window_s seconds (the order is then counted), MID_E_MAXTRIES when
 * not, MID_E_INTERNAL when the count cannot be kept (fail closed). */
int state_rate_take(struct state *st, const char *user, unsigned max,
		    unsigned window_s);

/* Takes the lock on the user's open order. Returns 0 when taken at once,
 * 1 when taken after waiting for another process's order to end,
 * MID_E_BUSY when busy and !wait, MID_E_TIMEOUT when still busy at
 * deadline_ms (util_now_ms clock), MID_E_INTERNAL on a local failure.
 * *fd is the lock to hand to state_unlock(). */
int state_lock_order(struct state *st, const char *user, bool wait,
		     uint64_t deadline_ms, int *fd);
void state_unlock(int fd);

/* A file the module keeps whole (a decrypted client key, doc/security.md;
 * the start gate's id): the file named by prefix and a hash of id, read whole
 * (at most max bytes, heap, NUL-terminated: util_freezero it) only when it is a
 * regular file of ours alone. Returns 0, 1 when there is none fit to use,
 * MID_E_NOMEM. */
int state_file_get(struct state *st, const char *prefix, const char *id,
		   size_t max, char **buf, size_t *len);
/* Writes it as a new 0600 file (O_EXCL, O_NOFOLLOW) renamed over the old,
 * so a reader sees the old or the new whole. Returns 0 or MID_E_INTERNAL. */
int state_file_put(struct state *st, const char *prefix, const char *id,
		   const void *data, size_t len);

#endif
