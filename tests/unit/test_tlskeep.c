/* tlskeep: the kept file's format and parser, with sessions of real
 * in-memory handshakes (TLS 1.3 and 1.2) between OpenSSL endpoints: a
 * session is taken back only with its tag, whole, undamaged, TLS 1.3,
 * and younger than its lifetime and TLSKEEP_MAX_AGE_S. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tlskeep.h"

struct pki {
	EVP_PKEY *key;
	X509 *cert;
};

/* A self-signed P-256 certificate for "localhost", valid for a day. */
static void make_pki(struct pki *p)
{
	X509_NAME *name;

	p->key = EVP_EC_gen("P-256");
	p->cert = X509_new();
	assert_non_null(p->key);
	assert_non_null(p->cert);
	X509_set_version(p->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(p->cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(p->cert), -60);
	X509_gmtime_adj(X509_getm_notAfter(p->cert), 86400);
	name = X509_get_subject_name(p->cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1,
				   0);
	X509_set_issuer_name(p->cert, name);
	X509_set_pubkey(p->cert, p->key);
	assert_true(X509_sign(p->cert, p->key, EVP_sha256()) > 0);
}

static SSL_SESSION *caught;

static int catch_session(SSL *ssl, SSL_SESSION *s)
{
	(void)ssl;
	if (caught)
		return 0;
	caught = s;
	return 1; /* ours now */
}

static void pump(SSL *a, SSL *b)
{
	for (int i = 0;
	     i < 20 && !(SSL_is_init_finished(a) && SSL_is_init_finished(b));
	     i++) {
		SSL_do_handshake(a);
		SSL_do_handshake(b);
	}
	assert_true(SSL_is_init_finished(a) && SSL_is_init_finished(b));
}

/* One handshake at most max_version; the client's session after it has
 * read what the server sent (the tickets of TLS 1.3). */
static SSL_SESSION *handshake(const struct pki *p, int max_version)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *srv, *cli;
	BIO *sb, *cb;
	char c;

	assert_non_null(sctx);
	assert_non_null(cctx);
	assert_int_equal(SSL_CTX_use_certificate(sctx, p->cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sctx, p->key), 1);
	X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), p->cert);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_max_proto_version(cctx, max_version);
	SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT |
						 SSL_SESS_CACHE_NO_INTERNAL);
	SSL_CTX_sess_set_new_cb(cctx, catch_session);
	srv = SSL_new(sctx);
	cli = SSL_new(cctx);
	assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
	SSL_set_bio(srv, sb, sb);
	SSL_set_bio(cli, cb, cb);
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	SSL_set_tlsext_host_name(cli, "localhost");
	caught = NULL;
	pump(cli, srv);
	assert_int_equal(SSL_write(srv, "x", 1), 1);
	assert_int_equal(SSL_read(cli, &c, 1), 1);
	assert_non_null(caught);
	SSL_free(cli);
	SSL_free(srv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return caught;
}

static const unsigned char tag[TLSKEEP_TAG_LEN] = {1, 2, 3};

/* data parses back at t; the session is freed */
static int takes(const unsigned char *data, size_t len, time_t t)
{
	SSL_SESSION *s = tlskeep_parse(data, len, tag, t);

	SSL_SESSION_free(s);
	return s != NULL;
}

static void test_tls13_session_round_trip_and_refusals(void **unused)
{
	struct pki p;
	SSL_SESSION *s;
	unsigned char *data, other[TLSKEEP_TAG_LEN] = {9};
	size_t len;
	time_t t;

	(void)unused;
	make_pki(&p);
	s = handshake(&p, TLS1_3_VERSION);
	t = (time_t)SSL_SESSION_get_time(s);
	assert_int_equal(tlskeep_format(s, tag, &data, &len), 0);
	assert_true(takes(data, len, t));
	assert_true(takes(data, len, t + 60));
	/* our cap, whatever the server's lifetime (OpenSSL's is 7200 s) */
	assert_false(takes(data, len, t + TLSKEEP_MAX_AGE_S));
	/* a clock that went back */
	assert_false(takes(data, len, t - 5));
	/* another tag: another URL, CA or client certificate */
	assert_null(tlskeep_parse(data, len, other, t));
	/* cut, lengthened, damaged anywhere */
	assert_false(takes(data, len - 1, t));
	assert_false(takes(data, len / 2, t));
	for (size_t i = 0; i < len; i += 7) {
		data[i] ^= 0x20;
		assert_false(takes(data, len, t));
		data[i] ^= 0x20;
	}
	assert_true(takes(data, len, t));
	OPENSSL_clear_free(data, len);
	SSL_SESSION_free(s);
	X509_free(p.cert);
	EVP_PKEY_free(p.key);
}

static void test_tls12_sessions_are_not_taken(void **unused)
{
	struct pki p;
	SSL_SESSION *s;
	unsigned char *data;
	size_t len;

	(void)unused;
	make_pki(&p);
	s = handshake(&p, TLS1_2_VERSION);
	assert_int_equal(SSL_SESSION_get_protocol_version(s), TLS1_2_VERSION);
	assert_int_equal(tlskeep_format(s, tag, &data, &len), 0);
	assert_false(takes(data, len, (time_t)SSL_SESSION_get_time(s)));
	OPENSSL_clear_free(data, len);
	SSL_SESSION_free(s);
	X509_free(p.cert);
	EVP_PKEY_free(p.key);
}

/* A certificate of ours that ends in `left` seconds. */
static X509 *ours_until(long left)
{
	X509 *x = X509_new();

	assert_non_null(x);
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), left));
	return x;
}

static void test_a_session_ends_with_our_certificate(void **unused)
{
	struct pki p;
	SSL_SESSION *s;
	unsigned char *data;
	size_t len;
	time_t t;
	X509 *x;

	(void)unused;
	make_pki(&p);
	s = handshake(&p, TLS1_3_VERSION);
	t = (time_t)SSL_SESSION_get_time(s);
	/* a certificate that outlives the session changes nothing */
	tlskeep_end_with(s, NULL);
	x = ours_until(86400);
	tlskeep_end_with(s, x);
	X509_free(x);
	assert_int_equal(SSL_SESSION_get_timeout(s), 7200);
	/* one that ends in ten minutes ends the kept session with it */
	x = ours_until(600);
	tlskeep_end_with(s, x);
	X509_free(x);
	assert_in_range(SSL_SESSION_get_timeout(s), 590, 600);
	assert_int_equal(tlskeep_format(s, tag, &data, &len), 0);
	assert_true(takes(data, len, t + 300));
	assert_false(takes(data, len, t + 601));
	OPENSSL_clear_free(data, len);
	/* one that has ended: a session no one keeps (on_new_session) */
	x = ours_until(-60);
	tlskeep_end_with(s, x);
	X509_free(x);
	assert_int_equal(SSL_SESSION_get_timeout(s), 0);
	SSL_SESSION_free(s);
	X509_free(p.cert);
	EVP_PKEY_free(p.key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls13_session_round_trip_and_refusals),
	    cmocka_unit_test(test_tls12_sessions_are_not_taken),
	    cmocka_unit_test(test_a_session_ends_with_our_certificate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
