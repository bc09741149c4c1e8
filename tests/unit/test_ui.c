/* What the person reads: ui_wrap for status lines, apptext_fill for
 * the text in the app, uipolicy_pick for how it is shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "approval.h"
#include "apptext.h"
#include "config.h"
#include "mid.h"
#include "testlib.h"
#include "ui.h"
#include "uipolicy.h"

static void assert_wrap(const char *text, unsigned width, const char *want,
			unsigned lines)
{
	char out[256];

	memset(out, 'X', sizeof(out));
	assert_int_equal(ui_wrap(text, width, out, sizeof(out)), lines);
	assert_string_equal(out, want);
}

static void test_wrap_breaks_between_words_at_the_width(void **state)
{
	assert_wrap("one two three", 7, "one two\nthree", 2);
	assert_wrap("one two three", 6, "one\ntwo\nthree", 3);
	assert_wrap("one two three", 80, "one two three", 1);
	/* a line may be exactly width long */
	assert_wrap("aaaa bbbb", 9, "aaaa bbbb", 1);
	assert_wrap("aaaa bbbb", 8, "aaaa\nbbbb", 2);
}

static void test_wrap_counts_utf8_characters_not_bytes(void **state)
{
	/* 7 columns, 13 bytes */
	assert_wrap("åäö åäö", 7, "åäö åäö", 1);
	assert_wrap("åäö åäö", 6, "åäö\nåäö", 2);
	assert_wrap("Starta BankID-appen – skanna QR-koden", 20,
		    "Starta BankID-appen\n– skanna QR-koden", 2);
}

static void test_wrap_keeps_explicit_newlines(void **state)
{
	assert_wrap("a\nb c", 80, "a\nb c", 2);
	assert_wrap("Start the app.\nTime left: 80 s", 72,
		    "Start the app.\nTime left: 80 s", 2);
	assert_wrap("a\n\nb", 80, "a\n\nb", 3);
	/* a wrap right before an explicit newline adds no empty line */
	assert_wrap("aaa bbb\nc", 3, "aaa\nbbb\nc", 3);
}

static void test_wrap_leaves_long_words_whole_and_collapses_spaces(void **state)
{
	assert_wrap("x verylongword y", 4, "x\nverylongword\ny", 3);
	assert_wrap("a    b", 80, "a b", 1);
	assert_wrap("", 80, "", 1);
}

static void test_wrap_into_too_small_a_buffer_returns_zero(void **state)
{
	char out[16];

	assert_int_equal(ui_wrap("abc", 80, out, 4), 1);
	assert_string_equal(out, "abc");
	assert_int_equal(ui_wrap("abcd", 80, out, 4), 0);
	assert_int_equal(ui_wrap("ab cd", 80, out, 5), 0);
	assert_int_equal(ui_wrap("ab cd", 2, out, 5), 0);
	assert_int_equal(ui_wrap("ab\ncd", 80, out, 5), 0);
	assert_int_equal(ui_wrap("abc", 80, out, 0), 0);
	/* nothing is written past n */
	memset(out, 'X', sizeof(out));
	assert_int_equal(ui_wrap("one two three four", 80, out, 10), 0);
	assert_memory_equal(out + 10, "XXXXXX", 6);
	/* and what was written is an empty string, not a fragment */
	assert_string_equal(out, "");
}

static struct approval_env env_for(const char *user, const char *service,
				   const char *rhost)
{
	struct approval_env env;

	memset(&env, 0, sizeof(env));
	env.user = user;
	env.service = service;
	env.rhost = rhost;
	return env;
}

