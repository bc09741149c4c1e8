/* The provider table: one row makes a provider known everywhere (user map,
 * config section, the approval); no row, and it is unknown everywhere.
 * This test build adds a fake provider's row (provider.c compiled with
 * MID_TEST_PROVIDER=fake_provider) and logs in through it with the real
 * approval, user map and config code. */
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "approval.h"
#include "config.h"
#include "log.h"
#include "mid.h"
#include "provider.h"
#include "testlib.h"
#include "usermap.h"

/* What the fake provider saw and did, for the assertions. */
static struct fake_seen {
	char identity[64];
	bool had_end_user_ip, want_qr;
	int starts, polls, cancels, frees;
} seen;

/* A fake identity is "phone-" and digits; stored upper-cased, so that the
 * test can see the row's check did the normalising. */
static int fake_check_id(const char *id, int this_year, char *out, size_t n)
{
	size_t len = strlen(id);

	(void)this_year;
	if (strncmp(id, "phone-", 6) != 0 || len < 7 || len >= n ||
	    strspn(id + 6, "0123456789") != len - 6)
		return MID_E_CONFIG;
	for (size_t i = 0; i <= len; i++)
		out[i] = (id[i] >= 'a' && id[i] <= 'z') ? id[i] - 32 : id[i];
	return 0;
}

static bool fake_configured(const struct mid_config *cfg) { return true; }

static int fake_create(const struct mid_config *cfg,
		       const struct mid_request *req, struct mid_log *log,
		       void **p)
{
	snprintf(seen.identity, sizeof(seen.identity), "%s", req->identity);
	seen.had_end_user_ip = req->end_user_ip != NULL;
	seen.want_qr = req->want_qr;
	*p = &seen;
	return 0;
}

static int fake_start(void *p, struct provider_status *st)
{
	seen.starts++;
	st->msg = MSG_RFA1;
	st->show_qr = false;
	return 0;
}

static int fake_qr(void *p, uint64_t now_ms, char *buf, size_t len)
{
	return MID_E_INTERNAL;
}

/* "PHONE-2" denies, every other phone approves at the second poll. */
static int fake_poll(void *p, struct provider_status *st)
{
	seen.polls++;
	if (strcmp(seen.identity, "PHONE-2") == 0) {
		st->msg = MSG_RFA6;
		return MID_E_DENIED;
	}
	return seen.polls >= 2 ? PROVIDER_APPROVED : PROVIDER_PENDING;
}

static void fake_cancel(void *p) { seen.cancels++; }
static unsigned fake_interval_ms(void *p) { return 1000; }
static unsigned fake_next_frame_ms(void *p, uint64_t now_ms)
{
	return UINT32_MAX;
}
static void fake_free(void *p) { seen.frees++; }

static const struct provider_ops fake_ops = {
    .name = "fake",
    .title = MSG_TITLE,
    .start = fake_start,
    .qr = fake_qr,
    .poll = fake_poll,
    .cancel = fake_cancel,
    .interval_ms = fake_interval_ms,
    .next_frame_ms = fake_next_frame_ms,
    .free = fake_free,
};

/* The row provider.c lists in this build: a provider needing nothing. */
const struct provider_def fake_provider = {
    .name = "fake",
    .needs = 0,
    .check_id = fake_check_id,
    .configured = fake_configured,
    .create = fake_create,
    .ops = &fake_ops,
};

static struct mid_log quiet = {0};

static int conv(void *ctx, enum ui_style style, const char *msg, char **answer)
{
	*answer = NULL;
	return 0;
}

/* Logs the current user in with a user map that maps them to id. */
static int login(const char *id, struct approval_result *res)
{
	char dir[128], map[160], line[512];
	struct passwd *pw = getpwuid(getuid());
	struct approval_env env = {
	    .service = "test", .conv = conv, .can_show = true};
	struct mid_config cfg;
	int r;

	assert_non_null(pw);
	/* the module trusts a map only where no one else can replace it */
	test_safe_dir(dir, sizeof(dir), "unit-provider");
	snprintf(map, sizeof(map), "%s/usermap", dir);
	snprintf(line, sizeof(line), "%s %s\n", pw->pw_name, id);
	test_write_file(map, line, 0644);
	assert_int_equal(cfg_defaults(&cfg), 0);
	free(cfg.usermap);
	cfg.usermap = strdup(map);
	cfg.timeout = 20;
	env.user = pw->pw_name;
	memset(&seen, 0, sizeof(seen));
	r = approval_run(&cfg, &env, &quiet, res);
	cfg_free(&cfg);
	unlink(map);
	rmdir(dir);
	return r;
}

