/* Who the module asks at all: membership of the groups in `groups`, as
 * NSS (files, SSSD, winbind) says. */
#include "scope.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mid.h"

/* getgrouplist is asked for at most this many groups */
#define MAX_MEMBERSHIPS 65536
#define NSS_BUF 16384

static bool valid_group_name(const char *s, size_t len)
{
	if (len == 0 || len >= SCOPE_MAX_NAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* what shadow's useradd accepts, plus '@' and '\' for
		 * directory groups ("domain users@ad", "AD\admins") */
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && !strchr("._-$@\\ ", c) &&
		    c < 0x80)
			return false;
	}
	return true;
}

static int add_name(struct scope *s, const char *p, size_t len,
		    struct mid_log *log)
{
	bool neg = len > 0 && p[0] == '!';
	char(*list)[SCOPE_MAX_NAME] = neg ? s->deny : s->allow;
	size_t *n = neg ? &s->n_deny : &s->n_allow;

	if (neg) {
		p++;
		len--;
	}
	while (len > 0 && p[0] == ' ') {
		p++;
		len--;
	}
	while (len > 0 && p[len - 1] == ' ')
		len--;
	if (!valid_group_name(p, len)) {
		mid_log_err(log, "groups: '%.*s' is not a group name",
			    (int)(len < 64 ? len : 64), p);
		return MID_E_CONFIG;
	}
	if (*n >= SCOPE_MAX_GROUPS) {
		mid_log_err(log, "groups: more than %d groups",
			    SCOPE_MAX_GROUPS);
		return MID_E_CONFIG;
	}
	memcpy(list[*n], p, len);
	list[*n][len] = '\0';
	(*n)++;
	return 0;
}

int scope_parse(const char *spec, struct scope *s, struct mid_log *log)
{
	const char *p = spec ? spec : "";

	memset(s, 0, sizeof(*s));
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int r = add_name(s, p, len, log);

		if (r < 0)
			return r;
		if (!end)
			break;
		p = end + 1;
	}
	if (s->n_allow == 0) {
		mid_log_err(log, "groups: only negations ('!group'); name the "
				 "groups whose members are asked");
		return MID_E_CONFIG;
	}
	return 0;
}

bool scope_is_limited(const struct scope *s)
{
	return s->n_allow > 0 || s->n_deny > 0;
}

/* The names of the groups the account is in; *n = 0 when NSS does not
 * know the account. Returns 0 or MID_E_INTERNAL / MID_E_NOMEM. */
static int memberships(const char *user, gid_t **gids, int *n)
{
	struct passwd pw, *pwp = NULL;
	char buf[NSS_BUF];
	int cap = 64, e;

	*gids = NULL;
	*n = 0;
	e = getpwnam_r(user, &pw, buf, sizeof(buf), &pwp);
	if (!pwp)
		return e == 0 || e == ENOENT || e == ESRCH ? 0 : MID_E_INTERNAL;
	for (;;) {
		gid_t *g = realloc(*gids, (size_t)cap * sizeof(gid_t));
		int got = cap;

		if (!g)
			return MID_E_NOMEM;
		*gids = g;
		if (getgrouplist(pw.pw_name, pw.pw_gid, g, &got) >= 0) {
			*n = got;
			return 0;
		}
		if (got <= cap || got > MAX_MEMBERSHIPS)
			return MID_E_INTERNAL;
		cap = got;
	}
}

/* Is the named group one of gids? A group NSS does not know has no
 * members. */
static int has_group(const char *name, const gid_t *gids, int n)
{
	struct group gr, *grp = NULL;
	char buf[NSS_BUF];
	int e = getgrnam_r(name, &gr, buf, sizeof(buf), &grp);

	if (!grp)
		return e == 0 || e == ENOENT || e == ESRCH ? 0 : MID_E_INTERNAL;
	for (int i = 0; i < n; i++)
		if (gids[i] == gr.gr_gid)
			return 1;
	return 0;
}

static int any_of(const char (*list)[SCOPE_MAX_NAME], size_t count,
		  const gid_t *gids, int n)
{
	for (size_t i = 0; i < count; i++) {
		int r = has_group(list[i], gids, n);

		if (r != 0)
			return r;
	}
	return 0;
}

int scope_includes(const struct scope *s, const char *user, struct mid_log *log)
{
	gid_t *gids = NULL;
	int n = 0, r;

	if (!scope_is_limited(s))
		return 1;
	r = memberships(user, &gids, &n);
	if (r == 0)
		r = any_of(s->deny, s->n_deny, gids, n);
	if (r == 0)
		r = s->n_allow ? any_of(s->allow, s->n_allow, gids, n) : 1;
	else if (r == 1)
		r = 0; /* in a denied group */
	free(gids);
	if (r < 0)
		mid_log_err(log, "groups: cannot read the group memberships");
	return r;
}
