/* file: the checked reader (the file, every directory above it, symbolic
 * links and their targets; ownership, mode, size, FIFOs) and the line
 * reader the config and the user map share. Runs as root, in directories
 * under TEST_SAFE_BASE. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "file.h"
#include "log.h"
#include "mid.h"
#include "testlib.h"
#include "util.h"

static struct mid_log quiet = {0};
static char dir[128];

static int make_dir(void **state)
{
	test_safe_dir(dir, sizeof(dir), "unit-file");
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to dir/name with mode; returns the path (static buffer). */
static const char *make_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	test_write_file(path, text, mode);
	return path;
}

static int read_as(const char *path, enum file_kind kind, size_t max,
		   char **buf, size_t *len)
{
	*buf = (char *)"not touched";
	return file_read(path, kind, max, buf, len, NULL, &quiet);
}

static void assert_refused(const char *path, enum file_kind kind, size_t max)
{
	char *buf;
	size_t len = 99;

	assert_int_equal(read_as(path, kind, max, &buf, &len), MID_E_CONFIG);
	assert_null(buf);
	assert_int_equal(len, 0);
}

static void test_root_owned_file_not_writable_by_others_is_read(void **state)
{
	const char *p = make_file("ok", "hello\n", 0644);
	char *buf;
	size_t len;
	unsigned mode = 0;

	if (geteuid() != 0)
		skip();
	assert_int_equal(read_as(p, FILE_PUBLIC, 64, &buf, &len), 0);
	assert_string_equal(buf, "hello\n");
	assert_int_equal(len, 6);
	util_freezero(buf, len);
	assert_int_equal(
	    file_read(p, FILE_PUBLIC, 64, &buf, &len, &mode, &quiet), 0);
	assert_int_equal(mode & 07777, 0644);
	util_freezero(buf, len);
}

static void
test_secret_file_readable_by_owner_and_group_only_is_read(void **state)
{
	char *buf;
	size_t len;

	if (geteuid() != 0)
		skip();
	assert_int_equal(
	    read_as(make_file("s1", "pw", 0600), FILE_SECRET, 64, &buf, &len),
	    0);
	assert_string_equal(buf, "pw");
	util_freezero(buf, len);
	assert_int_equal(
	    read_as(make_file("s2", "pw", 0640), FILE_SECRET, 64, &buf, &len),
	    0);
	util_freezero(buf, len);
}

static void test_empty_file_is_an_empty_string(void **state)
{
	char *buf;
	size_t len;

	if (geteuid() != 0)
		skip();
	assert_int_equal(
	    read_as(make_file("empty", "", 0644), FILE_PUBLIC, 64, &buf, &len),
	    0);
	assert_string_equal(buf, "");
	assert_int_equal(len, 0);
	util_freezero(buf, len);
}

static void test_group_writable_file_is_refused(void **state)
{
	assert_refused(make_file("gw", "x", 0664), FILE_PUBLIC, 64);
	assert_refused(make_file("gw2", "x", 0620), FILE_SECRET, 64);
}

static void test_other_writable_file_is_refused(void **state)
{
	assert_refused(make_file("ow", "x", 0646), FILE_PUBLIC, 64);
	assert_refused(make_file("ow2", "x", 0602), FILE_PUBLIC, 64);
}

static void test_secret_readable_by_other_is_refused(void **state)
{
	char *buf;
	size_t len;
	const char *p = make_file("or", "pw", 0644);

	assert_refused(p, FILE_SECRET, 64);
	/* the same file is fine where it holds nothing secret */
	if (geteuid() != 0)
		skip();
	assert_int_equal(read_as(p, FILE_PUBLIC, 64, &buf, &len), 0);
	util_freezero(buf, len);
}

static void test_file_not_owned_by_root_is_refused(void **state)
{
	const char *p = make_file("nobody", "x", 0644);

	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	assert_int_equal(chown(p, 65534, 65534), 0);
	assert_refused(p, FILE_PUBLIC, 64);
	/* root's group is not needed: only the owner counts */
	assert_int_equal(chown(p, 0, 65534), 0);
	{
		char *buf;
		size_t len;

		assert_int_equal(read_as(p, FILE_PUBLIC, 64, &buf, &len), 0);
		util_freezero(buf, len);
	}
}

