/* util: the checked file reader (ownership, mode, symlinks, size), the
 * sanitiser for text from outside, and the strict number parser. */
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

#include "log.h"
#include "mid.h"
#include "util.h"

static struct mid_log quiet = {0};
static char dir[] = "/tmp/mid-test-util-XXXXXX";

static int make_dir(void **state) { return mkdtemp(dir) ? 0 : -1; }

static int remove_dir(void **state)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to dir/name with mode; returns the path (static buffer). */
static const char *make_file(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static int read_as(const char *path, enum util_file_kind kind, size_t max,
		   char **buf, size_t *len)
{
	*buf = (char *)"not touched";
	return util_read_file(path, kind, max, buf, len, &quiet);
}

static void assert_refused(const char *path, enum util_file_kind kind,
			   size_t max)
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
	assert_int_equal(read_as(p, UTIL_FILE_PUBLIC, 64, &buf, &len), 0);
	assert_string_equal(buf, "hello\n");
	assert_int_equal(len, 6);
	util_freezero(buf, len);
	assert_int_equal(util_read_file_mode(p, UTIL_FILE_PUBLIC, 64, &buf,
					     &len, &mode, &quiet),
			 0);
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
	assert_int_equal(read_as(make_file("s1", "pw", 0600), UTIL_FILE_SECRET,
				 64, &buf, &len),
			 0);
	assert_string_equal(buf, "pw");
	util_freezero(buf, len);
	assert_int_equal(read_as(make_file("s2", "pw", 0640), UTIL_FILE_SECRET,
				 64, &buf, &len),
			 0);
	util_freezero(buf, len);
}

static void test_empty_file_is_an_empty_string(void **state)
{
	char *buf;
	size_t len;

	if (geteuid() != 0)
		skip();
	assert_int_equal(read_as(make_file("empty", "", 0644), UTIL_FILE_PUBLIC,
				 64, &buf, &len),
			 0);
	assert_string_equal(buf, "");
	assert_int_equal(len, 0);
	util_freezero(buf, len);
}

static void test_group_writable_file_is_refused(void **state)
{
	assert_refused(make_file("gw", "x", 0664), UTIL_FILE_PUBLIC, 64);
	assert_refused(make_file("gw2", "x", 0620), UTIL_FILE_SECRET, 64);
}

static void test_other_writable_file_is_refused(void **state)
{
	assert_refused(make_file("ow", "x", 0646), UTIL_FILE_PUBLIC, 64);
	assert_refused(make_file("ow2", "x", 0602), UTIL_FILE_PUBLIC, 64);
}

static void test_secret_readable_by_other_is_refused(void **state)
{
	char *buf;
	size_t len;
	const char *p = make_file("or", "pw", 0644);

	assert_refused(p, UTIL_FILE_SECRET, 64);
	/* the same file is fine where it holds nothing secret */
	if (geteuid() != 0)
		skip();
	assert_int_equal(read_as(p, UTIL_FILE_PUBLIC, 64, &buf, &len), 0);
	util_freezero(buf, len);
}

static void test_file_not_owned_by_root_is_refused(void **state)
{
	const char *p = make_file("nobody", "x", 0644);

	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	assert_int_equal(chown(p, 65534, 65534), 0);
	assert_refused(p, UTIL_FILE_PUBLIC, 64);
	/* root's group is not needed: only the owner counts */
	assert_int_equal(chown(p, 0, 65534), 0);
	{
		char *buf;
		size_t len;

		assert_int_equal(read_as(p, UTIL_FILE_PUBLIC, 64, &buf, &len),
				 0);
		util_freezero(buf, len);
	}
}

static void test_symlink_is_refused_even_to_a_good_file(void **state)
{
	char link[160];
	const char *target = make_file("target", "x", 0644);
	char t[128];

	snprintf(t, sizeof(t), "%s", target);
	snprintf(link, sizeof(link), "%s/link", dir);
	unlink(link);
	assert_int_equal(symlink(t, link), 0);
	assert_refused(link, UTIL_FILE_PUBLIC, 64);
}

static void test_file_larger_than_max_is_refused(void **state)
{
	char *buf;
	size_t len;
	const char *p = make_file("big", "0123456789A", 0644);

	assert_refused(p, UTIL_FILE_PUBLIC, 10);
	if (geteuid() != 0)
		skip();
	assert_int_equal(read_as(p, UTIL_FILE_PUBLIC, 11, &buf, &len), 0);
	assert_int_equal(len, 11);
	util_freezero(buf, len);
}

