/* The configuration: defaults, every key of the file, module arguments, and
 * the rejections that keep a typo from opening a door. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "mid.h"
#include "provider.h"
#include "testlib.h"

static struct mid_log quiet = {0};
static struct mid_log loud = {.sink = mid_log_sink_tool};

/* Defaults, then text; returns the parse result. cfg_free by the caller. */
static int parse(struct mid_config *cfg, const char *text, bool *secret)
{
	bool dummy;

	assert_int_equal(cfg_defaults(cfg), 0);
	return cfg_parse_text(cfg, text, strlen(text), "/etc/test.conf",
			      secret ? secret : &dummy, &quiet);
}

static void assert_refused(const char *text)
{
	struct mid_config cfg;
	int r = parse(&cfg, text, NULL);

	cfg_free(&cfg);
	if (r != MID_E_CONFIG)
		fail_msg("accepted (%d):\n%s", r, text);
}

static void test_defaults_are_the_documented_ones(void **state)
{
	struct mid_config cfg;

	assert_int_equal(cfg_defaults(&cfg), 0);
	assert_string_equal(cfg.path, "/etc/security/pam_mobileid.conf");
	assert_string_equal(cfg.usermap, "/etc/security/pam_mobileid.usermap");
	assert_int_equal(cfg.timeout, 90);
	assert_int_equal(cfg.qr, CFG_QR_AUTO);
	assert_int_equal(cfg.charset, CFG_CHARSET_AUTO);
	assert_int_equal(cfg.unmapped, CFG_UNMAPPED_DENY);
	assert_int_equal(cfg.failmode, CFG_FAIL_SECURE);
	assert_string_equal(cfg.message, "Log in to %h as %u (%s from %r)");
	assert_int_equal(cfg.theme, CFG_THEME_DARK);
	assert_int_equal(cfg.lang, CFG_LANG_AUTO);
	assert_false(cfg.debug);
	assert_false(cfg.bankid.present);
	assert_string_equal(cfg.bankid.tls.url,
			    "https://appapi2.bankid.com/rp/v6.0/");
	assert_int_equal(cfg.bankid.poll, 2);
	assert_null(cfg.bankid.tls.cert);
	assert_null(cfg.bankid.tls.password);
	assert_string_equal(cfg.passbyme.tls.url,
			    "https://auth-sp.passbyme.com/frontend/");
	assert_int_equal(cfg.passbyme.availability, 120);
	assert_string_equal(cfg.passbyme.subject, "Login approval");
	assert_string_equal(cfg.toopher.url, "https://api.toopher.com/v1/");
	cfg_free(&cfg);
}

static const char every_key[] = "# every key there is\n"
				"[general]\n"
				"usermap   = /etc/um\n"
				"timeout   = 100   # seconds\n"
				"qr        = prompt\n"
				"charset   = ascii\n"
				"unmapped  = ignore\n"
				"failmode  = safe\n"
				"message   = Hi %u on %h\n"
				"theme     = light\n"
				"lang      = sv\n"
				"debug     = yes\n"
				"\n"
				"[bankid]\n"
				"url       = https://bankid.test/rp/v6.0/\n"
				"cert      = /b/cert.p12\n"
				"key       = /b/key.pem\n"
				"password  = b-secret\n"
				"password_file = /b/pass\n"
				"ca        = /b/ca.pem\n"
				"poll      = 3\n"
				"[passbyme]\n"
				"url = https://pbm.test/frontend/\n"
				"cert = /p/cert.pem\n"
				"key = /p/key.pem\n"
				"password = p-secret\n"
				"password_file = /p/pass\n"
				"ca = /p/ca.pem\n"
				"availability = 300\n"
				"subject = Please approve\n"
				"[toopher]\n"
				"url = https://toopher.test/v1/\n"
				"ca = /t/ca.pem\n"
				"consumer_key = ck\n"
				"consumer_secret = cs\n"
				"consumer_secret_file = /t/secret\n";

