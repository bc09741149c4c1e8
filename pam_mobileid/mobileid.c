/* mobileid: the admin tool. check the configuration, run the same
 * approval as the module in this terminal, or pair a Toopher app.
 * Exit codes: 0 ok/approved/paired, 1 problems found/not approved/not
 * paired, 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "approval.h"
#include "auditcmd.h"
#include "config.h"
#include "creds.h"
#include "hostlimits.h"
#include "log.h"
#include "mid.h"
#include "probe.h"
#include "provider.h"
#include "report.h"
#include "toopher.h"
#include "uipolicy.h"
#include "usermap.h"
#include "util.h"
#include "wait.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: mobileid check [-c CONF] [--probe]\n"
	    "       mobileid login [-c CONF] USER\n"
	    "       mobileid pair [-c CONF] USER PHRASE\n"
	    "       mobileid audit [-c CONF] [ORDER]\n"
	    "       mobileid --help | --version\n"
	    "\n"
	    "check  validate the config, user map, file permissions and\n"
	    "       certificates; print every problem; --probe: also\n"
	    "       make one harmless request to each provider (DNS, TLS,\n"
	    "       our certificate or signature accepted, its clock);\n"
	    "       nothing is started\n"
	    "login  run the approval for USER in this terminal\n"
	    "pair   pair USER's Toopher app: PHRASE is the words the app\n"
	    "       shows; waits until the pairing is confirmed in the app,\n"
	    "       then prints the user map line to add (on stdout)\n"
	    "audit  list the signed sudo records; with ORDER (an orderRef\n"
	    "       or its first 8 or more characters) verify that one\n"
	    "\n"
	    "Exit status: 0 ok, approved or paired; 1 problems found, not\n"
	    "approved or not paired (the reason on stderr); 2 usage "
	    "error.\naudit: 0 listed or verified, 1 a check failed or a "
	    "record\ncannot be read, 2 usage error or ORDER names several, "
	    "3 no record.\n");
}

static int term_conv(void *ctx, enum ui_style style, const char *msg,
		     char **answer)
{
	char line[256];

	*answer = NULL;
	if (style == UI_ERROR) {
		fprintf(stderr, "%s\n", msg);
		return 0;
	}
	if (style == UI_INFO) {
		printf("%s\n", msg);
		fflush(stdout);
		return 0;
	}
	printf("%s", msg);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return MID_E_CONV;
	line[strcspn(line, "\n")] = '\0';
	*answer = strdup(line);
	return 0;
}

/* Each configured provider of the table: its credentials load, its
 * settings agree with the rest, and with probe it answers over TLS.
 * Returns the number of problems. */
static int check_providers(const struct mid_config *cfg, bool probe,
			   struct mid_log *log)
{
	const struct provider_def *def;
	int problems = 0;

	for (size_t i = 0; (def = provider_at(i)) != NULL; i++) {
		int client = (def->needs & PROVIDER_NEEDS_CLIENT_CERT) != 0;
		int bad = 0;

		if (!def->configured(cfg))
			continue;
		if (def->tls && probe_creds(def->tls(cfg), def->name, client,
					    stdout, log) < 0)
			bad++;
		if (def->check_config && def->check_config(cfg, log) < 0)
			bad++;
		/* the probe needs what a login needs: credentials that load */
		if (probe && bad)
			printf("[%s] probe: not done (the problems above "
			       "first)\n",
			       def->name);
		else if (probe && def->probe)
			bad += def->probe(cfg, stdout, log) < 0;
		else if (probe && def->tls && client)
			bad += probe_tls(def->tls(cfg), def->name, stdout,
					 log) < 0;
		problems += bad;
	}
	return problems;
}

