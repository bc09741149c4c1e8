/* mid_log_quote: a value someone else chose cannot fake a field of a log
 * line; and every line passes through the sink it was given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "mid.h"

static void assert_quoted(const char *in, const char *want)
{
	char out[MID_LOG_QUOTED_MAX];

	mid_log_quote(out, sizeof(out), in);
	assert_string_equal(out, want);
}

static void test_plain_names_and_addresses_stay_as_they_are(void **state)
{
	assert_quoted("alice", "alice");
	assert_quoted("alice@EXAMPLE.COM", "alice@EXAMPLE.COM");
	assert_quoted("192.0.2.1", "192.0.2.1");
	assert_quoted("2001:db8::1", "2001:db8::1");
	assert_quoted("host-1.example.com", "host-1.example.com");
}

static void test_spaces_and_equals_signs_are_quoted(void **state)
{
	assert_quoted("x approved: user=root", "\"x approved: user=root\"");
	assert_quoted("a=b", "\"a=b\"");
	assert_quoted("", "\"\"");
	assert_quoted(NULL, "\"\"");
}

static void test_quotes_and_backslashes_are_escaped(void **state)
{
	assert_quoted("x\" user=\"root", "\"x\\\" user=\\\"root\"");
	assert_quoted("a\\b", "\"a\\\\b\"");
}

static void test_controls_and_invalid_bytes_are_hex(void **state)
{
	assert_quoted("a\nb", "\"a\\x0Ab\"");
	assert_quoted("\x1b[2J", "\"\\x1B[2J\"");
	assert_quoted("\x7f", "\"\\x7F\"");
	assert_quoted("\xff", "\"\\xFF\"");
	/* a sequence cut short: each byte on its own */
	assert_quoted("\xe2\x80", "\"\\xE2\\x80\"");
	/* an overlong '/' */
	assert_quoted("\xc0\xaf", "\"\\xC0\\xAF\"");
}

static void test_separators_bidi_and_format_characters_are_escaped(void **state)
{
	/* U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR */
	assert_quoted("a\xe2\x80\xa8"
		      "b",
		      "\"a\\u{2028}b\"");
	assert_quoted("a\xe2\x80\xa9"
		      "b",
		      "\"a\\u{2029}b\"");
	/* U+202A..U+202E embeddings and overrides */
	assert_quoted("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"
		      "\xe2\x80\xae",
		      "\"\\u{202A}\\u{202B}\\u{202C}\\u{202D}\\u{202E}\"");
	/* U+2066..U+2069 isolates */
	assert_quoted("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
		      "\"\\u{2066}\\u{2067}\\u{2068}\\u{2069}\"");
	/* C1 NEL and CSI, zero width space, BOM, a tag character */
	assert_quoted("\xc2\x85\xc2\x9b", "\"\\u{0085}\\u{009B}\"");
	assert_quoted("\xe2\x80\x8b\xef\xbb\xbf", "\"\\u{200B}\\u{FEFF}\"");
	assert_quoted("\xf3\xa0\x80\xa1", "\"\\u{E0021}\"");
	/* spaces that look like U+0020: no-break, em, ideographic */
	assert_quoted("a\xc2\xa0"
		      "b\xe2\x80\x83"
		      "c\xe3\x80\x80",
		      "\"a\\u{00A0}b\\u{2003}c\\u{3000}\"");
}

static void test_other_characters_stay_readable_in_quotes(void **state)
{
	assert_quoted("åsa", "\"åsa\"");
	assert_quoted("Ölund 😀", "\"Ölund 😀\"");
}

static void test_a_cut_value_ends_in_dots_and_a_quote(void **state)
{
	char out[12];

	mid_log_quote(out, sizeof(out), "abcdefghijklmnop");
	assert_string_equal(out, "\"abcdef...\"");
	/* an escape is never cut in half */
	mid_log_quote(out, sizeof(out), "abc\xe2\x80\xae");
	assert_string_equal(out, "\"abc...\"");
	mid_log_quote(out, 4, "abc");
	assert_string_equal(out, "");
}

static void test_any_255_bytes_fit_whole(void **state)
{
	char in[256], out[MID_LOG_QUOTED_MAX];

	memset(in, 0xff, 255);
	in[255] = '\0';
	mid_log_quote(out, sizeof(out), in);
	assert_int_equal(strlen(out), 2 + 4 * 255);
	assert_null(strstr(out, "..."));
	/* the widest escape per byte: a C1 control, \u{0085} for 2 bytes */
	for (int i = 0; i + 1 < 255; i += 2)
		memcpy(in + i, "\xc2\x85", 2);
	in[254] = '\n';
	mid_log_quote(out, sizeof(out), in);
	assert_null(strstr(out, "..."));
	assert_int_equal(out[strlen(out) - 1], '"');
}

struct sink_capture {
	int prio;
	char line[8192];
	unsigned calls;
};

static void capture_sink(void *ctx, int prio, const char *line)
{
	struct sink_capture *c = ctx;

	c->prio = prio;
	snprintf(c->line, sizeof(c->line), "%s", line);
	c->calls++;
}

static void test_a_line_goes_to_the_sink_with_its_priority(void **state)
{
	struct sink_capture c = {0};
	struct mid_log log = {.sink = capture_sink, .sink_ctx = &c};
	char user[MID_LOG_QUOTED_MAX];

	mid_log_quote(user, sizeof(user), "x rhost=evil approved: user=root");
	mid_log_notice(&log, "denied: user=%s rhost=%s", user, "local");
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.prio, LOG_NOTICE);
	assert_string_equal(c.line, "denied: user=\"x rhost=evil approved: "
				    "user=root\" rhost=local");
	/* debug lines only with debug */
	mid_log_debug(&log, "step");
	assert_int_equal(c.calls, 1);
	log.debug = true;
	mid_log_debug(&log, "step");
	assert_int_equal(c.calls, 2);
	assert_int_equal(c.prio, LOG_DEBUG);
}

static void test_unquoted_parts_lose_hidden_characters(void **state)
{
	struct sink_capture c = {0};
	struct mid_log log = {.sink = capture_sink, .sink_ctx = &c};

	mid_log_err(&log, "%s",
		    "a\nb\xe2\x80\xae"
		    "c\xe2\x80\xa8"
		    "d");
	assert_string_equal(c.line, "a?b?c?d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_names_and_addresses_stay_as_they_are),
	    cmocka_unit_test(test_spaces_and_equals_signs_are_quoted),
	    cmocka_unit_test(test_quotes_and_backslashes_are_escaped),
	    cmocka_unit_test(test_controls_and_invalid_bytes_are_hex),
	    cmocka_unit_test(
		test_separators_bidi_and_format_characters_are_escaped),
	    cmocka_unit_test(test_other_characters_stay_readable_in_quotes),
	    cmocka_unit_test(test_a_cut_value_ends_in_dots_and_a_quote),
	    cmocka_unit_test(test_any_255_bytes_fit_whole),
	    cmocka_unit_test(test_a_line_goes_to_the_sink_with_its_priority),
	    cmocka_unit_test(test_unquoted_parts_lose_hidden_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
