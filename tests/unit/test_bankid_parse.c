/* bankid_parse_collect and bankid_parse_error: every reply BankID's RP API
 * v6 documents (doc/bankid.md), and the ones it does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <json-c/json.h>

#include "bankid.h"
#include "json.h"
#include "log.h"
#include "mid.h"
#include "testlib.h"

#define REF "ee3421ea-2096-4000-8130-82648efe0927"
#define PNR "199001011239"

static struct mid_log quiet = {0};
static struct mid_log loud = {.sink = mid_log_sink_tool};

/* Parses text as a collect reply; st gets the status. */
static int collect(const char *text, bool qr, struct provider_status *st)
{
	json_object *o = json_parse_bounded(text, strlen(text));
	int r;

	memset(st, 0x5a, sizeof(*st));
	r = bankid_parse_collect(o, REF, PNR, qr, st, &quiet);
	json_object_put(o);
	return r;
}

static int hint(const char *status, const char *code, bool qr,
		struct provider_status *st)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "{\"orderRef\":\"" REF "\",\"status\":\"%s\","
		 "\"hintCode\":\"%s\"}",
		 status, code);
	return collect(text, qr, st);
}

static void test_pending_hints_map_to_rfa_messages(void **state)
{
	static const struct {
		const char *hint;
		enum mid_msg msg;
		bool qr;
	} cases[] = {
	    {"outstandingTransaction", MSG_RFA1, true},
	    {"noClient", MSG_RFA1, true},
	    {"started", MSG_RFA15A, false},
	    {"userSign", MSG_RFA9, false},
	    {"userMrtd", MSG_RFA23, false},
	    {"userCallConfirm", MSG_PHONE_CONFIRM_CALL, false},
	    {"somethingNew", MSG_RFA21, false},
	};
	struct provider_status st;

	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		assert_int_equal(hint("pending", cases[i].hint, true, &st),
				 PROVIDER_PENDING);
		assert_int_equal(st.msg, cases[i].msg);
		if (st.show_qr != cases[i].qr)
			fail_msg("%s: show_qr %d", cases[i].hint, st.show_qr);
		/* in the phone flow there is never a QR */
		assert_int_equal(hint("pending", cases[i].hint, false, &st),
				 PROVIDER_PENDING);
		assert_int_equal(st.msg, cases[i].msg);
		assert_false(st.show_qr);
	}
}

static void test_pending_without_hint_shows_the_qr(void **state)
{
	struct provider_status st;

	assert_int_equal(collect("{\"orderRef\":\"" REF "\","
				 "\"status\":\"pending\"}",
				 true, &st),
			 PROVIDER_PENDING);
	assert_int_equal(st.msg, MSG_RFA1);
	assert_true(st.show_qr);
}

static void test_failed_hints_map_to_denied_failed_or_restart(void **state)
{
	static const struct {
		const char *hint;
		bool qr;
		int r;
		enum mid_msg msg;
	} cases[] = {
	    {"userCancel", true, MID_E_DENIED, MSG_RFA6},
	    {"userDeclinedCall", false, MID_E_DENIED, MSG_RFA22},
	    /* nobody scanned: a QR login starts a new order */
	    {"startFailed", true, PROVIDER_RESTART, MSG_RFA17B},
	    {"startFailed", false, MID_E_FAILED, MSG_RFA17A},
	    {"expiredTransaction", true, MID_E_FAILED, MSG_RFA8},
	    {"certificateErr", true, MID_E_FAILED, MSG_RFA16},
	    {"cancelled", true, MID_E_FAILED, MSG_RFA3},
	    {"somethingNew", true, MID_E_FAILED, MSG_RFA22},
	};
	struct provider_status st;

	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		int r = hint("failed", cases[i].hint, cases[i].qr, &st);

		if (r != cases[i].r || st.msg != cases[i].msg)
			fail_msg("%s (qr %d): %d, msg %d", cases[i].hint,
				 cases[i].qr, r, st.msg);
		assert_false(st.show_qr);
	}
}

static void test_failed_without_hint_is_a_failure(void **state)
{
	struct provider_status st;

	assert_int_equal(collect("{\"orderRef\":\"" REF "\","
				 "\"status\":\"failed\"}",
				 true, &st),
			 MID_E_FAILED);
	assert_int_equal(st.msg, MSG_RFA22);
}

