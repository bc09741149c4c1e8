/* TLS credentials of a provider: its trust anchor, parsed and checked
 * before any connection, and our client certificate's files, read and
 * checked (credclient.c decodes them when a server asks). */
#include "creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "credclient.h"
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
	r = credclient_read(tls, pw, keep_dir, c, log);
	pw = NULL; /* credclient_read's now */
out:
	util_strfree(pw);
	if (r < 0)
		creds_free(c);
	return r;
}

void creds_client_free(struct creds *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	sk_X509_pop_free(c->chain, X509_free);
	c->cert = NULL;
	c->key = NULL;
	c->chain = NULL;
}

void creds_free(struct creds *c)
{
	if (!c)
		return;
	creds_client_free(c);
	sk_X509_pop_free(c->ca_certs, X509_free);
	free(c->ca_pem);
	credclient_files_free(c->files);
	memset(c, 0, sizeof(*c));
}
