/* What the unit tests share. */
#include "testlib.h"

#include <errno.h>
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

#include "log.h"

/* Captures what the log writes to stderr (mid_log_sink_tool: warnings
 * and errors)
 * while fn runs; returns it as a static string. */
const char *captured(void (*fn)(void *), void *arg)
{
	static char out[4096];
	FILE *tmp = tmpfile();
	int saved;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	fn(arg);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

void test_safe_dir(char *out, size_t n, const char *name)
{
	if (mkdir(TEST_SAFE_BASE, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", TEST_SAFE_BASE, strerror(errno));
	assert_int_equal(chmod(TEST_SAFE_BASE, 0755), 0);
	assert_true(
	    (size_t)snprintf(out, n, "%s/%s-XXXXXX", TEST_SAFE_BASE, name) < n);
	assert_non_null(mkdtemp(out));
	assert_int_equal(chmod(out, 0755), 0);
}

struct capture_sink {
	char *out;
	size_t n, used;
};

static void append_line(void *ctx, int prio, const char *line)
{
	struct capture_sink *c = ctx;
	int w = snprintf(c->out + c->used, c->n - c->used, "%s\n", line);

	if (w > 0)
		c->used +=
		    (size_t)w < c->n - c->used ? (size_t)w : c->n - c->used - 1;
}

const char *logged(void (*fn)(struct mid_log *, void *), void *arg)
{
	static char out[8192];
	struct capture_sink c = {out, sizeof(out), 0};
	struct mid_log log = {.sink = append_line, .sink_ctx = &c};

	out[0] = '\0';
	fn(&log, arg);
	return out;
}

void test_write_file(const char *path, const char *text, unsigned mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, (mode_t)mode), 0);
}

unsigned test_text_shape(const char *msg, unsigned *widest)
{
	unsigned lines = 1, c = 0;

	*widest = 0;
	for (const char *p = msg; *p; p++) {
		if (*p == '\n') {
			lines++;
			c = 0;
			continue;
		}
		c += ((unsigned char)*p & 0xc0) != 0x80;
		if (c > *widest)
			*widest = c;
	}
	return lines;
}

struct ui test_ui_of(enum ui_mode mode, enum qr_charset cs, ui_conv_fn conv,
		     void *ctx)
{
	struct ui ui;

	memset(&ui, 0, sizeof(ui));
	ui.mode = mode;
	ui.qr.charset = cs;
	ui.qr.quiet = 2;
	ui.title = MSG_TITLE; /* as the BankID row sets it */
	ui.conv = conv;
	ui.conv_ctx = ctx;
	return ui;
}
