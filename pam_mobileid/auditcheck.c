/* What `mobileid audit ORDER` checks of a record: the XML signature over
 * the signed text (the bytes as stored: no C14N), the personal number in
 * the signer's certificate, the OCSP response and the certificate status.
 */
#include "auditcheck.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "audit.h"
#include "file.h"
#include "util.h"
#include "xmlsig.h"

/* a bundle of roots, as large as a CA file the module reads */
#define ROOTS_MAX_FILE (256 * 1024)

/* Everything decoded from one record, freed in one place. */
struct evidence {
	const struct audit_record *rec;
	FILE *out;
	int failed;
	unsigned char *xml;
	size_t xml_len;
	struct xmlsig sig;
	STACK_OF(X509) * certs; /* KeyInfo's, the signer first */
	X509 *signer, *issuer;
	X509_STORE *store;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *basic;
};

static bool say(struct evidence *e, bool ok, const char *what)
{
	fprintf(e->out, "%s: %s\n", ok ? "ok" : "FAILED", what);
	if (!ok)
		e->failed++;
	return ok;
}

static unsigned char *span_unbase64(struct xml_span s, size_t *len)
{
	return util_unbase64(s.p, s.n, len);
}

/* The signed text in the XML is the text the module sent (and recorded). */
static void check_text(struct evidence *e)
{
	const char *rec = e->rec->visible_data;
	size_t a = 0, b = 0;
	unsigned char *in_sig = span_unbase64(e->sig.visible_data, &a);
	unsigned char *sent = util_unbase64(rec, strlen(rec), &b);

	say(e, in_sig && sent && a == b && memcmp(in_sig, sent, a) == 0,
	    "the signed text (usrVisibleData) is the text recorded");
	free(in_sig);
	free(sent);
}

/* The record's host, user and command are the ones in the signed text
 * (its lines: apptext.h), so that what the list shows is what was
 * signed. */
static void check_fields(struct evidence *e)
{
	const char *b64 = e->rec->visible_data;
	size_t len = 0, cl;
	char *text = (char *)util_unbase64(b64, strlen(b64), &len);
	char *host = NULL, *user = NULL, *cmd = NULL;
	char *nl = text ? strchr(text, '\n') : NULL;
	bool ok = nl &&
		  asprintf(&host, "Signed sudo on %s\n",
			   e->rec->host ? e->rec->host : "") > 0 &&
		  asprintf(&user, "\nUser: %s (from %s)\n", e->rec->user,
			   e->rec->rhost ? e->rec->rhost : "local") > 0 &&
		  asprintf(&cmd, "\nCommand: sudo %s",
			   e->rec->command ? e->rec->command : "") > 0;

	cl = cmd ? strlen(cmd) : 0;
	ok = ok && strncmp(text, host, strlen(host)) == 0 &&
	     strncmp(nl, user, strlen(user)) == 0 && len >= cl &&
	     strcmp(text + len - cl, cmd) == 0;
	say(e, ok,
	    "the signed text names the host, user, remote host and command "
	    "recorded");
	free(text);
	free(host);
	free(user);
	free(cmd);
}

/* DigestValue covers bankIdSignedData, as its bytes stand. */
static void check_digest(struct evidence *e)
{
	unsigned char md[EVP_MAX_MD_SIZE], *want;
	unsigned int mdlen = 0;
	size_t wlen = 0;
	bool ok;

	want = span_unbase64(e->sig.digest, &wlen);
	ok = want &&
	     EVP_Digest(e->sig.signed_data.p, e->sig.signed_data.n, md, &mdlen,
			EVP_sha256(), NULL) &&
	     wlen == mdlen && memcmp(md, want, mdlen) == 0;
	say(e, ok, "DigestValue is the SHA-256 of bankIdSignedData");
	free(want);
}

