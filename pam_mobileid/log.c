/* Logging through a sink: pam_syslog in the module, syslog and stderr in
 * the admin tool. */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* room for the fixed words and a few quoted values at their largest */
#define MAX_LOG_LINE (4 * MID_LOG_QUOTED_MAX)

void mid_log_msg(struct mid_log *log, int prio, const char *fmt, ...)
{
	char raw[MAX_LOG_LINE], line[MAX_LOG_LINE];
	va_list ap;

	if (prio == LOG_DEBUG && !(log && log->debug))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* parts of the line came from config files and the network */
	util_sanitize(line, sizeof(line), raw);

	if (log && log->sink)
		log->sink(log->sink_ctx, prio, line);
	else
		syslog(LOG_AUTHPRIV | prio, "%s", line);
}

void mid_log_sink_tool(void *ctx, int prio, const char *line)
{
	syslog(LOG_AUTHPRIV | prio, "%s", line);
	if (prio <= LOG_WARNING)
		fprintf(stderr, "mobileid: %s\n", line);
}

void mid_log_mask(char *dst, size_t n, const char *id)
{
	size_t len = id ? strlen(id) : 0, i;

	if (n == 0)
		return;
	for (i = 0; i < len && i + 1 < n; i++)
		dst[i] = (i + 4 < len) ? '*' : id[i];
	dst[i] = '\0';
}

/* Can s stand in a line as it is: printable ASCII that is neither a space
 * nor a quote, backslash or '=' (which would end or start a field)? */
static bool bare_ok(const char *s)
{
	if (!*s || strlen(s) >= MID_LOG_QUOTED_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\' ||
		    *s == '=')
			return false;
	return true;
}

/* How the character at s (l bytes, code point cp; l == 0: an invalid
 * byte) is written between quotes; returns the length written to e. */
static size_t quote_char(const char *s, size_t l, unsigned cp, char *e)
{
	if (l == 0)
		return (size_t)snprintf(e, 8, "\\x%02X", (unsigned char)*s);
	if (cp == '"' || cp == '\\')
		return (size_t)snprintf(e, 8, "\\%c", (char)cp);
	if (util_cp_class(cp) == UTIL_CP_PLAIN) {
		memcpy(e, s, l);
		return l;
	}
	if (cp < 0x80)
		return (size_t)snprintf(e, 8, "\\x%02X", cp);
	return (size_t)snprintf(e, 12, "\\u{%04X}", cp);
}

void mid_log_quote(char *dst, size_t n, const char *src)
{
	const char *s = src ? src : "";
	size_t o = 0;

	if (n < 8) {
		if (n)
			dst[0] = '\0';
		return;
	}
	if (bare_ok(s) && strlen(s) < n) {
		memcpy(dst, s, strlen(s) + 1);
		return;
	}
	dst[o++] = '"';
	while (*s) {
		unsigned cp = 0;
		size_t l = util_utf8_next(s, 4, &cp);
		char e[12];
		size_t el = quote_char(s, l, cp, e);

		/* room for this, and for '..."' and the NUL after it */
		if (o + el + 5 > n) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(dst + o, e, el);
		o += el;
		s += l ? l : 1;
	}
	dst[o++] = '"';
	dst[o] = '\0';
}
