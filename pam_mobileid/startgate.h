/* A bound, across processes, on logins starting at once (credentials, TLS
 * handshake, first request): in a rush of hundreds of logins, the ones
 * already waiting for a phone still get the CPU to collect on time. */
#ifndef MID_STARTGATE_H
#define MID_STARTGATE_H

#include <stdbool.h>
#include <stdint.h>

struct mid_log;

/* the semaphore's id, for the next process and for tests */
#define STARTGATE_FILE "startgate"
/* logins that may start at once, per CPU online */
#define STARTGATE_PER_CPU 8
/* a login that waited this long without a turn starts anyway, unless the
 * CPUs are the bottleneck (more than STARTGATE_BUSY_PER_CPU tasks per CPU
 * ready to run): then the turns' holders are busy starting, not waiting
 * on a slow server, and one more start would only slow them all */
#define STARTGATE_TURN_WAIT_MS 3000
#define STARTGATE_BUSY_PER_CPU 2
/* the longest a login waits for its turn, however busy the host */
#define STARTGATE_MAX_WAIT_MS 30000

struct startgate {
	int semid;
	bool held;
};

/* Waits for a turn: STARTGATE_TURN_WAIT_MS, and again while the CPUs are
 * the bottleneck, at most STARTGATE_MAX_WAIT_MS in all and never past
 * deadline_ms. Never fails the login: without state_dir (not root), with
 * a semaphore that is not root's alone, an interrupt or the wait running
 * out, the login starts without a turn. */
void startgate_enter(struct startgate *g, const char *state_dir,
		     uint64_t deadline_ms, struct mid_log *log);
/* Gives the turn back (the kernel does too if the process dies). */
void startgate_leave(struct startgate *g);

#endif
