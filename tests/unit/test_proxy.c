/* proxy = http://host:port and no_proxy = hosts: what the config accepts
 * before libcurl sees it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "mid.h"
#include "proxy.h"

static struct mid_log quiet = {0};

/* Defaults, then text; returns the parse result. cfg_free by the caller. */
static int parse(struct mid_config *cfg, const char *text)
{
	bool secret;

	assert_int_equal(cfg_defaults(cfg), 0);
	return cfg_parse_text(cfg, text, strlen(text), "/etc/test.conf",
			      &secret, &quiet);
}

static void test_http_host_port_is_the_accepted_proxy_form(void **state)
{
	assert_null(proxy_url_problem("http://proxy.example.com:3128"));
	assert_null(proxy_url_problem("http://proxy.example.com:3128/"));
	assert_null(proxy_url_problem("http://10.0.0.1:8080"));
	assert_null(proxy_url_problem("http://[2001:db8::1]:8080"));
	assert_null(proxy_url_problem("http://localhost:1"));
	assert_null(proxy_url_problem("http://localhost:65535"));
}

static void test_other_schemes_credentials_and_paths_are_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "proxy:3128",
	    "https://proxy:3128",
	    "socks5://proxy:1080",
	    "HTTP://proxy:3128",
	    "http://user:pw@proxy:3128",
	    "http://proxy:3128/path",
	    "http://proxy:3128?x",
	    "http://proxy",
	    "http://proxy:",
	    "http://:3128",
	    "http://proxy:0",
	    "http://proxy:65536",
	    "http://proxy:99999999",
	    "http://proxy:-1",
	    "http://pro xy:3128",
	    "http://proxy:3128 ",
	    "http://[]:3128",
	    "http://[2001:db8::1:8080",
	    "http://[::g]:1",
	    "http://proxy\n:3128",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!proxy_url_problem(bad[i]))
			fail_msg("accepted proxy '%s'", bad[i]);
}

static void test_an_overlong_proxy_is_refused(void **state)
{
	char v[PROXY_MAX_VALUE + 32] = "http://";
	size_t n = 7;

	while (n < PROXY_MAX_VALUE + 1)
		v[n++] = 'a';
	v[n] = '\0';
	assert_non_null(proxy_url_problem(v));
}

static void test_no_proxy_takes_hosts_addresses_and_domains(void **state)
{
	assert_null(proxy_hosts_problem("localhost"));
	assert_null(proxy_hosts_problem("localhost,127.0.0.1"));
	assert_null(proxy_hosts_problem(" localhost , .example.com ,[::1]"));
	assert_null(proxy_hosts_problem("appapi2.test.bankid.com"));
}

