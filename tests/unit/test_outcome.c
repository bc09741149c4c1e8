/* outcome: the one table from an approval's result to the PAM code, the
 * log word, the person's last line and whether failmode = safe forgives it
 * (doc/interface.md, "Return codes"), checked row by row against the contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <security/_pam_types.h>

#include "mid.h"
#include "outcome.h"

struct row {
	int err;
	int pam_secure; /* failmode = secure, unmapped = deny */
	int pam_safe;	/* failmode = safe, no order yet */
	const char *word;
	enum mid_msg msg; /* MSG_COUNT: the provider's status line */
};

/* The contract, written out again: the code must agree with it. */
static const struct row contract[] = {
    {0, PAM_SUCCESS, PAM_SUCCESS, "approved", MSG_APPROVED},
    {MID_E_DENIED, PAM_AUTH_ERR, PAM_AUTH_ERR, "denied", MSG_COUNT},
    {MID_E_FAILED, PAM_AUTH_ERR, PAM_AUTH_ERR, "order failed", MSG_COUNT},
    {MID_E_MISMATCH, PAM_AUTH_ERR, PAM_AUTH_ERR, "identity mismatch",
     MSG_COUNT},
    {MID_E_TIMEOUT, PAM_AUTH_ERR, PAM_AUTH_ERR, "timed out", MSG_TIMED_OUT},
    {MID_E_INTERRUPTED, PAM_AUTH_ERR, PAM_AUTH_ERR, "interrupted",
     MSG_INTERRUPTED},
    {MID_E_CONV, PAM_AUTH_ERR, PAM_AUTH_ERR, "conversation failed", MSG_NONE},
    {MID_E_UNMAPPED, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, "unmapped", MSG_NONE},
    {MID_E_MAXTRIES, PAM_MAXTRIES, PAM_MAXTRIES, "too many requests",
     MSG_TOO_MANY},
    {MID_E_BUSY, PAM_AUTH_ERR, PAM_AUTH_ERR, "busy", MSG_BUSY},
    {MID_E_HELD, PAM_AUTH_ERR, PAM_AUTH_ERR, "denial held", MSG_DENIED_BEFORE},
    {MID_E_OUTSIDE, PAM_IGNORE, PAM_IGNORE, "outside groups", MSG_NONE},
    {MID_E_NOTERM, PAM_AUTH_ERR, PAM_AUTH_ERR, "no terminal", MSG_NO_TERMINAL},
    {MID_E_NOSIGN, PAM_SERVICE_ERR, PAM_SERVICE_ERR, "cannot sign",
     MSG_SIGN_NEEDS_BANKID},
    {MID_E_AUDIT, PAM_SERVICE_ERR, PAM_SERVICE_ERR, "audit record failed",
     MSG_AUDIT_FAILED},
    {MID_E_TOOLONG, PAM_SERVICE_ERR, PAM_SERVICE_ERR,
     "command too long to sign", MSG_SIGN_TOO_LONG},
    {MID_E_UNREACHABLE, PAM_AUTHINFO_UNAVAIL, PAM_SUCCESS, "unreachable",
     MSG_UNAVAILABLE},
    {MID_E_TLS, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL,
     "TLS verification failed", MSG_RFA5},
    {MID_E_PROTOCOL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL,
     "bad reply from provider", MSG_RFA5},
    {MID_E_SERVER, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, "provider error",
     MSG_RFA5},
    {MID_E_LOCAL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, "local failure",
     MSG_RFA5},
    {MID_E_NOMEM, PAM_BUF_ERR, PAM_BUF_ERR, "out of memory", MSG_RFA5},
    {MID_E_CONFIG, PAM_SERVICE_ERR, PAM_SERVICE_ERR, "refused config",
     MSG_RFA5},
    {MID_E_INTERNAL, PAM_SERVICE_ERR, PAM_SERVICE_ERR, "internal error",
     MSG_RFA5},
};

static const struct outcome_policy secure = {false, false, false};
static const struct outcome_policy safe = {true, false, false};
static const struct outcome_policy safe_after_order = {true, false, true};
static const struct outcome_policy ignore = {false, true, false};

static void
test_every_row_gives_the_contracts_code_word_and_message(void **state)
{
	for (size_t i = 0; i < sizeof(contract) / sizeof(contract[0]); i++) {
		const struct row *c = &contract[i];
		enum mid_msg want = c->msg == MSG_COUNT ? MSG_RFA6 : c->msg;

		print_message("row %s\n", c->word);
		assert_int_equal(outcome_pam(c->err, &secure), c->pam_secure);
		assert_int_equal(outcome_pam(c->err, &safe), c->pam_safe);
		assert_string_equal(outcome_of(c->err)->word, c->word);
		/* MSG_RFA6 stands for whatever status the provider gave */
		assert_int_equal(outcome_msg(c->err, MSG_RFA6), want);
		assert_int_equal(outcome_forgiven(c->err, &safe),
				 c->pam_safe == PAM_SUCCESS && c->err != 0);
	}
}

static void test_table_has_exactly_the_contracts_rows(void **state)
{
	unsigned n;
	const struct outcome *t = outcome_table(&n);

	assert_int_equal(n, sizeof(contract) / sizeof(contract[0]));
	for (unsigned i = 0; i < n; i++) {
		int found = 0;

		for (size_t j = 0; j < n; j++)
			found += contract[j].err == t[i].err;
		assert_int_equal(found, 1);
	}
}

static void test_only_an_outage_before_any_order_is_forgiven(void **state)
{
	unsigned n;
	const struct outcome *t = outcome_table(&n);

	for (unsigned i = 0; i < n; i++) {
		/* once an order exists nothing but approval succeeds */
		assert_int_equal(outcome_pam(t[i].err, &safe_after_order) ==
				     PAM_SUCCESS,
				 t[i].err == 0);
		assert_false(outcome_forgiven(t[i].err, &safe_after_order));
		assert_int_equal(t[i].outage, t[i].err == MID_E_UNREACHABLE);
	}
	/* a local failure (EMFILE, ENOMEM) is never waved through */
	assert_int_equal(outcome_pam(MID_E_LOCAL, &safe), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(outcome_pam(MID_E_NOMEM, &safe), PAM_BUF_ERR);
	assert_int_equal(outcome_pam(MID_E_TIMEOUT, &safe), PAM_AUTH_ERR);
}

static void test_unmapped_ignore_gives_pam_ignore_and_nothing_else(void **state)
{
	unsigned n;
	const struct outcome *t = outcome_table(&n);

	/* users outside `groups` are ignored whatever `unmapped` says */
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(outcome_pam(t[i].err, &ignore) == PAM_IGNORE,
				 t[i].err == MID_E_UNMAPPED ||
				     t[i].err == MID_E_OUTSIDE);
}

static void test_an_unknown_code_is_an_internal_error(void **state)
{
	assert_int_equal(outcome_pam(-999, &safe), PAM_SERVICE_ERR);
	assert_string_equal(outcome_of(-999)->word, "internal error");
	assert_int_equal(outcome_pam(7, &safe), PAM_SERVICE_ERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_every_row_gives_the_contracts_code_word_and_message),
	    cmocka_unit_test(test_table_has_exactly_the_contracts_rows),
	    cmocka_unit_test(test_only_an_outage_before_any_order_is_forgiven),
	    cmocka_unit_test(
		test_unmapped_ignore_gives_pam_ignore_and_nothing_else),
	    cmocka_unit_test(test_an_unknown_code_is_an_internal_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
