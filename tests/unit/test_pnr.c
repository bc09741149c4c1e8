/* pnr_normalise: the forms of a Swedish personal number, the century rules
 * of the short forms, dates, coordination numbers and the Luhn digit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mid.h"
#include "pnr.h"

#define YEAR 2025

/* Normalises in for this_year; returns the result code, out in buf. */
static int norm(const char *in, int this_year, char *buf)
{
	memset(buf, 'X', PNR_LEN + 1);
	return pnr_normalise(in, this_year, buf, PNR_LEN + 1);
}

static void assert_norm(const char *in, int this_year, const char *want)
{
	char out[PNR_LEN + 1];

	assert_int_equal(norm(in, this_year, out), 0);
	assert_string_equal(out, want);
}

static void assert_refused(const char *in, int this_year)
{
	char out[PNR_LEN + 1];

	assert_int_equal(norm(in, this_year, out), MID_E_CONFIG);
}

static void test_twelve_digits_are_kept_as_they_are(void **state)
{
	assert_norm("199001011239", YEAR, "199001011239");
	assert_norm("200402291231", YEAR, "200402291231");
}

static void test_hyphenated_long_form_loses_its_hyphen(void **state)
{
	assert_norm("19900101-1239", YEAR, "199001011239");
}

static void
test_ten_digits_get_the_latest_century_not_in_the_future(void **state)
{
	assert_norm("9001011239", YEAR, "199001011239");
	assert_norm("900101-1239", YEAR, "199001011239");
	/* '24 is this century in 2025, but last century in 2023 */
	assert_norm("2401011230", YEAR, "202401011230");
	assert_norm("240101-1230", 2023, "192401011230");
	/* the current year is not the future */
	assert_norm("250615-1238", YEAR, "202506151238");
	assert_norm("2506151238", 2024, "192506151238");
}

static void test_plus_sign_means_one_hundred_years_or_older(void **state)
{
	assert_norm("900101+1239", YEAR, "189001011239");
	assert_norm("240101+1230", YEAR, "192401011230");
	assert_norm("990101+1230", YEAR, "189901011230");
}

static void test_short_form_before_1850_is_refused(void **state)
{
	/* 1849 by the '+' rule */
	assert_refused("490101+1231", 1949);
	assert_refused("184901011231", YEAR);
}

static void test_bad_luhn_digit_is_refused(void **state)
{
	assert_refused("199001011238", YEAR);
	assert_refused("19900101-1230", YEAR);
	assert_refused("9001011238", YEAR);
	assert_refused("900101-1231", YEAR);
}

static void
test_impossible_dates_are_refused_even_with_a_good_luhn_digit(void **state)
{
	assert_refused("199013011235", YEAR); /* month 13 */
	assert_refused("199000011230", YEAR); /* month 0 */
	assert_refused("199001001230", YEAR); /* day 0 */
	assert_refused("199001321232", YEAR); /* day 32 */
	assert_refused("199004311230", YEAR); /* April 31 */
	assert_norm("199004301231", YEAR, "199004301231");
}

static void test_feb_29_only_in_leap_years(void **state)
{
	assert_norm("200402291231", YEAR, "200402291231");
	assert_refused("200102291234", YEAR);
	/* 2000 is a leap year (divisible by 400), 1900 is not */
	assert_norm("0002291235", YEAR, "200002291235");
	assert_refused("000229+1235", YEAR);
	assert_refused("190002291235", YEAR);
	assert_norm("960229-1230", YEAR, "199602291230");
}

static void test_coordination_numbers_add_sixty_to_the_day(void **state)
{
	assert_norm("199001611236", YEAR, "199001611236");
	assert_norm("9001911230", YEAR, "199001911230");
	/* 92 is day 32 */
	assert_refused("199001921239", YEAR);
	/* days 32..60 are neither */
	assert_refused("199001321232", YEAR);
}

static void test_future_birth_years_are_refused(void **state)
{
	assert_refused("209901011230", YEAR);
	assert_norm("209901011230", 2099, "209901011230");
	assert_refused("202601011238", YEAR);
	assert_norm("202601011238", 2026, "202601011238");
}

static void test_junk_and_wrong_lengths_are_refused(void **state)
{
	static const char *const junk[] = {
	    "",
	    "abc",
	    "19900101123X",
	    "1990010112390",
	    "199001011239 ",
	    " 199001011239",
	    "19900101+1239",
	    "900101/1239",
	    "-900101-1239",
	    "90010112390",
	    "900101-123",
	    "9001-011239",
	    "1990-01011239",
	    "199001011239\n",
	    "19900101--1239",
	    "900101-12a9",
	    "１９９００１０１１２３９",
	    "99999999999999999999999999999999999999999999999999",
	};
	char out[PNR_LEN + 1];

	for (size_t i = 0; i < MID_ARRAY_SIZE(junk); i++) {
		int r = norm(junk[i], YEAR, out);
		if (r != MID_E_CONFIG)
			fail_msg("accepted '%s'", junk[i]);
	}
	assert_int_equal(pnr_normalise(NULL, YEAR, out, sizeof(out)),
			 MID_E_CONFIG);
}

static void test_output_buffer_too_small_is_refused_untouched(void **state)
{
	char out[PNR_LEN + 1];

	memset(out, 'X', sizeof(out));
	assert_int_equal(pnr_normalise("199001011239", YEAR, out, PNR_LEN),
			 MID_E_CONFIG);
	assert_memory_equal(out, "XXXXXXXXXXXXX", sizeof(out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_twelve_digits_are_kept_as_they_are),
	    cmocka_unit_test(test_hyphenated_long_form_loses_its_hyphen),
	    cmocka_unit_test(
		test_ten_digits_get_the_latest_century_not_in_the_future),
	    cmocka_unit_test(test_plus_sign_means_one_hundred_years_or_older),
	    cmocka_unit_test(test_short_form_before_1850_is_refused),
	    cmocka_unit_test(test_bad_luhn_digit_is_refused),
	    cmocka_unit_test(
		test_impossible_dates_are_refused_even_with_a_good_luhn_digit),
	    cmocka_unit_test(test_feb_29_only_in_leap_years),
	    cmocka_unit_test(test_coordination_numbers_add_sixty_to_the_day),
	    cmocka_unit_test(test_future_birth_years_are_refused),
	    cmocka_unit_test(test_junk_and_wrong_lengths_are_refused),
	    cmocka_unit_test(test_output_buffer_too_small_is_refused_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
