/* The config's keys: one table of every section's keys, their types and
 * limits, and how a value is checked and stored. */
#include "config_keys.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "mid.h"
#include "proxy.h"
#include "scope.h"
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

struct cfg_key {
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

static const struct cfg_key keys[] = {
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
    {"general", "audit_dir", KEY_STR, OFF(policy.audit_dir), 0, 0, NULL},
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
    {"bankid", "signer_ca", KEY_STR, OFF(bankid.signer_ca), 0, 0, NULL},
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

_Static_assert(MID_ARRAY_SIZE(keys) <= CFG_KEYS_MAX, "raise CFG_KEYS_MAX");

static char **str_field(struct mid_config *cfg, const struct cfg_key *k)
{
	return (char **)((char *)cfg + k->offset);
}

int cfg_set_str(char **field, const char *value, bool secret)
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

static int bad_value(const char *where, const struct cfg_key *k,
		     const char *allowed, struct mid_log *log)
{
	mid_log_err(log, "%s: %s must be %s", where, k->name, allowed);
	return MID_E_CONFIG;
}

/* "N/S": at most N in S seconds; N = 0 switches the limit off. */
static int set_rate(struct mid_config *cfg, const struct cfg_key *k,
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

/* A provider is only ever spoken to over verified TLS. */
static int set_url(struct mid_config *cfg, const struct cfg_key *k,
		   const char *value, const char *where, struct mid_log *log)
{
	if (strncmp(value, "https://", 8) != 0 || strlen(value) < 9 ||
	    strlen(value) > 512) {
		mid_log_err(log, "%s: %s must be an https:// URL", where,
			    k->name);
		return MID_E_CONFIG;
	}
	return cfg_set_str(str_field(cfg, k), value, false);
}

/* proxy = http://host:port, no_proxy = hosts; empty: direct (the default) */
static int set_proxy(struct mid_config *cfg, const struct cfg_key *k,
		     const char *value, const char *where, struct mid_log *log)
{
	const char *why;

	if (!*value)
		return 0;
	why = k->type == KEY_PROXY ? proxy_url_problem(value)
				   : proxy_hosts_problem(value);
	if (why) {
		mid_log_err(log, "%s: %s %s", where, k->name, why);
		return MID_E_CONFIG;
	}
	return cfg_set_str(str_field(cfg, k), value, false);
}

/* "a, b, c": the names an enum key takes, for its error message. */
static void enum_allowed(char *out, size_t size, const char *const *names)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; names[i] && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
				 names[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* One of k->names: its index (a bool for no/yes). */
static int set_enum(struct mid_config *cfg, const struct cfg_key *k,
		    const char *value, const char *where, struct mid_log *log)
{
	char allowed[96], quoted[MID_LOG_QUOTED_MAX];

	for (unsigned i = 0; k->names[i]; i++) {
		if (strcmp(value, k->names[i]) != 0)
			continue;
		if (k->names == bool_names)
			*(bool *)((char *)cfg + k->offset) = i;
		else
			*(int *)((char *)cfg + k->offset) = (int)i;
		return 0;
	}
	enum_allowed(allowed, sizeof(allowed), k->names);
	mid_log_quote(quoted, sizeof(quoted), value);
	mid_log_err(log, "%s: bad value %s for %s (allowed: %s)", where, quoted,
		    k->name, allowed);
	return MID_E_CONFIG;
}

int cfg_key_set(struct mid_config *cfg, const struct cfg_key *k,
		const char *value, const char *where, struct mid_log *log)
{
	unsigned v;

	switch (k->type) {
	case KEY_URL: return set_url(cfg, k, value, where, log);
	case KEY_STR:
	case KEY_SECRET:
		if (!*value) {
			mid_log_err(log, "%s: %s is empty", where, k->name);
			return MID_E_CONFIG;
		}
		return cfg_set_str(str_field(cfg, k), value,
				   k->type == KEY_SECRET);
	case KEY_PROXY:
	case KEY_HOSTS: return set_proxy(cfg, k, value, where, log);
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
	case KEY_ENUM: return set_enum(cfg, k, value, where, log);
	}
	return MID_E_INTERNAL;
}

const struct cfg_key *cfg_key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < MID_ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

void cfg_keys_list(const char *section, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < MID_ARRAY_SIZE(keys) && used < size; i++) {
		int n;

		if (strcmp(keys[i].section, section) != 0)
			continue;
		n = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
			     keys[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

size_t cfg_key_index(const struct cfg_key *k) { return (size_t)(k - keys); }

bool cfg_key_is_secret(const struct cfg_key *k)
{
	return k->type == KEY_SECRET;
}
