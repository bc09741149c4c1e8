/* BankID's animated QR code: a new text every second, derived from the
 * order's qrStartToken and qrStartSecret (doc/bankid.md, "QR code"). */
#include "bankid.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mid.h"

/* the secret may be longer than a token; allow room, reject junk */
#define QR_SECRET_MAX 128

static bool is_printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		/* no space: the payload is '.'-separated and one token */
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	}
	return true;
}

int bankid_qr_payload(const char *qr_start_token, const char *qr_start_secret,
		      unsigned long qr_time, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char time_s[24];
	char hex[2 * 32 + 1];
	int n, r = MID_E_INTERNAL;

	if (out == NULL || outlen == 0)
		return MID_E_INTERNAL;
	out[0] = '\0';
	if (qr_start_token == NULL || qr_start_secret == NULL)
		goto out;
	if (!is_printable(qr_start_token, BANKID_TOKEN_MAX) ||
	    !is_printable(qr_start_secret, QR_SECRET_MAX))
		goto out;

	n = snprintf(time_s, sizeof(time_s), "%lu", qr_time);
	if (n < 0 || (size_t)n >= sizeof(time_s))
		goto out;

	/* the key is the secret's ASCII bytes, not hex-decoded (doc/bankid.md)
	 */
	if (HMAC(EVP_sha256(), qr_start_secret, (int)strlen(qr_start_secret),
		 (const unsigned char *)time_s, (size_t)n, md,
		 &mdlen) == NULL ||
	    mdlen != 32)
		goto out;
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);

	n = snprintf(out, outlen, "bankid.%s.%s.%s", qr_start_token, time_s,
		     hex);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		goto out;
	}
	r = 0;
out:
	/* the code is derived from the secret: do not leave it on the stack */
	explicit_bzero(md, sizeof(md));
	explicit_bzero(hex, sizeof(hex));
	return r;
}
