/* PKCS#12 client credentials decrypted once and kept in the root-only
 * state_dir: the key derivation (PBKDF2, about 44 M instructions) is then
 * paid once per change of the files, not at every login. The trade-off is
 * in doc/security.md. */
#include "credcache.h"

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "creds.h"
#include "log.h"
#include "mid.h"
#include "state.h"
#include "util.h"

#define CACHE_PREFIX "p12key"
#define TAG_BLOCK "MID CREDS CACHE"
/* the tag, the key, the certificate and at most this many others */
#define MAX_CHAIN 8

int credcache_tag(const char *p12, size_t len, const struct stat *sb,
		  const char *pw, unsigned char tag[CREDCACHE_TAG_LEN])
{
	static const char domain[] = "pam_mobileid p12 cache v1";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		 util_digest_bytes(md, domain, sizeof(domain)) &&
		 util_digest_file_id(md, sb) &&
		 util_digest_bytes(md, p12, len) &&
		 util_digest_bytes(md, pw, pw ? strlen(pw) : 0) &&
		 EVP_DigestFinal_ex(md, tag, &n) && n == CREDCACHE_TAG_LEN;

	EVP_MD_CTX_free(md);
	return ok ? 0 : MID_E_INTERNAL;
}

/* One DER block of the file into the credentials; 0 or 1 (unusable). */
static int take_block(int i, const char *name, const unsigned char *der,
		      long len, const unsigned char *tag, int *type,
		      struct creds *c)
{
	const unsigned char *p = der, *end = der + len;
	X509 *x;

	if (i == 0) {
		if (strcmp(name, TAG_BLOCK) != 0 ||
		    len != CREDCACHE_TAG_LEN + 4 ||
		    CRYPTO_memcmp(der, tag, CREDCACHE_TAG_LEN) != 0)
			return 1;
		p += CREDCACHE_TAG_LEN;
		*type = (int)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			      (uint32_t)p[2] << 8 | p[3]);
		return 0;
	}
	if (i == 1) {
		/* the key's type given: one decoder, not all of them */
		c->key = strcmp(name, "PRIVATE KEY") == 0
			     ? d2i_PrivateKey(*type, NULL, &p, len)
			     : NULL;
		return c->key && p == end ? 0 : 1;
	}
	if (strcmp(name, "CERTIFICATE") != 0)
		return 1;
	x = d2i_X509(NULL, &p, len);
	if (!x || p != end) {
		X509_free(x);
		return 1;
	}
	if (i == 2) {
		c->cert = x;
		return 0;
	}
	if ((!c->chain && !(c->chain = sk_X509_new_null())) ||
	    !sk_X509_push(c->chain, x)) {
		X509_free(x);
		return 1;
	}
	return 0;
}

int credcache_parse(const char *data, size_t len,
		    const unsigned char tag[CREDCACHE_TAG_LEN], struct creds *c)
{
	BIO *bio = len <= INT32_MAX ? BIO_new_mem_buf(data, (int)len) : NULL;
	int type = 0, i, r = 1;

	for (i = 0; bio && i < 3 + MAX_CHAIN; i++) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long n = 0;

		if (!PEM_read_bio(bio, &name, &header, &der, &n))
			break;
		r = take_block(i, name, der, n, tag, &type, c);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(der, (size_t)n);
		if (r != 0)
			break;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (r != 0 || i < 3 || !c->cert || !c->key) {
		creds_client_free(c);
		return 1;
	}
	return 0;
}

static int put_der(BIO *bio, const char *name, unsigned char *der, int n)
{
	int ok = n > 0 && PEM_write_bio(bio, name, "", der, n) > 0;

	OPENSSL_clear_free(der, n > 0 ? (size_t)n : 0);
	return ok;
}

/* The file's text in a BIO that wipes its memory when freed. */
static BIO *format(const unsigned char *tag, const struct creds *c)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	unsigned char head[CREDCACHE_TAG_LEN + 4], *der = NULL;
	uint32_t type = (uint32_t)EVP_PKEY_get_base_id(c->key);
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(c->key);
	int ok = bio && p8;

	memcpy(head, tag, CREDCACHE_TAG_LEN);
	head[CREDCACHE_TAG_LEN] = (unsigned char)(type >> 24);
	head[CREDCACHE_TAG_LEN + 1] = (unsigned char)(type >> 16);
	head[CREDCACHE_TAG_LEN + 2] = (unsigned char)(type >> 8);
	head[CREDCACHE_TAG_LEN + 3] = (unsigned char)type;
	ok = ok && PEM_write_bio(bio, TAG_BLOCK, "", head, sizeof(head)) > 0;
	ok = ok && put_der(bio, "PRIVATE KEY", der,
			   i2d_PKCS8_PRIV_KEY_INFO(p8, &der));
	der = NULL;
	ok = ok && put_der(bio, "CERTIFICATE", der, i2d_X509(c->cert, &der));
	for (int i = 0; ok && c->chain && i < sk_X509_num(c->chain); i++) {
		der = NULL;
		ok = i < MAX_CHAIN &&
		     put_der(bio, "CERTIFICATE", der,
			     i2d_X509(sk_X509_value(c->chain, i), &der));
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	ERR_clear_error();
	if (!ok) {
		BIO_free(bio);
		return NULL;
	}
	return bio;
}

int credcache_get(const char *dir, const char *path,
		  const unsigned char tag[CREDCACHE_TAG_LEN], struct creds *c,
		  struct mid_log *log)
{
	struct state st;
	char *data = NULL;
	size_t len = 0;
	int r = state_open(&st, dir, log);

	if (r == 0)
		r = state_file_get(&st, CACHE_PREFIX, path, CREDS_MAX_FILE,
				   &data, &len);
	state_close(&st);
	if (r == 0)
		r = credcache_parse(data, len, tag, c);
	util_freezero(data, len);
	if (r == 0)
		mid_log_debug(log, "%s: decrypted credentials kept in %s", path,
			      dir);
	return r == 0 ? 0 : 1;
}

void credcache_put(const char *dir, const char *path,
		   const unsigned char tag[CREDCACHE_TAG_LEN],
		   const struct creds *c, struct mid_log *log)
{
	struct state st;
	BIO *bio = c->cert && c->key ? format(tag, c) : NULL;
	char *text = NULL;
	long len = bio ? BIO_get_mem_data(bio, &text) : 0;
	int r;

	if (len <= 0)
		goto out;
	r = state_open(&st, dir, log);
	if (r == 0)
		r = state_file_put(&st, CACHE_PREFIX, path, text, (size_t)len);
	state_close(&st);
	if (r < 0)
		mid_log_warn(log,
			     "%s: cannot keep the decrypted credentials in %s",
			     path, dir);
out:
	BIO_free(bio);
}
