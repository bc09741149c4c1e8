/* Fuzz target: the parser of the TLS session kept in state_dir
 * (tlskeep_parse). An input is 8 bytes of the time "now" (big-endian
 * seconds) and then the session's DER; the target puts the magic, the tag
 * (32 bytes of 0x5a) and the digest in front, so that the mutations reach
 * OpenSSL's session decoder and the checks after it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "tlskeep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD (8 + TLSKEEP_TAG_LEN + SHA256_DIGEST_LENGTH)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char tag[TLSKEEP_TAG_LEN], *buf;
	SSL_SESSION *s;
	uint64_t now = 0;

	if (size < 8 || size - 8 > TLSKEEP_MAX_FILE)
		return 0;
	for (int i = 0; i < 8; i++)
		now = now << 8 | data[i];
	memset(tag, 0x5a, sizeof(tag));
	buf = malloc(HEAD + size - 8);
	if (!buf)
		return 0;
	memcpy(buf, "MIDTLS13", 8);
	memcpy(buf + 8, tag, sizeof(tag));
	memcpy(buf + HEAD, data + 8, size - 8);
	SHA256(buf + HEAD, size - 8, buf + 8 + TLSKEEP_TAG_LEN);
	s = tlskeep_parse(buf, HEAD + size - 8, tag, (time_t)(int64_t)now);
	/* what it takes it can write back */
	if (s) {
		unsigned char *out = NULL;
		size_t len = 0;

		if (tlskeep_format(s, tag, &out, &len) != 0 || !out)
			abort();
		OPENSSL_clear_free(out, len);
	}
	SSL_SESSION_free(s);
	free(buf);
	return 0;
}
