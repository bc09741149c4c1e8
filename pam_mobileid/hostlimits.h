/* How long the hosts let a login take: login's LOGIN_TIMEOUT (an alarm
 * that ends login) and sshd's LoginGraceTime (sshd drops the connection).
 * `mobileid check` warns when `timeout` is longer. */
#ifndef MID_HOSTLIMITS_H
#define MID_HOSTLIMITS_H

#define HOSTLIMITS_LOGIN_DEFS "/etc/login.defs"
#define HOSTLIMITS_SSHD_CONFIG "/etc/ssh/sshd_config"
/* sshd's LoginGraceTime when the files do not set it */
#define HOSTLIMITS_SSHD_DEFAULT 120

/* LOGIN_TIMEOUT from a login.defs file: 0 with *secs set, or -1 when the
 * file or the key is missing or unreadable. */
int hostlimits_login_timeout(const char *path, unsigned *secs);

/* LoginGraceTime as sshd reads it: the first value in path and the files
 * it Includes (globs, relative to /etc/ssh), in seconds ("2m", "1h30m",
 * "90"; 0 is no limit). 0 with *secs set (the default when no file sets
 * it), -1 when path cannot be read. */
int hostlimits_sshd_grace(const char *path, unsigned *secs);

/* Parses an sshd time value ("90", "2m", "1h30m"); -1 if malformed. */
int hostlimits_sshd_time(const char *s, unsigned *secs);

#endif
