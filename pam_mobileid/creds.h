/* TLS credentials of a provider: our client certificate and its trust
 * anchor, read from checked files and verified before any connection. */
#ifndef MID_CREDS_H
#define MID_CREDS_H

#include <openssl/ssl.h>

struct cfg_tls;
struct mid_log;

#define CREDS_MAX_FILE (256 * 1024)
#define CREDS_DAY_MAX 16 /* "YYYY-MM-DD" */

struct creds {
	X509 *cert;		/* client certificate, or NULL */
	EVP_PKEY *key;		/* its private key */
	STACK_OF(X509) * chain; /* intermediates from the PKCS#12 */
	char *ca_pem;		/* the only trust anchor(s), PEM */
	size_t ca_len;
	STACK_OF(X509) * ca_certs;     /* the same, parsed */
	long not_after_days;	       /* days until the client cert expires */
	char not_after[CREDS_DAY_MAX]; /* the day it expires, UTC */
};

/* Loads cert (PKCS#12 or PEM), key, password (or password_file) and ca as
 * the [section] of the config names them. A wrong password, a key that does
 * not match, an expired certificate or an unreadable CA is MID_E_CONFIG,
 * logged. need_client_cert: false for providers without mutual TLS.
 * keep_dir: the state directory, where a PKCS#12 file's decrypted key is
 * kept between logins when running as root (credcache.h); NULL: never. */
int creds_load(const struct cfg_tls *tls, const char *section,
	       int need_client_cert, const char *keep_dir, struct creds *c,
	       struct mid_log *log);

/* Puts the client certificate into an OpenSSL context (libcurl's). */
int creds_apply(const struct creds *c, SSL_CTX *ctx);

void creds_free(struct creds *c);

/* First line of a password file, without its newline; heap, wipe it. */
int creds_read_password_file(const char *path, char **out, struct mid_log *log);

#endif