static void test_file_larger_than_max_is_refused(void **state)
{
	char *buf;
	size_t len;
	const char *p = make_file("big", "0123456789A", 0644);

	assert_refused(p, FILE_PUBLIC, 10);
	if (geteuid() != 0)
		skip();
	assert_int_equal(read_as(p, FILE_PUBLIC, 11, &buf, &len), 0);
	assert_int_equal(len, 11);
	util_freezero(buf, len);
}

static void test_directory_missing_and_relative_paths_are_refused(void **state)
{
	assert_refused(dir, FILE_PUBLIC, 1 << 20);
	assert_refused("/nonexistent/mid-test", FILE_PUBLIC, 64);
	assert_refused("tmp/x", FILE_PUBLIC, 64);
	assert_refused("", FILE_PUBLIC, 64);
	assert_refused(NULL, FILE_PUBLIC, 64);
}

/* open() of a FIFO with no writer would block for ever (and a device would
 * be opened, with its side effects): such a file is refused before it is
 * opened. The child is killed by alarm() if it hangs. */
static void test_fifo_is_refused_without_blocking(void **state)
{
	char fifo[160];
	pid_t pid;
	int status;

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *buf;
		size_t len;

		alarm(2);
		_exit(file_read(fifo, FILE_PUBLIC, 64, &buf, &len, NULL,
				&quiet) == MID_E_CONFIG
			  ? 0
			  : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("file_read hung on a FIFO (signal %d)",
			 WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* dir/rel as a static path */
static const char *at(const char *rel)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

/* mkdir dir/rel with mode (whatever the umask) */
static void make_subdir(const char *rel, mode_t mode)
{
	const char *p = at(rel);

	assert_true(mkdir(p, mode) == 0 || errno == EEXIST);
	assert_int_equal(chmod(p, mode), 0);
}

static void make_link(const char *target, const char *rel)
{
	char t[256];
	const char *p;

	/* target may be at()'s buffer, which the next at() reuses */
	snprintf(t, sizeof(t), "%s", target);
	p = at(rel);
	unlink(p);
	assert_int_equal(symlink(t, p), 0);
}

static void assert_read(const char *path, const char *want)
{
	char *buf;
	size_t len;

	assert_int_equal(read_as(path, FILE_PUBLIC, 64, &buf, &len), 0);
	assert_string_equal(buf, want);
	util_freezero(buf, len);
}

struct read_call {
	const char *path;
	enum file_kind kind;
};

static void read_logged(struct mid_log *log, void *arg)
{
	struct read_call *c = arg;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(file_read(c->path, c->kind, 64, &buf, &len, NULL, log),
			 MID_E_CONFIG);
	assert_null(buf);
}

/* Refused, with a log line holding needle. */
static void assert_refused_saying(const char *path, const char *needle)
{
	struct read_call c = {path, FILE_PUBLIC};
	const char *log = logged(read_logged, &c);

	if (!strstr(log, needle))
		fail_msg("log %s lacks %s", log, needle);
}

static void test_nul_bytes_are_read_and_counted(void **state)
{
	const char *p = at("nul");
	char *buf;
	size_t len;
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_int_equal(fwrite("a\0b\n", 1, 4, f), 4);
	fclose(f);
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(read_as(p, FILE_PUBLIC, 64, &buf, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "a\0b\n", 5);
	util_freezero(buf, len);
}

static void test_group_writable_parent_directory_is_refused(void **state)
{
	make_subdir("gwdir", 0775);
	make_file("gwdir/f", "x", 0644);
	assert_refused_saying(at("gwdir/f"), "is writable by group or other");
	assert_refused_saying(at("gwdir/f"), at("gwdir"));
	assert_int_equal(chmod(at("gwdir"), 0755), 0);
	assert_read(at("gwdir/f"), "x");
}

static void test_parent_directory_not_owned_by_root_is_refused(void **state)
{
	make_subdir("nobodydir", 0755);
	make_file("nobodydir/f", "x", 0644);
	assert_int_equal(chown(at("nobodydir"), 65534, 0), 0);
	assert_refused_saying(at("nobodydir/f"), "is not owned by root");
}

/* /tmp is root's but world-writable (sticky): anyone could have put the
 * file there before root did */
static void test_sticky_world_writable_directory_is_refused(void **state)
{
	make_subdir("sticky", 01777);
	make_file("sticky/f", "x", 0644);
	assert_refused_saying(at("sticky/f"), at("sticky"));
}

static void test_every_directory_up_to_the_root_is_checked(void **state)
{
	make_subdir("open", 0777);
	make_subdir("open/closed", 0755);
	make_file("open/closed/f", "x", 0644);
	/* the directory two levels up, not only the file's own */
	assert_refused_saying(at("open/closed/f"), at("open"));
}

/* The walk for a directory we create files in (state, audit). */
static void test_safe_dir_walks_every_directory_above(void **state)
{
	make_subdir("pub", 0755);
	make_subdir("wide", 0777);
	make_subdir("wide/inner", 0755);
	make_file("plain", "x", 0644);
	make_link("pub", "publink");
	assert_int_equal(file_safe_dir(at("pub"), &quiet), 0);
	assert_int_equal(file_safe_dir(at("publink"), &quiet), 0);
	assert_int_equal(file_safe_dir(at("wide"), &quiet), MID_E_CONFIG);
	assert_int_equal(file_safe_dir(at("wide/inner"), &quiet), MID_E_CONFIG);
	assert_int_equal(file_safe_dir(at("plain"), &quiet), MID_E_CONFIG);
	assert_int_equal(file_safe_dir(at("absent"), &quiet), MID_E_CONFIG);
	assert_int_equal(file_safe_dir("relative", &quiet), MID_E_CONFIG);
}

static void test_symlink_to_a_good_file_is_followed(void **state)
{
	make_file("target", "target text", 0644);
	make_link(at("target"), "abslink");
	assert_read(at("abslink"), "target text");
	make_link("target", "rellink");
	assert_read(at("rellink"), "target text");
	/* a link to a link */
	make_link("rellink", "linklink");
	assert_read(at("linklink"), "target text");
}

/* how a renewal tool (certbot) lays out what it rotates */
static void test_renewal_tool_layout_of_links_is_followed(void **state)
{
	make_subdir("archive", 0755);
	make_subdir("archive/site", 0755);
	make_subdir("live", 0755);
	make_subdir("live/site", 0755);
	make_file("archive/site/cert1.pem", "one", 0644);
	make_file("archive/site/cert2.pem", "two", 0644);
	make_link("../../archive/site/cert1.pem", "live/site/cert.pem");
	assert_read(at("live/site/cert.pem"), "one");
	make_link("../../archive/site/cert2.pem", "live/site/cert.pem");
	assert_read(at("live/site/cert.pem"), "two");
	/* .. in the path given is taken physically too */
	assert_read(at("live/site/../../archive/site/cert1.pem"), "one");
	/* a link to a directory on the way */
	make_link("archive/site", "sitelink");
	assert_read(at("sitelink/cert2.pem"), "two");
}

static void test_symlink_not_owned_by_root_is_refused(void **state)
{
	make_file("owned", "x", 0644);
	make_link("owned", "nobodylink");
	assert_int_equal(lchown(at("nobodylink"), 65534, 65534), 0);
	assert_refused_saying(at("nobodylink"), "symbolic link");
}

static void test_symlink_into_a_writable_directory_is_refused(void **state)
{
	make_subdir("drop", 0777);
	make_file("drop/f", "x", 0644);
	make_link("drop/f", "todrop");
	assert_refused_saying(at("todrop"), at("drop"));
	/* and a link that lives in one, to a good file */
	make_file("good", "x", 0644);
	make_link(at("good"), "drop/togood");
	assert_refused_saying(at("drop/togood"), at("drop"));
}

static void test_symlink_target_is_checked_as_the_file(void **state)
{
	char *buf;
	size_t len;

	make_file("secret", "pw", 0644);
	make_link("secret", "secretlink");
	assert_refused(at("secretlink"), FILE_SECRET, 64);
	make_file("gwfile", "x", 0664);
	make_link("gwfile", "gwlink");
	assert_refused(at("gwlink"), FILE_PUBLIC, 64);
	assert_int_equal(chmod(at("secret"), 0600), 0);
	assert_int_equal(read_as(at("secretlink"), FILE_SECRET, 64, &buf, &len),
			 0);
	util_freezero(buf, len);
}

static void test_symlink_loop_and_dangling_link_are_refused(void **state)
{
	make_link("loopb", "loopa");
	make_link("loopa", "loopb");
	assert_refused_saying(at("loopa"), "too many symbolic links");
	make_link("nowhere", "dangling");
	assert_refused_saying(at("dangling"), "No such file");
	make_file("plain", "x", 0644);
	assert_refused_saying(at("plain/x"), "not a directory");
}

static void test_symlink_to_a_fifo_is_refused_without_opening(void **state)
{
	const char *fifo = at("fifo2");

	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	make_link("fifo2", "tofifo");
	/* open() would block here for ever: lstat says no first */
	assert_refused_saying(at("tofifo"), "not a regular file");
}

static void lines_of(struct mid_log *log, void *arg)
{
	static const char text[] = "one\n\ntwo\r\nthree\0four\nfive";
	struct file_lines it;

	file_lines_init(&it, text, sizeof(text) - 1, "/etc/x");
	assert_int_equal(file_lines_next(&it, log), 1);
	assert_string_equal(it.line, "one");
	assert_string_equal(it.where, "/etc/x:1");
	assert_int_equal(file_lines_next(&it, log), 1);
	assert_string_equal(it.line, "");
	assert_int_equal(file_lines_next(&it, log), 1);
	assert_string_equal(it.line, "two\r");
	assert_int_equal(file_lines_next(&it, log), MID_E_CONFIG);
	assert_int_equal(it.lineno, 4);
	file_lines_end(&it);
	assert_string_equal(it.line, "");
}

static void test_lines_are_numbered_and_a_nul_byte_is_an_error(void **state)
{
	const char *log = logged(lines_of, NULL);

	assert_string_equal(log, "/etc/x:4: NUL byte in the line\n");
}

static void test_last_line_needs_no_newline_and_long_lines_fail(void **state)
{
	char text[FILE_MAX_LINE + 8];
	struct file_lines it;

	file_lines_init(&it, "a\nb", 3, "/x");
	assert_int_equal(file_lines_next(&it, &quiet), 1);
	assert_int_equal(file_lines_next(&it, &quiet), 1);
	assert_string_equal(it.line, "b");
	assert_int_equal(file_lines_next(&it, &quiet), 0);
	file_lines_init(&it, "", 0, "/x");
	assert_int_equal(file_lines_next(&it, &quiet), 0);
	memset(text, 'x', sizeof(text));
	file_lines_init(&it, text, FILE_MAX_LINE, "/x");
	assert_int_equal(file_lines_next(&it, &quiet), 1);
	file_lines_init(&it, text, FILE_MAX_LINE + 1, "/x");
	assert_int_equal(file_lines_next(&it, &quiet), MID_E_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_root_owned_file_not_writable_by_others_is_read),
	    cmocka_unit_test(
		test_secret_file_readable_by_owner_and_group_only_is_read),
	    cmocka_unit_test(test_empty_file_is_an_empty_string),
	    cmocka_unit_test(test_group_writable_file_is_refused),
	    cmocka_unit_test(test_other_writable_file_is_refused),
	    cmocka_unit_test(test_secret_readable_by_other_is_refused),
	    cmocka_unit_test(test_file_not_owned_by_root_is_refused),
	    cmocka_unit_test(test_file_larger_than_max_is_refused),
	    cmocka_unit_test(
		test_directory_missing_and_relative_paths_are_refused),
	    cmocka_unit_test(test_fifo_is_refused_without_blocking),
	    cmocka_unit_test(test_nul_bytes_are_read_and_counted),
	    cmocka_unit_test(test_group_writable_parent_directory_is_refused),
	    cmocka_unit_test(
		test_parent_directory_not_owned_by_root_is_refused),
	    cmocka_unit_test(test_sticky_world_writable_directory_is_refused),
	    cmocka_unit_test(test_every_directory_up_to_the_root_is_checked),
	    cmocka_unit_test(test_safe_dir_walks_every_directory_above),
	    cmocka_unit_test(test_symlink_to_a_good_file_is_followed),
	    cmocka_unit_test(test_renewal_tool_layout_of_links_is_followed),
	    cmocka_unit_test(test_symlink_not_owned_by_root_is_refused),
	    cmocka_unit_test(test_symlink_into_a_writable_directory_is_refused),
	    cmocka_unit_test(test_symlink_target_is_checked_as_the_file),
	    cmocka_unit_test(test_symlink_loop_and_dangling_link_are_refused),
	    cmocka_unit_test(test_symlink_to_a_fifo_is_refused_without_opening),
	    cmocka_unit_test(
		test_lines_are_numbered_and_a_nul_byte_is_an_error),
	    cmocka_unit_test(
		test_last_line_needs_no_newline_and_long_lines_fail),
	};

	/* files of root's, and chown: only root can make them */
	if (geteuid() != 0) {
		fprintf(stderr, "test_file: needs root, skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