static void assert_filled(const char *tmpl, const struct approval_env *env,
			  const char *want)
{
	char out[256];

	memset(out, 'X', sizeof(out));
	apptext_fill(tmpl, env, "srv1", out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_fill_text_replaces_every_placeholder(void **state)
{
	struct approval_env env = env_for("alice", "sshd", "192.0.2.7");

	assert_filled("Log in to %h as %u (%s from %r)", &env,
		      "Log in to srv1 as alice (sshd from 192.0.2.7)");
	assert_filled("%u%u", &env, "alicealice");
	assert_filled("100%% sure", &env, "100% sure");
	assert_filled("", &env, "");
	assert_filled(NULL, &env, "");
}

static void test_fill_text_says_local_without_a_remote_host(void **state)
{
	struct approval_env env = env_for("bob", "sudo", NULL);

	assert_filled("from %r", &env, "from local");
	env.rhost = "";
	assert_filled("from %r", &env, "from local");
}

static void test_fill_text_keeps_unknown_placeholders(void **state)
{
	struct approval_env env = env_for("alice", "login", NULL);

	assert_filled("%x and %", &env, "%x and %");
	assert_filled("50%", &env, "50%");
	assert_filled("%%u", &env, "%u");
}

static void test_fill_text_removes_control_characters(void **state)
{
	struct approval_env env =
	    env_for("ev\033[2Jil", "sshd", "host\r\nFAKE: approved");
	char out[256];

	apptext_fill("%u from %r\x07", &env, "srv1", out, sizeof(out));
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\r'));
	assert_null(strchr(out, '\n'));
	assert_null(strchr(out, '\a'));
	assert_string_equal(out, "ev?[2Jil from host??FAKE: approved?");
	/* and a placeholder in a value is not expanded again */
	env = env_for("%h", "sshd", NULL);
	assert_filled("%u", &env, "%h");
}

static void test_fill_text_truncates_to_the_buffer(void **state)
{
	struct approval_env env = env_for("alice", "sshd", NULL);
	char out[8];

	memset(out, 'X', sizeof(out));
	apptext_fill("as %u on %h", &env, "srv1", out, sizeof(out));
	assert_string_equal(out, "as alic");
	apptext_fill("%u", &env, "srv1", out, 1);
	assert_string_equal(out, "");
	memcpy(out, "keep", 5);
	apptext_fill("%u", &env, "srv1", out, 0);
	assert_string_equal(out, "keep");
}

/* A cut inside a multi-byte character drops the whole character: "åä"
 * cut to 3 bytes is "å", not "å?". */
static void test_fill_text_truncates_at_a_character_boundary(void **state)
{
	struct approval_env env = env_for("åäö", "sshd", NULL);
	char out[4];

	apptext_fill("%u", &env, "srv1", out, sizeof(out));
	assert_string_equal(out, "å");
}

static struct mid_config config(enum cfg_qr qr, enum cfg_charset cs)
{
	struct mid_config cfg;

	assert_int_equal(cfg_defaults(&cfg), 0);
	cfg.qr = qr;
	cfg.charset = cs;
	return cfg;
}

static int fake_conv(void *ctx, enum ui_style style, const char *msg,
		     char **answer)
{
	return 0;
}

static void
test_pick_ui_uses_prompt_mode_for_ssh_and_animate_elsewhere(void **state)
{
	struct mid_config cfg = config(CFG_QR_AUTO, CFG_CHARSET_AUTO);
	struct approval_env env = env_for("alice", "sshd", "192.0.2.7");
	struct ui ui;

	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.mode, UI_PROMPT);
	assert_false(ui.redraw);
	env = env_for("alice", "su", NULL);
	env.tty = "ssh";
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.mode, UI_PROMPT);
	env = env_for("alice", "sudo", NULL);
	env.tty = "/dev/pts/0";
	env.local_tty = true;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.mode, UI_ANIMATE);
	assert_true(ui.redraw);
	assert_true(ui.qr.ansi);
	/* no terminal: no escapes */
	env.local_tty = false;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.mode, UI_ANIMATE);
	assert_false(ui.redraw);
	assert_false(ui.qr.ansi);
	cfg_free(&cfg);
}

static void test_pick_ui_follows_an_explicit_qr_setting(void **state)
{
	static const struct {
		enum cfg_qr qr;
		enum ui_mode mode;
	} cases[] = {{CFG_QR_ANIMATE, UI_ANIMATE},
		     {CFG_QR_PROMPT, UI_PROMPT},
		     {CFG_QR_OFF, UI_OFF}};
	struct approval_env env = env_for("alice", "sshd", NULL);
	struct ui ui;

	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		struct mid_config cfg = config(cases[i].qr, CFG_CHARSET_AUTO);

		uipolicy_pick(&cfg, &env, &ui);
		assert_int_equal(ui.mode, cases[i].mode);
		/* escapes never go over ssh, even in animate mode */
		assert_false(ui.redraw);
		cfg_free(&cfg);
	}
}