static void test_complete_for_the_mapped_number_is_approved(void **state)
{
	struct provider_status st;

	assert_int_equal(
	    collect("{\"orderRef\":\"" REF "\",\"status\":\"complete\","
		    "\"completionData\":{\"user\":{\"personalNumber\":\"" PNR
		    "\",\"name\":\"Karl Karlsson\"},\"device\":{"
		    "\"ipAddress\":\"192.0.2.1\"},\"bankIdIssueDate\":"
		    "\"2020-02-01\",\"signature\":\"PD94...\"}}",
		    true, &st),
	    PROVIDER_APPROVED);
	assert_int_equal(st.msg, MSG_APPROVED);
}

static void test_complete_for_another_number_is_a_mismatch(void **state)
{
	struct provider_status st;

	assert_int_equal(
	    collect("{\"orderRef\":\"" REF "\",\"status\":\"complete\","
		    "\"completionData\":{\"user\":{\"personalNumber\":"
		    "\"199602291230\"}}}",
		    true, &st),
	    MID_E_MISMATCH);
	assert_int_equal(st.msg, MSG_WRONG_IDENTITY);
	/* a prefix or the short form is not the same number */
	assert_int_equal(
	    collect("{\"orderRef\":\"" REF "\",\"status\":\"complete\","
		    "\"completionData\":{\"user\":{\"personalNumber\":"
		    "\"9001011239\"}}}",
		    true, &st),
	    MID_E_MISMATCH);
}

static void
test_collect_without_or_for_another_order_is_a_protocol_error(void **state)
{
	struct provider_status st;

	/* no orderRef: it could answer any order */
	assert_int_equal(collect("{\"status\":\"complete\",\"completionData\":"
				 "{\"user\":{\"personalNumber\":\"" PNR "\"}}}",
				 true, &st),
			 MID_E_PROTOCOL);
	assert_int_equal(collect("{\"status\":\"pending\"}", true, &st),
			 MID_E_PROTOCOL);
	assert_int_equal(
	    collect("{\"orderRef\":\"0ther-ref\",\"status\":\"complete\","
		    "\"completionData\":{\"user\":{\"personalNumber\":\"" PNR
		    "\"}}}",
		    true, &st),
	    MID_E_PROTOCOL);
	assert_int_equal(
	    collect("{\"orderRef\":7,\"status\":\"pending\"}", true, &st),
	    MID_E_PROTOCOL);
}

static void collect_mismatch(void *arg)
{
	json_object *o = json_parse_bounded(arg, strlen(arg));
	struct provider_status st;

	assert_int_equal(bankid_parse_collect(o, REF, PNR, true, &st, &loud),
			 MID_E_MISMATCH);
	json_object_put(o);
}

static void test_mismatch_is_logged_with_both_numbers_masked(void **state)
{
	const char *log = captured(collect_mismatch,
				   "{\"orderRef\":\"" REF "\",\"status\":"
				   "\"complete\",\"completionData\":{\"user\":"
				   "{\"personalNumber\":\"199602291230\"}}}");

	assert_non_null(strstr(log, "********1230"));
	assert_non_null(strstr(log, "********1239"));
	assert_null(strstr(log, "19960229"));
	assert_null(strstr(log, "19900101"));
	assert_null(strchr(strchr(log, '\n') + 1, '\n')); /* one line */
}

static void error_with_escape(void *arg)
{
	struct provider_status st;
	const char *body = "{\"errorCode\":\"internalError\","
			   "\"details\":\"\\u009b31mboom\"}";

	assert_int_equal(
	    bankid_parse_error(500, body, strlen(body), &st, &loud),
	    MID_E_SERVER);
}

static void test_error_is_logged_with_code_and_quoted_details(void **state)
{
	const char *log = captured(error_with_escape, NULL);

	assert_non_null(strstr(log, "HTTP 500 internalError "
				    "details=\"\\u{009B}31mboom\""));
	assert_null(strstr(log, "\xc2\x9b"));
}

