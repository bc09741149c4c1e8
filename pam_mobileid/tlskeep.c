/* TLS 1.3 sessions kept between logins (tlskeep.h, doc/security.md). */
#include "tlskeep.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "creds.h"
#include "log.h"
#include "state.h"
#include "util.h"

#define KEEP_PREFIX "tls"
#define MAGIC "MIDTLS13"
#define MAGIC_LEN 8
#define DIGEST_LEN 32
/* the magic, the tag, a SHA-256 of the session, the session (DER) */
#define HEAD_LEN (MAGIC_LEN + TLSKEEP_TAG_LEN + DIGEST_LEN)

typedef int (*new_session_fn)(SSL *ssl, SSL_SESSION *s);

struct tlskeep {
	char *dir, *id;
	unsigned char tag[TLSKEEP_TAG_LEN];
	SSL_SESSION *kept;   /* the session to offer, or NULL */
	new_session_fn prev; /* libcurl's own, called first */
	bool saved;	     /* one per login is enough */
	bool offered, done;  /* the kept one offered; a handshake done */
	const struct creds *creds;
	struct mid_log *log;
};

static int hash_str(EVP_MD_CTX *md, const char *s)
{
	return util_digest_bytes(md, s, s ? strlen(s) : 0);
}

/* A system store changes with its file or directory (ca-certificates
 * writes a new one), so their identity and times go into the tag. */
static int hash_path(EVP_MD_CTX *md, const char *path)
{
	struct stat sb;

	memset(&sb, 0, sizeof(sb));
	if (path && stat(path, &sb) != 0)
		memset(&sb, 0, sizeof(sb));
	return hash_str(md, path) && util_digest_file_id(md, &sb);
}

static int hash_trust(EVP_MD_CTX *md, const struct creds *c)
{
	const curl_version_info_data *v;

	if (c->ca_certs)
		return hash_str(md, "ca") &&
		       util_digest_bytes(md, c->ca_pem, c->ca_len);
	v = curl_version_info(CURLVERSION_NOW);
	return v && hash_str(md, "system") && hash_path(md, v->cainfo) &&
	       hash_path(md, v->capath);
}

static int hash_client(EVP_MD_CTX *md, const struct creds *c)
{
	return util_digest_bytes(md, c->client_id,
				 c->client ? sizeof(c->client_id) : 0);
}

/* What a kept session must match: the URL, the trust anchors and the
 * client certificate it was made with. */