static void test_directory_missing_and_relative_paths_are_refused(void **state)
{
	assert_refused(dir, UTIL_FILE_PUBLIC, 1 << 20);
	assert_refused("/nonexistent/mid-test", UTIL_FILE_PUBLIC, 64);
	assert_refused("tmp/x", UTIL_FILE_PUBLIC, 64);
	assert_refused("", UTIL_FILE_PUBLIC, 64);
	assert_refused(NULL, UTIL_FILE_PUBLIC, 64);
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
		_exit(util_read_file(fifo, UTIL_FILE_PUBLIC, 64, &buf, &len,
				     &quiet) == MID_E_CONFIG
			  ? 0
			  : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("util_read_file hung on a FIFO (signal %d)",
			 WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Is s valid UTF-8 without C0, DEL or C1 control characters? */
static bool clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80) {
			p++;
		} else if (*p >= 0xc2 && *p <= 0xdf && (p[1] & 0xc0) == 0x80) {
			if (*p == 0xc2 && p[1] < 0xa0)
				return false;
			p += 2;
		} else if (*p >= 0xe0 && *p <= 0xef && (p[1] & 0xc0) == 0x80 &&
			   (p[2] & 0xc0) == 0x80) {
			p += 3;
		} else if (*p >= 0xf0 && *p <= 0xf4 && (p[1] & 0xc0) == 0x80 &&
			   (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
			p += 4;
		} else {
			return false;
		}
	}
	return true;
}

static void assert_sanitized(const char *in, const char *want)
{
	char out[64];

	util_sanitize(out, sizeof(out), in);
	assert_string_equal(out, want);
	assert_true(clean(out));
}

static void test_sanitize_replaces_control_characters(void **state)
{
	assert_sanitized("plain text", "plain text");
	assert_sanitized("a\033[2Jb", "a?[2Jb");
	assert_sanitized("line\nbreak\rtab\t", "line?break?tab?");
	assert_sanitized("\x01\x7f", "??");
	assert_sanitized(NULL, "");
}

static void test_sanitize_replaces_c1_controls(void **state)
{
	/* U+009B is CSI on some terminals, U+0085 NEL */
	assert_sanitized("x\xc2\x9b"
			 "2Jy",
			 "x?2Jy");
	assert_sanitized("\xc2\x85", "?");
	/* U+00A0 is the first character after them */
	assert_sanitized("\xc2\xa0", "\xc2\xa0");
}

static void test_sanitize_replaces_separators_and_bidi_controls(void **state)
{
	/* U+2028, U+202E, U+2066, U+200B, U+FEFF: one '?' each */
	assert_sanitized("a\xe2\x80\xa8"
			 "b\xe2\x80\xae"
			 "c\xe2\x81\xa6"
			 "d\xe2\x80\x8b"
			 "e\xef\xbb\xbf",
			 "a?b?c?d?e?");
}

static void test_sanitize_keeps_valid_utf8(void **state)
{
	assert_sanitized("Logga in på värd – 😀", "Logga in på värd – 😀");
}

static void test_sanitize_replaces_invalid_utf8_bytewise(void **state)
{
	static const char *const bad[] = {
	    "\xff",
	    "\xfe",
	    "\xc3\x28",
	    "\xc0\xaf",
	    "\xe0\x80\xaf",
	    "\xed\xa0\x80",
	    "\xf4\x90\x80\x80",
	    "\xf8\x88\x80\x80\x80",
	    "\x80",
	    "\xe2\x82",
	    "\xf0\x9f\x98",
	};
	char out[64];

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++) {
		char in[32];

		snprintf(in, sizeof(in), "a%sb", bad[i]);
		util_sanitize(out, sizeof(out), in);
		if (!clean(out) || out[0] != 'a' || !strchr(out, '?') ||
		    out[strlen(out) - 1] != 'b')
			fail_msg("case %zu gave '%s'", i, out);
	}
}

static void test_sanitize_truncates_at_a_character_boundary(void **state)
{
	char out[8];

	util_sanitize(out, 4, "abå"); /* å needs two bytes: no room */
	assert_string_equal(out, "ab");
	util_sanitize(out, 5, "abå!");
	assert_string_equal(out, "abå");
	util_sanitize(out, 4, "😀");
	assert_string_equal(out, "");
	util_sanitize(out, 4, "ab\x1b\x1b");
	assert_string_equal(out, "ab?");
	util_sanitize(out, 1, "abc");
	assert_string_equal(out, "");
	memcpy(out, "keep", 5);
	util_sanitize(out, 0, "abc");
	assert_string_equal(out, "keep");
}

static void test_parse_uint_is_strict(void **state)
{
	unsigned v = 7;

	assert_int_equal(util_parse_uint("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(util_parse_uint("007", 0, 100, &v), 0);
	assert_int_equal(v, 7);
	v = 1;
	assert_int_equal(util_parse_uint("101", 0, 100, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint("4", 5, 100, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint("", 0, 100, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint(NULL, 0, 100, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint("-1", 0, 100, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint("+1", 0, 100, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint(" 1", 0, 100, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint("1 ", 0, 100, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint("1e2", 0, 1000, &v), MID_E_CONFIG);
	assert_int_equal(util_parse_uint("4294967297", 0, 4000000000u, &v),
			 MID_E_CONFIG);
	assert_int_equal(v, 1); /* untouched on failure */
}

static void test_is_token_accepts_uuid_characters_only(void **state)
{
	assert_true(util_is_token("5a3b1c3e-9b1f-4d8e-8d1a-6f1f4c0f3b2a", 64));
	assert_false(util_is_token("abc", 2));
	assert_true(util_is_token("ab", 2));
	assert_false(util_is_token("", 64));
	assert_false(util_is_token(NULL, 64));
	assert_false(util_is_token("a b", 64));
	assert_false(util_is_token("a_b", 64));
	assert_false(util_is_token("a/../b", 64));
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
	    cmocka_unit_test(test_symlink_is_refused_even_to_a_good_file),
	    cmocka_unit_test(test_file_larger_than_max_is_refused),
	    cmocka_unit_test(
		test_directory_missing_and_relative_paths_are_refused),
	    cmocka_unit_test(test_fifo_is_refused_without_blocking),
	    cmocka_unit_test(test_sanitize_replaces_control_characters),
	    cmocka_unit_test(test_sanitize_replaces_c1_controls),
	    cmocka_unit_test(
		test_sanitize_replaces_separators_and_bidi_controls),
	    cmocka_unit_test(test_sanitize_keeps_valid_utf8),
	    cmocka_unit_test(test_sanitize_replaces_invalid_utf8_bytewise),
	    cmocka_unit_test(test_sanitize_truncates_at_a_character_boundary),
	    cmocka_unit_test(test_parse_uint_is_strict),
	    cmocka_unit_test(test_is_token_accepts_uuid_characters_only),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