static void test_every_key_of_every_section_is_stored(void **state)
{
	struct mid_config cfg;
	bool secret = false;

	assert_int_equal(parse(&cfg, every_key, &secret), 0);
	assert_true(secret);
	assert_string_equal(cfg.usermap, "/etc/um");
	assert_int_equal(cfg.timeout, 100);
	assert_int_equal(cfg.qr, CFG_QR_PROMPT);
	assert_int_equal(cfg.charset, CFG_CHARSET_ASCII);
	assert_int_equal(cfg.unmapped, CFG_UNMAPPED_IGNORE);
	assert_int_equal(cfg.failmode, CFG_FAIL_SAFE);
	assert_string_equal(cfg.message, "Hi %u on %h");
	assert_int_equal(cfg.theme, CFG_THEME_LIGHT);
	assert_int_equal(cfg.lang, CFG_LANG_SV);
	assert_true(cfg.debug);

	assert_true(cfg.bankid.present);
	assert_string_equal(cfg.bankid.tls.url, "https://bankid.test/rp/v6.0/");
	assert_string_equal(cfg.bankid.tls.cert, "/b/cert.p12");
	assert_string_equal(cfg.bankid.tls.key, "/b/key.pem");
	assert_string_equal(cfg.bankid.tls.password, "b-secret");
	assert_string_equal(cfg.bankid.tls.password_file, "/b/pass");
	assert_string_equal(cfg.bankid.tls.ca, "/b/ca.pem");
	assert_int_equal(cfg.bankid.poll, 3);

	assert_true(cfg.passbyme.present);
	assert_string_equal(cfg.passbyme.tls.url, "https://pbm.test/frontend/");
	assert_string_equal(cfg.passbyme.tls.cert, "/p/cert.pem");
	assert_string_equal(cfg.passbyme.tls.key, "/p/key.pem");
	assert_string_equal(cfg.passbyme.tls.password, "p-secret");
	assert_string_equal(cfg.passbyme.tls.password_file, "/p/pass");
	assert_string_equal(cfg.passbyme.tls.ca, "/p/ca.pem");
	assert_int_equal(cfg.passbyme.availability, 300);
	assert_string_equal(cfg.passbyme.subject, "Please approve");

	assert_true(cfg.toopher.present);
	assert_string_equal(cfg.toopher.url, "https://toopher.test/v1/");
	assert_string_equal(cfg.toopher.ca, "/t/ca.pem");
	assert_string_equal(cfg.toopher.consumer_key, "ck");
	assert_string_equal(cfg.toopher.consumer_secret, "cs");
	assert_string_equal(cfg.toopher.consumer_secret_file, "/t/secret");
	cfg_free(&cfg);
}

static void test_every_enum_value_is_accepted(void **state)
{
	static const struct {
		const char *line;
		size_t off;
		int want;
	} cases[] = {
	    {"qr = auto", offsetof(struct mid_config, qr), CFG_QR_AUTO},
	    {"qr = animate", offsetof(struct mid_config, qr), CFG_QR_ANIMATE},
	    {"qr = off", offsetof(struct mid_config, qr), CFG_QR_OFF},
	    {"charset = utf8", offsetof(struct mid_config, charset),
	     CFG_CHARSET_UTF8},
	    {"unmapped = deny", offsetof(struct mid_config, unmapped),
	     CFG_UNMAPPED_DENY},
	    {"failmode = secure", offsetof(struct mid_config, failmode),
	     CFG_FAIL_SECURE},
	    {"theme = dark", offsetof(struct mid_config, theme),
	     CFG_THEME_DARK},
	    {"lang = en", offsetof(struct mid_config, lang), CFG_LANG_EN},
	    {"lang = auto", offsetof(struct mid_config, lang), CFG_LANG_AUTO},
	};
	struct mid_config cfg;
	char text[128];

	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "[general]\n%s\n", cases[i].line);
		assert_int_equal(parse(&cfg, text, NULL), 0);
		assert_int_equal(*(int *)((char *)&cfg + cases[i].off),
				 cases[i].want);
		cfg_free(&cfg);
	}
}

static void
test_trailing_comments_are_stripped_but_not_inner_hashes(void **state)
{
	struct mid_config cfg;

	assert_int_equal(parse(&cfg,
			       "[general]\r\n"
			       "  timeout=30\t# half a minute\r\n"
			       "message = Login #%u\n"
			       "usermap = /etc/a#b ; and a comment\n"
			       "; a whole-line comment\n"
			       "   # another\n",
			       NULL),
			 0);
	assert_int_equal(cfg.timeout, 30);
	assert_string_equal(cfg.message, "Login");
	assert_string_equal(cfg.usermap, "/etc/a#b");
	cfg_free(&cfg);
}

static void test_no_secret_means_has_secret_false(void **state)
{
	struct mid_config cfg;
	bool secret = true;

	assert_int_equal(
	    parse(&cfg, "[bankid]\npassword_file = /p\ncert = /c\n", &secret),
	    0);
	assert_false(secret);
	cfg_free(&cfg);
	assert_int_equal(
	    parse(&cfg, "[toopher]\nconsumer_secret = x\n", &secret), 0);
	assert_true(secret);
	cfg_free(&cfg);
}

