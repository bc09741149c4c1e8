/* passbyme_parse_session, passbyme_parse_error and passbyme_parse_time:
 * every reply doc/passbyme.md describes, and the ones it does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <json-c/json.h>

#include "json.h"
#include "log.h"
#include "mid.h"
#include "passbyme.h"
#include "testlib.h"

#define MID "@pbmcore1-1.3.6.1.4.1.21528.3.3.2.9045.2.10111-Qx7hTr2a"
#define WHO "bob@example.com"
#define EXP "2024-03-01T10:02:00.123+01:00"
/* EXP in ms since the epoch */
#define EXP_MS 1709283720123LL

static struct mid_log quiet = {0};
static struct mid_log loud = {.sink = mid_log_sink_tool};

static int session_at(const char *text, const char *mid, int64_t now,
		      struct provider_status *st, struct passbyme_info *info)
{
	json_object *o = json_parse_bounded(text, strlen(text));
	int r;

	memset(st, 0x5a, sizeof(*st));
	memset(info, 0, sizeof(*info));
	r = passbyme_parse_session(o, mid, WHO, now, info, st, &quiet);
	json_object_put(o);
	return r;
}

static int status_of(const char *who, const char *status, int64_t now,
		     struct provider_status *st)
{
	struct passbyme_info info;
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"messageId\":\"" MID "\",\"expirationDate\":\"" EXP "\","
		 "\"recipients\":[{\"userId\":\"%s\",\"status\":\"%s\"}]}",
		 who, status);
	return session_at(text, MID, now, st, &info);
}

static void test_every_recipient_status_maps_to_its_outcome(void **state)
{
	static const struct {
		const char *status;
		int r;
		enum mid_msg msg;
	} cases[] = {
	    {"PENDING", PROVIDER_PENDING, MSG_PBM_APPROVE},
	    {"NOTIFIED", PROVIDER_PENDING, MSG_PBM_DELIVERED},
	    {"DOWNLOADED", PROVIDER_PENDING, MSG_PBM_SEEN},
	    {"NOT_NOTIFIED", PROVIDER_PENDING, MSG_PBM_NOT_DELIVERED},
	    {"APPROVED", PROVIDER_APPROVED, MSG_APPROVED},
	    {"DENIED", MID_E_DENIED, MSG_PBM_DENIED},
	    {"NOT_DOWNLOADED", MID_E_FAILED, MSG_PBM_EXPIRED},
	    {"NOT_SEEN", MID_E_FAILED, MSG_PBM_EXPIRED},
	    {"CANCELLED", MID_E_FAILED, MSG_RFA3},
	    {"NO_DEVICE", MID_E_FAILED, MSG_PBM_NO_DEVICE},
	    {"DISABLED", MID_E_FAILED, MSG_PBM_DISABLED},
	    {"FAILED", MID_E_FAILED, MSG_PBM_FAILED},
	    /* the end of a plain message is not an approval */
	    {"SEEN", MID_E_FAILED, MSG_PBM_FAILED},
	    {"approved", MID_E_PROTOCOL, MSG_RFA22},
	    {"SOMETHING_NEW", MID_E_PROTOCOL, MSG_RFA22},
	};
	struct provider_status st;

	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		int r = status_of(WHO, cases[i].status, EXP_MS - 1000, &st);

		if (r != cases[i].r || st.msg != cases[i].msg)
			fail_msg("%s: r %d msg %d", cases[i].status, r, st.msg);
		assert_false(st.show_qr);
	}
}

static void test_not_notified_after_expiry_is_a_failure(void **state)
{
	struct provider_status st;

	assert_int_equal(status_of(WHO, "NOT_NOTIFIED", EXP_MS + 4000, &st),
			 PROVIDER_PENDING);
	assert_int_equal(status_of(WHO, "NOT_NOTIFIED", EXP_MS + 6000, &st),
			 MID_E_FAILED);
	assert_int_equal(st.msg, MSG_PBM_EXPIRED);
}

