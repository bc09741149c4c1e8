/* The PassBy[ME] messaging API provider (doc/passbyme.md). */
#ifndef MID_PASSBYME_H
#define MID_PASSBYME_H

#include <stdbool.h>
#include <stdint.h>

#include "provider.h"

/* Its row of the provider table. */
extern const struct provider_def passbyme_provider;

#define PASSBYME_ID_MAX 256

/* What a SessionInfo reply says about our message. */
struct passbyme_info {
	char message_id[PASSBYME_ID_MAX + 1];
	int64_t expires_ms; /* expirationDate, ms since the epoch (UTC) */
};

/* Maps a SessionInfo reply (already parsed) to a poll outcome, exposed for
 * the unit tests and the fuzzer. message_id: the message we track, or NULL
 * for the reply to the send; recipient: the mapped PassBy[ME] ID; now_ms:
 * wall clock, ms since the epoch. Returns enum provider_poll or MID_E_*,
 * with st->msg saying why. */
struct json_object;
int passbyme_parse_session(struct json_object *reply, const char *message_id,
			   const char *recipient, int64_t now_ms,
			   struct passbyme_info *info,
			   struct provider_status *st, struct mid_log *log);

/* Maps an error reply (status + body) to MID_E_* and a status line;
 * sending: the reply to the send (an unknown user is then the person's
 * problem, not a protocol error). */
int passbyme_parse_error(long status, const char *body, size_t len,
			 bool sending, struct provider_status *st,
			 struct mid_log *log);

/* ISO 8601 date-time with a zone ("2015-06-11T13:06:12.658+02:00", "...Z")
 * to ms since the epoch. Returns 0 or MID_E_PROTOCOL. */
int passbyme_parse_time(const char *s, int64_t *ms);

#endif
