/* What the host process tells about the login beyond the PAM items. */
#include "context.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define MAX_CMDLINE 4096
#define NSS_BUF 16384

bool context_is_su(const char *service)
{
	return service &&
	       (strcmp(service, "su") == 0 || strcmp(service, "su-l") == 0);
}

bool context_is_sudo(const char *service)
{
	return service && strncmp(service, "sudo", 4) == 0 &&
	       (service[4] == '\0' || service[4] == '-');
}

int context_caller(char *out, size_t n)
{
	struct passwd pw, *pwp = NULL;
	char buf[NSS_BUF];

	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &pwp) != 0 || !pwp ||
	    (size_t)snprintf(out, n, "%s", pw.pw_name) >= n)
		return -1;
	return 0;
}

void context_command_from(const char *cmdline, size_t len, char *out, size_t n)
{
	char joined[MAX_CMDLINE + 1];
	size_t start = strnlen(cmdline, len) + 1, o = 0, cut;

	if (n == 0)
		return;
	/* argv[0] is the host itself: what follows is what it was asked */
	for (size_t i = start; i < len && o < MAX_CMDLINE; i++)
		joined[o++] = cmdline[i] ? cmdline[i] : ' ';
	while (o > 0 && joined[o - 1] == ' ')
		o--;
	joined[o] = '\0';
	if (o > CONTEXT_MAX_COMMAND) {
		cut = util_utf8_cut(joined, CONTEXT_MAX_COMMAND);
		snprintf(joined + cut, sizeof(joined) - cut, "\xe2\x80\xa6");
	}
	util_sanitize(out, n, joined);
}

void context_command(char *out, size_t n)
{
	char buf[MAX_CMDLINE];
	ssize_t len = -1;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		len = read(fd, buf, sizeof(buf));
		close(fd);
	}
	context_command_from(buf, len > 0 ? (size_t)len : 0, out, n);
}
