/* What the unit tests share. */
#ifndef MID_TESTLIB_H
#define MID_TESTLIB_H

/* Captures what the log writes to stderr (mid_log_sink_tool: warnings
 * and errors)
 * while fn runs; returns it as a static string. */
const char *captured(void (*fn)(void *), void *arg);

#include <stddef.h>

#include "ui.h"

struct mid_log;

/* Where tests put files the module must trust: every directory from / down
 * is root's and not writable by group or other (/tmp is world-writable). */
#define TEST_SAFE_BASE "/run/mid-test"

/* Makes a fresh directory TEST_SAFE_BASE/name-XXXXXX (mode 0755) and
 * writes its path to out. */
void test_safe_dir(char *out, size_t n, const char *name);

/* Writes text to path (replacing what is there) with mode. */
void test_write_file(const char *path, const char *text, unsigned mode);

/* Every line fn logs through the log it is given, each ending in '\n'; a
 * static string. */
const char *logged(void (*fn)(struct mid_log *, void *), void *arg);

/* Lines of a text a terminal shows; *widest gets the widest, in columns
 * (UTF-8 characters). */
unsigned test_text_shape(const char *msg, unsigned *widest);

/* A ui in mode with charset cs (quiet zone 2, the BankID title) whose
 * messages go to conv(ctx). */
struct ui test_ui_of(enum ui_mode mode, enum qr_charset cs, ui_conv_fn conv,
		     void *ctx);

#endif
