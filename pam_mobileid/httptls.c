/* The TLS policy of every session. */
#include "httptls.h"

#include <stdbool.h>
#include <sys/stat.h>

#include <openssl/ssl.h>

#include "creds.h"
#include "log.h"
#include "mid.h"
#include "tlskeep.h"

/* A new store in place of libcurl's, holding the configured CA's
 * certificates (parsed once, by creds_load) and nothing else, whatever
 * libcurl's build would fall back to. Its checks are libcurl's defaults:
 * the trusted store first, a configured intermediate as an anchor. */
static int own_store(SSL_CTX *ctx, const struct creds *creds)
{
	X509_STORE *store = X509_STORE_new();
	int ok = store != NULL &&
		 X509_STORE_set_flags(store, X509_V_FLAG_TRUSTED_FIRST |
						 X509_V_FLAG_PARTIAL_CHAIN);

	for (int i = 0; ok && i < sk_X509_num(creds->ca_certs); i++)
		ok = X509_STORE_add_cert(store,
					 sk_X509_value(creds->ca_certs, i));
	if (!ok) {
		X509_STORE_free(store);
		return -1;
	}
	SSL_CTX_set_cert_store(ctx, store); /* frees libcurl's */
	return 0;
}

static CURLcode on_ssl_ctx(CURL *curl, void *ctx, void *userdata)
{
	const struct httptls *t = userdata;
	SSL_CTX *sctx = ctx;

	if (SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION) != 1)
		return CURLE_SSL_CIPHER;
	/* libcurl logs TLS secrets to SSLKEYLOGFILE if the host opened one:
	 * never ours (it sets its callback just before calling us) */
	SSL_CTX_set_keylog_callback(sctx, NULL);
	/* received plaintext (a QR secret) is wiped from OpenSSL's buffers */
	SSL_CTX_set_options(sctx, SSL_OP_CLEANSE_PLAINTEXT);
	if (t->creds->ca_certs && own_store(sctx, t->creds) < 0)
		return CURLE_OUT_OF_MEMORY;
	if (t->keep)
		tlskeep_attach(t->keep, sctx);
	creds_apply(t->creds, sctx);
	return CURLE_OK;
}

/* The system store libcurl was built with, named explicitly: left unset,
 * a fallback could read SSL_CERT_FILE / SSL_CERT_DIR from the caller.
 * Its hashed directory when it has one: OpenSSL then reads the one CA a
 * chain needs, where the bundle file (about 140 certificates, some 190 M
 * instructions) would be parsed whole at every login. Debian's
 * update-ca-certificates writes both from the same certificates. */
static int system_store(CURL *curl, struct mid_log *log)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	struct stat sb;
	bool dir;

	if (!v || (!v->cainfo && !v->capath)) {
		mid_log_err(log, "libcurl has no system CA store built in: "
				 "set ca in the provider's section");
		return MID_E_CONFIG;
	}
	dir = v->capath && stat(v->capath, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (curl_easy_setopt(curl, CURLOPT_CAINFO, dir ? NULL : v->cainfo) !=
		CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CAPATH, dir ? v->capath : NULL) !=
		CURLE_OK)
		return MID_E_INTERNAL;
	return 0;
}

/* The configured CA is the only trust anchor: libcurl loads no file, and
 * own_store() gives the context a store of the certificates creds holds. */
static int own_ca(CURL *curl)
{
	if (curl_easy_setopt(curl, CURLOPT_CAINFO, NULL) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CAPATH, NULL) != CURLE_OK)
		return MID_E_INTERNAL;
	return 0;
}

int httptls_apply(CURL *curl, const struct httptls *t, struct mid_log *log)
{
	int r = t->creds->ca_certs ? own_ca(curl) : system_store(curl, log);

	if (r < 0)
		return r;
	if (curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_SSLVERSION,
			     (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) !=
		CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, t) != CURLE_OK)
		return MID_E_INTERNAL;
	return 0;
}
