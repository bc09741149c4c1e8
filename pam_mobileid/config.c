/* The configuration: INI file plus module arguments, one parser for both. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "log.h"
#include "mid.h"
#include "provider.h"
#include "proxy.h"
#include "state.h"
#include "util.h"

enum key_type {
	KEY_STR,
	KEY_SECRET,
	KEY_URL,
	KEY_UINT,
	KEY_ENUM,
	KEY_GROUPS, /* struct scope */
	KEY_RATE,   /* "N/S": two unsigned, N in [min, max] */
	KEY_PROXY,  /* http://host:port; empty: none */
	KEY_HOSTS,  /* host names, comma-separated; empty: none */
};

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	unsigned min, max;	  /* KEY_UINT */
	const char *const *names; /* KEY_ENUM, NULL-terminated */
};

static const char *const qr_names[] = {"auto", "animate", "prompt", "off",
				       NULL};
static const char *const charset_names[] = {"auto", "utf8", "ascii", NULL};
static const char *const unmapped_names[] = {"deny", "ignore", NULL};
static const char *const failmode_names[] = {"secure", "safe", NULL};
static const char *const theme_names[] = {"dark", "light", NULL};
static const char *const lang_names[] = {"auto", "en", "sv", NULL};
static const char *const bool_names[] = {"no", "yes", NULL};
static const char *const su_approver_names[] = {"caller", "target", NULL};
static const char *const concurrent_names[] = {"wait", "refuse", NULL};

#define OFF(field) offsetof(struct mid_config, field)
#define ROUTE_KEYS(sec, r)                                                     \
	{sec, "proxy", KEY_PROXY, OFF(r.proxy), 0, 0, NULL},                   \
	{                                                                      \
		sec, "no_proxy", KEY_HOSTS, OFF(r.no_proxy), 0, 0, NULL        \
	}
#define TLS_KEYS(sec, s)                                                       \
	{sec, "url", KEY_URL, OFF(s.tls.url), 0, 0, NULL},                     \
	    {sec, "cert", KEY_STR, OFF(s.tls.cert), 0, 0, NULL},               \
	    {sec, "key", KEY_STR, OFF(s.tls.key), 0, 0, NULL},                 \
	    {sec, "password", KEY_SECRET, OFF(s.tls.password), 0, 0, NULL},    \
	    {sec, "password_file", KEY_STR, OFF(s.tls.password_file), 0, 0,    \
	     NULL},                                                            \
	{                                                                      \
		sec, "ca", KEY_STR, OFF(s.tls.ca), 0, 0, NULL                  \
	}

static const struct key_def keys[] = {
    {"general", "usermap", KEY_STR, OFF(usermap), 0, 0, NULL},
    /* below sshd's LoginGraceTime (120 s) by default; an hour at most */
    {"general", "timeout", KEY_UINT, OFF(timeout), 5, 3600, NULL},
    {"general", "qr", KEY_ENUM, OFF(qr), 0, 0, qr_names},
    {"general", "charset", KEY_ENUM, OFF(charset), 0, 0, charset_names},
    {"general", "unmapped", KEY_ENUM, OFF(unmapped), 0, 0, unmapped_names},
    {"general", "failmode", KEY_ENUM, OFF(failmode), 0, 0, failmode_names},
    {"general", "message", KEY_STR, OFF(message), 0, 0, NULL},
    {"general", "theme", KEY_ENUM, OFF(theme), 0, 0, theme_names},
    {"general", "lang", KEY_ENUM, OFF(lang), 0, 0, lang_names},
    {"general", "debug", KEY_ENUM, OFF(debug), 0, 0, bool_names},
    {"general", "groups", KEY_GROUPS, OFF(policy.groups), 0, 0, NULL},
    {"general", "state_dir", KEY_STR, OFF(policy.state_dir), 0, 0, NULL},
    {"general", "su_approver", KEY_ENUM, OFF(policy.su_approver), 0, 0,
     su_approver_names},
    {"general", "sudo_sign", KEY_ENUM, OFF(policy.sudo_sign), 0, 0, bool_names},
    /* a day at most: grace is a convenience, not a session */
    {"general", "grace", KEY_UINT, OFF(policy.grace), 0, 86400, NULL},
    {"general", "concurrent", KEY_ENUM, OFF(policy.concurrent), 0, 0,
     concurrent_names},
    {"general", "deny_hold", KEY_UINT, OFF(policy.deny_hold), 0, 86400, NULL},
    /* 0/S switches the count off; the state file keeps 128 at most */
    {"general", "max_requests", KEY_RATE, OFF(policy.max_requests), 0, 100,
     NULL},
    TLS_KEYS("bankid", bankid),
    ROUTE_KEYS("bankid", bankid.tls.route),
    /* BankID: collect every 2 s, never more often than once a second */
    {"bankid", "poll", KEY_UINT, OFF(bankid.poll), 1, 30, NULL},
    TLS_KEYS("passbyme", passbyme),
    ROUTE_KEYS("passbyme", passbyme.tls.route),
    {"passbyme", "availability", KEY_UINT, OFF(passbyme.availability), 10, 3600,
     NULL},
    {"passbyme", "subject", KEY_STR, OFF(passbyme.subject), 0, 0, NULL},
    {"toopher", "url", KEY_URL, OFF(toopher.url), 0, 0, NULL},
    ROUTE_KEYS("toopher", toopher.route),
    {"toopher", "ca", KEY_STR, OFF(toopher.ca), 0, 0, NULL},
    {"toopher", "consumer_key", KEY_STR, OFF(toopher.consumer_key), 0, 0, NULL},
    {"toopher", "consumer_secret", KEY_SECRET, OFF(toopher.consumer_secret), 0,
     0, NULL},
    {"toopher", "consumer_secret_file", KEY_STR,
     OFF(toopher.consumer_secret_file), 0, 0, NULL},
};

