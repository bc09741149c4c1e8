/* What a prompt (qr = prompt, sshd) shows beside its QR: the time the code
 * was drawn, how to get a fresh one, the offer of the other charset, and
 * what an answer of h or a switches; all within an 80-column terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "i18n.h"
#include "mid.h"
#include "testlib.h"
#include "ui.h"

/* The conversation: keeps the last prompt, answers what the test says. */
struct seen {
	char *last;
	const char *answer;
};

static int answer_conv(void *ctx, enum ui_style style, const char *msg,
		       char **answer)
{
	struct seen *s = ctx;

	free(s->last);
	s->last = strdup(msg);
	*answer = style == UI_ASK ? strdup(s->answer) : NULL;
	return 0;
}

static const char payload[] =
    "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.12."
    "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8";

static struct ui prompt_ui(enum qr_charset cs, enum mid_lang lang,
			   struct seen *s)
{
	struct ui ui = test_ui_of(UI_PROMPT, cs, answer_conv, s);

	ui.lang = lang;
	return ui;
}

/* The last line of msg (where the cursor waits for the answer) and the
 * one above it. */
static const char *last_line(const char *msg) { return strrchr(msg, '\n') + 1; }

static const char *line_above_last(const char *msg)
{
	const char *end = strrchr(msg, '\n');
	const char *p = end;

	while (p > msg && p[-1] != '\n')
		p--;
	return p;
}

static void local_time(time_t t, char *out, size_t n)
{
	struct tm tm;

	assert_non_null(localtime_r(&t, &tm));
	assert_true(strftime(out, n, "%H:%M:%S %Z", &tm) > 0);
}

static void test_prompt_says_the_local_time_the_code_was_drawn(void **state)
{
	struct seen s = {NULL, ""};
	struct ui ui = prompt_ui(QR_CHARSET_UTF8, LANG_EN, &s);
	char before[64], after[64], *at;
	time_t t0 = time(NULL);
	unsigned widest;

	assert_int_equal(ui_prompt(&ui, payload, "Start your BankID app."), 0);
	local_time(t0, before, sizeof(before));
	local_time(time(NULL), after, sizeof(after));
	at = strstr(s.last, "Code from ");
	assert_non_null(at);
	at += strlen("Code from ");
	/* the clock was read between t0 and now */
	assert_true(strncmp(at, before, strlen(before)) == 0 ||
		    strncmp(at, after, strlen(after)) == 0);
	assert_non_null(strstr(s.last, "before you scan."));
	/* still title + 23 QR lines: an 80 x 24 terminal shows it all */
	assert_int_equal(test_text_shape(s.last, &widest), 1 + 23);
	assert_true(widest <= UI_SCREEN_COLS);
	assert_non_null(strstr(last_line(s.last), "   Approve, then press "));
	free(s.last);
}

static void test_prompt_without_a_qr_has_no_code_time(void **state)
{
	struct seen s = {NULL, ""};
	struct ui ui = prompt_ui(QR_CHARSET_UTF8, LANG_EN, &s);

	ui.can_switch = true;
	assert_int_equal(ui_prompt(&ui, NULL, "Enter your security code."), 0);
	assert_null(strstr(s.last, "Code from"));
	assert_null(strstr(s.last, "Type a"));
	assert_string_equal(s.last, "Log in with BankID\nEnter your security "
				    "code.\nApprove, then press Enter. ");
	free(s.last);
}

static void test_swedish_prompt_fits_beside_the_qr(void **state)
{
	static const enum qr_charset sets[] = {QR_CHARSET_UTF8,
					       QR_CHARSET_ASCII};
	struct seen s = {NULL, ""};

	for (size_t i = 0; i < MID_ARRAY_SIZE(sets); i++) {
		struct ui ui = prompt_ui(sets[i], LANG_SV, &s);
		unsigned widest, lines;

		ui.can_switch = true;
		assert_int_equal(
		    ui_prompt(&ui, payload,
			      "Starta BankID-appen.\nTid kvar: 87 s"),
		    0);
		lines = test_text_shape(s.last, &widest);
		assert_true(widest <= UI_SCREEN_COLS);
		/* the text stands beside the QR: no line below it */
		assert_true(lines == 1 + 23 || lines == 1 + 45);
		assert_non_null(strstr(s.last, "Kod från "));
		assert_non_null(strstr(s.last, "av den."));
		assert_non_null(
		    strstr(last_line(s.last), "   Godkänn, tryck "));
	}
	free(s.last);
}

static void test_ascii_prompt_offers_half_blocks_and_h_takes_them(void **state)
{
	struct seen s = {NULL, "h"};
	struct ui ui = prompt_ui(QR_CHARSET_ASCII, LANG_EN, &s);
	unsigned widest;

	ui.can_switch = true;
	assert_int_equal(ui_prompt(&ui, payload, "Start your BankID app."), 0);
	/* beside the last two QR rows: what a 24-line window still shows */
	assert_int_equal(test_text_shape(s.last, &widest), 1 + 45);
	assert_true(widest <= UI_SCREEN_COLS);
	assert_non_null(strstr(line_above_last(s.last),
			       "   Code cut off? Type h, Enter.\n"));
	assert_non_null(strstr(last_line(s.last), "   Approve, then press "));
	assert_int_equal(ui.qr.charset, QR_CHARSET_UTF8);

	/* the next prompt is half as tall and offers ASCII back */
	s.answer = " A \r\n";
	assert_int_equal(ui_prompt(&ui, payload, "Start your BankID app."), 0);
	assert_int_equal(test_text_shape(s.last, &widest), 1 + 23);
	assert_null(strchr(s.last, '#'));
	assert_non_null(strstr(line_above_last(s.last),
			       "   Garbled code? Type a, Enter.\n"));
	assert_int_equal(ui.qr.charset, QR_CHARSET_ASCII);
	free(s.last);
}

static void test_other_answers_and_a_fixed_charset_switch_nothing(void **state)
{
	static const char *const answers[] = {"", "x", "hh", "h a", "yes"};
	struct seen s = {NULL, NULL};
	struct ui ui = prompt_ui(QR_CHARSET_ASCII, LANG_EN, &s);

	ui.can_switch = true;
	for (size_t i = 0; i < MID_ARRAY_SIZE(answers); i++) {
		s.answer = answers[i];
		assert_int_equal(ui_prompt(&ui, payload, "Start."), 0);
		assert_int_equal(ui.qr.charset, QR_CHARSET_ASCII);
	}
	/* the admin chose the charset: no offer, and h changes nothing */
	ui.can_switch = false;
	s.answer = "h";
	assert_int_equal(ui_prompt(&ui, payload, "Start."), 0);
	assert_int_equal(ui.qr.charset, QR_CHARSET_ASCII);
	assert_null(strstr(s.last, "Type h"));
	free(s.last);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_prompt_says_the_local_time_the_code_was_drawn),
	    cmocka_unit_test(test_prompt_without_a_qr_has_no_code_time),
	    cmocka_unit_test(test_swedish_prompt_fits_beside_the_qr),
	    cmocka_unit_test(
		test_ascii_prompt_offers_half_blocks_and_h_takes_them),
	    cmocka_unit_test(
		test_other_answers_and_a_fixed_charset_switch_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
