/* The user map: which mobile identity approves for which system user. */
#include "usermap.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "mid.h"
#include "provider.h"
#include "util.h"

/* getpwnam_r's buffer grows up to this on ERANGE */
#define MAX_PW_BUF (1024 * 1024)

int usermap_check_id(const char *provider, const char *id, int this_year,
		     char *out, size_t outlen)
{
	const struct provider_def *def = provider_find(provider);

	/* a provider this build lacks is unknown here too: a map that names
	 * it would pass `mobileid check` and then fail every login */
	if (!def)
		return MID_E_CONFIG;
	return def->check_id(id, this_year, out, outlen);
}

/* The names seen so far, to find a user mapped twice whoever logs in. */
struct seen {
	char *names; /* every name, NUL-separated; as long as the text */
	size_t used;
	struct seen_name {
		const char *name;
		unsigned line;
	} * refs;
	size_t n, cap;
};

static int seen_add(struct seen *s, const char *name, unsigned line)
{
	size_t l = strlen(name) + 1;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct seen_name *r = realloc(s->refs, cap * sizeof(*r));

		if (!r)
			return MID_E_NOMEM;
		s->refs = r;
		s->cap = cap;
	}
	memcpy(s->names + s->used, name, l);
	s->refs[s->n].name = s->names + s->used;
	s->refs[s->n].line = line;
	s->used += l;
	s->n++;
	return 0;
}