static void test_no_proxy_refuses_empty_entries_and_wildcards(void **state)
{
	static const char *const bad[] = {
	    "",		",",   "a,,b",		"a,", "*",    "a b",  "a;b",
	    "http://a", "a/b", "..example.com", ".",  "a\tb", "[::1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!proxy_hosts_problem(bad[i]))
			fail_msg("accepted no_proxy '%s'", bad[i]);
}

static void test_no_proxy_covers_hosts_and_the_hosts_below_domains(void **state)
{
	const char *list = "localhost, .example.com,bankid.com ,10.0.0.1";

	assert_true(proxy_bypassed("localhost", list));
	assert_true(proxy_bypassed("LOCALHOST", list));
	assert_true(proxy_bypassed("example.com", list));
	assert_true(proxy_bypassed("www.example.com", list));
	assert_true(proxy_bypassed("appapi2.test.bankid.com", list));
	assert_true(proxy_bypassed("10.0.0.1", list));
	assert_false(proxy_bypassed("notexample.com", list));
	assert_false(proxy_bypassed("example.com.evil", list));
	assert_false(proxy_bypassed("localhost2", list));
	assert_false(proxy_bypassed("110.0.0.1", list));
	assert_false(proxy_bypassed("localhost", NULL));
	assert_false(proxy_bypassed("localhost", ""));
}

static void assert_host_port(const char *proxy, const char *host, unsigned port)
{
	char h[64];
	unsigned p = 0;

	assert_int_equal(proxy_host_port(proxy, h, sizeof(h), &p), 0);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
}

static void test_host_and_port_come_out_of_the_proxy_url(void **state)
{
	char h[4];
	unsigned p;

	assert_host_port("http://proxy.example.com:3128", "proxy.example.com",
			 3128);
	assert_host_port("http://10.0.0.1:8080/", "10.0.0.1", 8080);
	assert_host_port("http://[2001:db8::1]:1", "2001:db8::1", 1);
	assert_int_equal(proxy_host_port("http://toolong:1", h, sizeof(h), &p),
			 MID_E_CONFIG);
}

static void test_every_provider_section_takes_a_proxy(void **state)
{
	struct mid_config cfg;

	assert_int_equal(parse(&cfg,
			       "[bankid]\n"
			       "proxy = http://proxy:3128\n"
			       "no_proxy = localhost, .example.com\n"
			       "[passbyme]\nproxy = http://10.0.0.1:8080/\n"
			       "[toopher]\nproxy = http://[::1]:3128\n"),
			 0);
	assert_string_equal(cfg.bankid.tls.route.proxy, "http://proxy:3128");
	assert_string_equal(cfg.bankid.tls.route.no_proxy,
			    "localhost, .example.com");
	assert_string_equal(cfg.passbyme.tls.route.proxy,
			    "http://10.0.0.1:8080/");
	assert_null(cfg.passbyme.tls.route.no_proxy);
	assert_string_equal(cfg.toopher.route.proxy, "http://[::1]:3128");
	cfg_free(&cfg);
}

static void test_no_proxy_is_the_default_and_an_empty_value(void **state)
{
	struct mid_config cfg;

	assert_int_equal(parse(&cfg, "[bankid]\nproxy =\nno_proxy =\n"), 0);
	assert_null(cfg.bankid.tls.route.proxy);
	assert_null(cfg.bankid.tls.route.no_proxy);
	cfg_free(&cfg);
}

static void test_bad_proxy_values_and_places_are_config_errors(void **state)
{
	static const char *const bad[] = {
	    "[bankid]\nproxy = socks5://proxy:1080\n",
	    "[bankid]\nproxy = http://u:p@proxy:3128\n",
	    "[bankid]\nno_proxy = *\n",
	    "[bankid]\nproxy = http://a:1\nproxy = http://b:1\n",
	    "[general]\nproxy = http://proxy:3128\n",
	};
	struct mid_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(&cfg, bad[i]);

		cfg_free(&cfg);
		if (r != MID_E_CONFIG)
			fail_msg("accepted:\n%s", bad[i]);
	}
}

static void test_proxy_is_no_module_argument(void **state)
{
	const char *argv[] = {"proxy=http://proxy:3128"};
	struct mid_config cfg;

	assert_int_equal(cfg_defaults(&cfg), 0);
	assert_int_equal(cfg_apply_args(&cfg, 1, argv, &quiet), MID_E_CONFIG);
	cfg_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_host_port_is_the_accepted_proxy_form),
	    cmocka_unit_test(
		test_other_schemes_credentials_and_paths_are_refused),
	    cmocka_unit_test(test_an_overlong_proxy_is_refused),
	    cmocka_unit_test(test_no_proxy_takes_hosts_addresses_and_domains),
	    cmocka_unit_test(test_no_proxy_refuses_empty_entries_and_wildcards),
	    cmocka_unit_test(
		test_no_proxy_covers_hosts_and_the_hosts_below_domains),
	    cmocka_unit_test(test_host_and_port_come_out_of_the_proxy_url),
	    cmocka_unit_test(test_every_provider_section_takes_a_proxy),
	    cmocka_unit_test(test_no_proxy_is_the_default_and_an_empty_value),
	    cmocka_unit_test(
		test_bad_proxy_values_and_places_are_config_errors),
	    cmocka_unit_test(test_proxy_is_no_module_argument),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
