/* qr.c: BankID QR payload vectors, input checks, golden renderings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bankid.h"
#include "mid.h"
#include "qr.h"

#define TOKEN "67df3917-fa0d-44e5-b327-edcc928297f8"
#define SECRET "d28db9a7-4cde-429e-a983-359be676944c"
#define PAYLOAD0                                                               \
	"bankid." TOKEN ".0."                                                  \
	"dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"
#define SGR_ON "\033[38;5;16;48;5;231m"
#define SGR_OFF "\033[0m"
#define GOLDEN_MAX 65536
/* a BankID payload is QR version 6 */
#define SYMBOL 41

static void expect_payload(unsigned long t, const char *code)
{
	char out[QR_PAYLOAD_MAX], want[QR_PAYLOAD_MAX];

	snprintf(want, sizeof(want), "bankid.%s.%lu.%s", TOKEN, t, code);
	assert_int_equal(bankid_qr_payload(TOKEN, SECRET, t, out, sizeof(out)),
			 0);
	assert_string_equal(out, want);
}

static void test_payload_matches_official_vectors(void **state)
{
	/* BankID's published test vector (doc/bankid.md, "The QR code") */
	expect_payload(0, "dc69358e712458a66a7525beef148ae8"
			  "526b1c71610eff2c16cdffb4cdac9bf8");
	expect_payload(1, "949d559bf23403952a94d103e6774312"
			  "6381eda00f0b3cbddbf7c96b1adcbce2");
	expect_payload(2, "a9e5ec59cb4eee4ef4117150abc58fad"
			  "7a85439a6a96ccbecc3668b41795b3f3");
}

static void test_payload_matches_extra_vectors(void **state)
{
	expect_payload(3, "96077d77699971790b46ee1f04ff1e44"
			  "fe96b0602c9c51e4ca9c6d031c7c3bb7");
	expect_payload(10, "2822ca616ce1e64a1c171df69154ebc5"
			   "adef4011244c867d6ad88a02db178962");
	expect_payload(30, "814d7fd38e2276625b6815152e3554c6"
			   "63acca689260c092203b48ca4e5c09a3");
}

static void test_payload_rejects_null_inputs(void **state)
{
	char out[QR_PAYLOAD_MAX] = "x";

	assert_int_equal(bankid_qr_payload(NULL, SECRET, 0, out, sizeof(out)),
			 MID_E_INTERNAL);
	assert_string_equal(out, "");
	assert_int_equal(bankid_qr_payload(TOKEN, NULL, 0, out, sizeof(out)),
			 MID_E_INTERNAL);
	assert_int_equal(bankid_qr_payload(TOKEN, SECRET, 0, NULL, 10),
			 MID_E_INTERNAL);
	assert_int_equal(bankid_qr_payload(TOKEN, SECRET, 0, out, 0),
			 MID_E_INTERNAL);
}

static void test_payload_rejects_too_small_buffer(void **state)
{
	char out[QR_PAYLOAD_MAX];
	size_t need = strlen(PAYLOAD0) + 1;

	memset(out, 'x', sizeof(out));
	assert_int_equal(bankid_qr_payload(TOKEN, SECRET, 0, out, need - 1),
			 MID_E_INTERNAL);
	/* nothing half-written is left for a caller that ignores the code */
	assert_string_equal(out, "");
	assert_int_equal(bankid_qr_payload(TOKEN, SECRET, 0, out, need), 0);
	assert_string_equal(out, PAYLOAD0);
}

static void test_payload_rejects_unprintable_or_odd_tokens(void **state)
{
	static const char *const bad[] = {
	    "",	       "67df3917 fa0d", "67df3917\nfa0d", "tab\there",
	    "del\x7f", "utf8-\xc3\xa5", "\x1b[2J",
	};
	char out[QR_PAYLOAD_MAX], longtok[200];

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++) {
		assert_int_equal(
		    bankid_qr_payload(bad[i], SECRET, 0, out, sizeof(out)),
		    MID_E_INTERNAL);
		assert_int_equal(
		    bankid_qr_payload(TOKEN, bad[i], 0, out, sizeof(out)),
		    MID_E_INTERNAL);
	}
	memset(longtok, 'a', sizeof(longtok) - 1);
	longtok[sizeof(longtok) - 1] = '\0';
	assert_int_equal(
	    bankid_qr_payload(longtok, SECRET, 0, out, sizeof(out)),
	    MID_E_INTERNAL);
	assert_int_equal(bankid_qr_payload(TOKEN, longtok, 0, out, sizeof(out)),
			 MID_E_INTERNAL);
}

static void test_payload_largest_time_fits(void **state)
{
	char out[QR_PAYLOAD_MAX];

	assert_int_equal(
	    bankid_qr_payload(TOKEN, SECRET, 4294967295UL, out, sizeof(out)),
	    0);
	assert_non_null(strstr(out, ".4294967295."));
	assert_int_equal(strlen(out), 7 + 36 + 1 + 10 + 1 + 64);
}

