/* Logging through a sink: pam_syslog in the module, syslog and stderr in
 * the admin tool. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define MAX_LOG_LINE 1024

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