/* A host that gives up first ends the approval without a cancel. */
static void check_host_limits(const struct mid_config *cfg, const char *conf)
{
	unsigned secs;

	if (hostlimits_login_timeout(HOSTLIMITS_LOGIN_DEFS, &secs) == 0 &&
	    secs && cfg->timeout > secs)
		printf("%s: warning: timeout = %u is longer than login's "
		       "LOGIN_TIMEOUT (%u s in %s)\n",
		       conf, cfg->timeout, secs, HOSTLIMITS_LOGIN_DEFS);
	if (hostlimits_sshd_grace(HOSTLIMITS_SSHD_CONFIG, &secs) == 0 && secs &&
	    cfg->timeout > secs)
		printf("%s: warning: timeout = %u is longer than sshd's "
		       "LoginGraceTime (%u s in %s)\n",
		       conf, cfg->timeout, secs, HOSTLIMITS_SSHD_CONFIG);
}

static int cmd_check(const char *conf, bool probe, struct mid_log *log)
{
	struct mid_config cfg;
	int problems = 0, r;

	r = cfg_load_path(conf, &cfg, log);
	if (r < 0) {
		cfg_free(&cfg);
		/* every problem of the file is logged above, each with its line
		 */
		printf("%s: problems found (%s)\n", conf, mid_strerror(r));
		return EXIT_PROBLEM;
	}
	/* every line is checked, and each user's chain shown */
	r = report_chains(&cfg, stdout, log);
	if (r == 0)
		printf("%s: problem: no user is mapped, nobody can log in "
		       "(add a line 'USER provider:ID' per user)\n",
		       cfg.usermap);
	if (r <= 0)
		problems++;
	report_policy(&cfg, stdout);
	report_display(&cfg, stdout);
	problems += check_providers(&cfg, probe, log);
	problems += auditcmd_check(&cfg, log);
	check_host_limits(&cfg, conf);
	if (cfg.charset == CFG_CHARSET_ASCII && cfg.theme == CFG_THEME_LIGHT)
		/* scans only where colours force black on white (animate
		 * mode on a local terminal), never in an ssh prompt */
		printf("%s: warning: charset = ascii with theme = light draws "
		       "'#' as the dark modules, which no camera reads "
		       "without colours; use charset = utf8\n",
		       conf);
	cfg_free(&cfg);
	printf("%s: %s\n", conf, problems ? "problems found" : "ok");
	return problems ? EXIT_PROBLEM : 0;
}

static int cmd_login(const char *conf, const char *user, struct mid_log *log)
{
	struct mid_config cfg;
	struct approval_env env;
	struct approval_result res = {0};
	char quoted[MID_LOG_QUOTED_MAX];
	const char *why = usermap_name_problem(user);
	int r;

	if (why) {
		fprintf(stderr, "mobileid: user name %s\n", why);
		return EXIT_PROBLEM;
	}
	mid_log_quote(quoted, sizeof(quoted), user);
	r = cfg_load_path(conf, &cfg, log);
	if (r == 0) {
		memset(&env, 0, sizeof(env));
		env.user = user;
		env.service = "mobileid";
		env.local_tty = isatty(STDOUT_FILENO);
		/* the admin reads what this tool prints, wherever it goes */
		env.can_show = true;
		env.conv = term_conv;
		r = approval_run(&cfg, &env, log, &res);
		mid_log_notice(log, "login for %s: %s (%s %s)", quoted,
			       r == 0 ? "approved" : mid_strerror(r),
			       res.provider[0] ? res.provider : "-",
			       res.masked_id[0] ? res.masked_id : "-");
	}
	if (r < 0)
		fprintf(stderr, "mobileid: %s\n", mid_strerror(r));
	if (r == MID_E_UNMAPPED)
		fprintf(stderr,
			"mobileid: %s has no line in the user map %s; add one "
			"such as '%s bankid:YYYYMMDDNNNN' (or passbyme:EMAIL, "
			"toopher:ID from 'mobileid pair')\n",
			quoted, cfg.usermap, quoted);
	cfg_free(&cfg);
	/* Ctrl-C ends the tool as it ends any program, order cancelled */
	wait_deliver(res.signal);
	return r == 0 ? 0 : EXIT_PROBLEM;
}

struct pair_screen {
	enum mid_lang lang;
	bool tty;
	bool shown;
};

/* The wait for the app, on stderr: one line redrawn on a terminal, else a
 * line every ten seconds. */
