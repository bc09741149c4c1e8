/* usermap_parse / usermap_check_id: finding a user's identity, and refusing
 * a map with any bad line whoever logs in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "mid.h"
#include "testlib.h"
#include "usermap.h"

#define YEAR 2025

static struct mid_log quiet = {0};
static struct mid_log loud = {.sink = mid_log_sink_tool};

static const char good_map[] =
    "# who approves for whom\n"
    "\n"
    "alice   bankid:199001011239\n"
    "  bob\tpassbyme:bob@example.com   # a trailing comment\n"
    "carol   toopher:5a3b1c3e-9b1f-4d8e-8d1a-6f1f4c0f3b2a\r\n"
    "   \t\n"
    "dave    bankid:900101-1239\n";

static int lookup(const char *text, const char *user, struct usermap_entry *e)
{
	return usermap_parse(text, strlen(text), "/etc/test.usermap", user,
			     YEAR, e, &quiet);
}

static void test_mapped_bankid_user_is_found(void **state)
{
	struct usermap_entry e;

	assert_int_equal(lookup(good_map, "alice", &e), 0);
	assert_string_equal(e.ident[0].provider, "bankid");
	assert_string_equal(e.ident[0].id, "199001011239");
}

static void test_other_providers_and_trailing_comments_are_found(void **state)
{
	struct usermap_entry e;

	assert_int_equal(lookup(good_map, "bob", &e), 0);
	assert_string_equal(e.ident[0].provider, "passbyme");
	assert_string_equal(e.ident[0].id, "bob@example.com");
	assert_int_equal(lookup(good_map, "carol", &e), 0);
	assert_string_equal(e.ident[0].provider, "toopher");
	assert_string_equal(e.ident[0].id,
			    "5a3b1c3e-9b1f-4d8e-8d1a-6f1f4c0f3b2a");
}

static void
test_short_personal_number_is_normalised_to_twelve_digits(void **state)
{
	struct usermap_entry e;

	assert_int_equal(lookup(good_map, "dave", &e), 0);
	assert_string_equal(e.ident[0].provider, "bankid");
	assert_string_equal(e.ident[0].id, "199001011239");
}

static void test_unmapped_user_is_unmapped_with_an_empty_entry(void **state)
{
	struct usermap_entry e;

	memset(&e, 'x', sizeof(e));
	assert_int_equal(lookup(good_map, "mallory", &e), MID_E_UNMAPPED);
	assert_string_equal(e.ident[0].provider, "");
	assert_string_equal(e.ident[0].id, "");
	/* a prefix of a mapped name is not that name */
	assert_int_equal(lookup(good_map, "ali", &e), MID_E_UNMAPPED);
	assert_int_equal(lookup(good_map, "", &e), MID_E_UNMAPPED);
	assert_int_equal(lookup("", "alice", &e), MID_E_UNMAPPED);
	assert_int_equal(lookup("# only a comment\n\n", "alice", &e),
			 MID_E_UNMAPPED);
}

static void test_a_line_may_list_several_identities_in_order(void **state)
{
	struct usermap_entry e;

	assert_int_equal(lookup("alice bankid:199001011239 passbyme:a@b.se\n"
				"bob toopher:5a3b1c3e\n",
				"alice", &e),
			 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.ident[0].provider, "bankid");
	assert_string_equal(e.ident[1].provider, "passbyme");
	assert_string_equal(e.ident[1].id, "a@b.se");
	assert_int_equal(lookup("alice bankid:199001011239\n", "alice", &e), 0);
	assert_int_equal(e.n, 1);
}

static void test_a_chain_is_checked_whole_and_bounded(void **state)
{
	struct usermap_entry e;

	/* a bad second identity spoils the line, whoever logs in */
	assert_int_equal(lookup("eve bankid:199001011239 bankid:1\n"
				"alice bankid:199001011239\n",
				"alice", &e),
			 MID_E_CONFIG);
	assert_int_equal(lookup("alice bankid:199001011239 passbyme:a@b.se "
				"passbyme:c@d.se passbyme:e@f.se "
				"passbyme:g@h.se\n",
				"alice", &e),
			 MID_E_CONFIG);
	assert_int_equal(e.n, 0);
}

static void test_commented_out_line_does_not_map(void **state)
{
	struct usermap_entry e;

	assert_int_equal(lookup("#alice bankid:199001011239\n", "alice", &e),
			 MID_E_UNMAPPED);
}

