/* Pairing a Toopher app with a user: the phrase the app shows goes to
 * pairings/create, then the pairing is polled until the person confirms it
 * in the app. For `mobileid pair`. */
#include "toopher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "mid.h"
#include "util.h"

#define PHRASE_MAX 128

/* Phrases are a few words the app shows: printable ASCII only. */
static bool phrase_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PHRASE_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static unsigned secs_left(uint64_t deadline_ms)
{
	uint64_t now = util_now_ms();

	return now < deadline_ms ? (unsigned)((deadline_ms - now + 999) / 1000)
				 : 0;
}

/* Polls the pairing until it is answered or time is up. */
static int wait_confirmed(struct toopher_api *a, const char *id,
			  uint64_t deadline_ms, toopher_pair_progress progress,
			  void *ctx, enum mid_msg *msg, struct mid_log *log)
{
	char endpoint[TOOPHER_ID_MAX + 16];
	int r = PROVIDER_PENDING, failures = 0;

	snprintf(endpoint, sizeof(endpoint), "pairings/%s", id);
	while (r == PROVIDER_PENDING) {
		json_object *reply = NULL;
		uint64_t next = util_now_ms() + TOOPHER_POLL_MS;

		if (progress)
			progress(ctx, MSG_TOOPHER_CONFIRM_PAIRING,
				 secs_left(deadline_ms));
		if (next >= deadline_ms)
			return MID_E_TIMEOUT;
		sleep_ms(TOOPHER_POLL_MS);
		r = toopher_api_call(a, "GET", endpoint, NULL, deadline_ms,
				     &reply, msg);
		if (r == 0)
			r = toopher_parse_pairing(reply, id, NULL, log);
		json_object_put(reply);
		/* a lost poll is retried, as during a login */
		if ((r == MID_E_SERVER || r == MID_E_UNREACHABLE) &&
		    ++failures < 3)
			r = PROVIDER_PENDING;
	}
	return r;
}

int toopher_pair(const struct mid_config *cfg, const char *user,
		 const char *phrase, uint64_t deadline_ms,
		 toopher_pair_progress progress, void *ctx,
		 char id[TOOPHER_ID_MAX + 1], enum mid_msg *msg,
		 struct mid_log *log)
{
	const char *const pairs[] = {
	    "pairing_phrase", phrase, "user_name", user, NULL, NULL};
	struct toopher_api *a = NULL;
	json_object *reply = NULL;
	char *form = NULL;
	int r;

	id[0] = '\0';
	*msg = MSG_RFA22;
	if (!phrase_ok(phrase) || !*user || strlen(user) > 255) {
		mid_log_err(log,
			    "toopher: the pairing phrase must be 1 to %d "
			    "printable ASCII characters",
			    PHRASE_MAX);
		return MID_E_CONFIG;
	}
	r = toopher_api_new(cfg, log, &a);
	if (r < 0)
		return r;
	form = toopher_form(pairs);
	r = form ? toopher_api_call(a, "POST", "pairings/create", form,
				    deadline_ms, &reply, msg)
		 : MID_E_NOMEM;
	if (r == 0)
		r = toopher_parse_pairing(reply, NULL, id, log);
	if (r == PROVIDER_PENDING)
		r = wait_confirmed(a, id, deadline_ms, progress, ctx, msg, log);
	if (r == MID_E_DENIED)
		*msg = MSG_TOOPHER_PAIRING_DENIED;
	else if (r == MID_E_TIMEOUT)
		*msg = MSG_TIMED_OUT;
	else if (r == PROVIDER_APPROVED)
		r = 0;
	if (r < 0)
		id[0] = '\0';
	util_strfree(form); /* it held the phrase */
	json_object_put(reply);
	toopher_api_free(a);
	return r;
}
