/* util: the sanitiser for text from outside, and the strict number
 * parser. */
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

static void test_regrow_keeps_what_was_used(void **state)
{
	char *old = strdup("reply so far"), *nb = NULL;

	nb = util_regrow(old, strlen(old) + 1, strlen(old) + 1, 64);
	assert_non_null(nb);
	assert_string_equal(nb, "reply so far");
	free(nb);
	nb = util_regrow(NULL, 0, 0, 16); /* the first block */
	assert_non_null(nb);
	/* more bytes used than the new block holds: none, old kept */
	assert_null(util_regrow(nb, 16, 17, 16));
	free(nb);
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

static void test_env_prefers_the_pam_environment(void **state)
{
	const char *const pam_env[] = {"LANGUAGE=de", "LANG=sv_SE.UTF-8", NULL};

	assert_int_equal(setenv("LANG", "en_US.UTF-8", 1), 0);
	assert_int_equal(setenv("LC_ALL", "C", 1), 0);
	assert_string_equal(util_env(pam_env, "LANG"), "sv_SE.UTF-8");
	/* a name that is only the start of another does not match */
	assert_string_equal(util_env(pam_env, "LC_ALL"), "C");
	assert_string_equal(util_env(NULL, "LANG"), "en_US.UTF-8");
	assert_int_equal(unsetenv("LC_ALL"), 0);
	assert_null(util_env(pam_env, "LC_ALL"));
	assert_null(util_env(pam_env, "LANGU"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_regrow_keeps_what_was_used),
	    cmocka_unit_test(test_sanitize_replaces_control_characters),
	    cmocka_unit_test(test_sanitize_replaces_c1_controls),
	    cmocka_unit_test(
		test_sanitize_replaces_separators_and_bidi_controls),
	    cmocka_unit_test(test_sanitize_keeps_valid_utf8),
	    cmocka_unit_test(test_sanitize_replaces_invalid_utf8_bytewise),
	    cmocka_unit_test(test_sanitize_truncates_at_a_character_boundary),
	    cmocka_unit_test(test_parse_uint_is_strict),
	    cmocka_unit_test(test_env_prefers_the_pam_environment),
	    cmocka_unit_test(test_is_token_accepts_uuid_characters_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
