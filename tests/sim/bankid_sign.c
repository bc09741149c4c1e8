/* mobileid-sim: what the virtual phone signs with. A test "BankID" CA
 * (EC P-256, made on first use: quick) and one fixed RSA key shared by every
 * person; each completion gets a certificate for its person (serialNumber =
 * the personal number, as BankID's), an XML signature and an OCSP response.
 *
 * The XML has BankID's shape (Signature, SignedInfo with a Reference to
 * #bidSignedData, SignatureValue, KeyInfo with the signer's certificate
 * and the CA's, Object/bankIdSignedData with usrVisibleData). It is written
 * already in canonical form, so the DigestValue (SHA-256 of the
 * bankIdSignedData element's bytes) and the SignatureValue (RSA-SHA256 of
 * the SignedInfo element's bytes) hold for the bytes as they stand: our
 * stand-in for C14N (doc/bankid.md, "Signatures"). */
#include "bankid_sim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

/* The one key every simulated person signs with: RSA 2048, made once for
 * these tests with openssl genpkey and public here (a key made at start
 * costs the simulator up to seconds on a loaded machine). */
static const char user_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDKOLwApn55+mlL\n"
    "zHrk0KGTZK6/AN1aYkqmw7KPlYCP9/WzeUTyl30cGy6Gs9OHc7Ij3OFJ7vy5020w\n"
    "ved24XOmrlMD3UJfBMGFKgfg/VQo5vzD6GhNdx/5RI95gmZ5u9uUVLfD1muvWecz\n"
    "CCHw4XHbgkYqlnlV0RUQWiMmEbbZ1py50S+uRzDI38I0LklE5NI+wMzULd5uTa5H\n"
    "vpT7040EpJ0FOdhuAqFfrdQ3MGGS455YpEjaCCuG5BMLoBf0WUGSDiWJCcTQeP0D\n"
    "prrA5Zf2tD6LhuhA0uty524xtUCQ0h8MewMuyegN56stj3ifPIxqU7gOvObInW7E\n"
    "UdKiS5SbAgMBAAECggEAFGTRsPnEL5EC0CjNtrMZAxWtpIhLH95hy50Dg69+yQYn\n"
    "ZUje8d2NOdRpRh8Z6hh6PVun7MjeppmdSBkeysJvOL7D6H6GlFvqbao7eS6TL5Im\n"
    "qQCQjvTAk2byq+fBZe19djbFAZ8SOnDv/BmJ3WfJumrSS2E5g19pUb4wD/AhZ1PW\n"
    "PdnskX81ZXvFq86TGUkPhfxlNngl1v3Lng2YNfff6sPexaaQUcGVuXgF8V0OW02A\n"
    "4MbDK6wr+VnFGTlflDKqsj5cOPy00hsYICvcsthnqEi0mLn+n63l5neMzeqt574m\n"
    "JIM7/ulrMn7Vht9FoooVvS8DeaCybMmMabgvclJXYQKBgQDkpC0cq9mQTLXPdt1r\n"
    "6y80sw84ink/eAh2gKDXOXNLYI7ife+Skh5uMkwYtDw9r0P15ZGXVvKm9gz2dUU7\n"
    "1QNG4EsBBbRAXHZ8ZJ7//MfBUDAtPxJPdsxlqcLiK2nd6n1bh2D2wYCAoapaHMiP\n"
    "gheXLOvlpXI22dvps45HD0Ek9wKBgQDia0Ku15+2gqAxwvy6InGsCv/nHhCwwsuZ\n"
    "IgO6a1oxUowJlqDa/q1s87sZgHY+HEhfVh1VivWdjeFy7HQH9YU5j8qJFuWjR3G1\n"
    "iIOJ24UvS/g7l2Te22jKt2yeZ5yuHH2k/5mXAh87ehrRSJLIMrDZ5ZTUgP1fuTO1\n"
    "y1S5Lq24fQKBgFmYH/lZOgL6nE/0wyVz3manN/KvCH4feil9lAligNRrvPHx6Xwk\n"
    "9/m0ie8wSV7enCHyWI/WSXW1ezTklUGx4fvXDm0TICQMV329LDUhh+EvnAFO8szi\n"
    "v4ui7zQTUQPdzEuejBeFkeZV81wmZU0e7EGYH8Q4hb4KtssoSjt8NcnXAoGAfCAB\n"
    "NojO7ec+mwkiM4ieeIqvL6yzybOAmjqjgJdJorB2ROtm06e6u3gCokBikjo/EsTK\n"
    "4BKGBBG7/pzSH2rh1mSVzAHZcmHAXJyyP+kwYnVraH/etK3kDP3xdgWnR2wnFUVq\n"
    "lfZ72Mdf3EvE7Cud+FZ7+OOeA9QsHQWTNNH6OqECgYEAiR7rEkQzZW+r9pwHj9OA\n"
    "O66frkMeVi3GRaDzXNnpGF/wwsh0tPuIYVHDmVI+zQmsdyRC75LppwA5C95igt6M\n"
    "oMRx7BS5bPqKa8fH3g0l6Cf/AuYgGwqclgf/H3tlU8u9ANbAxZnOcXVf1e2/ALVS\n"
    "B6Ot7ncTrgM60SlM3cW5sSc=\n"
    "-----END PRIVATE KEY-----\n";

