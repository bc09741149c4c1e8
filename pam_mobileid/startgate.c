/* A bound, across processes, on logins starting at once. When hundreds of
 * logins start together on a small host, each needs a burst of CPU
 * (credentials, TLS handshake, first request) while the ones already
 * shown a QR need a little, on time, to collect. Letting a few start at a
 * time keeps the run queue short, so a collect waits behind a few starts
 * rather than hundreds; the rush takes as long in total.
 *
 * A System V semaphore: the kernel gives a turn back when its process dies
 * (SEM_UNDO), semtimedop bounds the wait, and waiters are served in turn.
 * A login that waited STARTGATE_TURN_WAIT_MS starts anyway when the CPUs
 * are idle enough (the holders wait on a slow server: no reason to queue
 * behind them), and waits on while they are the bottleneck, so that a
 * rush larger than the host is paced by what the host can do.
 * Its id is kept in state_dir (root's alone); a semaphore that is not
 * root's alone with mode 0600 is never used. */
#include "startgate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "util.h"

#define GATE_PREFIX "gate"
#define GATE_ID "start"
#define MAX_ID_TEXT 32

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* One semaphore, made by this user, owned by it, mode 0600, and given
 * its turns (its creator's first semop sets sem_otime). */
static bool sem_is_ours(int id)
{
	struct semid_ds ds;
	union semun arg = {.buf = &ds};

	return id >= 0 && semctl(id, 0, IPC_STAT, arg) == 0 &&
	       ds.sem_nsems == 1 && ds.sem_perm.uid == geteuid() &&
	       ds.sem_perm.cuid == geteuid() &&
	       (ds.sem_perm.mode & 0777) == 0600 && ds.sem_otime != 0;
}

/* A new semaphore with a turn for STARTGATE_PER_CPU logins per CPU. */
static int sem_create(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct sembuf give = {0, 0, 0};
	int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);

	if (id < 0)
		return -1;
	/* sem_op is a short: at most 1024 CPUs counted */
	if (cpus < 1)
		cpus = 1;
	give.sem_op = (short)(STARTGATE_PER_CPU * (cpus < 1024 ? cpus : 1024));
	if (semop(id, &give, 1) < 0) {
		semctl(id, 0, IPC_RMID);
		return -1;
	}
	return id;
}

/* The semaphore named in state_dir, made (and named) when there is none
 * of ours; -1 when it cannot be had. The directory's flock makes two
 * first logins agree on one. */
static int gate_id(const char *state_dir, struct mid_log *log)
{
	struct state st;
	char *text = NULL, id_text[MAX_ID_TEXT];
	size_t len = 0;
	int id = -1, n;

	if (state_open(&st, state_dir, log) < 0 || flock(st.dirfd, LOCK_EX) < 0)
		goto out;
	n = state_file_get(&st, GATE_PREFIX, GATE_ID, MAX_ID_TEXT, &text, &len);
	if (n == 0)
		id = (int)strtol(text, NULL, 10);
	free(text);
	/* a file we could not read may name ours: never orphan it */
	if (n < 0 || sem_is_ours(id))
		goto out;
	id = sem_create();
	n = snprintf(id_text, sizeof(id_text), "%d\n", id);
	if (id >= 0 && (n <= 0 || state_file_put(&st, GATE_PREFIX, GATE_ID,
						 id_text, (size_t)n) < 0)) {
		semctl(id, 0, IPC_RMID);
		id = -1;
	}
out:
	state_close(&st); /* and the flock with it */
	return id;
}

/* Whether more than STARTGATE_BUSY_PER_CPU tasks per CPU are ready to
 * run right now (the fourth field of /proc/loadavg: running/total). */
static bool cpus_busy(void)
{
	char text[128];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), running = 0;
	int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	if (sscanf(text, "%*s %*s %*s %ld/", &running) != 1 || cpus < 1)
		return false;
	return running > STARTGATE_BUSY_PER_CPU * cpus;
}

/* One wait of at most STARTGATE_TURN_WAIT_MS, and never past until: 0
 * with the turn, or errno (EAGAIN when the wait ran out). */
static int take_turn(int id, uint64_t until)
{
	struct sembuf take = {0, -1, SEM_UNDO};
	uint64_t now = util_now_ms(), wait = STARTGATE_TURN_WAIT_MS;
	struct timespec ts;

	if (until < now + wait)
		wait = until > now ? until - now : 0;
	ts.tv_sec = (time_t)(wait / 1000);
	ts.tv_nsec = (long)(wait % 1000) * 1000000L;
	return semtimedop(id, &take, 1, &ts) == 0 ? 0 : errno;
}

void startgate_enter(struct startgate *g, const char *state_dir,
		     uint64_t deadline_ms, struct mid_log *log)
{
	uint64_t start = util_now_ms(), until = start + STARTGATE_MAX_WAIT_MS;
	int e;

	g->semid = -1;
	g->held = false;
	if (geteuid() != 0 || !state_dir)
		return; /* no root-only place to name the semaphore */
	g->semid = gate_id(state_dir, log);
	if (g->semid < 0)
		return;
	if (deadline_ms < until)
		until = deadline_ms;
	/* a waiter whose wait ran out joins the queue again at its end */
	do
		e = take_turn(g->semid, until);
	while (e == EAGAIN && util_now_ms() < until && cpus_busy());
	g->held = e == 0;
	if (e == EAGAIN)
		mid_log_info(log,
			     "%llu ms without a turn to start: starting "
			     "anyway",
			     (unsigned long long)(util_now_ms() - start));
}

void startgate_leave(struct startgate *g)
{
	struct sembuf give = {0, 1, SEM_UNDO};

	if (g->held)
		semop(g->semid, &give, 1);
	g->held = false;
}