static bool load_certs(struct evidence *e)
{
	e->certs = sk_X509_new_null();
	for (size_t i = 0; e->certs && i < e->sig.ncerts; i++) {
		size_t len = 0;
		unsigned char *der = span_unbase64(e->sig.cert[i], &len);
		const unsigned char *p = der;
		X509 *x = der ? d2i_X509(NULL, &p, (long)len) : NULL;

		free(der);
		if (!x || !sk_X509_push(e->certs, x)) {
			X509_free(x);
			break;
		}
	}
	e->signer = e->certs && sk_X509_num(e->certs) == (int)e->sig.ncerts
			? sk_X509_value(e->certs, 0)
			: NULL;
	for (int i = 1; e->signer && i < sk_X509_num(e->certs); i++)
		if (X509_check_issued(sk_X509_value(e->certs, i), e->signer) ==
		    X509_V_OK)
			e->issuer = sk_X509_value(e->certs, i);
	return say(e, e->signer != NULL,
		   "the certificates in KeyInfo parse (the signer's first)");
}

/* SignatureValue: RSA-SHA256 by the signer's key over SignedInfo. */
static void check_signature(struct evidence *e)
{
	static const char rsa_sha256[] =
	    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t len = 0;
	unsigned char *value = span_unbase64(e->sig.value, &len);
	bool alg = memmem(e->sig.method.p, e->sig.method.n, rsa_sha256,
			  sizeof(rsa_sha256) - 1) != NULL;
	bool ok = alg && value && md &&
		  EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
				       X509_get0_pubkey(e->signer)) == 1 &&
		  EVP_DigestVerify(md, value, len,
				   (const unsigned char *)e->sig.signed_info.p,
				   e->sig.signed_info.n) == 1;

	if (!alg)
		say(e, false,
		    "SignatureMethod is rsa-sha256 (the only one "
		    "this tool checks)");
	else
		say(e, ok,
		    "SignatureValue verifies with the signer's key over "
		    "SignedInfo (the bytes as stored, not canonicalised)");
	EVP_MD_CTX_free(md);
	free(value);
}

static void check_person(struct evidence *e)
{
	char pnr[64] = "";

	X509_NAME_get_text_by_NID(X509_get_subject_name(e->signer),
				  NID_serialNumber, pnr, sizeof(pnr));
	say(e, strcmp(pnr, e->rec->signer_id) == 0,
	    "the personal number in the signer's certificate is the one "
	    "recorded");
}

int audit_load_roots(X509_STORE *store, const char *path, struct mid_log *log)
{
	STACK_OF(X509_INFO) *infos = NULL;
	BIO *bio = NULL;
	char *pem = NULL;
	size_t len = 0;
	int n = 0, added = 0;

	if (file_read(path, FILE_PUBLIC, ROOTS_MAX_FILE, &pem, &len, NULL,
		      log) < 0)
		return -1;
	bio = BIO_new_mem_buf(pem, (int)len);
	infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
	for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
		X509 *x = sk_X509_INFO_value(infos, i)->x509;

		n += x != NULL;
		added += x && X509_STORE_add_cert(store, x) == 1;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	free(pem);
	ERR_clear_error();
	return n > 0 && added == n ? 0 : -1;
}

/* The trust anchor: signer_ca at the time of signing, or else only the
 * certificates the signature carries (partial chain). */
static bool make_store(struct evidence *e, const char *signer_ca,
		       struct mid_log *log)
{
	X509_VERIFY_PARAM *param;
	struct tm tm = {0};

	e->store = X509_STORE_new();
	if (!e->store)
		return false;
	param = X509_STORE_get0_param(e->store);
	if (strptime(e->rec->time, "%Y-%m-%dT%H:%M:%SZ", &tm))
		X509_VERIFY_PARAM_set_time(param, timegm(&tm));
	if (signer_ca)
		return audit_load_roots(e->store, signer_ca, log) == 0;
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	return !e->issuer || X509_STORE_add_cert(e->store, e->issuer) == 1;
}

static void check_chain(struct evidence *e, const char *signer_ca)
{
	X509_STORE_CTX *ctx;
	bool ok;

	if (!signer_ca) {
		fprintf(e->out, "not checked: that the signer's certificate "
				"chains to a BankID root (no signer_ca in "
				"[bankid])\n");
		return;
	}
	ctx = X509_STORE_CTX_new();
	ok = ctx && X509_STORE_CTX_init(ctx, e->store, e->signer, e->certs) &&
	     X509_verify_cert(ctx) == 1;
	say(e, ok,
	    "the signer's certificate chains to signer_ca (at the time "
	    "recorded)");
	X509_STORE_CTX_free(ctx);
}

