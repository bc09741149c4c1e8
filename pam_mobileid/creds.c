/* TLS credentials of a provider: our client certificate and its trust
 * anchor, read from checked files and verified before any connection. */
#include "creds.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "config.h"
#include "credcache.h"
#include "file.h"
#include "log.h"
#include "mid.h"
#include "util.h"

int creds_read_password_file(const char *path, char **out, struct mid_log *log)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	r = file_read(path, FILE_SECRET, 4096, &text, &len, NULL, log);
	if (r < 0)
		return r;
	text[strcspn(text, "\r\n")] = '\0';
	*out = strdup(text);
	util_freezero(text, len);
	return *out ? 0 : MID_E_NOMEM;
}

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

/* Every certificate of the CA file, parsed once: they become the TLS
 * store (httptls.c), so libcurl never parses the file again. */
static int load_ca(const char *path, struct creds *c, struct mid_log *log)
{
	BIO *bio;
	X509 *x;
	int r, e;

	r = file_read(path, FILE_PUBLIC, CREDS_MAX_FILE, &c->ca_pem, &c->ca_len,
		      NULL, log);
	if (r < 0)
		return r;
	bio = BIO_new_mem_buf(c->ca_pem, (int)c->ca_len);
	c->ca_certs = sk_X509_new_null();
	if (!bio || !c->ca_certs) {
		BIO_free(bio);
		return MID_E_NOMEM;
	}
	/* as many as CREDS_MAX_FILE holds */
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		if (!sk_X509_push(c->ca_certs, x)) {
			X509_free(x);
			r = MID_E_NOMEM;
			break;
		}
	/* the end of the file, or a block that is not a certificate (or
	 * memory running out on the way) */
	e = ERR_GET_REASON(ERR_peek_last_error());
	if (r == 0 && e != PEM_R_NO_START_LINE)
		r = e == ERR_R_MALLOC_FAILURE ? MID_E_NOMEM : MID_E_CONFIG;
	BIO_free(bio);
	ERR_clear_error();
	if (r == MID_E_CONFIG || sk_X509_num(c->ca_certs) == 0) {
		mid_log_err(log, "%s: %s", path,
			    sk_X509_num(c->ca_certs) == 0
				? "no certificate in CA file"
				: "a damaged certificate in CA file");
		return MID_E_CONFIG;
	}
	return r;
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

/* The client certificate and its key. A certificate alone may be
 * world-readable, as certificates are shipped; a file that holds a key
 * (PKCS#12 always, PEM when it has a key block) must not be. */
static int load_client(const struct cfg_tls *tls, const char *pw,
		       const char *keep_dir, struct creds *c,
		       struct mid_log *log)
{
	char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	struct stat sb;
	bool pem, has_key;
	int r;

	r = file_read_st(tls->cert, FILE_PUBLIC, CREDS_MAX_FILE, &cert,
			 &cert_len, &sb, log);
	if (r < 0)
		goto out;
	pem = strstr(cert, "-----BEGIN") != NULL;
	has_key = !pem || strstr(cert, "PRIVATE KEY-----") != NULL;
	if (has_key && (sb.st_mode & S_IROTH)) {
		mid_log_err(log,
			    "%s: holds a private key but is readable by other",
			    tls->cert);
		r = MID_E_CONFIG;
		goto out;
	}
	if (!pem) {
		r = load_p12_kept(cert, cert_len, &sb, pw, keep_dir, c,
				  tls->cert, log);
		goto out;
	}
	r = load_pem_cert(cert, cert_len, c, tls->cert, log);
	if (r == 0 && tls->key)
		r = file_read(tls->key, FILE_SECRET, CREDS_MAX_FILE, &key,
			      &key_len, NULL, log);
	if (r == 0)
		r = load_pem_key(key ? key : cert, key ? key_len : cert_len, pw,
				 c, tls->key ? tls->key : tls->cert, log);
out:
	util_freezero(cert, cert_len);
	util_freezero(key, key_len);
	return r;
}

int creds_load(const struct cfg_tls *tls, const char *section,
	       int need_client_cert, const char *keep_dir, struct creds *c,
	       struct mid_log *log)
{
	char *pw = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	if (!tls->ca) {
		mid_log_err(log, "[%s]: ca is required", section);
		return MID_E_CONFIG;
	}
	r = load_ca(tls->ca, c, log);
	if (r < 0 || !need_client_cert)
		goto out;
	if (!tls->cert) {
		mid_log_err(log, "[%s]: cert is required", section);
		r = MID_E_CONFIG;
		goto out;
	}
	if (tls->password && tls->password_file) {
		mid_log_err(log,
			    "[%s]: give password or password_file, not "
			    "both",
			    section);
		r = MID_E_CONFIG;
		goto out;
	}
	if (tls->password_file) {
		r = creds_read_password_file(tls->password_file, &pw, log);
		if (r < 0)
			goto out;
	}
	r = load_client(tls, pw ? pw : tls->password, keep_dir, c, log);
	if (r < 0)
		goto out;
	r = check_cert(c, tls->cert, log);
out:
	util_strfree(pw);
	if (r < 0)
		creds_free(c);
	return r;
}

int creds_apply(const struct creds *c, SSL_CTX *ctx)
{
	if (!c->cert)
		return 0;
	if (SSL_CTX_use_certificate(ctx, c->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, c->key) != 1)
		return MID_E_CONFIG;
	for (int i = 0; c->chain && i < sk_X509_num(c->chain); i++)
		if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(c->chain, i)) !=
		    1)
			return MID_E_CONFIG;
	return 0;
}

void creds_free(struct creds *c)
{
	if (!c)
		return;
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	sk_X509_pop_free(c->chain, X509_free);
	sk_X509_pop_free(c->ca_certs, X509_free);
	free(c->ca_pem);
	memset(c, 0, sizeof(*c));
}