static void
test_complete_without_a_personal_number_is_a_protocol_error(void **state)
{
	static const char *const bad[] = {
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\"}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\","
	    "\"completionData\":{}}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\","
	    "\"completionData\":{\"user\":{}}}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\","
	    "\"completionData\":{\"user\":{\"personalNumber\":199001011239}}}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\","
	    "\"completionData\":{\"user\":\"" PNR "\"}}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\","
	    "\"completionData\":\"" PNR "\"}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\","
	    "\"completionData\":{\"user\":{\"personalNumber\":\"" PNR
	    "\\u0000\"}}}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\","
	    "\"completionData\":{\"user\":{\"personalNumber\":\"" PNR "0\"}}}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"complete\","
	    "\"completionData\":null}",
	};
	struct provider_status st;

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++) {
		int r = collect(bad[i], true, &st);

		if (r != MID_E_PROTOCOL)
			fail_msg("case %zu: %d", i, r);
		assert_int_equal(st.msg, MSG_RFA22);
	}
}

static void test_reply_for_another_order_is_a_protocol_error(void **state)
{
	struct provider_status st;

	assert_int_equal(
	    collect("{\"orderRef\":\"11111111-2096-4000-8130-82648efe0927\","
		    "\"status\":\"complete\",\"completionData\":{\"user\":"
		    "{\"personalNumber\":\"" PNR "\"}}}",
		    true, &st),
	    MID_E_PROTOCOL);
	assert_int_equal(
	    collect("{\"orderRef\":\"\",\"status\":\"pending\"}", true, &st),
	    MID_E_PROTOCOL);
}

static void test_wrong_types_are_protocol_errors(void **state)
{
	static const char *const bad[] = {
	    "{\"orderRef\":1,\"status\":\"pending\"}",
	    "{\"orderRef\":null,\"status\":\"pending\"}",
	    "{\"orderRef\":\"" REF "\",\"status\":1}",
	    "{\"orderRef\":\"" REF "\",\"status\":[\"pending\"]}",
	    "{\"orderRef\":\"" REF "\"}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"done\"}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"Pending\"}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"pending\","
	    "\"hintCode\":7}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"failed\","
	    "\"hintCode\":null}",
	    "{\"orderRef\":\"" REF "\",\"status\":\"failed\","
	    "\"hintCode\":\"user\\nCancel\"}",
	    "[\"pending\"]",
	    "\"pending\"",
	};
	struct provider_status st;

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++) {
		int r = collect(bad[i], true, &st);

		if (r != MID_E_PROTOCOL)
			fail_msg("accepted (%d): %s", r, bad[i]);
		assert_false(st.show_qr);
	}
	assert_int_equal(
	    bankid_parse_collect(NULL, REF, PNR, true, &st, &quiet),
	    MID_E_PROTOCOL);
}

static int error(long status, const char *body, struct provider_status *st)
{
	memset(st, 0x5a, sizeof(*st));
	return bankid_parse_error(status, body, strlen(body), st, &quiet);
}

static int error_code(long status, const char *code, struct provider_status *st)
{
	char body[160];

	snprintf(body, sizeof(body),
		 "{\"errorCode\":\"%s\",\"details\":\"Some details\"}", code);
	return error(status, body, st);
}

static void test_each_documented_error_code_maps_to_its_outcome(void **state)
{
	static const struct {
		long status;
		const char *code;
		int r;
		enum mid_msg msg;
	} cases[] = {
	    {400, "alreadyInProgress", MID_E_FAILED, MSG_RFA4},
	    {400, "invalidParameters", MID_E_PROTOCOL, MSG_RFA22},
	    {401, "unauthorized", MID_E_PROTOCOL, MSG_RFA22},
	    {403, "unauthorized", MID_E_PROTOCOL, MSG_RFA22},
	    {404, "notFound", MID_E_PROTOCOL, MSG_RFA22},
	    {405, "methodNotAllowed", MID_E_PROTOCOL, MSG_RFA22},
	    {408, "requestTimeout", MID_E_SERVER, MSG_RFA5},
	    {415, "unsupportedMediaType", MID_E_PROTOCOL, MSG_RFA22},
	    {500, "internalError", MID_E_SERVER, MSG_RFA5},
	    {503, "maintenance", MID_E_UNREACHABLE, MSG_RFA5},
	};
	struct provider_status st;

	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		int r = error_code(cases[i].status, cases[i].code, &st);

		if (r != cases[i].r || st.msg != cases[i].msg)
			fail_msg("%ld %s: %d, msg %d", cases[i].status,
				 cases[i].code, r, st.msg);
	}
}