static struct {
	EVP_PKEY *ca_key, *user_key;
	X509 *ca;
	char *ca_pem;
} g;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static char *b64(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext || !X509_add_ext(x, ext, -1))
		abort();
	X509_EXTENSION_free(ext);
}

/* A certificate for key with name, issued by issuer (NULL: itself). */
static X509 *make_cert(X509_NAME *name, EVP_PKEY *key, X509 *issuer, long days,
		       bool ca)
{
	X509 *x = X509_new();
	unsigned char serial[8];
	BIGNUM *bn;

	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!x || !bn || !X509_set_version(x, 2) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), days * 86400) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
					    : name) ||
	    !X509_set_pubkey(x, key))
		abort();
	BN_free(bn);
	add_ext(x, issuer ? issuer : x, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(x, issuer ? issuer : x, NID_key_usage,
		ca ? "critical,keyCertSign,cRLSign,digitalSignature"
		   : "critical,digitalSignature,nonRepudiation");
	if (!X509_sign(x, g.ca_key, EVP_sha256()))
		abort();
	return x;
}

static void init(void)
{
	X509_NAME *name = X509_NAME_new();
	BIO *mem = BIO_new(BIO_s_mem());
	BIO *key = BIO_new_mem_buf(user_key_pem, -1);
	char *pem = NULL;
	long n;

	g.ca_key = EVP_EC_gen("P-256");
	g.user_key =
	    key ? PEM_read_bio_PrivateKey(key, NULL, NULL, NULL) : NULL;
	BIO_free(key);
	if (!name || !mem || !g.ca_key || !g.user_key ||
	    !X509_NAME_add_entry_by_txt(
		name, "O", MBSTRING_ASC,
		(const unsigned char *)"pam_mobileid tests", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(
		name, "CN", MBSTRING_ASC,
		(const unsigned char *)"Test BankID Customer CA (simulator)",
		-1, -1, 0))
		abort();
	g.ca = make_cert(name, g.ca_key, NULL, 3650, true);
	if (!PEM_write_bio_X509(mem, g.ca))
		abort();
	n = BIO_get_mem_data(mem, &pem);
	g.ca_pem = strndup(pem, (size_t)n);
	X509_NAME_free(name);
	BIO_free(mem);
}

const char *bankid_signer_ca_pem(void)
{
	pthread_once(&once, init);
	return g.ca_pem;
}

static void add_name(X509_NAME *n, int nid, const char *v)
{
	if (!X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8,
					(const unsigned char *)v, -1, -1, 0))
		abort();
}

static X509 *person_cert(const struct bankid_person *p)
{
	X509_NAME *name = X509_NAME_new();
	X509 *x;

	if (!name)
		abort();
	add_name(name, NID_serialNumber, p->pno);
	add_name(name, NID_givenName, p->given);
	add_name(name, NID_surname, p->surname);
	add_name(name, NID_commonName, p->name);
	x = make_cert(name, g.user_key, g.ca, 730, false);
	X509_NAME_free(name);
	return x;
}

static char *cert_b64(X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	char *s = len > 0 ? b64(der, (size_t)len) : NULL;

	OPENSSL_free(der);
	return s;
}

static char *digest_b64(const char *data)
{
	unsigned char md[32];

	EVP_Digest(data, strlen(data), md, NULL, EVP_sha256(), NULL);
	return b64(md, sizeof(md));
}

