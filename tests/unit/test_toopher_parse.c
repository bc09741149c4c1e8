/* toopher_parse_auth, toopher_parse_pairing, toopher_parse_error and
 * toopher_form: every reply doc/toopher.md describes, and the ones it does
 * not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <json-c/json.h>

#include "json.h"
#include "log.h"
#include "mid.h"
#include "testlib.h"
#include "toopher.h"

#define ID "5e0a1c2d-3b4f-4a6e-8c7d-9f0e1a2b3c4d"

static struct mid_log quiet = {0};
static struct mid_log loud = {.sink = mid_log_sink_tool};

/* every line, whatever its priority */
static char lines[4096];
static void keep(void *ctx, int prio, const char *line)
{
	size_t n = strlen(lines);

	(void)ctx;
	(void)prio;
	snprintf(lines + n, sizeof(lines) - n, "%s\n", line);
}
static struct mid_log all = {.sink = keep};

static int auth(const char *text, const char *want, enum mid_msg *msg,
		struct mid_log *log)
{
	json_object *o = json_parse_bounded(text, strlen(text));
	char id[TOOPHER_ID_MAX + 1] = "";
	int r;

	*msg = (enum mid_msg)0x5a;
	r = toopher_parse_auth(o, want, id, msg, log);
	if (r != MID_E_PROTOCOL)
		assert_string_equal(id, ID);
	json_object_put(o);
	return r;
}

static int auth_fields(const char *fields, enum mid_msg *msg)
{
	char text[512];

	snprintf(text, sizeof(text), "{\"id\":\"" ID "\",%s}", fields);
	return auth(text, ID, msg, &quiet);
}

static void test_pending_granted_denied(void **state)
{
	static const struct {
		const char *fields;
		int r;
		enum mid_msg msg;
	} cases[] = {
	    {"\"pending\":true,\"granted\":false", PROVIDER_PENDING,
	     MSG_TOOPHER_PUSHED},
	    {"\"pending\":true", PROVIDER_PENDING, MSG_TOOPHER_PUSHED},
	    {"\"pending\":false,\"granted\":true,\"automated\":false",
	     PROVIDER_APPROVED, MSG_APPROVED},
	    {"\"pending\":false,\"granted\":false,\"reason\":\"Denied\"",
	     MID_E_DENIED, MSG_TOOPHER_DENIED},
	    {"\"pending\":false,\"granted\":false,\"automated\":true",
	     MID_E_DENIED, MSG_TOOPHER_DENIED},
	    /* booleans only: a string or number is no answer */
	    {"\"pending\":\"false\",\"granted\":true", MID_E_PROTOCOL,
	     MSG_RFA22},
	    {"\"pending\":false,\"granted\":1", MID_E_PROTOCOL, MSG_RFA22},
	    {"\"pending\":false", MID_E_PROTOCOL, MSG_RFA22},
	    {"\"granted\":true", MID_E_PROTOCOL, MSG_RFA22},
	    {"\"pending\":false,\"granted\":true,\"automated\":\"yes\"",
	     MID_E_PROTOCOL, MSG_RFA22},
	    /* the app wants an OTP, as a number or a string */
	    {"\"pending\":true,\"reason_code\":708", MID_E_FAILED,
	     MSG_TOOPHER_OTP},
	    {"\"pending\":false,\"granted\":true,\"reason_code\":\"708\"",
	     MID_E_FAILED, MSG_TOOPHER_OTP},
	    {"\"pending\":false,\"granted\":true,\"reason_code\":\"0\"",
	     PROVIDER_APPROVED, MSG_APPROVED},
	};
	enum mid_msg msg;

	(void)state;
	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		assert_int_equal(auth_fields(cases[i].fields, &msg),
				 cases[i].r);
		assert_int_equal(msg, cases[i].msg);
	}
}