static void test_bad_line_anywhere_fails_even_for_another_user(void **state)
{
	static const char *const bad_lines[] = {
	    "eve bankid:199001011238\n",       /* bad Luhn */
	    "eve bankid:19900101123\n",	       /* too short */
	    "eve\n",			       /* no identity */
	    "eve bankid:199001011239 extra\n", /* not provider:id */
	    "eve 199001011239\n",	       /* no provider */
	    "eve :199001011239\n",	       /* empty provider */
	    "eve bankid:\n",		       /* empty identity */
	    "eve passbyme:no-at-sign\n",
	    "eve toopher:not_a_token!\n",
	    "eve freja:199001011239\n", /* a provider not built */
	};
	struct usermap_entry e;
	char text[512];

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad_lines); i++) {
		/* the bad line after alice's, and before */
		snprintf(text, sizeof(text), "%s%s", good_map, bad_lines[i]);
		if (lookup(text, "alice", &e) != MID_E_CONFIG)
			fail_msg("accepted after: %s", bad_lines[i]);
		snprintf(text, sizeof(text), "%s%s", bad_lines[i], good_map);
		if (lookup(text, "alice", &e) != MID_E_CONFIG)
			fail_msg("accepted before: %s", bad_lines[i]);
		/* and nothing is handed back */
		assert_string_equal(e.ident[0].provider, "");
		assert_string_equal(e.ident[0].id, "");
	}
}

static void lookup_bad_third_line(void *arg)
{
	struct usermap_entry e;

	static const char text[] = "alice bankid:199001011239\n"
				   "# comment\n"
				   "eve bankid:199602291231\n";

	assert_int_equal(usermap_parse(text, sizeof(text) - 1,
				       "/etc/test.usermap", "alice", YEAR, &e,
				       &loud),
			 MID_E_CONFIG);
}

static void
test_bad_line_is_logged_with_its_number_but_not_the_identity(void **state)
{
	const char *log = captured(lookup_bad_third_line, NULL);

	assert_non_null(strstr(log, "/etc/test.usermap:3:"));
	assert_non_null(strstr(log, "eve"));
	assert_null(strstr(log, "199602291231"));
}

static void test_unknown_provider_is_an_error(void **state)
{
	struct usermap_entry e;

	assert_int_equal(lookup("alice freja:199001011239\n", "alice", &e),
			 MID_E_CONFIG);
	assert_int_equal(lookup("alice BankID:199001011239\n", "alice", &e),
			 MID_E_CONFIG);
	assert_int_equal(
	    lookup("alice averyveryverylongprovider:x\n", "alice", &e),
	    MID_E_CONFIG);
}

static void test_user_mapped_twice_is_an_error(void **state)
{
	struct usermap_entry e;

	assert_int_equal(lookup("alice bankid:199001011239\n"
				"alice passbyme:a@example.com\n",
				"alice", &e),
			 MID_E_CONFIG);
	assert_string_equal(e.ident[0].id, "");
	/* the same identity twice is still a duplicate */
	assert_int_equal(lookup("alice bankid:199001011239\n"
				"alice bankid:9001011239\n",
				"alice", &e),
			 MID_E_CONFIG);
}

/* A user mapped twice makes the map bad for everyone (and for `mobileid
 * check`, which looks up ""), like every other bad line. */
static void test_user_mapped_twice_is_an_error_whoever_logs_in(void **state)
{
	struct usermap_entry e;
	static const char map[] = "alice bankid:199001011239\n"
				  "bob passbyme:bob@example.com\n"
				  "alice bankid:199602291230\n";

	assert_int_equal(lookup(map, "bob", &e), MID_E_CONFIG);
	assert_int_equal(lookup(map, "", &e), MID_E_CONFIG);
}

static void test_line_too_long_is_an_error(void **state)
{
	struct usermap_entry e;
	char text[1100 + 64];

	memset(text, ' ', 1100);
	snprintf(text + 1100, sizeof(text) - 1100,
		 "alice bankid:199001011239\n");
	assert_int_equal(lookup(text, "alice", &e), MID_E_CONFIG);
}

static void test_user_name_too_long_is_an_error(void **state)
{
	struct usermap_entry e;
	char text[400];

	memset(text, 'u', 300);
	snprintf(text + 300, sizeof(text) - 300,
		 " bankid:199001011239\nalice bankid:199001011239\n");
	assert_int_equal(lookup(text, "alice", &e), MID_E_CONFIG);
}