static void test_approval_by_another_recipient_is_a_mismatch(void **state)
{
	struct provider_status st;

	assert_int_equal(status_of("eve@example.com", "APPROVED", 0, &st),
			 MID_E_MISMATCH);
	assert_int_equal(st.msg, MSG_PBM_WRONG_IDENTITY);
	/* the ID must match exactly, not by case or prefix */
	assert_int_equal(status_of("Bob@example.com", "APPROVED", 0, &st),
			 MID_E_MISMATCH);
	assert_int_equal(status_of("bob@example.co", "APPROVED", 0, &st),
			 MID_E_MISMATCH);
	assert_int_equal(status_of("eve@example.com", "PENDING", 0, &st),
			 MID_E_PROTOCOL);
}

static void mismatch_logged(void *arg)
{
	struct provider_status st;

	(void)arg;
	quiet = loud;
	assert_int_equal(status_of("mallory@evil.example", "APPROVED", 0, &st),
			 MID_E_MISMATCH);
	quiet = (struct mid_log){0};
}

static void test_mismatch_is_logged_with_both_ids_masked(void **state)
{
	const char *log = captured(mismatch_logged, NULL);

	assert_non_null(strstr(log, "mapped to"));
	assert_null(strstr(log, "mallory"));
	assert_null(strstr(log, "bob@"));
}

static void test_reply_for_another_message_is_a_protocol_error(void **state)
{
	struct provider_status st;
	struct passbyme_info info;
	const char *other = "{\"messageId\":\"other\",\"expirationDate\":"
			    "\"" EXP "\",\"recipients\":[{\"userId\":\"" WHO
			    "\",\"status\":\"APPROVED\"}]}";

	assert_int_equal(session_at(other, MID, 0, &st, &info), MID_E_PROTOCOL);
	/* on the send, any valid ID is the new message's */
	assert_int_equal(session_at(other, NULL, 0, &st, &info),
			 PROVIDER_APPROVED);
	assert_string_equal(info.message_id, "other");
	assert_true(info.expires_ms == EXP_MS);
}

