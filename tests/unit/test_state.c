/* state: marks (denial hold, grace), the order count per user, the lock on a
 * user's open order, and the refusals of an unsafe directory or file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "mid.h"
#include "state.h"
#include "util.h"

static struct mid_log quiet = {0};
/* The state lives in a directory of root's own, as /run/pam_mobileid
 * lives in /run, with nothing above it others can write */
static char top[] = "/run/mid-test-state-XXXXXX";
static char dir[sizeof(top) + 8];

static int setup(void **unused)
{
	if (!mkdtemp(top) || chmod(top, 0755) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/state", top);
	return 0;
}

static int teardown(void **unused)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void open_state(struct state *st)
{
	assert_int_equal(state_open(st, dir, &quiet), 0);
}

static void test_open_creates_a_private_directory(void **unused)
{
	struct state st;
	struct stat sb;

	umask(0);
	open_state(&st);
	umask(022);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	state_close(&st);
}

static void test_open_refuses_a_directory_others_can_read(void **unused)
{
	struct state st;

	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(state_open(&st, dir, &quiet), MID_E_CONFIG);
	state_close(&st);
	assert_int_equal(chmod(dir, 0700), 0);
}

static void test_open_refuses_a_symlink(void **unused)
{
	char link[sizeof(dir) + 8];
	struct state st;

	snprintf(link, sizeof(link), "%s/link", top);
	assert_int_equal(symlink(dir, link), 0);
	assert_int_equal(state_open(&st, link, &quiet), MID_E_CONFIG);
	state_close(&st);
	unlink(link);
}

static void test_open_refuses_a_world_writable_parent(void **unused)
{
	struct state st;

	assert_int_equal(state_open(&st, "/var/tmp/mid-x", &quiet),
			 MID_E_CONFIG);
	state_close(&st);
}

/* /var/tmp is sticky and world-writable: a root-owned 0755 directory in
 * it may still be renamed away and replaced by anyone */
static void test_open_refuses_a_world_writable_grandparent(void **unused)
{
	char mid[] = "/var/tmp/mid-test-state-XXXXXX", deep[64];
	struct state st;

	assert_non_null(mkdtemp(mid));
	assert_int_equal(chmod(mid, 0755), 0);
	snprintf(deep, sizeof(deep), "%s/state", mid);
	assert_int_equal(state_open(&st, deep, &quiet), MID_E_CONFIG);
	state_close(&st);
	assert_int_equal(rmdir(mid), 0);
}

/* The age of k's mark, -1 for none; fails the test when it cannot tell. */
static int64_t age_of(struct state *st, enum state_mark m,
		      const struct state_key *k)
{
	int64_t age;

	assert_int_equal(state_mark_age(st, m, k, &age), 0);
	return age;
}

static void test_mark_is_found_for_its_key_only(void **unused)
{
	const struct state_key k = {"alice", "10.0.0.1", NULL};
	const struct state_key other_host = {"alice", "10.0.0.2", NULL};
	const struct state_key other_user = {"bob", "10.0.0.1", NULL};
	/* the same bytes split differently are another key */
	const struct state_key shifted = {"alice1", "0.0.0.1", NULL};
	struct state st;

	open_state(&st);
	assert_true(age_of(&st, STATE_DENIED, &k) < 0);
	assert_int_equal(state_mark(&st, STATE_DENIED, &k), 0);
	assert_in_range(age_of(&st, STATE_DENIED, &k), 0, 5000);
	assert_true(age_of(&st, STATE_APPROVED, &k) < 0);
	assert_true(age_of(&st, STATE_DENIED, &other_host) < 0);
	assert_true(age_of(&st, STATE_DENIED, &other_user) < 0);
	assert_true(age_of(&st, STATE_DENIED, &shifted) < 0);
	state_unmark(&st, STATE_DENIED, &k);
	assert_true(age_of(&st, STATE_DENIED, &k) < 0);
	state_close(&st);
}

/* A caller who can choose the limits (ulimit -n under su) must not make
 * the module believe there is no denial: it cannot tell, and says so. */
static void test_mark_age_fails_closed_when_it_cannot_tell(void **unused)
{
	const struct state_key k = {"ivan", "10.0.0.9", NULL};
	struct state st;
	struct rlimit saved, one = {0, 0};
	int64_t age;
	int r;

	open_state(&st);
	assert_int_equal(state_mark(&st, STATE_DENIED, &k), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	one.rlim_max = saved.rlim_max;
	/* no descriptor may be opened: openat fails with EMFILE */
	one.rlim_cur = 0;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &one), 0);
	r = state_mark_age(&st, STATE_DENIED, &k, &age);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(r, MID_E_LOCAL);
	state_close(&st);
}

