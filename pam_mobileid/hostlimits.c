/* How long the hosts let a login take. */
#include "hostlimits.h"

#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_LEN 1024
/* sshd nests Include no deeper than this either */
#define INCLUDE_DEPTH 16

/* The first word of line (after blanks) and what follows it; NULL for a
 * blank or comment line. */
static char *split(char *line, char **rest)
{
	char *k = line, *e;

	while (isspace((unsigned char)*k))
		k++;
	if (!*k || *k == '#')
		return NULL;
	e = k;
	while (*e && !isspace((unsigned char)*e) && *e != '=')
		e++;
	*rest = e;
	if (*e)
		*rest = e + 1;
	*e = '\0';
	while (**rest && (isspace((unsigned char)**rest) || **rest == '='))
		(*rest)++;
	(*rest)[strcspn(*rest, " \t\r\n#")] = '\0';
	return k;
}

int hostlimits_login_timeout(const char *path, unsigned *secs)
{
	FILE *f = fopen(path, "re");
	char line[LINE_MAX_LEN], *rest, *key, *end;
	int r = -1;

	if (!f)
		return -1;
	while (r < 0 && fgets(line, sizeof(line), f)) {
		unsigned long v;

		key = split(line, &rest);
		if (!key || strcmp(key, "LOGIN_TIMEOUT") != 0)
			continue;
		v = strtoul(rest, &end, 10);
		if (end != rest && !*end && v <= 86400) {
			*secs = (unsigned)v;
			r = 0;
		}
	}
	fclose(f);
	return r;
}

int hostlimits_sshd_time(const char *s, unsigned *secs)
{
	unsigned long total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10), mul = 1;

		if (end == s || v > 86400)
			return -1;
		switch (tolower((unsigned char)*end)) {
		case '\0': break;
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 604800; break;
		default: return -1;
		}
		total += v * mul;
		if (total > 7 * 86400UL)
			return -1;
		s = *end ? end + 1 : end;
	}
	*secs = (unsigned)total;
	return 0;
}

static int grace_in(const char *path, unsigned *secs, int depth);

/* Include: every file the globs name, in order, until one sets it. */
static int grace_include(char *rest, unsigned *secs, int depth)
{
	char pattern[LINE_MAX_LEN + 16];
	glob_t g;
	int found = 1;

	snprintf(pattern, sizeof(pattern), "%s%s",
		 rest[0] == '/' ? "" : "/etc/ssh/", rest);
	if (glob(pattern, 0, NULL, &g) != 0)
		return 1;
	for (size_t i = 0; i < g.gl_pathc && found == 1; i++)
		found = grace_in(g.gl_pathv[i], secs, depth + 1);
	globfree(&g);
	return found;
}

/* 0: set; 1: not in this file; -1: unreadable. */
static int grace_in(const char *path, unsigned *secs, int depth)
{
	FILE *f;
	char line[LINE_MAX_LEN], *rest, *key;
	int found = 1;

	if (depth > INCLUDE_DEPTH || !(f = fopen(path, "re")))
		return -1;
	while (found == 1 && fgets(line, sizeof(line), f)) {
		key = split(line, &rest);
		if (!key)
			continue;
		if (strcasecmp(key, "Match") == 0)
			break; /* what follows applies to some connections */
		if (strcasecmp(key, "Include") == 0)
			found = grace_include(rest, secs, depth) == 0 ? 0 : 1;
		else if (strcasecmp(key, "LoginGraceTime") == 0)
			found = hostlimits_sshd_time(rest, secs) == 0 ? 0 : 1;
	}
	fclose(f);
	return found;
}

int hostlimits_sshd_grace(const char *path, unsigned *secs)
{
	int r = grace_in(path, secs, 0);

	if (r < 0)
		return -1;
	if (r == 1)
		*secs = HOSTLIMITS_SSHD_DEFAULT;
	return 0;
}