static void test_fake_provider_row_logs_in(void **state)
{
	struct approval_result res;

	assert_int_equal(login("fake:phone-1", &res), 0);
	assert_string_equal(res.provider, "fake");
	assert_true(res.order_created);
	/* the row's check normalised the id; the row's needs were honoured */
	assert_string_equal(seen.identity, "PHONE-1");
	assert_false(seen.had_end_user_ip);
	assert_false(seen.want_qr);
	assert_int_equal(seen.starts, 1);
	assert_int_equal(seen.polls, 2);
	assert_int_equal(seen.cancels, 0);
	assert_int_equal(seen.frees, 1);
}

static void test_fake_provider_denial_is_a_denial(void **state)
{
	struct approval_result res;

	assert_int_equal(login("fake:phone-2", &res), MID_E_DENIED);
	assert_int_equal(seen.polls, 1);
	assert_int_equal(seen.frees, 1);
}

static void test_identity_the_row_refuses_refuses_the_map(void **state)
{
	struct approval_result res;

	assert_int_equal(login("fake:tablet-1", &res), MID_E_CONFIG);
	assert_int_equal(seen.starts, 0);
}

/* No row, no provider: the user map, the config and the module agree. */
static void test_provider_without_row_is_unknown_everywhere(void **state)
{
	struct usermap_entry e;
	struct mid_config cfg;
	struct approval_result res;
	bool secret;
	char out[64];

	assert_null(provider_find("freja"));
	assert_int_equal(
	    usermap_check_id("freja", "phone-1", 2025, out, sizeof(out)),
	    MID_E_CONFIG);
	assert_int_equal(usermap_parse("bob freja:phone-1\n", 18, "/m", "bob",
				       2025, &e, &quiet),
			 MID_E_CONFIG);
	assert_int_equal(cfg_defaults(&cfg), 0);
	assert_int_equal(
	    cfg_parse_text(&cfg, "[freja]\n", 8, "/c", &secret, &quiet),
	    MID_E_CONFIG);
	/* the fake has a row: its section exists (with no keys) */
	assert_int_equal(
	    cfg_parse_text(&cfg, "[fake]\n", 7, "/c", &secret, &quiet), 0);
	cfg_free(&cfg);
	assert_int_equal(login("freja:phone-1", &res), MID_E_CONFIG);
	assert_int_equal(seen.starts, 0);
}

/* A mapped provider without its [section] is refused before anything is
 * created: the row says whether the config has it. */
static void test_provider_without_its_section_is_refused(void **state)
{
	struct approval_result res;

	assert_int_equal(login("bankid:199001011239", &res), MID_E_CONFIG);
	assert_string_equal(res.provider, "bankid");
	assert_false(res.order_created);
}

static void test_table_lists_every_row_once(void **state)
{
	const struct provider_def *def;
	size_t n = 0;

	for (size_t i = 0; (def = provider_at(i)) != NULL; i++) {
		assert_ptr_equal(provider_find(def->name), def);
		assert_non_null(def->check_id);
		assert_non_null(def->configured);
		assert_non_null(def->create);
		assert_non_null(def->ops);
		n++;
	}
	assert_ptr_equal(provider_find("bankid"), provider_at(0));
	assert_ptr_equal(provider_find("fake"), &fake_provider);
	assert_true(n >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fake_provider_row_logs_in),
	    cmocka_unit_test(test_fake_provider_denial_is_a_denial),
	    cmocka_unit_test(test_identity_the_row_refuses_refuses_the_map),
	    cmocka_unit_test(test_provider_without_row_is_unknown_everywhere),
	    cmocka_unit_test(test_provider_without_its_section_is_refused),
	    cmocka_unit_test(test_table_lists_every_row_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