/* Reads a golden file into a NUL-terminated heap buffer. */
static char *read_golden(const char *name)
{
	const char *src = getenv("MID_SOURCE_DIR");
	char path[4096];
	char *buf;
	size_t n;
	FILE *f;
	int w;

	if (src != NULL)
		w = snprintf(path, sizeof(path), "%s/tests/unit/golden/%s", src,
			     name);
	else
		w = snprintf(path, sizeof(path), "golden/%s", name);
	assert_true(w > 0 && (size_t)w < sizeof(path));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	buf = malloc(GOLDEN_MAX + 1);
	assert_non_null(buf);
	n = fread(buf, 1, GOLDEN_MAX, f);
	assert_true(feof(f));
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static char *render(enum qr_charset cs, enum qr_ink ink, bool ansi,
		    unsigned quiet, unsigned *nlines)
{
	struct qr_style st = {cs, ink, ansi, quiet};
	char *out = NULL;

	assert_int_equal(qr_render(PAYLOAD0, &st, &out, nlines), 0);
	assert_non_null(out);
	return out;
}

static void expect_golden(const char *name, enum qr_charset cs, enum qr_ink ink,
			  bool ansi)
{
	unsigned n = 0;
	char *got = render(cs, ink, ansi, 2, &n);
	char *want = read_golden(name);

	assert_int_equal(strlen(got), strlen(want));
	assert_memory_equal(got, want, strlen(want));
	free(got);
	free(want);
}

static void test_render_utf8_ink_light_matches_golden(void **state)
{
	expect_golden("utf8_ink_light.txt", QR_CHARSET_UTF8, QR_INK_LIGHT,
		      false);
}

static void test_render_utf8_ink_dark_matches_golden(void **state)
{
	expect_golden("utf8_ink_dark.txt", QR_CHARSET_UTF8, QR_INK_DARK, false);
}

static void test_render_ascii_ink_light_matches_golden(void **state)
{
	expect_golden("ascii_ink_light.txt", QR_CHARSET_ASCII, QR_INK_LIGHT,
		      false);
}

static void test_render_ascii_ink_dark_matches_golden(void **state)
{
	expect_golden("ascii_ink_dark.txt", QR_CHARSET_ASCII, QR_INK_DARK,
		      false);
}

static void test_render_utf8_ansi_matches_golden(void **state)
{
	expect_golden("utf8_ansi.txt", QR_CHARSET_UTF8, QR_INK_LIGHT, true);
}

static void test_render_ascii_ansi_matches_golden(void **state)
{
	expect_golden("ascii_ansi.txt", QR_CHARSET_ASCII, QR_INK_LIGHT, true);
}

static void test_render_ansi_ignores_ink(void **state)
{
	unsigned a, b;
	char *x = render(QR_CHARSET_UTF8, QR_INK_LIGHT, true, 2, &a);
	char *y = render(QR_CHARSET_UTF8, QR_INK_DARK, true, 2, &b);

	assert_string_equal(x, y);
	free(x);
	free(y);
}

/* Display columns of one line: SGR sequences skipped, UTF-8 decoded. */
static size_t line_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\033') {
			while (i < len && s[i] != 'm')
				i++;
			continue;
		}
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	}
	return w;
}

