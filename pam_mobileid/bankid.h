/* The BankID RP API v6 provider. */
#ifndef MID_BANKID_H
#define MID_BANKID_H

#include "provider.h"

/* orderRef, qrStartToken, qrStartSecret: UUIDs (36), with room to spare */
#define BANKID_TOKEN_MAX 64

/* Its row of the provider table (bankid.c). */
extern const struct provider_def bankid_provider;

/* Maps a collect reply (already parsed) to a poll outcome; exposed for the
 * unit tests and the fuzzer. expected_pnr is the mapped number; qr says
 * whether a QR was shown (startFailed wording). */
struct json_object;
int bankid_parse_collect(struct json_object *reply, const char *order_ref,
			 const char *expected_pnr, bool qr,
			 struct provider_status *st, struct mid_log *log);

/* A completed sign order's completionData, copied from the collect reply
 * (bankid_reply.c): the person in full and the evidence as received. */
struct bankid_signed {
	char *pnr, *name, *given_name, *surname;
	char *signature, *ocsp; /* base64 */
};

/* Copies what a signature needs from a complete collect reply (already
 * found to be the mapped person's). 0, MID_E_PROTOCOL when the signature
 * or the OCSP response is missing or not base64, or MID_E_NOMEM. */
int bankid_take_signed(struct json_object *reply, struct bankid_signed *out,
		       struct mid_log *log);
void bankid_signed_free(struct bankid_signed *s);

/* Maps an error reply (status + body) to MID_E_* and a status line. */
int bankid_parse_error(long status, const char *body, size_t len,
		       struct provider_status *st, struct mid_log *log);

/* The animated QR code's text at qr_time seconds after the order reply
 * (bankid_qr.c): "bankid.<token>.<qr_time>.<lowercase hex HMAC-SHA256 of
 * the decimal qr_time, keyed with the secret's ASCII bytes>". Returns 0,
 * or MID_E_INTERNAL if out is too small or the inputs are unusable. */
int bankid_qr_payload(const char *qr_start_token, const char *qr_start_secret,
		      unsigned long qr_time, char *out, size_t outlen);

#endif