static void test_service_is_part_of_an_approval_key(void **unused)
{
	const struct state_key ssh = {"alice", "10.0.0.1", "sshd"};
	const struct state_key sudo = {"alice", "10.0.0.1", "sudo"};
	struct state st;

	open_state(&st);
	assert_int_equal(state_mark(&st, STATE_APPROVED, &ssh), 0);
	assert_true(age_of(&st, STATE_APPROVED, &ssh) >= 0);
	assert_true(age_of(&st, STATE_APPROVED, &sudo) < 0);
	state_close(&st);
}

static void test_files_are_private_whatever_the_umask(void **unused)
{
	const struct state_key k = {"umask", NULL, NULL};
	struct state st;
	char cmd[256];

	open_state(&st);
	umask(0);
	assert_int_equal(state_mark(&st, STATE_APPROVED, &k), 0);
	umask(022);
	snprintf(cmd, sizeof(cmd),
		 "test -z \"$(find '%s' -type f -perm /077)\"", dir);
	assert_int_equal(system(cmd), 0);
	state_close(&st);
}

static void test_rate_counts_per_user_and_refuses_past_max(void **unused)
{
	struct state st;

	open_state(&st);
	for (int i = 0; i < 3; i++)
		assert_int_equal(state_rate_take(&st, "carol", 3, 600), 0);
	assert_int_equal(state_rate_take(&st, "carol", 3, 600), MID_E_MAXTRIES);
	assert_int_equal(state_rate_take(&st, "dave", 3, 600), 0);
	state_close(&st);
}

static void test_rate_forgets_orders_older_than_the_window(void **unused)
{
	struct state st;

	open_state(&st);
	assert_int_equal(state_rate_take(&st, "erin", 1, 1), 0);
	assert_int_equal(state_rate_take(&st, "erin", 1, 1), MID_E_MAXTRIES);
	sleep(1);
	assert_int_equal(state_rate_take(&st, "erin", 1, 1), 0);
	state_close(&st);
}