/* Checks line count and that every line is exactly width columns wide. */
static void expect_shape(const char *text, unsigned nlines, unsigned lines,
			 size_t width, bool ansi)
{
	const char *p = text;
	unsigned count = 0;

	assert_int_equal(nlines, lines);
	assert_true(text[0] != '\0');
	assert_true(text[strlen(text) - 1] != '\n');
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		count++;
		assert_int_equal(line_width(p, len), width);
		if (ansi) {
			/* colours start every line and nothing bleeds out */
			assert_true(len > strlen(SGR_ON) + strlen(SGR_OFF));
			assert_memory_equal(p, SGR_ON, strlen(SGR_ON));
			assert_memory_equal(p + len - strlen(SGR_OFF), SGR_OFF,
					    strlen(SGR_OFF));
		} else {
			assert_null(memchr(p, '\033', len));
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	assert_int_equal(count, lines);
}

static void test_render_shape_follows_quiet_zone(void **state)
{
	static const unsigned quiet[] = {0, 1, 2, 4, 16};

	for (size_t i = 0; i < MID_ARRAY_SIZE(quiet); i++) {
		unsigned side = SYMBOL + 2 * quiet[i], n;
		char *t;

		for (int ansi = 0; ansi < 2; ansi++) {
			t = render(QR_CHARSET_UTF8, QR_INK_LIGHT, ansi,
				   quiet[i], &n);
			expect_shape(t, n, (side + 1) / 2, side, ansi);
			free(t);
			t = render(QR_CHARSET_ASCII, QR_INK_DARK, ansi,
				   quiet[i], &n);
			expect_shape(t, n, side, side, ansi);
			free(t);
		}
	}
}

/* Every frame of an order has the same size, so a redraw never moves the
 * status or the cursor: the smallest version would flip between 5 and 6
 * (2 of the first 60 frames of this order are version 5). */
static void test_every_frame_of_an_order_is_version_6(void **state)
{
	struct qr_style st = {QR_CHARSET_ASCII, QR_INK_LIGHT, false, 0};

	for (unsigned long t = 0; t < 200; t++) {
		char payload[QR_PAYLOAD_MAX], *text = NULL;
		unsigned n = 0;

		assert_int_equal(bankid_qr_payload(TOKEN, SECRET, t, payload,
						   sizeof(payload)),
				 0);
		assert_int_equal(qr_render(payload, &st, &text, &n), 0);
		assert_int_equal(n, SYMBOL);
		free(text);
	}
}

static void test_render_quiet_zone_is_light(void **state)
{
	unsigned n;
	char *t = render(QR_CHARSET_ASCII, QR_INK_LIGHT, false, 4, &n);
	size_t side = SYMBOL + 8;

	/* ink-light: the quiet zone is drawn, four full '#' rows on top */
	for (size_t y = 0; y < 4; y++)
		for (size_t x = 0; x < side; x++)
			assert_int_equal(t[y * (side + 1) + x], '#');
	/* the top-left finder's corner is dark: blank at (4, 4) */
	assert_int_equal(t[4 * (side + 1) + 3], '#');
	assert_int_equal(t[4 * (side + 1) + 4], ' ');
	free(t);

	t = render(QR_CHARSET_ASCII, QR_INK_DARK, false, 4, &n);
	for (size_t y = 0; y < 4; y++)
		for (size_t x = 0; x < side; x++)
			assert_int_equal(t[y * (side + 1) + x], ' ');
	assert_int_equal(t[4 * (side + 1) + 4], '#');
	free(t);
}

static void test_render_utf8_ink_light_quiet_rows_are_full_blocks(void **state)
{
	unsigned n;
	char *t = render(QR_CHARSET_UTF8, QR_INK_LIGHT, false, 2, &n);
	const char *full = "\xe2\x96\x88";

	/* quiet 2 = the first text line, both half rows light */
	for (size_t x = 0; x < SYMBOL + 4; x++)
		assert_memory_equal(t + 3 * x, full, 3);
	assert_int_equal(t[3 * (SYMBOL + 4)], '\n');
	free(t);
}

static void test_render_rejects_bad_arguments(void **state)
{
	struct qr_style ok = {QR_CHARSET_UTF8, QR_INK_LIGHT, false, 2};
	struct qr_style st;
	char longp[QR_PAYLOAD_MAX + 8];
	char *out = (char *)"sentinel";
	unsigned n = 99;

	assert_int_equal(qr_render(NULL, &ok, &out, &n), MID_E_INTERNAL);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_int_equal(qr_render(PAYLOAD0, NULL, &out, &n), MID_E_INTERNAL);
	assert_int_equal(qr_render(PAYLOAD0, &ok, NULL, &n), MID_E_INTERNAL);
	assert_int_equal(qr_render(PAYLOAD0, &ok, &out, NULL), MID_E_INTERNAL);
	assert_int_equal(qr_render("", &ok, &out, &n), MID_E_INTERNAL);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(qr_render(longp, &ok, &out, &n), MID_E_INTERNAL);
	assert_null(out);

	st = ok;
	st.quiet = 17;
	assert_int_equal(qr_render(PAYLOAD0, &st, &out, &n), MID_E_INTERNAL);
	st = ok;
	st.charset = (enum qr_charset)7;
	assert_int_equal(qr_render(PAYLOAD0, &st, &out, &n), MID_E_INTERNAL);
	st = ok;
	st.ink = (enum qr_ink)7;
	assert_int_equal(qr_render(PAYLOAD0, &st, &out, &n), MID_E_INTERNAL);
	assert_null(out);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_payload_matches_official_vectors),
	    cmocka_unit_test(test_every_frame_of_an_order_is_version_6),
	    cmocka_unit_test(test_payload_matches_extra_vectors),
	    cmocka_unit_test(test_payload_rejects_null_inputs),
	    cmocka_unit_test(test_payload_rejects_too_small_buffer),
	    cmocka_unit_test(test_payload_rejects_unprintable_or_odd_tokens),
	    cmocka_unit_test(test_payload_largest_time_fits),
	    cmocka_unit_test(test_render_utf8_ink_light_matches_golden),
	    cmocka_unit_test(test_render_utf8_ink_dark_matches_golden),
	    cmocka_unit_test(test_render_ascii_ink_light_matches_golden),
	    cmocka_unit_test(test_render_ascii_ink_dark_matches_golden),
	    cmocka_unit_test(test_render_utf8_ansi_matches_golden),
	    cmocka_unit_test(test_render_ascii_ansi_matches_golden),
	    cmocka_unit_test(test_render_ansi_ignores_ink),
	    cmocka_unit_test(test_render_shape_follows_quiet_zone),
	    cmocka_unit_test(test_render_quiet_zone_is_light),
	    cmocka_unit_test(
		test_render_utf8_ink_light_quiet_rows_are_full_blocks),
	    cmocka_unit_test(test_render_rejects_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