static void test_pick_ui_charset_from_config_or_locale(void **state)
{
	const char *const utf8_env[] = {"LANG=sv_SE.UTF-8", NULL};
	const char *const c_env[] = {"LANG=C", NULL};
	struct mid_config cfg = config(CFG_QR_ANIMATE, CFG_CHARSET_UTF8);
	struct approval_env env = env_for("alice", "sudo", NULL);
	struct ui ui;

	unsetenv("LC_ALL");
	unsetenv("LC_CTYPE");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.qr.charset, QR_CHARSET_UTF8);
	cfg.charset = CFG_CHARSET_ASCII;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.qr.charset, QR_CHARSET_ASCII);
	cfg.charset = CFG_CHARSET_AUTO;
	env.pam_env = utf8_env;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.qr.charset, QR_CHARSET_UTF8);
	env.pam_env = c_env;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.qr.charset, QR_CHARSET_ASCII);
	/* over ssh the client's locale is unknown: ascii ... */
	env = env_for("alice", "sshd", NULL);
	env.pam_env = utf8_env;
	cfg.qr = CFG_QR_AUTO;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.qr.charset, QR_CHARSET_ASCII);
	assert_true(ui.can_switch); /* the person may take half blocks */
	/* ... but never '#' as the dark modules on a light terminal */
	cfg.theme = CFG_THEME_LIGHT;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.qr.charset, QR_CHARSET_UTF8);
	assert_int_equal(ui.qr.ink, QR_INK_DARK);
	assert_false(ui.can_switch);
	/* animate over ssh (sshd 10.3): the locale is the server's, and
	 * there is no prompt to switch at */
	cfg.theme = CFG_THEME_DARK;
	cfg.qr = CFG_QR_ANIMATE;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.mode, UI_ANIMATE);
	assert_int_equal(ui.qr.charset, QR_CHARSET_ASCII);
	assert_false(ui.can_switch);
	/* the admin's choice is final */
	cfg.qr = CFG_QR_AUTO;
	cfg.charset = CFG_CHARSET_ASCII;
	uipolicy_pick(&cfg, &env, &ui);
	assert_false(ui.can_switch);
	cfg_free(&cfg);
}

static void test_pick_ui_theme_language_and_conversation(void **state)
{
	const char *const sv_env[] = {"LANG=sv_SE.UTF-8", NULL};
	struct mid_config cfg = config(CFG_QR_ANIMATE, CFG_CHARSET_AUTO);
	struct approval_env env = env_for("alice", "sudo", NULL);
	struct ui ui;
	int ctx;

	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	env.conv = fake_conv;
	env.conv_ctx = &ctx;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.qr.ink, QR_INK_LIGHT); /* dark background */
	assert_int_equal(ui.lang, LANG_EN);
	assert_ptr_equal(ui.conv, fake_conv);
	assert_ptr_equal(ui.conv_ctx, &ctx);
	cfg.theme = CFG_THEME_LIGHT;
	env.pam_env = sv_env;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.qr.ink, QR_INK_DARK);
	assert_int_equal(ui.lang, LANG_SV);
	cfg.lang = CFG_LANG_EN;
	uipolicy_pick(&cfg, &env, &ui);
	assert_int_equal(ui.lang, LANG_EN);
	cfg_free(&cfg);
}

/* The conversation of the frame tests: keeps the last message. */
static int keep_conv(void *ctx, enum ui_style style, const char *msg,
		     char **answer)
{
	char **last = ctx;

	free(*last);
	*last = strdup(msg);
	*answer = style == UI_ASK ? strdup("") : NULL;
	return 0;
}

static const char payload[] =
    "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.12."
    "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8";

static struct ui frame_ui(enum ui_mode mode, enum qr_charset cs, char **last)
{
	return test_ui_of(mode, cs, keep_conv, last);
}

static void test_status_beside_the_qr_fits_80_by_24(void **state)
{
	char *last = NULL;
	struct ui ui = frame_ui(UI_ANIMATE, QR_CHARSET_UTF8, &last);
	unsigned widest, lines;

	assert_int_equal(
	    ui_frame(&ui, payload, "Start your BankID app.\nTime left: 57 s"),
	    0);
	lines = test_text_shape(last, &widest);
	/* 41 + 2 * 2 module rows, two a line: the status adds no line, so
	 * with the cursor on the next line the frame fills 24 lines */
	assert_int_equal(lines, 23);
	assert_true(widest <= UI_SCREEN_COLS);
	assert_int_equal(ui.prev_lines, 23);
	/* beside the second line, after the QR's own line */
	assert_non_null(strstr(last, "   Start your BankID app.\n"));
	assert_null(strstr(last, "\nStart your BankID app."));
	free(last);
}

static void test_long_status_wraps_beside_the_qr(void **state)
{
	char *last = NULL;
	struct ui ui = frame_ui(UI_ANIMATE, QR_CHARSET_UTF8, &last);
	unsigned widest;

	assert_int_equal(
	    ui_frame(&ui, payload,
		     "Searching for BankID. Make sure you have a valid BankID "
		     "on this computer. If you have a BankID on card, please "
		     "insert the card into your card reader.\nTime left: 5 s"),
	    0);
	assert_int_equal(test_text_shape(last, &widest), 23);
	assert_true(widest <= UI_SCREEN_COLS);
	free(last);
}