static void test_503_is_unreachable_whatever_the_body(void **state)
{
	struct provider_status st;

	assert_int_equal(error(503, "", &st), MID_E_UNREACHABLE);
	assert_int_equal(st.msg, MSG_RFA5);
	assert_int_equal(error(503, "<html>Service Unavailable</html>", &st),
			 MID_E_UNREACHABLE);
	assert_int_equal(error_code(503, "internalError", &st),
			 MID_E_UNREACHABLE);
	assert_int_equal(error_code(503, "invalidParameters", &st),
			 MID_E_UNREACHABLE);
}

static void test_unknown_codes_go_by_the_status_class(void **state)
{
	struct provider_status st;

	assert_int_equal(error_code(400, "somethingNew", &st), MID_E_PROTOCOL);
	assert_int_equal(st.msg, MSG_RFA22);
	assert_int_equal(error_code(429, "tooManyRequests", &st),
			 MID_E_PROTOCOL);
	assert_int_equal(error_code(502, "badGateway", &st), MID_E_SERVER);
	assert_int_equal(st.msg, MSG_RFA5);
	assert_int_equal(error_code(599, "x", &st), MID_E_SERVER);
}

static void test_non_json_error_bodies_go_by_the_status_class(void **state)
{
	struct provider_status st;

	assert_int_equal(error(400, "Bad Request", &st), MID_E_PROTOCOL);
	assert_int_equal(st.msg, MSG_RFA22);
	assert_int_equal(error(405, "", &st), MID_E_PROTOCOL);
	assert_int_equal(error(500, "<html>oops</html>", &st), MID_E_SERVER);
	assert_int_equal(error(502, "{\"errorCode\":", &st), MID_E_SERVER);
	assert_int_equal(error(400, "{\"errorCode\":42}", &st), MID_E_PROTOCOL);
	assert_int_equal(error(400, "[\"alreadyInProgress\"]", &st),
			 MID_E_PROTOCOL);
	/* an error code with a control character is no code */
	assert_int_equal(
	    error(400, "{\"errorCode\":\"alreadyInProgress\\n\"}", &st),
	    MID_E_PROTOCOL);
}

/* Only a 503 (or no connection) is an outage, which failmode = safe may let
 * in (doc/interface.md, "Return codes"): a 400 {"errorCode":"maintenance"}
 * never is (found by fuzz_collect; corpus/fuzz_collect/maintenance-on-400). */
static void test_maintenance_code_is_an_outage_only_with_503(void **state)
{
	struct provider_status st;

	assert_int_not_equal(error_code(400, "maintenance", &st),
			     MID_E_UNREACHABLE);
	assert_int_not_equal(error_code(404, "maintenance", &st),
			     MID_E_UNREACHABLE);
	assert_int_equal(error_code(500, "maintenance", &st), MID_E_SERVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pending_hints_map_to_rfa_messages),
	    cmocka_unit_test(
		test_collect_without_or_for_another_order_is_a_protocol_error),
	    cmocka_unit_test(test_pending_without_hint_shows_the_qr),
	    cmocka_unit_test(test_failed_hints_map_to_denied_failed_or_restart),
	    cmocka_unit_test(test_failed_without_hint_is_a_failure),
	    cmocka_unit_test(test_complete_for_the_mapped_number_is_approved),
	    cmocka_unit_test(test_complete_for_another_number_is_a_mismatch),
	    cmocka_unit_test(test_mismatch_is_logged_with_both_numbers_masked),
	    cmocka_unit_test(test_error_is_logged_with_code_and_quoted_details),
	    cmocka_unit_test(
		test_complete_without_a_personal_number_is_a_protocol_error),
	    cmocka_unit_test(test_reply_for_another_order_is_a_protocol_error),
	    cmocka_unit_test(test_wrong_types_are_protocol_errors),
	    cmocka_unit_test(
		test_each_documented_error_code_maps_to_its_outcome),
	    cmocka_unit_test(test_503_is_unreachable_whatever_the_body),
	    cmocka_unit_test(test_unknown_codes_go_by_the_status_class),
	    cmocka_unit_test(test_non_json_error_bodies_go_by_the_status_class),
	    cmocka_unit_test(test_maintenance_code_is_an_outage_only_with_503),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
