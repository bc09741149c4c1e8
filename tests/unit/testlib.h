/* What the unit tests share. */
#ifndef MID_TESTLIB_H
#define MID_TESTLIB_H

/* Captures what the log writes to stderr (mid_log_sink_tool: warnings
 * and errors)
 * while fn runs; returns it as a static string. */
const char *captured(void (*fn)(void *), void *arg);

#endif