static void pair_progress(void *ctx, enum mid_msg msg, unsigned secs)
{
	struct pair_screen *s = ctx;

	if (!s->tty && s->shown && secs % 10 != 0)
		return;
	fprintf(stderr, "%s%s %s %u s%s", s->tty ? "\r" : "",
		i18n_text(s->lang, msg), i18n_text(s->lang, MSG_TIME_LEFT),
		secs, s->tty ? "\033[K" : "\n");
	fflush(stderr);
	s->shown = true;
}

/* A user map name: no white space, no control characters, not empty. */
static bool user_ok(const char *user)
{
	size_t n = strlen(user);

	if (n == 0 || n > 255)
		return false;
	for (; *user; user++)
		if ((unsigned char)*user <= 0x20 || *user == 0x7f ||
		    *user == '#')
			return false;
	return true;
}

static int cmd_pair(const char *conf, const char *user, const char *phrase,
		    struct mid_log *log)
{
	struct mid_config cfg;
	struct pair_screen screen = {.tty = isatty(STDERR_FILENO)};
	char id[TOOPHER_ID_MAX + 1], quoted[MID_LOG_QUOTED_MAX];
	enum mid_msg msg = MSG_RFA22;
	int r;

	if (!user_ok(user)) {
		fprintf(stderr, "mobileid: '%s' cannot be a user map name\n",
			user);
		return EXIT_USAGE;
	}
	r = cfg_load_path(conf, &cfg, log);
	if (r == 0) {
		screen.lang = uipolicy_lang(&cfg, NULL);
		r = toopher_pair(&cfg, user, phrase,
				 util_now_ms() + cfg.timeout * 1000ull,
				 pair_progress, &screen, id, &msg, log);
		if (screen.shown && screen.tty)
			fputc('\n', stderr);
		mid_log_quote(quoted, sizeof(quoted), user);
		mid_log_notice(log, "pairing for %s: %s", quoted,
			       r == 0 ? "confirmed" : mid_strerror(r));
	}
	if (r == 0) {
		fprintf(stderr, "Paired. Add this line to %s:\n", cfg.usermap);
		printf("%s toopher:%s\n", user, id);
	} else {
		fprintf(stderr, "mobileid: not paired: %s%s%s\n",
			mid_strerror(r), msg != MSG_NONE ? ": " : "",
			i18n_text(screen.lang, msg));
	}
	cfg_free(&cfg);
	return r == 0 ? 0 : EXIT_PROBLEM;
}

/* Reads options up to the next non-option; returns an exit code to stop
 * with, or -1 to go on. */
static int parse_opts(int argc, char **argv, const char **conf, bool *probe)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"conf", required_argument, NULL, 'c'},
	    {"probe", no_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+hVc:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'V': printf("mobileid %s\n", MID_VERSION); return 0;
		case 'c': *conf = optarg; break;
		case 'p': *probe = true; break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct mid_log log = {.sink = mid_log_sink_tool};
	const char *conf = CFG_DEFAULT_PATH, *cmd;
	bool probe = false;
	int r;

	openlog("mobileid", LOG_PID, LOG_AUTHPRIV);
	if ((r = parse_opts(argc, argv, &conf, &probe)) >= 0)
		return r;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	/* options may also follow the command */
	if ((r = parse_opts(argc, argv, &conf, &probe)) >= 0)
		return r;
	if (strcmp(cmd, "check") == 0 && optind == argc)
		return cmd_check(conf, probe, &log);
	if (probe) {
		usage(stderr); /* --probe belongs to check */
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "login") == 0 && optind + 1 == argc)
		return cmd_login(conf, argv[optind], &log);
	if (strcmp(cmd, "audit") == 0 && optind + 1 >= argc)
		return auditcmd_run(conf, optind < argc ? argv[optind] : NULL,
				    &log);
	if (strcmp(cmd, "pair") == 0 && optind + 2 == argc)
		return cmd_pair(conf, argv[optind], argv[optind + 1], &log);
	usage(stderr);
	return EXIT_USAGE;
}