static int make_tag(const char *base_url, const struct creds *c,
		    unsigned char tag[TLSKEEP_TAG_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		 hash_str(md, "pam_mobileid tls session v2") &&
		 hash_str(md, base_url) && hash_trust(md, c) &&
		 hash_client(md, c) && EVP_DigestFinal_ex(md, tag, &n) &&
		 n == TLSKEEP_TAG_LEN;

	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* Resumable now, by the server's word and ours: TLS 1.3 (its PSK still
 * runs an ECDHE; TLS 1.2 resumption has no forward secrecy), a ticket,
 * younger than its lifetime and than TLSKEEP_MAX_AGE_S, and a server
 * certificate still within its dates. */
static bool usable(SSL_SESSION *s, time_t now)
{
	long age = (long)(now - (time_t)SSL_SESSION_get_time(s));
	long life = SSL_SESSION_get_timeout(s);
	unsigned long hint = SSL_SESSION_get_ticket_lifetime_hint(s);
	X509 *peer = SSL_SESSION_get0_peer(s);

	if (hint < (unsigned long)life)
		life = (long)hint;
	if (life > TLSKEEP_MAX_AGE_S)
		life = TLSKEEP_MAX_AGE_S;
	return SSL_SESSION_get_protocol_version(s) == TLS1_3_VERSION &&
	       SSL_SESSION_is_resumable(s) && age >= 0 && age < life && peer &&
	       X509_cmp_time(X509_get0_notAfter(peer), &now) > 0 &&
	       X509_cmp_time(X509_get0_notBefore(peer), &now) < 0;
}

SSL_SESSION *tlskeep_parse(const unsigned char *data, size_t len,
			   const unsigned char tag[TLSKEEP_TAG_LEN], time_t now)
{
	const unsigned char *p = data + HEAD_LEN;
	unsigned char md[DIGEST_LEN];
	SSL_SESSION *s;

	/* the digest: a damaged file must not be offered, since a server
	 * that takes its ticket then fails the handshake on its secret */
	if (len <= HEAD_LEN || len > TLSKEEP_MAX_FILE ||
	    memcmp(data, MAGIC, MAGIC_LEN) != 0 ||
	    CRYPTO_memcmp(data + MAGIC_LEN, tag, TLSKEEP_TAG_LEN) != 0 ||
	    !SHA256(p, len - HEAD_LEN, md) ||
	    CRYPTO_memcmp(md, data + MAGIC_LEN + TLSKEEP_TAG_LEN, DIGEST_LEN) !=
		0)
		return NULL;
	s = d2i_SSL_SESSION(NULL, &p, (long)(data + len - p));
	ERR_clear_error();
	if (s && (p != data + len || !usable(s, now))) {
		SSL_SESSION_free(s);
		s = NULL;
	}
	return s;
}

int tlskeep_format(SSL_SESSION *s, const unsigned char tag[TLSKEEP_TAG_LEN],
		   unsigned char **out, size_t *len)
{
	int n = i2d_SSL_SESSION(s, NULL);
	unsigned char *buf, *p;

	*out = NULL;
	*len = 0;
	if (n <= 0 || (size_t)n > TLSKEEP_MAX_FILE - HEAD_LEN)
		return -1;
	buf = OPENSSL_malloc(HEAD_LEN + (size_t)n);
	if (!buf)
		return -1;
	memcpy(buf, MAGIC, MAGIC_LEN);
	memcpy(buf + MAGIC_LEN, tag, TLSKEEP_TAG_LEN);
	p = buf + HEAD_LEN;
	if (i2d_SSL_SESSION(s, &p) != n ||
	    !SHA256(buf + HEAD_LEN, (size_t)n,
		    buf + MAGIC_LEN + TLSKEEP_TAG_LEN)) {
		OPENSSL_clear_free(buf, HEAD_LEN + (size_t)n);
		return -1;
	}
	*out = buf;
	*len = HEAD_LEN + (size_t)n;
	return 0;
}

static void load(struct tlskeep *k)
{
	struct state st;
	char *data = NULL;
	size_t len = 0;
	int r = state_open(&st, k->dir, k->log);

	if (r == 0)
		r = state_file_get(&st, KEEP_PREFIX, k->id, TLSKEEP_MAX_FILE,
				   &data, &len);
	state_close(&st);
	if (r == 0)
		k->kept = tlskeep_parse((unsigned char *)data, len, k->tag,
					time(NULL));
	util_freezero(data, len);
}

struct tlskeep *tlskeep_new(const char *dir, const char *base_url,
			    const struct creds *c, struct mid_log *log)
{
	struct tlskeep *k;

	if (!dir || geteuid() != 0)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->creds = c;
	k->log = log;
	k->dir = strdup(dir);
	k->id = strdup(base_url);
	if (!k->dir || !k->id || make_tag(base_url, c, k->tag) < 0) {
		tlskeep_free(k);
		return NULL;
	}
	load(k);
	return k;
}

void tlskeep_free(struct tlskeep *k)
{
	if (!k)
		return;
	SSL_SESSION_free(k->kept);
	free(k->dir);
	free(k->id);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/* Writes the kept file (a new one renamed over the old); 0 or < 0. */
static int put(struct tlskeep *k, const void *data, size_t len)
{
	struct state st;
	int r = state_open(&st, k->dir, k->log);

	if (r == 0)
		r = state_file_put(&st, KEEP_PREFIX, k->id, data, len);
	state_close(&st);
	return r;
}

static void save(struct tlskeep *k, SSL_SESSION *s)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int r = tlskeep_format(s, k->tag, &data, &len);

	if (r == 0)
		r = put(k, data, len);
	OPENSSL_clear_free(data, len);
	k->saved = r == 0;
	if (r != 0)
		mid_log_debug(k->log, "cannot keep the TLS session in %s",
			      k->dir);
}

void tlskeep_end_with(SSL_SESSION *s, const X509 *cert)
{
	int days = 0, secs = 0;
	long left;

	if (!cert ||
	    !ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
		return;
	left = days * 86400L + secs;
	if (left < SSL_SESSION_get_timeout(s))
		SSL_SESSION_set_timeout(s, left > 0 ? left : 0);
}

/* A new session: kept when it came from a full handshake whose server
 * certificate was verified (a resumed one is the kept one again). */
static int on_new_session(SSL *ssl, SSL_SESSION *s)
{
	struct tlskeep *k = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	int taken = k && k->prev ? k->prev(ssl, s) : 0;

	if (!k || k->saved || SSL_session_reused(ssl))
		return taken;
	tlskeep_end_with(s, k->creds->cert);
	if (SSL_get_verify_result(ssl) == X509_V_OK && usable(s, time(NULL)))
		save(k, s);
	return taken;
}

/* The kept session is offered before the ClientHello is written, unless
 * libcurl set one of its own; OpenSSL falls back to a full handshake,
 * with every check, when the server does not take it. This callback is
 * the only one OpenSSL calls on a client before the ClientHello, and it
 * gets the SSL as const: setting its session there is what libcurl does
 * just before, so the const is cast away. */
static void on_info(const SSL *ssl, int where, int ret)
{
	struct tlskeep *k = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	(void)ret;
	if (!k)
		return;
	if (where & SSL_CB_HANDSHAKE_START) {
		k->done = false;
		k->offered = k->kept && !SSL_get_session(ssl) &&
			     SSL_set_session((SSL *)(uintptr_t)ssl, k->kept);
		return;
	}
	if (!(where & SSL_CB_HANDSHAKE_DONE))
		return;
	k->done = true;
	if (SSL_session_reused(ssl))
		mid_log_debug(k->log, "resumed the TLS session kept in %s",
			      k->dir);
}

bool tlskeep_failed(struct tlskeep *k)
{
	if (!k || !k->offered || k->done)
		return false;
	/* an empty file is no session: the next login starts afresh */
	put(k, "", 0);
	SSL_SESSION_free(k->kept);
	k->kept = NULL;
	k->offered = false;
	mid_log_info(k->log,
		     "a handshake offering the TLS session kept in "
		     "%s failed: it is dropped",
		     k->dir);
	return true;
}

void tlskeep_attach(struct tlskeep *k, SSL_CTX *ctx)
{
	k->prev = SSL_CTX_sess_get_new_cb(ctx);
	SSL_CTX_set_app_data(ctx, k);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
						SSL_SESS_CACHE_NO_INTERNAL);
	SSL_CTX_sess_set_new_cb(ctx, on_new_session);
	SSL_CTX_set_info_callback(ctx, on_info);
}