static void test_rate_fails_closed_on_a_damaged_file(void **unused)
{
	struct state st;
	char cmd[256];

	open_state(&st);
	assert_int_equal(state_rate_take(&st, "frank", 5, 600), 0);
	snprintf(cmd, sizeof(cmd),
		 "for f in '%s'/rate-*; do echo junk >> "
		 "\"$f\"; done",
		 dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(state_rate_take(&st, "frank", 5, 600), MID_E_INTERNAL);
	state_close(&st);
}

static void test_kept_file_is_written_whole_and_read_back(void **unused)
{
	struct state st;
	char *buf = NULL, cmd[256];
	size_t len = 0;

	open_state(&st);
	assert_int_equal(state_file_get(&st, "kept", "id", 64, &buf, &len), 1);
	umask(0);
	assert_int_equal(state_file_put(&st, "kept", "id", "one\n", 4), 0);
	umask(022);
	assert_int_equal(state_file_put(&st, "kept", "id", "two!\n", 5), 0);
	assert_int_equal(state_file_get(&st, "kept", "id", 64, &buf, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "two!\n");
	util_freezero(buf, len);
	/* one file, 0600, no temporary left; another id is another file */
	snprintf(cmd, sizeof(cmd),
		 "test $(ls '%s' | grep -c '^kept-') = 1 && "
		 "test -z \"$(find '%s' -name 'kept-*' -perm /077)\"",
		 dir, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(state_file_get(&st, "kept", "other", 64, &buf, &len),
			 1);
	/* too large for the reader: none fit to use */
	assert_int_equal(state_file_get(&st, "kept", "id", 4, &buf, &len), 1);
	assert_null(buf);
	state_close(&st);
}

static void test_kept_file_not_ours_alone_is_not_used(void **unused)
{
	struct state st;
	char *buf = NULL, cmd[256];
	size_t len = 0;

	open_state(&st);
	assert_int_equal(state_file_put(&st, "mode", "id", "x\n", 2), 0);
	snprintf(cmd, sizeof(cmd), "chmod 0644 '%s'/mode-*", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(state_file_get(&st, "mode", "id", 64, &buf, &len), 1);
	/* a symbolic link in its place is never followed */
	snprintf(cmd, sizeof(cmd),
		 "f=$(ls -d '%s'/mode-*) && rm \"$f\" && "
		 "ln -s /etc/hostname \"$f\"",
		 dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(state_file_get(&st, "mode", "id", 64, &buf, &len), 1);
	/* and the next write replaces the link, not what it points to */
	assert_int_equal(state_file_put(&st, "mode", "id", "y\n", 2), 0);
	assert_int_equal(state_file_get(&st, "mode", "id", 64, &buf, &len), 0);
	assert_string_equal(buf, "y\n");
	util_freezero(buf, len);
	state_close(&st);
}

/* A child holds the lock; the parent is refused or waits. */
static void test_lock_refuses_or_waits_for_another_process(void **unused)
{
	struct state st;
	int fd, pipefd[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct state cs;
		int cfd;

		if (state_open(&cs, dir, &quiet) < 0 ||
		    state_lock_order(&cs, "gina", false, util_now_ms() + 1000,
				     &cfd) != 0)
			_exit(1);
		(void)!write(pipefd[1], "x", 1);
		usleep(500 * 1000);
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	open_state(&st);
	assert_int_equal(
	    state_lock_order(&st, "gina", false, util_now_ms() + 5000, &fd),
	    MID_E_BUSY);
	assert_int_equal(
	    state_lock_order(&st, "other", false, util_now_ms() + 5000, &fd),
	    0);
	state_unlock(fd);
	assert_int_equal(
	    state_lock_order(&st, "gina", true, util_now_ms() + 5000, &fd), 1);
	state_unlock(fd);
	assert_int_equal(
	    state_lock_order(&st, "gina", false, util_now_ms() + 5000, &fd), 0);
	state_unlock(fd);
	state_close(&st);
	waitpid(pid, NULL, 0);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_lock_wait_ends_at_the_deadline(void **unused)
{
	struct state st;
	int held, fd;
	pid_t pid;

	open_state(&st);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a second process, so flock sees two open files */
		struct state cs;

		if (state_open(&cs, dir, &quiet) < 0 ||
		    state_lock_order(&cs, "hank", false, util_now_ms() + 1000,
				     &held) != 0)
			_exit(1);
		sleep(2);
		_exit(0);
	}
	usleep(300 * 1000);
	assert_int_equal(
	    state_lock_order(&st, "hank", true, util_now_ms() + 400, &fd),
	    MID_E_TIMEOUT);
	state_close(&st);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_creates_a_private_directory),
	    cmocka_unit_test(test_open_refuses_a_directory_others_can_read),
	    cmocka_unit_test(test_open_refuses_a_symlink),
	    cmocka_unit_test(test_open_refuses_a_world_writable_parent),
	    cmocka_unit_test(test_open_refuses_a_world_writable_grandparent),
	    cmocka_unit_test(test_mark_is_found_for_its_key_only),
	    cmocka_unit_test(test_mark_age_fails_closed_when_it_cannot_tell),
	    cmocka_unit_test(test_service_is_part_of_an_approval_key),
	    cmocka_unit_test(test_files_are_private_whatever_the_umask),
	    cmocka_unit_test(test_rate_counts_per_user_and_refuses_past_max),
	    cmocka_unit_test(test_rate_forgets_orders_older_than_the_window),
	    cmocka_unit_test(test_rate_fails_closed_on_a_damaged_file),
	    cmocka_unit_test(test_lock_refuses_or_waits_for_another_process),
	    cmocka_unit_test(test_lock_wait_ends_at_the_deadline),
	    cmocka_unit_test(test_kept_file_is_written_whole_and_read_back),
	    cmocka_unit_test(test_kept_file_not_ours_alone_is_not_used),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
