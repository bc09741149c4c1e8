/* context: the services su and sudo, the caller of su, and the command
 * sudo runs as the app shows it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "context.h"

static const char *command(const char *cmdline, size_t len)
{
	static char out[512];

	context_command_from(cmdline, len, CONTEXT_MAX_COMMAND, out,
			     sizeof(out));
	return out;
}

static void test_su_and_sudo_services_are_told_apart(void **unused)
{
	assert_true(context_is_su("su"));
	assert_true(context_is_su("su-l"));
	assert_false(context_is_su("sudo"));
	assert_false(context_is_su("sshd"));
	assert_false(context_is_su(NULL));
	assert_true(context_is_sudo("sudo"));
	assert_true(context_is_sudo("sudo-i"));
	assert_true(context_is_sudo("sudo-mobileid"));
	assert_false(context_is_sudo("sudoers"));
	assert_false(context_is_sudo("su"));
}

static void test_caller_is_the_real_uid(void **unused)
{
	char name[64];

	/* the tests run as root */
	assert_int_equal(context_caller(name, sizeof(name)), 0);
	assert_string_equal(name, getuid() == 0 ? "root" : name);
	assert_int_equal(context_caller(name, 2), -1);
}

static void test_command_is_the_words_after_argv0(void **unused)
{
	static const char cl[] = "sudo\0-u\0bob\0make\0install\0";

	assert_string_equal(command(cl, sizeof(cl) - 1), "-u bob make install");
	assert_string_equal(command("sudo\0", 5), "");
	assert_string_equal(command("", 0), "");
}

static void test_sudoedit_is_told_as_sudo_e(void **unused)
{
	static const char cl[] = "/usr/bin/sudoedit\0/etc/shadow\0";
	static const char plain[] = "sudoedit\0-u\0bob\0f\0";
	static const char other[] = "/usr/bin/notsudoedit\0f\0";

	/* the person must not sign "sudo /etc/shadow" for an edit */
	assert_string_equal(command(cl, sizeof(cl) - 1), "-e /etc/shadow");
	assert_string_equal(command(plain, sizeof(plain) - 1), "-e -u bob f");
	assert_string_equal(command(other, sizeof(other) - 1), "f");
	assert_string_equal(command("sudoedit\0", 9), "-e");
}

static void test_command_control_characters_are_replaced(void **unused)
{
	static const char cl[] = "sudo\0echo\0\x1b[2J\x07\0\xc2\x9b"
				 "31m\0";

	assert_string_equal(command(cl, sizeof(cl) - 1), "echo '?[2J?' ?31m");
}

/* what the person approves (and signs) is one reading only */
static void test_words_are_quoted_as_a_shell_reads_them(void **unused)
{
	static const char one[] = "sudo\0sh\0-c\0a b\0";
	static const char two[] = "sudo\0sh\0-c\0a\0b\0";
	static const char q[] = "sudo\0echo\0it's\0\0$HOME;x\0";

	assert_string_equal(command(one, sizeof(one) - 1), "sh -c 'a b'");
	assert_string_equal(command(two, sizeof(two) - 1), "sh -c a b");
	assert_string_equal(command(q, sizeof(q) - 1),
			    "echo 'it'\\''s' '' '$HOME;x'");
}

static void test_long_command_is_cut_on_a_character(void **unused)
{
	char cl[600];
	const char *out;
	size_t o = 0;

	memcpy(cl, "sudo", 5);
	o = 5;
	/* 'a' then 2-byte characters, so byte 200 falls inside one */
	cl[o++] = 'a';
	while (o < sizeof(cl) - 2) {
		cl[o++] = '\xc3';
		cl[o++] = '\xa5';
	}
	out = command(cl, o);
	assert_int_equal(strlen(out), 1 + 198 + 3);
	assert_memory_equal(out + strlen(out) - 3, "\xe2\x80\xa6", 3);
}

static bool nonint(const char *cl, size_t len)
{
	return context_sudo_noninteractive_from(cl, len);
}

#define NONINT(lit) nonint(lit, sizeof(lit) - 1)

static void test_sudo_n_is_found_among_the_options_only(void **unused)
{
	assert_true(NONINT("sudo\0-n\0true\0"));
	assert_true(NONINT("sudo\0--non-interactive\0true\0"));
	assert_true(NONINT("sudo\0-Hn\0true\0"));
	assert_true(NONINT("sudo\0-u\0bob\0-n\0true\0"));
	assert_true(NONINT("sudo\0--user\0bob\0-n\0true\0"));
	assert_false(NONINT("sudo\0true\0-n\0"));
	assert_false(NONINT("sudo\0--\0-n\0"));
	/* "n" as the value of -u, and inside -p's value */
	assert_false(NONINT("sudo\0-u\0n\0true\0"));
	assert_false(NONINT("sudo\0-un\0true\0"));
	assert_false(NONINT("sudo\0-p\0-n\0true\0"));
	assert_false(NONINT("sudo\0"));
	assert_false(nonint("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_su_and_sudo_services_are_told_apart),
	    cmocka_unit_test(test_caller_is_the_real_uid),
	    cmocka_unit_test(test_command_is_the_words_after_argv0),
	    cmocka_unit_test(test_sudoedit_is_told_as_sudo_e),
	    cmocka_unit_test(test_command_control_characters_are_replaced),
	    cmocka_unit_test(test_words_are_quoted_as_a_shell_reads_them),
	    cmocka_unit_test(test_long_command_is_cut_on_a_character),
	    cmocka_unit_test(test_sudo_n_is_found_among_the_options_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
