/* Our client certificate and its key: the files are read and checked
 * with the rest of the credentials, the certificate and key decoded only
 * when a server asks for them in a TLS handshake. A login that resumes a
 * kept TLS session (tlskeep.c) is never asked, and so never pays for the
 * key's decoding and checks (doc/security.md, "The client certificate"). */
#include "credclient.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "config.h"
#include "credcache.h"
#include "creds.h"
#include "file.h"
#include "log.h"
#include "mid.h"
#include "util.h"

/* The client certificate's files as read, until they are decoded. */
struct creds_files {
	const struct cfg_tls *tls;
	const char *keep_dir;
	struct mid_log *log;
	char *pw_file;	      /* password_file's line (heap), or NULL */
	const char *password; /* in force: pw_file, else tls->password */
	char *cert;
	size_t cert_len;
	struct stat sb;
	char *key;
	size_t key_len;
	bool pem; /* cert is PEM (else PKCS#12) */
};

/* The password for OpenSSL's callback, which takes a non-const pointer. */
struct pw_arg {
	const char *pw;
};

static int pw_callback(char *buf, int size, int rwflag, void *u)
{
	const char *pw = u ? ((const struct pw_arg *)u)->pw : NULL;
	size_t n = pw ? strlen(pw) : 0;

	if (!pw || n >= (size_t)size)
		return -1;
	memcpy(buf, pw, n);
	return (int)n;
}

static int load_p12(const char *data, size_t len, const char *pw,
		    struct creds *c, const char *path, struct mid_log *log)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	PKCS12 *p12 = NULL;
	int r = MID_E_CONFIG;

	if (!bio)
		return MID_E_NOMEM;
	p12 = d2i_PKCS12_bio(bio, NULL);
	if (!p12) {
		mid_log_err(log, "%s: neither PEM nor PKCS#12", path);
		goto out;
	}
	if (!PKCS12_parse(p12, pw ? pw : "", &c->key, &c->cert, &c->chain) ||
	    !c->cert || !c->key) {
		mid_log_err(log, "%s: cannot open PKCS#12 (wrong password?)",
			    path);
		goto out;
	}
	r = 0;
out:
	PKCS12_free(p12);
	BIO_free(bio);
	ERR_clear_error();
	return r;
}

static int load_pem_key(const char *data, size_t len, const char *pw,
			struct creds *c, const char *path, struct mid_log *log)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	struct pw_arg arg = {pw};

	if (!bio)
		return MID_E_NOMEM;
	c->key = PEM_read_bio_PrivateKey(bio, NULL, pw_callback, &arg);
	BIO_free(bio);
	ERR_clear_error();
	if (!c->key) {
		mid_log_err(log, "%s: no usable private key (wrong password?)",
			    path);
		return MID_E_CONFIG;
	}
	return 0;
}

static int load_pem_cert(const char *data, size_t len, struct creds *c,
			 const char *path, struct mid_log *log)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);

	if (!bio)
		return MID_E_NOMEM;
	c->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!c->cert) {
		mid_log_err(log, "%s: no certificate in PEM file", path);
		return MID_E_CONFIG;
	}
	return 0;
}

/* "2027-05-28", or "?" for a time OpenSSL cannot read */
static void cert_day(const ASN1_TIME *t, char *buf, size_t n)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(buf, n, "%Y-%m-%d", &tm))
		snprintf(buf, n, "?");
}

static int check_cert(struct creds *c, const char *path, struct mid_log *log)
{
	const ASN1_TIME *na = X509_get0_notAfter(c->cert);
	const ASN1_TIME *nb = X509_get0_notBefore(c->cert);
	int days = 0, secs = 0;
	char day[CREDS_DAY_MAX];

	if (!X509_check_private_key(c->cert, c->key)) {
		ERR_clear_error();
		mid_log_err(log, "%s: certificate and key do not match", path);
		return MID_E_CONFIG;
	}
	cert_day(na, c->not_after, sizeof(c->not_after));
	if (X509_cmp_current_time(nb) > 0) {
		cert_day(nb, day, sizeof(day));
		mid_log_err(log,
			    "%s: client certificate is not valid before %s "
			    "(or this host's clock is behind)",
			    path, day);
		return MID_E_CONFIG;
	}
	if (X509_cmp_current_time(na) < 0) {
		mid_log_err(log,
			    "%s: client certificate expired on %s: renew it "
			    "where it was issued",
			    path, c->not_after);
		return MID_E_CONFIG;
	}
	if (ASN1_TIME_diff(&days, &secs, NULL, na))
		c->not_after_days = days;
	return 0;
}

/* A PKCS#12 file through the decrypted copy kept in keep_dir (root only:
 * the state directory is root's alone, as the password file is), made at
 * the first login after the file or its password changed. */