static char **str_field(struct mid_config *cfg, const struct key_def *k)
{
	return (char **)((char *)cfg + k->offset);
}

static int set_str(char **field, const char *value, bool secret)
{
	char *copy = strdup(value);

	if (!copy)
		return MID_E_NOMEM;
	if (secret)
		util_strfree(*field);
	else
		free(*field);
	*field = copy;
	return 0;
}

static int bad_value(const char *where, const struct key_def *k,
		     const char *allowed, struct mid_log *log)
{
	mid_log_err(log, "%s: %s must be %s", where, k->name, allowed);
	return MID_E_CONFIG;
}

/* "N/S": at most N in S seconds; N = 0 switches the limit off. */
static int set_rate(struct mid_config *cfg, const struct key_def *k,
		    const char *value, const char *where, struct mid_log *log)
{
	char n[16];
	const char *slash = strchr(value, '/');
	struct cfg_rate *out = (struct cfg_rate *)((char *)cfg + k->offset);
	unsigned count, secs;

	if (!slash || (size_t)(slash - value) >= sizeof(n))
		return bad_value(where, k, "N/SECONDS, e.g. 5/600", log);
	snprintf(n, sizeof(n), "%.*s", (int)(slash - value), value);
	if (util_parse_uint(n, k->min, k->max, &count) < 0 ||
	    util_parse_uint(slash + 1, 1, 86400, &secs) < 0)
		return bad_value(where, k,
				 "N/SECONDS with N from 0 to 100 and "
				 "SECONDS from 1 to 86400",
				 log);
	out->count = count;
	out->secs = secs;
	return 0;
}

/* Stores one value; where says "file:line" or "argument" for the log. */
static int set_key(struct mid_config *cfg, const struct key_def *k,
		   const char *value, const char *where, struct mid_log *log)
{
	const char *why;
	unsigned v;

	switch (k->type) {
	case KEY_URL:
		/* a provider is only ever spoken to over verified TLS */
		if (strncmp(value, "https://", 8) != 0 || strlen(value) < 9 ||
		    strlen(value) > 512) {
			mid_log_err(log, "%s: %s must be an https:// URL",
				    where, k->name);
			return MID_E_CONFIG;
		}
		return set_str(str_field(cfg, k), value, false);
	case KEY_STR:
	case KEY_SECRET:
		if (!*value) {
			mid_log_err(log, "%s: %s is empty", where, k->name);
			return MID_E_CONFIG;
		}
		return set_str(str_field(cfg, k), value, k->type == KEY_SECRET);
	case KEY_PROXY:
	case KEY_HOSTS:
		if (!*value) /* "proxy =": direct, the default */
			return 0;
		why = k->type == KEY_PROXY ? proxy_url_problem(value)
					   : proxy_hosts_problem(value);
		if (why) {
			mid_log_err(log, "%s: %s %s", where, k->name, why);
			return MID_E_CONFIG;
		}
		return set_str(str_field(cfg, k), value, false);
	case KEY_UINT:
		if (util_parse_uint(value, k->min, k->max, &v) < 0) {
			mid_log_err(log,
				    "%s: %s must be a number from %u to %u",
				    where, k->name, k->min, k->max);
			return MID_E_CONFIG;
		}
		*(unsigned *)((char *)cfg + k->offset) = v;
		return 0;
	case KEY_GROUPS:
		return scope_parse(value,
				   (struct scope *)((char *)cfg + k->offset),
				   log) < 0
			   ? bad_value(where, k,
				       "a list of group names, "
				       "!group to exclude",
				       log)
			   : 0;
	case KEY_RATE: return set_rate(cfg, k, value, where, log);
	case KEY_ENUM:
		for (unsigned i = 0; k->names[i]; i++) {
			if (strcmp(value, k->names[i]) != 0)
				continue;
			if (k->names == bool_names)
				*(bool *)((char *)cfg + k->offset) = i;
			else
				*(int *)((char *)cfg + k->offset) = (int)i;
			return 0;
		}
		mid_log_err(log, "%s: bad value for %s", where, k->name);
		return MID_E_CONFIG;
	}
	return MID_E_INTERNAL;
}