static bool parse_ocsp(struct evidence *e)
{
	const char *b64 = e->rec->ocsp_response;
	size_t len = 0;
	unsigned char *der = util_unbase64(b64, strlen(b64), &len);
	const unsigned char *p = der;

	e->resp = der ? d2i_OCSP_RESPONSE(NULL, &p, (long)len) : NULL;
	free(der);
	if (!say(e, e->resp != NULL, "the OCSP response parses"))
		return false;
	if (!say(e,
		 OCSP_response_status(e->resp) ==
		     OCSP_RESPONSE_STATUS_SUCCESSFUL,
		 "the OCSP response status is successful"))
		return false;
	e->basic = OCSP_response_get1_basic(e->resp);
	return say(e, e->basic != NULL, "the OCSP response is a basic one");
}

/* The status of the signer's certificate, matched on the response's own
 * hash of the issuer. */
static int signer_status(struct evidence *e)
{
	for (int i = 0; e->issuer && i < OCSP_resp_count(e->basic); i++) {
		OCSP_SINGLERESP *one = OCSP_resp_get0(e->basic, i);
		const OCSP_CERTID *id = OCSP_SINGLERESP_get0_id(one);
		ASN1_OBJECT *alg = NULL;
		OCSP_CERTID *mine;
		int same;

		/* OpenSSL takes the id as mutable, and only reads it (through
		 * uintptr_t: a deliberate cast) */
		OCSP_id_get0_info(NULL, &alg, NULL, NULL,
				  (OCSP_CERTID *)(uintptr_t)id);
		mine = alg ? OCSP_cert_to_id(EVP_get_digestbyobj(alg),
					     e->signer, e->issuer)
			   : NULL;
		same = mine && OCSP_id_cmp(mine, id) == 0;
		OCSP_CERTID_free(mine);
		if (same)
			return OCSP_single_get0_status(one, NULL, NULL, NULL,
						       NULL);
	}
	return -1;
}

static void check_ocsp(struct evidence *e, const char *signer_ca)
{
	bool ok;

	if (!parse_ocsp(e))
		return;
	ok = OCSP_basic_verify(e->basic, e->certs, e->store, 0) == 1;
	say(e, ok,
	    signer_ca ? "the OCSP response is signed by a responder that "
			"chains to signer_ca"
		      : "the OCSP response is signed by the signer's issuer "
			"(as carried in the signature: no signer_ca)");
	say(e, signer_status(e) == V_OCSP_CERTSTATUS_GOOD,
	    "the OCSP response says the signer's certificate is good");
}

static void evidence_free(struct evidence *e)
{
	free(e->xml);
	sk_X509_pop_free(e->certs, X509_free);
	X509_STORE_free(e->store);
	OCSP_BASICRESP_free(e->basic);
	OCSP_RESPONSE_free(e->resp);
}

int audit_check(const struct audit_record *rec, const char *signer_ca,
		FILE *out, struct mid_log *log)
{
	struct evidence e = {.rec = rec, .out = out};
	const char *why = "not base64";
	bool ok;

	e.xml =
	    util_unbase64(rec->signature, strlen(rec->signature), &e.xml_len);
	ok = e.xml && xmlsig_parse((char *)e.xml, e.xml_len, &e.sig, &why) == 0;
	if (!say(&e, ok, "the signature is a BankID XML signature")) {
		fprintf(out, "  (%s)\n", why);
		goto out;
	}
	check_text(&e);
	check_fields(&e);
	check_digest(&e);
	if (load_certs(&e)) {
		check_signature(&e);
		check_person(&e);
		if (!make_store(&e, signer_ca, log)) {
			say(&e, false, "signer_ca loads (PEM certificates)");
		} else {
			check_chain(&e, signer_ca);
			check_ocsp(&e, signer_ca);
		}
	}
	fprintf(out,
		"not checked: XML canonicalisation (C14N); the digest and "
		"the signature are taken over the bytes as stored, which is "
		"right for our simulator; a real BankID signature whose "
		"XML is not already canonical fails here (verify it with "
		"xmlsec1)\n"
		"not checked: the OCSP response's nonce and time against "
		"the signature\n");
out:
	evidence_free(&e);
	return e.failed;
}
