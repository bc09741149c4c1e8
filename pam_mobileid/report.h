/* What `mobileid check` tells about the policy in force and each user's
 * chain of identities. */
#ifndef MID_REPORT_H
#define MID_REPORT_H

#include <stdio.h>

struct mid_config;
struct mid_log;

/* One line per policy key, with its value in force. */
void report_policy(const struct mid_config *cfg, FILE *out);

/* How the code is shown through sshd and elsewhere: the QR mode, charset,
 * height and theme uipolicy_pick gives them. */
void report_display(const struct mid_config *cfg, FILE *out);

/* "user: provider:****1239 -> provider:****.com" for every map line.
 * Returns the number of users mapped, or the map's error. */
int report_chains(const struct mid_config *cfg, FILE *out, struct mid_log *log);

#endif
