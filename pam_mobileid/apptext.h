/* The text the app shows with the request (the config's `message`). */
#ifndef MID_APPTEXT_H
#define MID_APPTEXT_H

#include <stddef.h>

#include "approval.h"

#define APPTEXT_MAX 2048

struct mid_config;

/* Fills the message template: %u user, %h host, %s service, %r remote host
 * or "local", %c the command sudo runs, %% a percent sign; cut at a UTF-8
 * boundary, control characters replaced. */
void apptext_fill(const char *tmpl, const struct approval_env *env,
		  const char *host, char *out, size_t n);

/* The text for this login: cfg's message on this host; for sudo a message
 * without %c gets the command appended, so what is approved is shown. */
void apptext_make(const struct mid_config *cfg, const struct approval_env *env,
		  char *out, size_t n);

#endif
