/* What the host process tells about the login beyond the PAM items. */
#include "context.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
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

/* sudoedit FILE is sudo -e FILE: the text says so, or it would read as
 * if FILE were run */
static bool is_sudoedit(const char *argv0, size_t len)
{
	static const char name[] = "sudoedit";
	size_t k = sizeof(name) - 1;

	return len >= k && memcmp(argv0 + len - k, name, k) == 0 &&
	       (len == k || argv0[len - k - 1] == '/');
}

/* A word as a shell would need it to be the same one word: as it is when
 * it holds no character a shell treats specially, else in single
 * quotes (a quote inside as '\''). Without this `sh -c 'a b'` and
 * `sh -c a b` would read, and be signed, alike. Returns the new end. */
static size_t put_word(char *dst, size_t o, size_t cap, const char *w,
		       size_t wl)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
				    "OPQRSTUVWXYZ0123456789_@%+=:,./-";
	bool quote = wl == 0;

	/* w may end without a NUL (a command line cut by the read); bytes
	 * of UTF-8 characters beyond ASCII are letters to a shell */
	for (size_t i = 0; i < wl && !quote; i++)
		quote = (unsigned char)w[i] < 0x80 && !strchr(plain, w[i]);

	if (quote && o < cap)
		dst[o++] = '\'';
	for (size_t i = 0; i < wl && o < cap; i++) {
		if (w[i] == '\'' && quote) {
			for (const char *q = "'\\''"; *q && o < cap; q++)
				dst[o++] = *q;
			continue;
		}
		dst[o++] = w[i];
	}
	if (quote && o < cap)
		dst[o++] = '\'';
	return o;
}

/* cmdline[0..len) as the words after argv[0]; more: the buffer was cut
 * before the end of the command line. Returns true when out holds all of
 * it, false when it was cut at max with "…". */
static bool command_from(const char *cmdline, size_t len, bool more, size_t max,
			 char *out, size_t n)
{
	char joined[MAX_CMDLINE + 1];
	size_t i = strnlen(cmdline, len) + 1, o = 0, cut;

	if (n == 0)
		return false;
	if (is_sudoedit(cmdline, i - 1)) {
		memcpy(joined, "-e", 2);
		o = 2;
	}
	/* argv[0] is the host itself: what follows is what it was asked */
	while (i < len && o < MAX_CMDLINE) {
		size_t wl = strnlen(cmdline + i, len - i);

		if (o > 0)
			joined[o++] = ' ';
		o = put_word(joined, o, MAX_CMDLINE, cmdline + i, wl);
		i += wl + 1;
	}
	joined[o] = '\0';
	more = more || i < len || o >= MAX_CMDLINE;
	if (o > max || more) {
		cut = util_utf8_cut(joined, o > max ? max : o);
		snprintf(joined + cut, sizeof(joined) - cut, "\xe2\x80\xa6");
	}
	util_sanitize(out, n, joined);
	return o <= max && !more;
}

bool context_command_from(const char *cmdline, size_t len, size_t max,
			  char *out, size_t n)
{
	return command_from(cmdline, len, false, max, out, n);
}

/* This process's command line, NUL-separated; returns its length. */
static size_t read_cmdline(char *buf, size_t n)
{
	ssize_t len = -1;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		len = read(fd, buf, n);
		close(fd);
	}
	return len > 0 ? (size_t)len : 0;
}

bool context_command(char *out, size_t n, size_t max)
{
	char buf[MAX_CMDLINE];
	size_t len = read_cmdline(buf, sizeof(buf));

	/* a full buffer may be a longer command line cut by the read */
	return command_from(buf, len, len == sizeof(buf), max, out, n);
}

/* sudo's options that take the next word as their argument */
static bool takes_argument(const char *opt)
{
	static const char *const long_opts[] = {
	    "--chdir", "--chroot", "--close-from", "--command-timeout",
	    "--group", "--host",   "--other-user", "--prompt",
	    "--role",  "--type",   "--user",	   NULL};

	if (opt[1] == '-') {
		for (size_t i = 0; long_opts[i]; i++)
			if (strcmp(opt, long_opts[i]) == 0)
				return true;
		return false;
	}
	/* a short cluster ends with the letter that takes the rest */
	for (const char *c = opt + 1; *c; c++)
		if (strchr("CDgpRrtTUu", *c))
			return c[1] == '\0';
	return false;
}

static bool is_noninteractive(const char *opt)
{
	if (opt[1] == '-')
		return strcmp(opt, "--non-interactive") == 0;
	for (const char *c = opt + 1; *c; c++) {
		if (*c == 'n')
			return true;
		if (strchr("CDgpRrtTUu", *c))
			return false; /* the rest is that option's value */
	}
	return false;
}

bool context_sudo_noninteractive_from(const char *cmdline, size_t len)
{
	size_t i = strnlen(cmdline, len) + 1;

	/* the options stand before the command: stop at the first word
	 * that is not one, or at "--" */
	while (i < len) {
		const char *w = cmdline + i;
		size_t wl = strnlen(w, len - i);

		if (w[0] != '-' || wl < 2 || strcmp(w, "--") == 0)
			return false;
		if (is_noninteractive(w))
			return true;
		i += wl + 1;
		if (takes_argument(w) && i < len)
			i += strnlen(cmdline + i, len - i) + 1;
	}
	return false;
}

bool context_sudo_noninteractive(void)
{
	char buf[MAX_CMDLINE];

	return context_sudo_noninteractive_from(buf,
						read_cmdline(buf, sizeof(buf)));
}