static char *sign_b64(const char *data)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[512];
	size_t len = sizeof(sig);
	char *s;

	if (!md ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, g.user_key) != 1 ||
	    EVP_DigestSign(md, sig, &len, (const unsigned char *)data,
			   strlen(data)) != 1)
		abort();
	EVP_MD_CTX_free(md);
	s = b64(sig, len);
	return s;
}

#define DSIG "http://www.w3.org/2000/09/xmldsig#"
#define C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"

static char *xml_signature(const struct bankid_completion *in, X509 *user)
{
	char *uvd64 = in->uvd
			  ? b64((const unsigned char *)in->uvd, strlen(in->uvd))
			  : strdup("");
	char *data = NULL, *info = NULL, *digest, *value, *c_user, *c_ca;
	char *xml = NULL;

	if (asprintf(&data,
		     "<bankIdSignedData xmlns=\"http://www.bankid.com/"
		     "signature/v1.0.0/types\" Id=\"bidSignedData\">"
		     "<usrVisibleData charset=\"UTF-8\" visible=\"wysiwys\">"
		     "%s</usrVisibleData><srvInfo><nonce>%s</nonce></srvInfo>"
		     "<clientInfo><funcId>%s</funcId></clientInfo>"
		     "</bankIdSignedData>",
		     uvd64 ? uvd64 : "", in->ref,
		     in->sign ? "Signing" : "Identification") < 0)
		abort();
	digest = digest_b64(data);
	if (asprintf(&info,
		     "<SignedInfo xmlns=\"" DSIG "\"><CanonicalizationMethod "
		     "Algorithm=\"" C14N "\"/><SignatureMethod Algorithm=\""
		     "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>"
		     "<Reference Type=\"http://www.bankid.com/signature/"
		     "v1.0.0/types\" URI=\"#bidSignedData\"><Transforms>"
		     "<Transform Algorithm=\"" C14N "\"/></Transforms>"
		     "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/"
		     "xmlenc#sha256\"/><DigestValue>%s</DigestValue>"
		     "</Reference></SignedInfo>",
		     digest) < 0)
		abort();
	value = sign_b64(info);
	c_user = cert_b64(user);
	c_ca = cert_b64(g.ca);
	if (asprintf(&xml,
		     "<?xml version=\"1.0\" encoding=\"UTF-8\" "
		     "standalone=\"no\"?><Signature xmlns=\"" DSIG "\">%s"
		     "<SignatureValue>%s</SignatureValue><KeyInfo xmlns=\"" DSIG
		     "\" Id=\"bidKeyInfo\"><X509Data><X509Certificate>%s"
		     "</X509Certificate><X509Certificate>%s</X509Certificate>"
		     "</X509Data></KeyInfo><Object>%s</Object></Signature>",
		     info, value, c_user, c_ca, data) < 0)
		abort();
	free(uvd64);
	free(data);
	free(info);
	free(digest);
	free(value);
	free(c_user);
	free(c_ca);
	return xml;
}

/* The CA's own OCSP answer for the person's certificate: good. */
static char *ocsp_b64(X509 *user)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), user, g.ca);
	ASN1_TIME *now = X509_gmtime_adj(NULL, 0);
	ASN1_TIME *next = X509_gmtime_adj(NULL, 3600);
	OCSP_RESPONSE *resp = NULL;
	unsigned char *der = NULL;
	int len;
	char *s;

	if (!bs || !id || !now || !next ||
	    !OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, 0, NULL,
				    now, next) ||
	    !OCSP_basic_sign(bs, g.ca, g.ca_key, EVP_sha256(), NULL, 0) ||
	    !(resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)))
		abort();
	len = i2d_OCSP_RESPONSE(resp, &der);
	s = len > 0 ? b64(der, (size_t)len) : NULL;
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	return s;
}

void bankid_sign_evidence(const struct bankid_completion *in,
			  const struct bankid_person *p, char **signature,
			  char **ocsp)
{
	X509 *user;
	char *xml;

	pthread_once(&once, init);
	user = person_cert(p);
	xml = xml_signature(in, user);
	*signature = b64((const unsigned char *)xml, strlen(xml));
	*ocsp = ocsp_b64(user);
	free(xml);
	X509_free(user);
}