static void parse_bad_line_four(void *arg)
{
	static const char text[] = "[bankid]\npassword = hunter2\n\n"
				   "password = hunter3\n";
	struct mid_config cfg;
	bool secret;

	assert_int_equal(cfg_defaults(&cfg), 0);
	assert_int_equal(cfg_parse_text(&cfg, text, sizeof(text) - 1,
					"/etc/test.conf", &secret, &loud),
			 MID_E_CONFIG);
	cfg_free(&cfg);
}

static void parse_nul_on_line_three(struct mid_log *log, void *arg)
{
	/* read as a C string, the file would end after line two: the
	 * failmode after the NUL would go unseen, and so would any error */
	static const char text[] = "[general]\ntimeout = 30\n\0"
				   "failmode = safe\n";
	struct mid_config cfg;
	bool secret;

	assert_int_equal(cfg_defaults(&cfg), 0);
	assert_int_equal(cfg_parse_text(&cfg, text, sizeof(text) - 1,
					"/etc/test.conf", &secret, log),
			 MID_E_CONFIG);
	cfg_free(&cfg);
}

static void test_nul_byte_is_an_error_naming_the_line(void **state)
{
	assert_string_equal(logged(parse_nul_on_line_three, NULL),
			    "/etc/test.conf:3: NUL byte in the line\n");
}

static void test_rejection_names_file_and_line_but_no_secret(void **state)
{
	const char *log = captured(parse_bad_line_four, NULL);

	assert_non_null(strstr(log, "/etc/test.conf:4:"));
	assert_non_null(strstr(log, "given twice"));
	assert_null(strstr(log, "hunter"));
}

static void test_key_given_twice_is_an_error(void **state)
{
	struct mid_config cfg;

	assert_refused("[general]\ntimeout = 30\ntimeout = 30\n");
	assert_refused("[general]\nqr = off\n[bankid]\n[general]\nqr = off\n");
	/* the same name in two sections is two keys */
	assert_int_equal(parse(&cfg,
			       "[bankid]\nurl = https://a/\n"
			       "[passbyme]\nurl = https://b/\n",
			       NULL),
			 0);
	assert_string_equal(cfg.bankid.tls.url, "https://a/");
	assert_string_equal(cfg.passbyme.tls.url, "https://b/");
	cfg_free(&cfg);
}

static void test_unknown_keys_sections_and_stray_lines_are_errors(void **state)
{
	assert_refused("[general]\ntimeuot = 30\n");
	assert_refused("[general]\npoll = 3\n"); /* a [bankid] key */
	assert_refused("[bankid]\ntimeout = 30\n");
	assert_refused("[nosuch]\n");
	assert_refused("[General]\n");
	assert_refused("[general\n");
	assert_refused("[general] x\n");
	assert_refused("timeout = 30\n[general]\n"); /* outside a section */
	assert_refused("[general]\njust words\n");
	assert_refused("[general]\n = 30\n");
}

static void test_bad_enum_values_are_errors(void **state)
{
	assert_refused("[general]\nqr = sometimes\n");
	assert_refused("[general]\nqr = AUTO\n");
	assert_refused("[general]\ncharset = latin1\n");
	assert_refused("[general]\nunmapped = allow\n");
	assert_refused("[general]\nfailmode = open\n");
	assert_refused("[general]\ntheme = blue\n");
	assert_refused("[general]\nlang = de\n");
	assert_refused("[general]\ndebug = true\n");
	assert_refused("[general]\nqr =\n");
}

static void test_numbers_out_of_range_or_not_numbers_are_errors(void **state)
{
	struct mid_config cfg;

	assert_refused("[general]\ntimeout = 4\n");
	assert_refused("[general]\ntimeout = 3601\n");
	assert_refused("[general]\ntimeout = 90s\n");
	assert_refused("[general]\ntimeout = -1\n");
	assert_refused("[general]\ntimeout = +90\n");
	assert_refused("[general]\ntimeout = 0x10\n");
	assert_refused("[general]\ntimeout = 4294967386\n"); /* 2^32 + 90 */
	assert_refused("[general]\ntimeout =\n");
	assert_refused("[bankid]\npoll = 0\n");
	assert_refused("[bankid]\npoll = 31\n");
	assert_refused("[passbyme]\navailability = 9\n");
	/* the bounds themselves are fine */
	assert_int_equal(parse(&cfg,
			       "[general]\ntimeout = 5\n[bankid]\n"
			       "poll = 1\n",
			       NULL),
			 0);
	assert_int_equal(cfg.timeout, 5);
	assert_int_equal(cfg.bankid.poll, 1);
	cfg_free(&cfg);
	assert_int_equal(parse(&cfg,
			       "[general]\ntimeout = 3600\n[bankid]\n"
			       "poll = 30\n",
			       NULL),
			 0);
	assert_int_equal(cfg.timeout, 3600);
	assert_int_equal(cfg.bankid.poll, 30);
	cfg_free(&cfg);
}