static const struct key_def *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < MID_ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int cfg_defaults(struct mid_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout = 90;
	cfg->bankid.poll = 2;
	cfg->passbyme.availability = 120;
	cfg->policy.deny_hold = 60;
	cfg->policy.max_requests.count = 5;
	cfg->policy.max_requests.secs = 600;
	if (!(cfg->path = strdup(CFG_DEFAULT_PATH)) ||
	    !(cfg->usermap = strdup("/etc/security/pam_mobileid.usermap")) ||
	    !(cfg->message = strdup("Log in to %h as %u (%s from %r)")) ||
	    !(cfg->policy.state_dir = strdup(STATE_DEFAULT_DIR)) ||
	    !(cfg->bankid.tls.url =
		  strdup("https://appapi2.bankid.com/rp/v6.0/")) ||
	    !(cfg->passbyme.tls.url =
		  strdup("https://auth-sp.passbyme.com/frontend/")) ||
	    !(cfg->passbyme.subject = strdup("Login approval")) ||
	    !(cfg->toopher.url = strdup("https://api.toopher.com/v1/")))
		return MID_E_NOMEM;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* A value's trailing "# comment": '#' or ';' after white space. */
static void strip_comment(char *v)
{
	for (char *p = v; *p; p++) {
		if ((*p == '#' || *p == ';') && p > v &&
		    (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

/* "[name]": [general], or the section of a provider this build has; the
 * keys of a provider's section stay unknown until its row exists. */
static int parse_section(struct mid_config *cfg, char *line, char *section,
			 size_t seclen, const char *where, struct mid_log *log)
{
	char *end = strchr(line, ']'), *name = line + 1;

	if (!end || *trim(end + 1)) {
		mid_log_err(log, "%s: bad section header", where);
		return MID_E_CONFIG;
	}
	*end = '\0';
	if (strlen(name) >= seclen ||
	    (strcmp(name, "general") != 0 && !provider_find(name))) {
		mid_log_err(log, "%s: unknown section [%s]", where, name);
		return MID_E_CONFIG;
	}
	snprintf(section, seclen, "%s", name);
	if (strcmp(name, "bankid") == 0)
		cfg->bankid.present = true;
	else if (strcmp(name, "passbyme") == 0)
		cfg->passbyme.present = true;
	else if (strcmp(name, "toopher") == 0)
		cfg->toopher.present = true;
	return 0;
}

static int parse_line(struct mid_config *cfg, char *line, char *section,
		      size_t seclen, unsigned *seen, bool *has_secret,
		      const char *where, struct mid_log *log)
{
	const struct key_def *k;
	char *eq, *name, *value;
	size_t idx;

	line = trim(line);
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (*line == '[')
		return parse_section(cfg, line, section, seclen, where, log);
	eq = strchr(line, '=');
	if (!eq || !*section) {
		mid_log_err(log, "%s: expected key = value in a section",
			    where);
		return MID_E_CONFIG;
	}
	*eq = '\0';
	name = trim(line);
	value = eq + 1;
	strip_comment(value);
	value = trim(value);
	k = find_key(section, name);
	if (!k) {
		mid_log_err(log, "%s: unknown key '%s' in [%s]", where, name,
			    section);
		return MID_E_CONFIG;
	}
	/* a key given twice is a mistake: say so rather than guess */
	idx = (size_t)(k - keys);
	if (seen[idx / 32] & (1u << (idx % 32))) {
		mid_log_err(log, "%s: '%s' given twice", where, name);
		return MID_E_CONFIG;
	}
	seen[idx / 32] |= 1u << (idx % 32);
	if (k->type == KEY_SECRET)
		*has_secret = true;
	return set_key(cfg, k, value, where, log);
}

int cfg_parse_text(struct mid_config *cfg, const char *text, size_t len,
		   const char *path, bool *has_secret, struct mid_log *log)
{
	unsigned seen[(MID_ARRAY_SIZE(keys) + 31) / 32] = {0};
	char section[16] = "";
	struct file_lines it;
	int r;

	*has_secret = false;
	file_lines_init(&it, text, len, path);
	while ((r = file_lines_next(&it, log)) > 0) {
		r = parse_line(cfg, it.line, section, sizeof(section), seen,
			       has_secret, it.where, log);
		if (r < 0)
			break;
	}
	file_lines_end(&it);
	return r;
}

int cfg_apply_args(struct mid_config *cfg, int argc, const char **argv,
		   struct mid_log *log)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '=');
		const struct key_def *k;
		char name[64], where[96];
		size_t n;
		int r;

		if (strcmp(arg, "debug") == 0) {
			cfg->debug = true;
			continue;
		}
		snprintf(where, sizeof(where), "module argument %d", i + 1);
		n = eq ? (size_t)(eq - arg) : 0;
		if (!eq || n == 0 || n >= sizeof(name)) {
			mid_log_err(log, "%s: expected KEY=VALUE", where);
			return MID_E_CONFIG;
		}
		memcpy(name, arg, n);
		name[n] = '\0';
		if (strcmp(name, "conf") == 0)
			continue; /* read before the file */
		k = find_key("general", name);
		if (!k) {
			/* a typo must never open a door */
			mid_log_err(log, "%s: unknown argument '%s'", where,
				    name);
			return MID_E_CONFIG;
		}
		r = set_key(cfg, k, eq + 1, where, log);
		if (r < 0)
			return r;
	}
	return 0;
}

int cfg_load(struct mid_config *cfg, int argc, const char **argv,
	     struct mid_log *log)
{
	char *text = NULL;
	size_t len = 0;
	unsigned mode = 0;
	bool has_secret = false;
	int r;

	r = cfg_defaults(cfg);
	if (r < 0)
		return r;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0) {
			r = set_str(&cfg->path, argv[i] + 5, false);
			if (r < 0)
				return r;
		} else if (strcmp(argv[i], "debug") == 0) {
			cfg->debug = true;
		}
	}
	if (log && cfg->debug)
		log->debug = true;
	r = file_read(cfg->path, FILE_PUBLIC, CFG_MAX_FILE, &text, &len, &mode,
		      log);
	if (r < 0)
		return r;
	r = cfg_parse_text(cfg, text, len, cfg->path, &has_secret, log);
	if (r == 0 && has_secret && (mode & S_IROTH)) {
		mid_log_err(log,
			    "%s: holds a password but is readable by "
			    "other",
			    cfg->path);
		r = MID_E_CONFIG;
	}
	util_freezero(text, len);
	if (r < 0)
		return r;
	r = cfg_apply_args(cfg, argc, argv, log);
	if (log && cfg->debug)
		log->debug = true;
	return r;
}

static void route_free(struct cfg_route *r)
{
	free(r->proxy);
	free(r->no_proxy);
}

static void tls_free(struct cfg_tls *t)
{
	free(t->url);
	free(t->cert);
	free(t->key);
	util_strfree(t->password);
	free(t->password_file);
	free(t->ca);
	route_free(&t->route);
}

void cfg_free(struct mid_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->usermap);
	free(cfg->message);
	free(cfg->policy.state_dir);
	tls_free(&cfg->bankid.tls);
	tls_free(&cfg->passbyme.tls);
	free(cfg->passbyme.subject);
	free(cfg->toopher.url);
	free(cfg->toopher.ca);
	free(cfg->toopher.consumer_key);
	util_strfree(cfg->toopher.consumer_secret);
	free(cfg->toopher.consumer_secret_file);
	route_free(&cfg->toopher.route);
	memset(cfg, 0, sizeof(*cfg));
}
