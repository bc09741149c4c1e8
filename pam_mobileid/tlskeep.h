/* TLS 1.3 sessions kept between logins in the root-only state_dir, so
 * that the next login's process resumes the connection (one ECDHE, no
 * RSA signature of our key, no chain to verify) instead of a full
 * handshake. A kept session is used only for the same URL, trust anchors
 * and client certificate it was made with, and for at most an hour; the
 * trade-off is in doc/security.md. */
#ifndef MID_TLSKEEP_H
#define MID_TLSKEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>

struct creds;
struct mid_log;
struct tlskeep;

#define TLSKEEP_TAG_LEN 32
/* a kept session is never used when older than this */
#define TLSKEEP_MAX_AGE_S 3600
/* a kept file larger than this is not ours */
#define TLSKEEP_MAX_FILE (64 * 1024)

/* The sessions kept in dir for base_url with these credentials, and the
 * one to offer if there is a usable one. NULL when dir is NULL, when not
 * running as root, or without memory: a login without resumption. */
struct tlskeep *tlskeep_new(const char *dir, const char *base_url,
			    const struct creds *c, struct mid_log *log);
void tlskeep_free(struct tlskeep *k);

/* Hooks k into libcurl's SSL_CTX: the kept session is offered at the
 * start of the handshake, and a new TLS 1.3 session of a full, verified
 * handshake is kept for the next login. k must outlive ctx. */
void tlskeep_attach(struct tlskeep *k, SSL_CTX *ctx);

/* After a failed request: when its handshake offered the kept session
 * and did not finish (so no request was sent), the session is dropped,
 * here and in dir, so that neither a retry nor the next login offers it:
 * true. false when the failure had nothing to do with it. */
bool tlskeep_failed(struct tlskeep *k);

/* A kept session stands for our client certificate, which a login that
 * resumes it never decodes: s's lifetime is cut to end when cert does
 * (at once when it has; unchanged when cert is NULL). */
void tlskeep_end_with(SSL_SESSION *s, const X509 *cert);

/* The parser of a kept file (also for the fuzz target): the session when
 * data is a file with this tag holding a TLS 1.3 session that is
 * resumable at now, else NULL. */
SSL_SESSION *tlskeep_parse(const unsigned char *data, size_t len,
			   const unsigned char tag[TLSKEEP_TAG_LEN],
			   time_t now);

/* The file's bytes for a session (to test the parser): a buffer to free
 * with OPENSSL_clear_free(*out, *len), or 0 and *out NULL. */
int tlskeep_format(SSL_SESSION *s, const unsigned char tag[TLSKEEP_TAG_LEN],
		   unsigned char **out, size_t *len);

#endif