static void test_provider_urls_must_be_https(void **state)
{
	assert_refused("[bankid]\nurl = http://appapi2.bankid.com/rp/v6.0/\n");
	assert_refused("[bankid]\nurl = HTTPS://a/\n");
	assert_refused("[bankid]\nurl = https://\n");
	assert_refused("[bankid]\nurl = ftp://a/\n");
	assert_refused("[passbyme]\nurl = //a/\n");
	assert_refused("[toopher]\nurl = http://api.toopher.com/v1/\n");
}

/* A section is a provider's only when the provider table has its row. */
static void test_section_of_a_provider_not_built_is_unknown(void **state)
{
	assert_null(provider_find("freja"));
	assert_refused("[freja]\n");
}

static void test_empty_string_values_are_errors(void **state)
{
	assert_refused("[general]\nusermap =\n");
	assert_refused("[general]\nmessage =    # nothing\n");
	assert_refused("[bankid]\ncert = \n");
	assert_refused("[bankid]\npassword =\n");
}

static void test_line_too_long_is_an_error(void **state)
{
	char text[1200];

	snprintf(text, sizeof(text), "[general]\nmessage = %01100d\n", 0);
	assert_refused(text);
}

static void test_module_arguments_override_the_file(void **state)
{
	struct mid_config cfg;
	const char *argv[] = {"conf=/somewhere/else", "timeout=60", "qr=off",
			      "message=Yo %u", "debug"};

	assert_int_equal(
	    parse(&cfg, "[general]\ntimeout = 30\nqr = prompt\n", NULL), 0);
	assert_int_equal(cfg_apply_args(&cfg, 5, argv, &quiet), 0);
	assert_int_equal(cfg.timeout, 60);
	assert_int_equal(cfg.qr, CFG_QR_OFF);
	assert_string_equal(cfg.message, "Yo %u");
	assert_true(cfg.debug);
	/* conf= is for cfg_load, not a setting */
	assert_string_equal(cfg.path, "/etc/security/pam_mobileid.conf");
	cfg_free(&cfg);
}

static void test_debug_argument_and_debug_key_both_turn_debug_on(void **state)
{
	struct mid_config cfg;
	const char *on[] = {"debug=yes"}, *off[] = {"debug=no"};

	assert_int_equal(cfg_defaults(&cfg), 0);
	assert_int_equal(cfg_apply_args(&cfg, 1, on, &quiet), 0);
	assert_true(cfg.debug);
	assert_int_equal(cfg_apply_args(&cfg, 1, off, &quiet), 0);
	assert_false(cfg.debug);
	cfg_free(&cfg);
}

static void test_bad_module_arguments_fail_closed(void **state)
{
	static const char *const bad[] = {
	    "timeuot=30",     /* unknown */
	    "nosuch",	      /* no '=' */
	    "conf",	      /* no '=' either */
	    "=30",	      /* no name */
	    "timeout=3",      /* out of range */
	    "qr=sometimes",   /* bad enum */
	    "url=https://a/", /* a [bankid] key is not an argument */
	    "usermap=",	      /* empty */
	    "Debug",
	    "debug ",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "a=1",
	};
	struct mid_config cfg;

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++) {
		const char *argv[] = {"timeout=60", bad[i]};

		assert_int_equal(cfg_defaults(&cfg), 0);
		if (cfg_apply_args(&cfg, 2, argv, &quiet) != MID_E_CONFIG)
			fail_msg("accepted argument '%s'", bad[i]);
		cfg_free(&cfg);
	}
}

/* A root-owned file in a fresh directory; returns its path (static). */
static const char *write_file(const char *text, mode_t mode)
{
	static char dir[128], path[sizeof(dir) + 16];

	if (!dir[0])
		test_safe_dir(dir, sizeof(dir), "unit-config");
	snprintf(path, sizeof(path), "%s/p.conf", dir);
	test_write_file(path, text, mode);
	return path;
}