static void test_malformed_sessions_are_protocol_errors(void **state)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "null",
	    "{}",
	    /* no recipients, two, or the wrong shapes */
	    "{\"messageId\":\"m1\",\"expirationDate\":\"" EXP "\"}",
	    "{\"messageId\":\"m1\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":[]}",
	    "{\"messageId\":\"m1\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":[{\"userId\":\"" WHO "\",\"status\":\"APPROVED\"},"
	    "{\"userId\":\"" WHO "\",\"status\":\"APPROVED\"}]}",
	    "{\"messageId\":\"m1\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":{\"userId\":\"" WHO "\",\"status\":\"APPROVED\"}}",
	    "{\"messageId\":\"m1\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":[{\"userId\":\"" WHO "\",\"status\":1}]}",
	    "{\"messageId\":\"m1\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":[{\"status\":\"APPROVED\"}]}",
	    /* a bad date, a missing one */
	    "{\"messageId\":\"m1\",\"expirationDate\":\"tomorrow\","
	    "\"recipients\":[{\"userId\":\"" WHO
	    "\",\"status\":\"APPROVED\"}]}",
	    "{\"messageId\":\"m1\","
	    "\"recipients\":[{\"userId\":\"" WHO
	    "\",\"status\":\"APPROVED\"}]}",
	    /* IDs that would leave their path segment */
	    "{\"messageId\":\"../m1\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":[{\"userId\":\"" WHO
	    "\",\"status\":\"APPROVED\"}]}",
	    "{\"messageId\":\"m%2f1\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":[{\"userId\":\"" WHO
	    "\",\"status\":\"APPROVED\"}]}",
	    "{\"messageId\":\"m1?x\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":[{\"userId\":\"" WHO
	    "\",\"status\":\"APPROVED\"}]}",
	    "{\"messageId\":\"\",\"expirationDate\":\"" EXP "\","
	    "\"recipients\":[{\"userId\":\"" WHO
	    "\",\"status\":\"APPROVED\"}]}",
	};
	struct provider_status st;
	struct passbyme_info info;

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++) {
		int r = session_at(bad[i], NULL, 0, &st, &info);

		if (r != MID_E_PROTOCOL)
			fail_msg("%s: %d", bad[i], r);
		assert_int_equal(st.msg, MSG_RFA22);
	}
}

static void test_reference_fixture_with_extra_keys_parses(void **state)
{
	struct provider_status st;
	struct passbyme_info info;
	const char *text =
	    "{\"messageId\": \"YzX95zUA1et2ijQ\", \"expirationDate\" : "
	    "\"2015-06-11T13:06:12.658+02:00\", \"secureId\": \"k3Pz9Q\", "
	    "\"recipients\" : [{ \"userId\": \"" WHO "\", \"status\": "
	    "\"PENDING\" }]}";

	assert_int_equal(session_at(text, NULL, 0, &st, &info),
			 PROVIDER_PENDING);
	assert_string_equal(info.message_id, "YzX95zUA1et2ijQ");
	assert_true(info.expires_ms == 1434020772658LL);
}

static void test_dates_in_every_documented_form(void **state)
{
	static const struct {
		const char *s;
		int64_t ms;
	} good[] = {
	    {"2015-06-11T13:06:12.658+02:00", 1434020772658LL},
	    {"2016-08-15T09:11:32.585Z", 1471252292585LL},
	    {"2016-08-15T09:11:32Z", 1471252292000LL},
	    {"2016-08-15T09:11:32.5851234Z", 1471252292585LL},
	    {"2016-08-15T04:41:32.585-04:30", 1471252292585LL},
	    {"2000-02-29T00:00:00Z", 951782400000LL},
	};
	static const char *const bad[] = {
	    "",
	    "2016-08-15",
	    "2016-08-15T09:11:32",
	    "2016-08-15T09:11:32.Z",
	    "2016-13-15T09:11:32Z",
	    "2016-08-32T09:11:32Z",
	    "2016-08-15T24:11:32Z",
	    "2016-08-15T09:11:32+2:00",
	    "2016-08-15T09:11:32Zjunk",
	    "2016-08-15 09:11:32Z",
	    "2016-08-15T09:11:32+24:00",
	};
	int64_t ms;

	for (size_t i = 0; i < MID_ARRAY_SIZE(good); i++) {
		assert_int_equal(passbyme_parse_time(good[i].s, &ms), 0);
		if (ms != good[i].ms)
			fail_msg("%s: %lld", good[i].s, (long long)ms);
	}
	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++)
		if (passbyme_parse_time(bad[i], &ms) != MID_E_PROTOCOL)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(passbyme_parse_time(NULL, &ms), MID_E_PROTOCOL);
}

static int error_of(long status, const char *body, bool sending,
		    struct provider_status *st)
{
	memset(st, 0x5a, sizeof(*st));
	return passbyme_parse_error(status, body, strlen(body), sending, st,
				    &quiet);
}

static void test_error_codes_map_to_their_outcomes(void **state)
{
	static const struct {
		long status;
		const char *body;
		bool sending;
		int r;
		enum mid_msg msg;
	} cases[] = {
	    {420, "{\"code\":\"NO_DEVICE\",\"message\":\"x\"}", true,
	     MID_E_FAILED, MSG_PBM_NO_DEVICE},
	    {420, "{\"code\":\"USER_DISABLED\"}", true, MID_E_FAILED,
	     MSG_PBM_DISABLED},
	    {420, "{\"code\":\"NOT_FOUND\"}", true, MID_E_FAILED,
	     MSG_PBM_UNKNOWN_USER},
	    {420, "{\"code\":\"NOT_FOUND\"}", false, MID_E_PROTOCOL, MSG_RFA22},
	    {420, "{\"code\":\"TIMEOUT\"}", false, MID_E_FAILED,
	     MSG_PBM_EXPIRED},
	    {420, "{\"code\":\"INVALID_SESSION_ID\"}", false, MID_E_PROTOCOL,
	     MSG_RFA22},
	    {420, "{\"code\":\"CERTIFICATE_REVOKED\"}", true, MID_E_PROTOCOL,
	     MSG_RFA22},
	    {420, "{\"code\":\"UNSUPPORTED_API_VERSION\"}", true,
	     MID_E_PROTOCOL, MSG_RFA22},
	    {420, "{\"code\":\"MALFORMED_INPUT\"}", true, MID_E_PROTOCOL,
	     MSG_RFA22},
	    {420, "{\"code\":\"SERVICE_UNAVAILABLE\"}", true, MID_E_SERVER,
	     MSG_RFA5},
	    {420, "{\"code\":\"PRICING_LIMIT_USER\"}", true, MID_E_SERVER,
	     MSG_RFA5},
	    {420, "{\"code\":\"SUBSCRIPTION_EXPIRED\"}", true, MID_E_SERVER,
	     MSG_RFA5},
	    /* the reference fixtures' numeric code, an unknown one */
	    {420, "{\"code\":421}", true, MID_E_PROTOCOL, MSG_RFA22},
	    {420, "{\"code\":\"SOMETHING_NEW\"}", true, MID_E_PROTOCOL,
	     MSG_RFA22},
	    {420, "No JSON, sorry.", true, MID_E_PROTOCOL, MSG_RFA22},
	    {420, "", true, MID_E_PROTOCOL, MSG_RFA22},
	    /* other statuses go by their class, whatever the body says */
	    {503, "{\"code\":\"NO_DEVICE\"}", true, MID_E_UNREACHABLE,
	     MSG_RFA5},
	    {503, "", false, MID_E_UNREACHABLE, MSG_RFA5},
	    {500, "", true, MID_E_SERVER, MSG_RFA5},
	    {502, "<html>", true, MID_E_SERVER, MSG_RFA5},
	    {401, "", true, MID_E_PROTOCOL, MSG_RFA22},
	    {404, "{\"code\":\"NO_DEVICE\"}", true, MID_E_PROTOCOL, MSG_RFA22},
	    {201, "{}", true, MID_E_PROTOCOL, MSG_RFA22},
	};
	struct provider_status st;

	for (size_t i = 0; i < MID_ARRAY_SIZE(cases); i++) {
		int r = error_of(cases[i].status, cases[i].body,
				 cases[i].sending, &st);

		if (r != cases[i].r || st.msg != cases[i].msg)
			fail_msg("%ld %s: r %d msg %d", cases[i].status,
				 cases[i].body, r, st.msg);
		assert_false(st.show_qr);
	}
}

static void error_with_escape(void *arg)
{
	struct provider_status st;
	const char *body = "{\"code\":\"ERROR\","
			   "\"message\":\"\\u009b31mboom\"}";

	(void)arg;
	assert_int_equal(
	    passbyme_parse_error(420, body, strlen(body), true, &st, &loud),
	    MID_E_SERVER);
}

static void test_error_is_logged_with_code_and_sanitised_message(void **state)
{
	const char *log = captured(error_with_escape, NULL);

	assert_non_null(strstr(log, "HTTP 420 ERROR"));
	assert_non_null(strstr(log, "31mboom"));
	assert_null(strstr(log, "\xc2\x9b"));
	assert_null(strchr(strchr(log, '\n') + 1, '\n')); /* one line */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_recipient_status_maps_to_its_outcome),
	    cmocka_unit_test(test_not_notified_after_expiry_is_a_failure),
	    cmocka_unit_test(test_approval_by_another_recipient_is_a_mismatch),
	    cmocka_unit_test(test_mismatch_is_logged_with_both_ids_masked),
	    cmocka_unit_test(
		test_reply_for_another_message_is_a_protocol_error),
	    cmocka_unit_test(test_malformed_sessions_are_protocol_errors),
	    cmocka_unit_test(test_reference_fixture_with_extra_keys_parses),
	    cmocka_unit_test(test_dates_in_every_documented_form),
	    cmocka_unit_test(test_error_codes_map_to_their_outcomes),
	    cmocka_unit_test(
		test_error_is_logged_with_code_and_sanitised_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
