/* The text the app shows with the request (the config's `message`). */
#ifndef MID_APPTEXT_H
#define MID_APPTEXT_H

#include <stddef.h>

#include "approval.h"

/* room for a signed sudo's text: CONTEXT_MAX_SIGNED_COMMAND and more */
#define APPTEXT_MAX 4096

struct mid_config;

/* Fills the message template: %u user, %h host, %s service, %r remote host
 * or "local", %c the command sudo runs, %% a percent sign; cut at a UTF-8
 * boundary, control characters replaced. */
void apptext_fill(const char *tmpl, const struct approval_env *env,
		  const char *host, char *out, size_t n);

/* The text for this login: cfg's message on this host; for sudo a message
 * without %c gets the command appended, so what is approved is shown. A
 * signed sudo (env->sign) signs fixed lines instead, whatever `message`
 * says: "Signed sudo on HOST", "User: USER (from RHOST)", "Command: sudo
 * COMMAND", joined by newlines. */
void apptext_make(const struct mid_config *cfg, const struct approval_env *env,
		  char *out, size_t n);

#endif
