/* hostlimits: login's LOGIN_TIMEOUT and sshd's LoginGraceTime, as the
 * hosts read them, for `mobileid check`'s warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostlimits.h"

static char dir[] = "/tmp/mid-test-hostlimits-XXXXXX";

static int make_dir(void **state) { return mkdtemp(dir) ? 0 : -1; }

static int remove_dir(void **state)
{
	char cmd[80];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_login_timeout_is_read_from_login_defs(void **state)
{
	unsigned s = 0;

	assert_int_equal(hostlimits_login_timeout(
			     write_file("a.defs", "# LOGIN_TIMEOUT 5\n"
						  "UMASK 022\n"
						  "LOGIN_TIMEOUT\t\t60\n"),
			     &s),
			 0);
	assert_int_equal(s, 60);
	assert_int_equal(
	    hostlimits_login_timeout(write_file("b.defs", "UMASK 022\n"), &s),
	    -1);
	assert_int_equal(hostlimits_login_timeout(
			     write_file("c.defs", "LOGIN_TIMEOUT soon\n"), &s),
			 -1);
	assert_int_equal(hostlimits_login_timeout("/nonexistent", &s), -1);
}

static void test_sshd_time_formats(void **state)
{
	unsigned s;

	assert_int_equal(hostlimits_sshd_time("90", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(hostlimits_sshd_time("2m", &s), 0);
	assert_int_equal(s, 120);
	assert_int_equal(hostlimits_sshd_time("1h30m", &s), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(hostlimits_sshd_time("0", &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(hostlimits_sshd_time("2x", &s), -1);
	assert_int_equal(hostlimits_sshd_time("", &s), -1);
}

static void test_sshd_grace_first_value_wins_and_includes_count(void **state)
{
	char main_cfg[256], inc[300];
	unsigned s = 0;

	snprintf(inc, sizeof(inc), "Include %s/conf.d/*.conf\n", dir);
	write_file("x", "");
	snprintf(main_cfg, sizeof(main_cfg), "%s/conf.d", dir);
	assert_int_equal(mkdir(main_cfg, 0755), 0);
	write_file("conf.d/10-a.conf", "# nothing\n");
	write_file("conf.d/20-b.conf", "LoginGraceTime 45s\n");
	snprintf(main_cfg, sizeof(main_cfg), "%s",
		 write_file("sshd_config", ""));
	write_file("sshd_config", inc);
	{
		FILE *f = fopen(main_cfg, "a");

		fputs("LoginGraceTime 2m\n", f);
		fclose(f);
	}
	assert_int_equal(hostlimits_sshd_grace(main_cfg, &s), 0);
	assert_int_equal(s, 45);
	/* no value anywhere: sshd's default */
	assert_int_equal(hostlimits_sshd_grace(write_file("empty", "#\n"), &s),
			 0);
	assert_int_equal(s, HOSTLIMITS_SSHD_DEFAULT);
	/* a value after Match applies to some connections only */
	assert_int_equal(
	    hostlimits_sshd_grace(
		write_file("m", "Match User x\nLoginGraceTime 10\n"), &s),
	    0);
	assert_int_equal(s, HOSTLIMITS_SSHD_DEFAULT);
	assert_int_equal(hostlimits_sshd_grace("/nonexistent", &s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_login_timeout_is_read_from_login_defs),
	    cmocka_unit_test(test_sshd_time_formats),
	    cmocka_unit_test(
		test_sshd_grace_first_value_wins_and_includes_count),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
