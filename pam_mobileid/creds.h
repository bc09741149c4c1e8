/* TLS credentials of a provider: its trust anchor, parsed and checked
 * before any connection, and our client certificate, read from checked
 * files and decoded when a server asks for it. */
#ifndef MID_CREDS_H
#define MID_CREDS_H

#include <stdbool.h>

#include <openssl/sha.h>
#include <openssl/ssl.h>

struct cfg_tls;
struct creds_files;
struct mid_log;

#define CREDS_MAX_FILE (256 * 1024)
#define CREDS_DAY_MAX 16 /* "YYYY-MM-DD" */

struct creds {
	X509 *cert;		/* client certificate, or NULL (not loaded) */
	EVP_PKEY *key;		/* its private key */
	STACK_OF(X509) * chain; /* intermediates from the PKCS#12 */
	char *ca_pem;		/* the only trust anchor(s), PEM */
	size_t ca_len;
	STACK_OF(X509) * ca_certs;     /* the same, parsed */
	long not_after_days;	       /* days until the client cert expires */
	char not_after[CREDS_DAY_MAX]; /* the day it expires, UTC */
	bool client;		       /* a client certificate is configured */
	/* SHA-256 of the client certificate's and key's files and the
	 * password: what a kept TLS session is made with (tlskeep.c) */
	unsigned char client_id[SHA256_DIGEST_LENGTH];
	struct creds_files *files; /* read, not yet decoded (credclient.c) */
	int client_r;		   /* MID_E_* if decoding them failed */
};

/* Loads ca, and reads cert (PKCS#12 or PEM), key and password (or
 * password_file) as the [section] of the config names them. A missing,
 * unsafe or unreadable file or a damaged CA is MID_E_CONFIG, logged.
 * The client certificate is decoded later, by creds_client(); tls,
 * keep_dir and log must outlive c until then. need_client_cert: false for
 * providers without mutual TLS. keep_dir: the state directory, where a
 * PKCS#12 file's decrypted key is kept between logins when running as
 * root (credcache.h); NULL: never. */
int creds_load(const struct cfg_tls *tls, const char *section,
	       int need_client_cert, const char *keep_dir, struct creds *c,
	       struct mid_log *log);

/* Decodes and checks the client certificate and its key, once: 0 (also
 * when none is configured), or MID_E_CONFIG (logged: a wrong password, a
 * key that does not match, a certificate expired or not yet valid) or
 * MID_E_NOMEM, the same again on every later call. Then c->cert, c->key,
 * c->chain, c->not_after and c->not_after_days are set. */
int creds_client(struct creds *c);

/* What decoding the client certificate failed with, or 0. */
static inline int creds_failed(const struct creds *c) { return c->client_r; }

/* Makes an OpenSSL context (libcurl's) call creds_client() when a server
 * asks for our certificate, and send it. */
void creds_apply(struct creds *c, SSL_CTX *ctx);

/* Frees the decoded client certificate, key and chain (all NULL after). */
void creds_client_free(struct creds *c);

void creds_free(struct creds *c);

/* First line of a password file, without its newline; heap, wipe it. */
int creds_read_password_file(const char *path, char **out, struct mid_log *log);

#endif
