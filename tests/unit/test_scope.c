/* scope: the `groups` value and membership as NSS reports it (root is in
 * group root, daemon in daemon: both are in every Debian base system). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "log.h"
#include "mid.h"
#include "scope.h"

static struct mid_log quiet = {0};

static int includes(const char *spec, const char *user)
{
	struct scope s;

	assert_int_equal(scope_parse(spec, &s, &quiet), 0);
	return scope_includes(&s, user, &quiet);
}

static void test_empty_groups_means_everyone(void **unused)
{
	assert_int_equal(includes("", "root"), 1);
	assert_int_equal(includes("  ", "nosuchuser-mid"), 1);
	assert_int_equal(includes(NULL, "daemon"), 1);
}

static void test_member_of_a_listed_group_is_in(void **unused)
{
	assert_int_equal(includes("root", "root"), 1);
	assert_int_equal(includes("nogroup, root", "root"), 1);
	assert_int_equal(includes("daemon", "daemon"), 1);
}

static void test_member_of_no_listed_group_is_out(void **unused)
{
	assert_int_equal(includes("daemon", "root"), 0);
	assert_int_equal(includes("nosuchgroup-mid", "root"), 0);
}

static void test_member_of_a_negated_group_is_out(void **unused)
{
	assert_int_equal(includes("root,daemon,!root", "root"), 0);
	assert_int_equal(includes("root,daemon,!root", "daemon"), 1);
}

static void test_account_nss_does_not_know_is_out(void **unused)
{
	assert_int_equal(includes("root", "nosuchuser-mid"), 0);
}

static void test_negations_alone_are_a_config_error(void **unused)
{
	struct scope s;

	assert_int_equal(scope_parse("!contractors", &s, &quiet), MID_E_CONFIG);
	assert_int_equal(scope_parse("!a,!b", &s, &quiet), MID_E_CONFIG);
}

static void test_bad_group_names_are_config_errors(void **unused)
{
	struct scope s;

	assert_int_equal(scope_parse("wheel,,staff", &s, &quiet), MID_E_CONFIG);
	assert_int_equal(scope_parse("wheel,!", &s, &quiet), MID_E_CONFIG);
	assert_int_equal(scope_parse("wh\neel", &s, &quiet), MID_E_CONFIG);
	assert_int_equal(
	    scope_parse("a234567890123456789012345678901234567890123456789012"
			"345678901234567890",
			&s, &quiet),
	    MID_E_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_groups_means_everyone),
	    cmocka_unit_test(test_member_of_a_listed_group_is_in),
	    cmocka_unit_test(test_member_of_no_listed_group_is_out),
	    cmocka_unit_test(test_member_of_a_negated_group_is_out),
	    cmocka_unit_test(test_account_nss_does_not_know_is_out),
	    cmocka_unit_test(test_negations_alone_are_a_config_error),
	    cmocka_unit_test(test_bad_group_names_are_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