static int by_name_then_line(const void *a, const void *b)
{
	const struct seen_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Two identities for one user: refuse to pick one, whoever logs in. */
static int seen_check(struct seen *s, const char *path, struct mid_log *log)
{
	if (s->n < 2)
		return 0; /* and refs may be NULL, which qsort must not get */
	qsort(s->refs, s->n, sizeof(*s->refs), by_name_then_line);
	for (size_t i = 1; i < s->n; i++) {
		if (strcmp(s->refs[i - 1].name, s->refs[i].name) == 0) {
			mid_log_err(log,
				    "%s:%u: '%s' is mapped again (first "
				    "on line %u)",
				    path, s->refs[i].line, s->refs[i].name,
				    s->refs[i - 1].line);
			return MID_E_CONFIG;
		}
	}
	return 0;
}

/* One "provider:id" word of a line, checked and normalised into out. */
static int parse_ident(char *word, const char *name, int this_year,
		       struct usermap_ident *out, const char *where,
		       struct mid_log *log)
{
	char *colon = strchr(word, ':');

	if (!colon || colon == word ||
	    (size_t)(colon - word) >= USERMAP_MAX_PROVIDER) {
		mid_log_err(log, "%s: expected provider:id", where);
		return MID_E_CONFIG;
	}
	*colon = '\0';
	if (!provider_find(word)) {
		mid_log_err(log, "%s: unknown provider '%s' for '%s'", where,
			    word, name);
		return MID_E_CONFIG;
	}
	if (usermap_check_id(word, colon + 1, this_year, out->id,
			     sizeof(out->id))) {
		mid_log_err(log, "%s: invalid %s identity for '%s'", where,
			    word, name);
		return MID_E_CONFIG;
	}
	snprintf(out->provider, sizeof(out->provider), "%s", word);
	return 0;
}

/* One line: "user provider:id [provider:id ...]", blanks and # comments
 * already handled. Every identity is checked, whoever logs in. */
static int parse_entry(char *line, int this_year, struct usermap_entry *out,
		       const char **name_out, const char *where,
		       struct mid_log *log)
{
	char *save = NULL, *name, *word;
	struct usermap_entry e = {.n = 0};
	int r = 0;

	name = strtok_r(line, " \t", &save);
	word = strtok_r(NULL, " \t", &save);
	if (!name || !word) {
		mid_log_err(log, "%s: expected 'user provider:id'", where);
		return MID_E_CONFIG;
	}
	if (strlen(name) >= USERMAP_MAX_USER) {
		mid_log_err(log, "%s: user name too long", where);
		return MID_E_CONFIG;
	}
	for (; word && r == 0; word = strtok_r(NULL, " \t", &save)) {
		if (e.n == USERMAP_MAX_CHAIN) {
			mid_log_err(log,
				    "%s: more than %d identities for "
				    "'%s'",
				    where, USERMAP_MAX_CHAIN, name);
			r = MID_E_CONFIG;
			break;
		}
		r = parse_ident(word, name, this_year, &e.ident[e.n++], where,
				log);
	}
	*name_out = name;
	if (r == 0)
		*out = e;
	explicit_bzero(&e, sizeof(e));
	return r;
}

/* A line without its comment and the blanks around it: "" for none. */
static char *strip_line(char *line)
{
	char *p, *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	for (p = line; *p == ' ' || *p == '\t' || *p == '\r'; p++)
		;
	p[strcspn(p, "\r")] = '\0';
	return p;
}

/* Every line is checked; fn (if any) sees each entry, out gets user's. */
static int parse_all(const char *text, size_t len, const char *path,
		     const char *user, int this_year, struct usermap_entry *out,
		     usermap_visit_fn fn, void *ctx, struct mid_log *log)
{
	struct file_lines it;
	struct usermap_entry e;
	bool found = false;
	/* every name is part of the text: as much room holds them all */
	struct seen seen = {.names = malloc(len + 1)};
	int r;

	memset(out, 0, sizeof(*out));
	if (!seen.names)
		return MID_E_NOMEM;
	file_lines_init(&it, text, len, path);
	while ((r = file_lines_next(&it, log)) > 0) {
		char *p = strip_line(it.line);
		const char *name = NULL;

		if (!*p)
			continue;
		r = parse_entry(p, this_year, &e, &name, it.where, log);
		if (r == 0)
			r = seen_add(&seen, name, it.lineno);
		if (r < 0)
			goto out;
		if (user && strcmp(name, user) == 0) {
			*out = e;
			found = true;
		}
		if (fn)
			fn(ctx, name, &e);
	}
	if (r == 0)
		r = seen_check(&seen, path, log);
	if (r == 0 && !found)
		r = MID_E_UNMAPPED;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	explicit_bzero(&e, sizeof(e));
	file_lines_end(&it);
	free(seen.refs);
	free(seen.names);
	return r;
}

int usermap_parse(const char *text, size_t len, const char *path,
		  const char *user, int this_year, struct usermap_entry *out,
		  struct mid_log *log)
{
	return parse_all(text, len, path, user, this_year, out, NULL, NULL,
			 log);
}

/* Reads the map and parses it with parse_all. */
static int read_and_parse(const char *path, const char *user,
			  struct usermap_entry *out, usermap_visit_fn fn,
			  void *ctx, struct mid_log *log)
{
	char *text = NULL;
	size_t len = 0;
	struct tm tm;
	time_t now = time(NULL);
	int r;

	memset(out, 0, sizeof(*out));
	r = file_read(path, FILE_PUBLIC, USERMAP_MAX_FILE, &text, &len, NULL,
		      log);
	if (r < 0)
		return r;
	if (!localtime_r(&now, &tm)) {
		r = MID_E_INTERNAL;
		goto out;
	}
	r = parse_all(text, len, path, user, tm.tm_year + 1900, out, fn, ctx,
		      log);
out:
	util_freezero(text, len);
	return r;
}

int usermap_lookup(const char *path, const char *user,
		   struct usermap_entry *out, struct mid_log *log)
{
	return read_and_parse(path, user, out, NULL, NULL, log);
}

int usermap_each(const char *path, usermap_visit_fn fn, void *ctx,
		 struct mid_log *log)
{
	struct usermap_entry none;
	int r = read_and_parse(path, NULL, &none, fn, ctx, log);

	return r == MID_E_UNMAPPED ? 0 : r;
}

const char *usermap_name_problem(const char *user)
{
	const unsigned char *s = (const unsigned char *)user;

	if (!s || !*s)
		return "empty";
	if (strlen(user) >= USERMAP_MAX_USER)
		return "longer than 255 bytes";
	for (; *s; s++)
		/* C0, DEL, and C1 as UTF-8 (U+0080..U+009F) */
		if (*s < 0x20 || *s == 0x7f ||
		    (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f))
			return "holds control characters";
	return NULL;
}

/* getpwnam_r with a buffer grown until the entry fits; *pw NULL: unknown */
static int nss_lookup(const char *user, struct passwd *pwbuf,
		      struct passwd **pw, char **buf)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 && hint <= MAX_PW_BUF ? (size_t)hint : 4096;
	int e;

	for (;;) {
		char *b = realloc(*buf, size);

		if (!b)
			return ENOMEM;
		*buf = b;
		e = getpwnam_r(user, pwbuf, b, size, pw);
		if (e != ERANGE || size >= MAX_PW_BUF)
			break;
		size *= 2;
	}
	/* POSIX allows these for "no such user" */
	if (e == ENOENT || e == ESRCH) {
		*pw = NULL;
		e = 0;
	}
	return e;
}

int usermap_account(const char *user, char *out, size_t n, struct mid_log *log)
{
	struct passwd pwbuf, *pw = NULL;
	char *buf = NULL, quoted[MID_LOG_QUOTED_MAX];
	const char *name;
	int e, r = 0;

	e = nss_lookup(user, &pwbuf, &pw, &buf);
	if (e != 0) {
		/* a local failure (EMFILE, ENOMEM) must not make a known
		 * user look unknown: unmapped = ignore would let them in */
		mid_log_quote(quoted, sizeof(quoted), user);
		mid_log_err(log, "cannot look up user %s: %s", quoted,
			    strerror(e));
		r = e == ENOMEM ? MID_E_NOMEM : MID_E_INTERNAL;
		goto out;
	}
	name = pw && pw->pw_name ? pw->pw_name : user;
	if (strlen(name) >= n) {
		mid_log_quote(quoted, sizeof(quoted), name);
		mid_log_err(log, "account name %s too long", quoted);
		r = MID_E_INTERNAL;
		goto out;
	}
	memcpy(out, name, strlen(name) + 1);
out:
	free(buf);
	return r;
}
