/* Logging: pam_syslog inside PAM, syslog (+ stderr) in the admin tool. */
#ifndef MID_LOG_H
#define MID_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#include <security/pam_modules.h>

struct mid_log {
	pam_handle_t *pamh; /* NULL outside PAM */
	bool debug;
	bool to_stderr; /* admin tool: also print problems */
};

void mid_log_msg(struct mid_log *log, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define mid_log_err(log, ...) mid_log_msg(log, LOG_ERR, __VA_ARGS__)
#define mid_log_warn(log, ...) mid_log_msg(log, LOG_WARNING, __VA_ARGS__)
#define mid_log_notice(log, ...) mid_log_msg(log, LOG_NOTICE, __VA_ARGS__)
#define mid_log_info(log, ...) mid_log_msg(log, LOG_INFO, __VA_ARGS__)
#define mid_log_debug(log, ...) mid_log_msg(log, LOG_DEBUG, __VA_ARGS__)

/* "********1239": all but the last four characters masked. */
void mid_log_mask(char *dst, size_t n, const char *id);

#endif
