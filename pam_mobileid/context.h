/* What the host process tells about the login beyond the PAM items: who
 * typed su, which command sudo is about to run. */
#ifndef MID_CONTEXT_H
#define MID_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest command text shown in the app (bytes, before the ellipsis). */
#define CONTEXT_MAX_COMMAND 200
/* The same for a signed sudo (sudo_sign), where the text is what the person
 * signs: as much of the command as /proc holds, within BankID's limit. */
#define CONTEXT_MAX_SIGNED_COMMAND 3000

/* Is the service util-linux su ("su", "su-l")? */
bool context_is_su(const char *service);
/* Is the service sudo ("sudo", "sudo-i", or one of its own services
 * named "sudo-..." through sudoers' pam_service)? */
bool context_is_sudo(const char *service);

/* Was this process started as sudo -n (--non-interactive)? Reads the
 * options in front of the command from /proc/self/cmdline. */
bool context_sudo_noninteractive(void);
/* The same from a /proc cmdline buffer (NUL-separated words). */
bool context_sudo_noninteractive_from(const char *cmdline, size_t len);

/* The account of the person who ran this process: the real uid, which a
 * setuid host (su) keeps as its caller's. Returns 0, or -1 when the uid
 * has no name. */
int context_caller(char *out, size_t n);

/* The command line of this process without argv[0] ("-u bob make
 * install"), words joined by spaces and quoted as a shell needs them,
 * control characters replaced, cut at max bytes (CONTEXT_MAX_COMMAND or
 * CONTEXT_MAX_SIGNED_COMMAND) on a character boundary with "…". Returns
 * true when out holds the whole command line, false when it was cut. */
bool context_command(char *out, size_t n, size_t max);
/* The same from a /proc cmdline buffer (NUL-separated words). */
bool context_command_from(const char *cmdline, size_t len, size_t max,
			  char *out, size_t n);

#endif