/* A file of the source tree as a heap string. */
static char *source_file(const char *rel)
{
	const char *src = getenv("MID_SOURCE_DIR");
	char path[512], *text;
	FILE *f;
	long n;

	if (src)
		snprintf(path, sizeof(path), "%s/%s", src, rel);
	else /* this file is tests/unit/test_config.c */
		snprintf(path, sizeof(path), "%.*s%s",
			 (int)(strlen(__FILE__) -
			       strlen("tests/unit/test_config.c")),
			 __FILE__, rel);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static void test_shipped_sample_config_parses_to_the_defaults(void **state)
{
	struct mid_config cfg, def;
	char *text = source_file("conf/pam_mobileid.conf");
	bool secret = true;

	assert_int_equal(parse(&cfg, text, &secret), 0);
	assert_false(secret);
	assert_int_equal(cfg_defaults(&def), 0);
	assert_string_equal(cfg.usermap, def.usermap);
	assert_int_equal(cfg.timeout, def.timeout);
	assert_int_equal(cfg.qr, def.qr);
	assert_int_equal(cfg.failmode, def.failmode);
	assert_string_equal(cfg.message, def.message);
	assert_true(cfg.bankid.present);
	assert_string_equal(cfg.bankid.tls.url, def.bankid.tls.url);
	assert_string_equal(cfg.bankid.tls.password_file,
			    "/etc/pam_mobileid/bankid.pass");
	cfg_free(&def);
	cfg_free(&cfg);
	free(text);
}

static void test_load_reads_conf_then_applies_arguments(void **state)
{
	struct mid_config cfg;
	struct mid_log log = {0};
	char conf[256];
	const char *path;
	const char *argv[2];

	if (geteuid() != 0)
		skip(); /* the file must be owned by root */
	path = write_file("[general]\ntimeout = 30\nqr = prompt\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s", path);
	argv[0] = conf;
	argv[1] = "qr=off";
	assert_int_equal(cfg_load(&cfg, 2, argv, &log), 0);
	assert_string_equal(cfg.path, path);
	assert_int_equal(cfg.timeout, 30);
	assert_int_equal(cfg.qr, CFG_QR_OFF);
	assert_false(log.debug);
	cfg_free(&cfg);

	argv[1] = "debug";
	assert_int_equal(cfg_load(&cfg, 2, argv, &log), 0);
	assert_true(cfg.debug);
	assert_true(log.debug);
	cfg_free(&cfg);
	unlink(path);
}

static void test_load_refuses_a_bad_file_or_argument(void **state)
{
	struct mid_config cfg;
	char conf[256];
	const char *path;
	const char *argv[2];

	if (geteuid() != 0)
		skip();
	path = write_file("[general]\ntimeout = 30\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s", path);
	argv[0] = conf;
	argv[1] = "tiemout=60";
	assert_int_equal(cfg_load(&cfg, 2, argv, &quiet), MID_E_CONFIG);
	cfg_free(&cfg);

	/* a password in a world-readable file */
	path = write_file("[bankid]\npassword = x\n", 0644);
	assert_int_equal(cfg_load(&cfg, 1, argv, &quiet), MID_E_CONFIG);
	cfg_free(&cfg);
	path = write_file("[bankid]\npassword = x\n", 0640);
	assert_int_equal(cfg_load(&cfg, 1, argv, &quiet), 0);
	assert_string_equal(cfg.bankid.tls.password, "x");
	cfg_free(&cfg);

	/* group-writable */
	path = write_file("[general]\n", 0664);
	assert_int_equal(cfg_load(&cfg, 1, argv, &quiet), MID_E_CONFIG);
	cfg_free(&cfg);
	unlink(path);

	/* missing, and relative */
	assert_int_equal(cfg_load(&cfg, 1, argv, &quiet), MID_E_CONFIG);
	cfg_free(&cfg);
	argv[0] = "conf=etc/pam_mobileid.conf";
	assert_int_equal(cfg_load(&cfg, 1, argv, &quiet), MID_E_CONFIG);
	cfg_free(&cfg);
}

static void test_policy_keys_have_the_documented_defaults(void **state)
{
	struct mid_config cfg;

	assert_int_equal(cfg_defaults(&cfg), 0);
	assert_false(scope_is_limited(&cfg.policy.groups));
	assert_int_equal(cfg.policy.su_approver, CFG_SU_CALLER);
	assert_false(cfg.policy.sudo_sign);
	assert_int_equal(cfg.policy.grace, 0);
	assert_int_equal(cfg.policy.concurrent, CFG_CONCURRENT_WAIT);
	assert_int_equal(cfg.policy.deny_hold, 60);
	assert_int_equal(cfg.policy.max_requests.count, 5);
	assert_int_equal(cfg.policy.max_requests.secs, 600);
	cfg_free(&cfg);
}

static void test_policy_keys_are_stored(void **state)
{
	struct mid_config cfg;

	assert_int_equal(
	    parse(&cfg,
		  "[general]\ngroups = wheel, sshusers,!contractors\n"
		  "su_approver = target\nsudo_sign = yes\n"
		  "grace = 300\nconcurrent = refuse\n"
		  "deny_hold = 0\nmax_requests = 3/60\n",
		  NULL),
	    0);
	assert_int_equal(cfg.policy.groups.n_allow, 2);
	assert_string_equal(cfg.policy.groups.allow[1], "sshusers");
	assert_string_equal(cfg.policy.groups.deny[0], "contractors");
	assert_int_equal(cfg.policy.su_approver, CFG_SU_TARGET);
	assert_true(cfg.policy.sudo_sign);
	assert_int_equal(cfg.policy.grace, 300);
	assert_int_equal(cfg.policy.concurrent, CFG_CONCURRENT_REFUSE);
	assert_int_equal(cfg.policy.deny_hold, 0);
	assert_int_equal(cfg.policy.max_requests.count, 3);
	assert_int_equal(cfg.policy.max_requests.secs, 60);
	cfg_free(&cfg);
	assert_int_equal(parse(&cfg, "[general]\ngroups =\n", NULL), 0);
	assert_false(scope_is_limited(&cfg.policy.groups));
	cfg_free(&cfg);
}

static void test_bad_policy_values_are_errors(void **state)
{
	assert_refused("[general]\ngroups = !contractors\n");
	assert_refused("[general]\ngroups = wheel,,staff\n");
	assert_refused("[general]\nmax_requests = 5\n");
	assert_refused("[general]\nmax_requests = 5/0\n");
	assert_refused("[general]\nmax_requests = 101/600\n");
	assert_refused("[general]\nmax_requests = x/600\n");
	assert_refused("[general]\nmax_requests = 5/600/1\n");
	assert_refused("[general]\nconcurrent = queue\n");
	assert_refused("[general]\nsu_approver = root\n");
	assert_refused("[general]\ngrace = 86401\n");
	assert_refused("[general]\ndeny_hold = -1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_are_the_documented_ones),
	    cmocka_unit_test(test_every_key_of_every_section_is_stored),
	    cmocka_unit_test(test_every_enum_value_is_accepted),
	    cmocka_unit_test(
		test_trailing_comments_are_stripped_but_not_inner_hashes),
	    cmocka_unit_test(test_no_secret_means_has_secret_false),
	    cmocka_unit_test(test_rejection_names_file_and_line_but_no_secret),
	    cmocka_unit_test(test_nul_byte_is_an_error_naming_the_line),
	    cmocka_unit_test(test_key_given_twice_is_an_error),
	    cmocka_unit_test(
		test_unknown_keys_sections_and_stray_lines_are_errors),
	    cmocka_unit_test(test_bad_enum_values_are_errors),
	    cmocka_unit_test(
		test_numbers_out_of_range_or_not_numbers_are_errors),
	    cmocka_unit_test(test_provider_urls_must_be_https),
	    cmocka_unit_test(test_section_of_a_provider_not_built_is_unknown),
	    cmocka_unit_test(test_empty_string_values_are_errors),
	    cmocka_unit_test(test_line_too_long_is_an_error),
	    cmocka_unit_test(test_module_arguments_override_the_file),
	    cmocka_unit_test(
		test_debug_argument_and_debug_key_both_turn_debug_on),
	    cmocka_unit_test(test_bad_module_arguments_fail_closed),
	    cmocka_unit_test(test_shipped_sample_config_parses_to_the_defaults),
	    cmocka_unit_test(test_load_reads_conf_then_applies_arguments),
	    cmocka_unit_test(test_load_refuses_a_bad_file_or_argument),
	    cmocka_unit_test(test_policy_keys_have_the_documented_defaults),
	    cmocka_unit_test(test_policy_keys_are_stored),
	    cmocka_unit_test(test_bad_policy_values_are_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
