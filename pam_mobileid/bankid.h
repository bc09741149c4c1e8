/* The BankID RP API v6 provider. */
#ifndef MID_BANKID_H
#define MID_BANKID_H

#include "provider.h"

/* Its row of the provider table. */
extern const struct provider_def bankid_provider;

/* Maps a collect reply (already parsed) to a poll outcome; exposed for the
 * unit tests and the fuzzer. expected_pnr is the mapped number; qr says
 * whether a QR was shown (startFailed wording). */
struct json_object;
int bankid_parse_collect(struct json_object *reply, const char *order_ref,
			 const char *expected_pnr, bool qr,
			 struct provider_status *st, struct mid_log *log);

/* Maps an error reply (status + body) to MID_E_* and a status line. */
int bankid_parse_error(long status, const char *body, size_t len,
		       struct provider_status *st, struct mid_log *log);

#endif