static void test_reply_for_another_request_is_refused(void **state)
{
	enum mid_msg msg;

	(void)state;
	assert_int_equal(auth("{\"id\":\"other\",\"pending\":false,"
			      "\"granted\":true}",
			      ID, &msg, &quiet),
			 MID_E_PROTOCOL);
	assert_int_equal(
	    auth("{\"pending\":false,\"granted\":true}", NULL, &msg, &quiet),
	    MID_E_PROTOCOL);
	assert_int_equal(
	    auth("{\"id\":\"a b\",\"pending\":true}", NULL, &msg, &quiet),
	    MID_E_PROTOCOL);
	assert_int_equal(
	    auth("[{\"id\":\"" ID "\",\"pending\":true}]", NULL, &msg, &quiet),
	    MID_E_PROTOCOL);
	/* without want_id any valid id is taken, and handed back */
	assert_int_equal(
	    auth("{\"id\":\"" ID "\",\"pending\":true}", NULL, &msg, &quiet),
	    PROVIDER_PENDING);
}

static void test_automated_grant_is_approved_and_logged(void **state)
{
	enum mid_msg msg;

	(void)state;
	lines[0] = '\0';
	assert_int_equal(
	    auth("{\"id\":\"" ID "\",\"pending\":false,\"granted\":true,"
		 "\"automated\":true,\"reason\":\"location\\u0007 match\"}",
		 ID, &msg, &all),
	    PROVIDER_APPROVED);
	assert_non_null(strstr(lines, "granted automatically"));
	/* the reason came from the network: no control character */
	assert_non_null(strstr(lines, "location? match"));
	lines[0] = '\0';
	assert_int_equal(
	    auth_fields("\"pending\":false,\"granted\":true", &msg),
	    PROVIDER_APPROVED);
	assert_int_equal(auth("{\"id\":\"" ID "\",\"pending\":false,"
			      "\"granted\":true}",
			      ID, &msg, &all),
			 PROVIDER_APPROVED);
	assert_non_null(strstr(lines, "granted in the app"));
}

static int pairing(const char *fields, const char *want)
{
	char text[512];
	json_object *o;
	int r;

	snprintf(text, sizeof(text), "{\"id\":\"" ID "\",%s}", fields);
	o = json_parse_bounded(text, strlen(text));
	r = toopher_parse_pairing(o, want, NULL, &quiet);
	json_object_put(o);
	return r;
}

static void test_pairing_states(void **state)
{
	(void)state;
	assert_int_equal(pairing("\"pending\":true,\"enabled\":false", ID),
			 PROVIDER_PENDING);
	assert_int_equal(pairing("\"pending\":false,\"enabled\":true", ID),
			 PROVIDER_APPROVED);
	assert_int_equal(pairing("\"pending\":false,\"enabled\":false", ID),
			 MID_E_DENIED);
	/* old servers: no pending, not yet enabled */
	assert_int_equal(pairing("\"enabled\":false", ID), PROVIDER_PENDING);
	assert_int_equal(pairing("\"enabled\":true", ID), PROVIDER_APPROVED);
	assert_int_equal(pairing("\"pending\":0,\"enabled\":true", ID),
			 MID_E_PROTOCOL);
	assert_int_equal(pairing("\"pending\":false", ID), MID_E_PROTOCOL);
	assert_int_equal(pairing("\"enabled\":true", "another"),
			 MID_E_PROTOCOL);
}

static int error(long status, const char *body, enum mid_msg *msg)
{
	*msg = (enum mid_msg)0x5a;
	return toopher_parse_error(status, body, strlen(body), msg, &quiet);
}

static void test_every_error_code_has_its_message(void **state)
{
	static const struct {
		int code;
		enum mid_msg msg;
	} cases[] = {
	    {601, MSG_TOOPHER_PAIRING_GONE},
	    {704, MSG_TOOPHER_USER_DISABLED},
	    {705, MSG_TOOPHER_UNKNOWN_USER},
	    {706, MSG_TOOPHER_UNKNOWN_TERMINAL},
	    {707, MSG_TOOPHER_PAIRING_GONE},
	    {708, MSG_TOOPHER_OTP},
	};
	enum mid_msg msg;
	char body[128];

	(void)state;
	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		snprintf(body, sizeof(body),
			 "{\"error_code\":%d,\"error_message\":\"x\"}",
			 cases[i].code);
		assert_int_equal(error(409, body, &msg), MID_E_FAILED);
		assert_int_equal(msg, cases[i].msg);
		/* a string of digits counts too */
		snprintf(body, sizeof(body), "{\"error_code\":\"%d\"}",
			 cases[i].code);
		assert_int_equal(error(409, body, &msg), MID_E_FAILED);
		assert_int_equal(msg, cases[i].msg);
	}
}

