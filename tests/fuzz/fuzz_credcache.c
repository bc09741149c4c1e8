/* Fuzz target: the parser of the decrypted PKCS#12 copy kept in state_dir
 * (credcache_parse). The tag it must match is 32 bytes of 0x5a, as in the
 * corpus's well-formed copies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "credcache.h"
#include "creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char tag[CREDCACHE_TAG_LEN];
	struct creds c;
	int r;

	memset(tag, 0x5a, sizeof(tag));
	memset(&c, 0, sizeof(c));
	r = credcache_parse((const char *)data, size, tag, &c);
	if (r != 0 && r != 1)
		abort();
	/* a miss leaves nothing; a hit has a key and a certificate */
	if (r == 1 && (c.key || c.cert || c.chain))
		abort();
	if (r == 0 && (!c.key || !c.cert))
		abort();
	creds_free(&c);
	return 0;
}
