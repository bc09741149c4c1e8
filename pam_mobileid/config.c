/* The configuration: INI file plus module arguments, one parser for both. */
#include "config.h"
#include "config_keys.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "file.h"
#include "log.h"
#include "mid.h"
#include "provider.h"
#include "state.h"
#include "util.h"

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
	    !(cfg->policy.audit_dir = strdup(AUDIT_DEFAULT_DIR)) ||
	    !(cfg->bankid.tls.url =
		  strdup("https://appapi2.bankid.com/rp/v6.0/")) ||
	    !(cfg->passbyme.tls.url =
		  strdup("https://auth-sp.passbyme.com/frontend/")) ||
	    !(cfg->passbyme.subject = strdup("Login approval")) ||
	    !(cfg->toopher.url = strdup("https://api.toopher.com/v1/")))
		return MID_E_NOMEM;
	return 0;
}

/* The section after a bad header: its keys are skipped, not reported. */
#define SECTION_SKIP "?"

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
		snprintf(section, seclen, "%s", SECTION_SKIP);
		return MID_E_CONFIG;
	}
	*end = '\0';
	if (strlen(name) >= seclen ||
	    (strcmp(name, "general") != 0 && !provider_find(name))) {
		mid_log_err(log,
			    "%s: unknown section [%s] (this build has "
			    "[general] and [bankid], [passbyme], [toopher])",
			    where, name);
		/* its keys are not read: one problem, not one per line */
		snprintf(section, seclen, "%s", SECTION_SKIP);
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
	const struct cfg_key *k;
	char *eq, *name, *value;
	size_t idx;

	line = trim(line);
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (*line == '[')
		return parse_section(cfg, line, section, seclen, where, log);
	if (strcmp(section, SECTION_SKIP) == 0)
		return 0;
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
	k = cfg_key_find(section, name);
	if (!k) {
		char known[512];

		cfg_keys_list(section, known, sizeof(known));
		mid_log_err(log, "%s: unknown key '%s' in [%s] (known: %s)",
			    where, name, section, known);
		return MID_E_CONFIG;
	}
	/* a key given twice is a mistake: say so rather than guess */
	idx = cfg_key_index(k);
	if (seen[idx / 32] & (1u << (idx % 32))) {
		mid_log_err(log, "%s: '%s' given twice", where, name);
		return MID_E_CONFIG;
	}
	seen[idx / 32] |= 1u << (idx % 32);
	if (cfg_key_is_secret(k))
		*has_secret = true;
	return cfg_key_set(cfg, k, value, where, log);
}

int cfg_parse_text(struct mid_config *cfg, const char *text, size_t len,
		   const char *path, bool *has_secret, struct mid_log *log)
{
	unsigned seen[(CFG_KEYS_MAX + 31) / 32] = {0};
	char section[16] = "";
	struct file_lines it;
	unsigned problems = 0;
	int r;

	*has_secret = false;
	file_lines_init(&it, text, len, path);
	/* every line is read and each problem logged, so an admin sees them
	 * all at once; any problem still refuses the whole file */
	while ((r = file_lines_next(&it, log)) != 0) {
		if (r > 0)
			r = parse_line(cfg, it.line, section, sizeof(section),
				       seen, has_secret, it.where, log);
		if (r == MID_E_NOMEM)
			break;
		if (r < 0)
			problems++;
	}
	file_lines_end(&it);
	if (r == MID_E_NOMEM)
		return r;
	return problems ? MID_E_CONFIG : 0;
}

int cfg_apply_args(struct mid_config *cfg, int argc, const char **argv,
		   struct mid_log *log)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '=');
		const struct cfg_key *k;
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
		k = cfg_key_find("general", name);
		if (!k) {
			/* a typo must never open a door */
			mid_log_err(log, "%s: unknown argument '%s'", where,
				    name);
			return MID_E_CONFIG;
		}
		r = cfg_key_set(cfg, k, eq + 1, where, log);
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
			r = cfg_set_str(&cfg->path, argv[i] + 5, false);
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
	free(cfg->policy.audit_dir);
	tls_free(&cfg->bankid.tls);
	free(cfg->bankid.signer_ca);
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

int cfg_load_path(const char *conf, struct mid_config *cfg, struct mid_log *log)
{
	const char *argv[1];
	char arg[PATH_MAX + 8], cwd[PATH_MAX];
	bool rel = conf[0] != '/';

	/* a relative path is the admin's: from this directory */
	if (rel && !getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	/* a path cut short would name another file: refuse it */
	if ((size_t)snprintf(arg, sizeof(arg), "conf=%s%s%s", rel ? cwd : "",
			     rel ? "/" : "", conf) >= sizeof(arg)) {
		memset(cfg, 0, sizeof(*cfg));
		mid_log_err(log, "config path too long (%zu bytes)",
			    strlen(conf));
		return MID_E_CONFIG;
	}
	argv[0] = arg;
	return cfg_load(cfg, 1, argv, log);
}