static void test_pairing_texts_count_whatever_the_code(void **state)
{
	enum mid_msg msg;

	(void)state;
	assert_int_equal(error(400,
			       "{\"error_code\":42,\"error_message\":"
			       "\"Pairing has not been authorized\"}",
			       &msg),
			 MID_E_FAILED);
	assert_int_equal(msg, MSG_TOOPHER_PAIRING_GONE);
	assert_int_equal(error(403,
			       "{\"error_message\":\"Not allowed: this "
			       "PAIRING HAS BEEN DEACTIVATED.\"}",
			       &msg),
			 MID_E_FAILED);
	assert_int_equal(msg, MSG_TOOPHER_PAIRING_GONE);
}

static void test_status_decides_the_rest(void **state)
{
	static const struct {
		long status;
		const char *body;
		int r;
	} cases[] = {
	    /* only a 503 is an outage, whatever its body says */
	    {503, "{\"error_code\":707}", MID_E_UNREACHABLE},
	    {503, "<html>busy</html>", MID_E_UNREACHABLE},
	    {500, "{\"error_code\":42}", MID_E_SERVER},
	    {502, "<html>bad gateway</html>", MID_E_SERVER},
	    {429, "{\"error_code\":429}", MID_E_SERVER},
	    {401, "{\"error_code\":401}", MID_E_PROTOCOL},
	    {400, "{\"error_code\":42,\"error_message\":\"x\"}",
	     MID_E_PROTOCOL},
	    {404, "", MID_E_PROTOCOL},
	    {302, "", MID_E_PROTOCOL},
	    {409, "{\"error_code\":99999999999}", MID_E_PROTOCOL},
	    {409, "{\"error_code\":-707}", MID_E_PROTOCOL},
	};
	enum mid_msg msg;

	(void)state;
	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		assert_int_equal(error(cases[i].status, cases[i].body, &msg),
				 cases[i].r);
		assert_true(msg == MSG_UNAVAILABLE ||
			    msg == MSG_TOOPHER_REFUSED);
	}
}

static void refused_signature(void *arg)
{
	enum mid_msg msg;

	const char *body = "{\"error_message\":\"OAuth\\nfailure\"}";

	*(int *)arg = toopher_parse_error(401, body, strlen(body), &msg, &loud);
}

static void test_refused_signature_says_what_to_check(void **state)
{
	int r = 0;
	const char *log = captured(refused_signature, &r);

	(void)state;
	assert_int_equal(r, MID_E_PROTOCOL);
	assert_non_null(strstr(log, "HTTP 401"));
	assert_non_null(strstr(log, "consumer_key, the secret and the clock"));
	/* the server's text reaches the log without its newline */
	assert_non_null(strstr(log, "OAuth?failure"));
}

static void test_form_encodes_every_value(void **state)
{
	const char *const pairs[] = {"pairing_phrase",
				     "awkward turtle",
				     "user_name",
				     "jdoe@host1&x=y",
				     NULL,
				     NULL};
	char *f = toopher_form(pairs);

	(void)state;
	assert_string_equal(
	    f,
	    "pairing_phrase=awkward%20turtle&user_name=jdoe%40host1%26x%3Dy");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pending_granted_denied),
	    cmocka_unit_test(test_reply_for_another_request_is_refused),
	    cmocka_unit_test(test_automated_grant_is_approved_and_logged),
	    cmocka_unit_test(test_pairing_states),
	    cmocka_unit_test(test_every_error_code_has_its_message),
	    cmocka_unit_test(test_pairing_texts_count_whatever_the_code),
	    cmocka_unit_test(test_status_decides_the_rest),
	    cmocka_unit_test(test_refused_signature_says_what_to_check),
	    cmocka_unit_test(test_form_encodes_every_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
