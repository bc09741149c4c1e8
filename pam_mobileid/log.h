/* Logging through a sink: pam_syslog in the module, syslog and stderr in
 * the admin tool. Knows nothing of PAM, so the core links without it. */
#ifndef MID_LOG_H
#define MID_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* Receives one finished, sanitised line at a syslog priority. */
typedef void (*mid_log_sink_fn)(void *ctx, int prio, const char *line);

struct mid_log {
	mid_log_sink_fn sink; /* NULL: syslog(LOG_AUTHPRIV) */
	void *sink_ctx;
	bool debug;
};

/* The admin tool's sink: syslog, and warnings and errors on stderr. */
void mid_log_sink_tool(void *ctx, int prio, const char *line);

void mid_log_msg(struct mid_log *log, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define mid_log_err(log, ...) mid_log_msg(log, LOG_ERR, __VA_ARGS__)
#define mid_log_warn(log, ...) mid_log_msg(log, LOG_WARNING, __VA_ARGS__)
#define mid_log_notice(log, ...) mid_log_msg(log, LOG_NOTICE, __VA_ARGS__)
#define mid_log_info(log, ...) mid_log_msg(log, LOG_INFO, __VA_ARGS__)
#define mid_log_debug(log, ...) mid_log_msg(log, LOG_DEBUG, __VA_ARGS__)

/* Room for any value of up to 255 bytes, quoted (4 bytes for each at most). */
#define MID_LOG_QUOTED_MAX (4 * 255 + 8)

/* A value someone else chose (user name, remote host, service, text from
 * the network), written so that it cannot fake a field of the line: as it
 * is when it is printable ASCII without spaces, quotes, backslashes or '=';
 * else between double quotes, with '"' and '\' escaped by a backslash,
 * controls and invalid bytes as \xNN, other spaces, separators, bidi and
 * format characters as \u{NNNN}; cut with '..."' if n is too small. */
void mid_log_quote(char *dst, size_t n, const char *src);

/* "********1239": all but the last four characters masked. */
void mid_log_mask(char *dst, size_t n, const char *id);

#endif
