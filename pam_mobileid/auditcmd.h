/* `mobileid audit [-c CONF] [ORDER]`: list the signed sudo records, or
 * verify one (doc/man/mobileid.8). */
#ifndef MID_AUDITCMD_H
#define MID_AUDITCMD_H

struct mid_log;

#define AUDITCMD_EXIT_FAILED 1
#define AUDITCMD_EXIT_USAGE 2
#define AUDITCMD_EXIT_NONE 3

/* Loads conf, then lists every record of the audit directory (order NULL)
 * or verifies the record whose orderRef is order or starts with it (8
 * characters at least). Prints on stdout. Returns the exit code: 0 listed
 * or verified, 1 a check failed or a record cannot be read, 2 order is too
 * short or names several, 3 no record for order. */
int auditcmd_run(const char *conf, const char *order, struct mid_log *log);

struct mid_config;

/* For `mobileid check`, with sudo_sign = yes: that the audit directory
 * (or, while it does not exist, the directory it will be made in) passes
 * the module's checks, and that signer_ca, when set, loads. Prints each
 * problem; returns their number. */
int auditcmd_check(const struct mid_config *cfg, struct mid_log *log);

#endif