static void
test_prompt_puts_title_first_and_footer_beside_the_last_row(void **state)
{
	char *last = NULL;
	struct ui ui = frame_ui(UI_PROMPT, QR_CHARSET_UTF8, &last);
	unsigned widest;
	const char *end;

	assert_int_equal(ui_prompt(&ui, payload, "Start your BankID app."), 0);
	/* a text line first: ssh puts "(user@host) " before it */
	assert_memory_equal(last, "Log in with BankID\n", 19);
	assert_int_equal(test_text_shape(last, &widest), 1 + 23);
	assert_true(widest <= UI_SCREEN_COLS);
	end = strrchr(last, '\n');
	assert_non_null(strstr(end, "   Approve, then press Enter. "));
	free(last);
}

static void test_ascii_qr_has_the_status_beside_it_too(void **state)
{
	char *last = NULL;
	struct ui ui = frame_ui(UI_ANIMATE, QR_CHARSET_ASCII, &last);
	unsigned widest, lines;

	assert_int_equal(ui_frame(&ui, payload, "Start your BankID app."), 0);
	lines = test_text_shape(last, &widest);
	assert_true(lines == 41 + 4 || lines == 37 + 4);
	assert_true(widest <= UI_SCREEN_COLS);
	assert_null(strchr(last, '\033'));
	free(last);
}

static void test_redraw_goes_back_and_erases_line_by_line(void **state)
{
	char *last = NULL;
	struct ui ui = frame_ui(UI_ANIMATE, QR_CHARSET_UTF8, &last);
	unsigned lines = 0;

	ui.redraw = true;
	ui.qr.ansi = true;
	assert_int_equal(ui_frame(&ui, payload, "Start your BankID app."), 0);
	assert_null(strstr(last, "\033[K")); /* nothing to draw over yet */
	assert_int_equal(ui.prev_lines, 23);
	assert_int_equal(ui_frame(&ui, NULL, "Enter your security code."), 0);
	/* up over the 23 lines, then the new frame, each line erased to its
	 * end, and what the longer frame left below erased at the end; never
	 * an erase from the top-left corner (tmux keeps such screens) */
	assert_string_equal(last, "\033[23A\rEnter your security code.\033[J");
	assert_int_equal(ui.prev_lines, 1);
	assert_int_equal(ui_frame(&ui, payload, "Start your BankID app."), 0);
	assert_memory_equal(last, "\033[1A\r", 5);
	for (const char *p = last; (p = strchr(p, '\n')); p++, lines++)
		assert_memory_equal(p - 3, "\033[K", 3);
	assert_int_equal(lines, 22);
	assert_string_equal(last + strlen(last) - 3, "\033[J");
	ui_final(&ui, "Approved.", false);
	assert_string_equal(last, "\033[23A\rApproved.\033[J");
	free(last);
}

static void test_status_alone_without_a_qr(void **state)
{
	char *last = NULL;
	struct ui ui = frame_ui(UI_ANIMATE, QR_CHARSET_UTF8, &last);

	assert_int_equal(ui_frame(&ui, NULL, "Enter your security code."), 0);
	assert_string_equal(last, "Enter your security code.");
	assert_int_equal(ui.prev_lines, 1);
	free(last);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wrap_breaks_between_words_at_the_width),
	    cmocka_unit_test(test_wrap_counts_utf8_characters_not_bytes),
	    cmocka_unit_test(test_wrap_keeps_explicit_newlines),
	    cmocka_unit_test(
		test_wrap_leaves_long_words_whole_and_collapses_spaces),
	    cmocka_unit_test(test_wrap_into_too_small_a_buffer_returns_zero),
	    cmocka_unit_test(test_fill_text_replaces_every_placeholder),
	    cmocka_unit_test(test_fill_text_says_local_without_a_remote_host),
	    cmocka_unit_test(test_fill_text_keeps_unknown_placeholders),
	    cmocka_unit_test(test_fill_text_removes_control_characters),
	    cmocka_unit_test(test_fill_text_truncates_to_the_buffer),
	    cmocka_unit_test(test_fill_text_truncates_at_a_character_boundary),
	    cmocka_unit_test(
		test_pick_ui_uses_prompt_mode_for_ssh_and_animate_elsewhere),
	    cmocka_unit_test(test_pick_ui_follows_an_explicit_qr_setting),
	    cmocka_unit_test(test_pick_ui_charset_from_config_or_locale),
	    cmocka_unit_test(test_pick_ui_theme_language_and_conversation),
	    cmocka_unit_test(test_status_beside_the_qr_fits_80_by_24),
	    cmocka_unit_test(test_long_status_wraps_beside_the_qr),
	    cmocka_unit_test(
		test_prompt_puts_title_first_and_footer_beside_the_last_row),
	    cmocka_unit_test(test_ascii_qr_has_the_status_beside_it_too),
	    cmocka_unit_test(test_status_alone_without_a_qr),
	    cmocka_unit_test(test_redraw_goes_back_and_erases_line_by_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