static void test_check_id_validates_each_provider(void **state)
{
	char out[USERMAP_MAX_ID];

	assert_int_equal(
	    usermap_check_id("bankid", "19900101-1239", YEAR, out, sizeof(out)),
	    0);
	assert_string_equal(out, "199001011239");
	assert_int_equal(
	    usermap_check_id("passbyme", "a@b", YEAR, out, sizeof(out)), 0);
	assert_string_equal(out, "a@b");
	assert_int_equal(
	    usermap_check_id("passbyme", "a b@c", YEAR, out, sizeof(out)),
	    MID_E_CONFIG);
	assert_int_equal(
	    usermap_check_id("toopher", "abc-123", YEAR, out, sizeof(out)), 0);
	assert_int_equal(
	    usermap_check_id("toopher", "abc_123", YEAR, out, sizeof(out)),
	    MID_E_CONFIG);
	assert_int_equal(
	    usermap_check_id("nosuch", "x", YEAR, out, sizeof(out)),
	    MID_E_CONFIG);
	/* an identity that would not fit is refused, not cut */
	assert_int_equal(
	    usermap_check_id("passbyme", "abcdef@example.com", YEAR, out, 8),
	    MID_E_CONFIG);
}

static void parse_nul_on_line_two(struct mid_log *log, void *arg)
{
	/* read as a C string, the map would end at the NUL: mallory's
	 * second mapping (an error) would go unseen, and "a\0b" lines
	 * would match "a" */
	static const char text[] = "alice bankid:199001011239\n"
				   "mallory\0 bankid:198112289874\n"
				   "mallory bankid:199001011239\n";
	struct usermap_entry e;

	assert_int_equal(usermap_parse(text, sizeof(text) - 1,
				       "/etc/test.usermap", "mallory", YEAR, &e,
				       log),
			 MID_E_CONFIG);
	assert_string_equal(e.ident[0].provider, "");
}

static void test_nul_byte_is_an_error_naming_the_line(void **state)
{
	assert_string_equal(logged(parse_nul_on_line_two, NULL),
			    "/etc/test.usermap:2: NUL byte in the line\n");
}

static void test_name_problem_refuses_long_and_control_names(void **state)
{
	char name[300];

	assert_null(usermap_name_problem("alice"));
	assert_null(usermap_name_problem("alice@EXAMPLE.COM"));
	assert_null(usermap_name_problem("åsa"));
	memset(name, 'a', 255);
	name[255] = '\0';
	assert_null(usermap_name_problem(name));
	name[255] = 'z';
	name[256] = '\0';
	assert_string_equal(usermap_name_problem(name),
			    "longer than 255 bytes");
	assert_string_equal(usermap_name_problem(""), "empty");
	assert_string_equal(usermap_name_problem(NULL), "empty");
	assert_non_null(usermap_name_problem("alice\n"));
	assert_non_null(usermap_name_problem("al\tice"));
	assert_non_null(usermap_name_problem("alice\x7f"));
	assert_non_null(usermap_name_problem("alice\xc2\x85")); /* U+0085 */
	assert_null(usermap_name_problem("alice\xc2\xa0"));	/* U+00A0 */
}

static void test_account_is_the_nss_name_or_the_name_as_given(void **state)
{
	char out[USERMAP_MAX_USER];

	assert_int_equal(usermap_account("root", out, sizeof(out), &quiet), 0);
	assert_string_equal(out, "root");
	assert_int_equal(
	    usermap_account("no-such-user-mid", out, sizeof(out), &quiet), 0);
	assert_string_equal(out, "no-such-user-mid");
	assert_int_equal(usermap_account("root", out, 4, &quiet),
			 MID_E_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mapped_bankid_user_is_found),
	    cmocka_unit_test(
		test_other_providers_and_trailing_comments_are_found),
	    cmocka_unit_test(
		test_short_personal_number_is_normalised_to_twelve_digits),
	    cmocka_unit_test(
		test_unmapped_user_is_unmapped_with_an_empty_entry),
	    cmocka_unit_test(test_a_line_may_list_several_identities_in_order),
	    cmocka_unit_test(test_a_chain_is_checked_whole_and_bounded),
	    cmocka_unit_test(test_commented_out_line_does_not_map),
	    cmocka_unit_test(
		test_bad_line_anywhere_fails_even_for_another_user),
	    cmocka_unit_test(
		test_bad_line_is_logged_with_its_number_but_not_the_identity),
	    cmocka_unit_test(test_unknown_provider_is_an_error),
	    cmocka_unit_test(test_user_mapped_twice_is_an_error),
	    cmocka_unit_test(
		test_user_mapped_twice_is_an_error_whoever_logs_in),
	    cmocka_unit_test(test_line_too_long_is_an_error),
	    cmocka_unit_test(test_user_name_too_long_is_an_error),
	    cmocka_unit_test(test_check_id_validates_each_provider),
	    cmocka_unit_test(test_nul_byte_is_an_error_naming_the_line),
	    cmocka_unit_test(test_name_problem_refuses_long_and_control_names),
	    cmocka_unit_test(test_account_is_the_nss_name_or_the_name_as_given),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
