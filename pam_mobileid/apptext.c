/* The text the app shows with the request: the config's message with the
 * login filled in (user, host, service, remote host, sudo's command). */
#include "apptext.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mid.h"
#include "util.h"

void apptext_fill(const char *tmpl, const struct approval_env *env,
		  const char *host, char *out, size_t n)
{
	size_t o = 0;

	if (n == 0)
		return;
	for (const char *p = tmpl ? tmpl : ""; *p && o + 1 < n; p++) {
		const char *v = NULL;
		char one[2] = {*p, '\0'};
		size_t l;

		if (*p == '%' && p[1]) {
			switch (p[1]) {
			case 'u': v = env->user; break;
			case 'h': v = host; break;
			case 's': v = env->service; break;
			case 'c': v = env->command ? env->command : ""; break;
			case 'r':
				v = env->rhost && *env->rhost ? env->rhost
							      : "local";
				break;
			case '%': v = "%"; break;
			}
			if (v)
				p++;
		}
		if (!v)
			v = one;
		l = strlen(v);
		if (o + l >= n)
			l = n - 1 - o;
		memcpy(out + o, v, l);
		o += l;
	}
	/* a cut must not leave half a character */
	out[util_utf8_cut(out, o)] = '\0';
	/* the values came from the caller: no control characters */
	{
		char clean[APPTEXT_MAX];

		util_sanitize(clean, sizeof(clean), out);
		snprintf(out, n, "%s", clean);
	}
}

/* room for each line of a signed sudo's text before the command's */
#define SIGN_LINE_MAX 512

/* What a signed sudo signs: the same facts in every record, the command
 * last and whole (the lines before it are cut first). */
static void sign_text(const struct approval_env *env, const char *host,
		      char *out, size_t n)
{
	static const char *const lines[] = {
	    "Signed sudo on %h", "User: %u (from %r)", "Command: sudo %c"};
	char line[APPTEXT_MAX];
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < MID_ARRAY_SIZE(lines) && o + 1 < n; i++) {
		apptext_fill(lines[i], env, host, line,
			     i + 1 < MID_ARRAY_SIZE(lines) ? SIGN_LINE_MAX
							   : sizeof(line));
		snprintf(out + o, n - o, "%s%s", i ? "\n" : "", line);
		o += strlen(out + o);
	}
	out[util_utf8_cut(out, o)] = '\0';
}

/* The text in the app: the template, and for sudo the command. */
void apptext_make(const struct mid_config *cfg, const struct approval_env *env,
		  char *out, size_t n)
{
	char host[HOST_NAME_MAX + 1] = "", tmpl[APPTEXT_MAX];
	const char *msg = cfg->message ? cfg->message : "";

	gethostname(host, sizeof(host) - 1);
	if (env->sign) {
		sign_text(env, host, out, n);
		return;
	}
	/* what is approved is shown: a sudo approval names its command */
	if (env->command && *env->command && !strstr(msg, "%c"))
		snprintf(tmpl, sizeof(tmpl), "%s: %%c", msg);
	else
		snprintf(tmpl, sizeof(tmpl), "%s", msg);
	apptext_fill(tmpl, env, host, out, n);
}