static int load_p12_kept(const char *data, size_t len, const struct stat *sb,
			 const char *pw, const char *keep_dir, struct creds *c,
			 const char *path, struct mid_log *log)
{
	unsigned char tag[CREDCACHE_TAG_LEN];
	bool keep = keep_dir && geteuid() == 0 &&
		    credcache_tag(data, len, sb, pw, tag) == 0;
	int r;

	if (keep && credcache_get(keep_dir, path, tag, c, log) == 0)
		return 0;
	r = load_p12(data, len, pw, c, path, log);
	if (r == 0 && keep)
		credcache_put(keep_dir, path, tag, c, log);
	return r;
}

void credclient_files_free(struct creds_files *f)
{
	if (!f)
		return;
	util_strfree(f->pw_file);
	util_freezero(f->cert, f->cert_len);
	util_freezero(f->key, f->key_len);
	explicit_bzero(f, sizeof(*f));
	free(f);
}

/* A certificate alone may be world-readable, as certificates are shipped;
 * a file that holds a key (PKCS#12 always, PEM when it has a key block)
 * must not be. */
static int read_files(struct creds_files *f)
{
	const struct cfg_tls *tls = f->tls;
	int r;

	r = file_read_st(tls->cert, FILE_PUBLIC, CREDS_MAX_FILE, &f->cert,
			 &f->cert_len, &f->sb, f->log);
	if (r < 0)
		return r;
	f->pem = strstr(f->cert, "-----BEGIN") != NULL;
	if ((!f->pem || strstr(f->cert, "PRIVATE KEY-----")) &&
	    (f->sb.st_mode & S_IROTH)) {
		mid_log_err(f->log,
			    "%s: holds a private key but is readable by other",
			    tls->cert);
		return MID_E_CONFIG;
	}
	if (tls->key)
		r = file_read(tls->key, FILE_SECRET, CREDS_MAX_FILE, &f->key,
			      &f->key_len, NULL, f->log);
	return r;
}

/* What a kept TLS session is made with (tlskeep.c): a change to the
 * certificate, its key or the password makes the next login decode them,
 * and so find a wrong one at once. */
static int identify(const struct creds_files *f,
		    unsigned char id[SHA256_DIGEST_LENGTH])
{
	const char *pw = f->password;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		 util_digest_bytes(md, f->cert, f->cert_len) &&
		 util_digest_bytes(md, f->key, f->key_len) &&
		 util_digest_bytes(md, pw, pw ? strlen(pw) : 0) &&
		 EVP_DigestFinal_ex(md, id, &n) && n == SHA256_DIGEST_LENGTH;

	EVP_MD_CTX_free(md);
	return ok ? 0 : MID_E_NOMEM;
}

int credclient_read(const struct cfg_tls *tls, char *pw, const char *keep_dir,
		    struct creds *c, struct mid_log *log)
{
	struct creds_files *f = calloc(1, sizeof(*f));
	int r;

	if (!f) {
		util_strfree(pw);
		return MID_E_NOMEM;
	}
	f->tls = tls;
	f->keep_dir = keep_dir;
	f->log = log;
	f->pw_file = pw;
	f->password = pw ? pw : tls->password;
	r = read_files(f);
	if (r == 0)
		r = identify(f, c->client_id);
	if (r < 0) {
		credclient_files_free(f);
		return r;
	}
	c->client = true;
	c->files = f;
	return 0;
}

static int decode(const struct creds_files *f, struct creds *c)
{
	const struct cfg_tls *tls = f->tls;
	const char *pw = f->password;
	int r;

	if (!f->pem)
		return load_p12_kept(f->cert, f->cert_len, &f->sb, pw,
				     f->keep_dir, c, tls->cert, f->log);
	r = load_pem_cert(f->cert, f->cert_len, c, tls->cert, f->log);
	if (r == 0)
		r = load_pem_key(f->key ? f->key : f->cert,
				 f->key ? f->key_len : f->cert_len, pw, c,
				 tls->key ? tls->key : tls->cert, f->log);
	return r;
}

int creds_client(struct creds *c)
{
	struct creds_files *f = c->files;
	int r;

	if (!f)
		return c->client_r;
	c->files = NULL;
	r = decode(f, c);
	if (r == 0)
		r = check_cert(c, f->tls->cert, f->log);
	if (r < 0) {
		creds_client_free(c);
		c->client_r = r;
	}
	credclient_files_free(f);
	return r;
}

/* OpenSSL's certificate callback: a server asked for our certificate. */
static int on_cert_request(SSL *ssl, void *arg)
{
	struct creds *c = arg;

	if (creds_client(c) < 0)
		return 0; /* the handshake fails; creds_failed() says why */
	if (SSL_use_cert_and_key(ssl, c->cert, c->key, c->chain, 1) == 1)
		return 1;
	/* the pair was checked: only memory can be missing here */
	c->client_r = MID_E_NOMEM;
	return 0;
}

void creds_apply(struct creds *c, SSL_CTX *ctx)
{
	if (c->client)
		SSL_CTX_set_cert_cb(ctx, on_cert_request, c);
}
