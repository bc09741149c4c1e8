/* Signed sudo: the text that is signed, the record as read back, the parts
 * of an XML signature, base64 as XML carries it, and the audit directory
 * (made 0700, refused when others can read it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "approval.h"
#include "apptext.h"
#include "audit.h"
#include "config.h"
#include "context.h"
#include "file.h"
#include "log.h"
#include "mid.h"
#include "testlib.h"
#include "util.h"
#include "xmlsig.h"

static void sign_text(const char *command, char *out, size_t n)
{
	struct mid_config cfg;
	struct approval_env env = {.user = "alice",
				   .service = "sudo",
				   .rhost = "192.0.2.7",
				   .command = command,
				   .sign = true};

	assert_int_equal(cfg_defaults(&cfg), 0);
	apptext_make(&cfg, &env, out, n);
	cfg_free(&cfg);
}

static void test_signed_text_names_host_user_and_command(void **unused)
{
	char text[APPTEXT_MAX], want[APPTEXT_MAX], host[256] = "";

	gethostname(host, sizeof(host) - 1);
	sign_text("-u bob make\x1b[2J install", text, sizeof(text));
	snprintf(want, sizeof(want),
		 "Signed sudo on %s\nUser: alice (from 192.0.2.7)\n"
		 "Command: sudo -u bob make?[2J install",
		 host);
	/* the template's message is not used: the lines are fixed */
	assert_string_equal(text, want);
}

static void test_long_signed_command_is_cut_on_a_character(void **unused)
{
	char cmdline[5000], cmd[CONTEXT_MAX_SIGNED_COMMAND + 8];
	char text[APPTEXT_MAX];
	size_t o = 0, len;

	memcpy(cmdline, "sudo", 5);
	o = 5;
	/* "å" is two bytes: 2000 of them are 4000 bytes, past the limit */
	while (o + 2 < 4005)
		o += (size_t)snprintf(cmdline + o, sizeof(cmdline) - o,
				      "\xc3\xa5");
	/* past the limit a signed command is cut, and says so: the module
	 * then refuses to have it signed */
	assert_false(context_command_from(
	    cmdline, o, CONTEXT_MAX_SIGNED_COMMAND, cmd, sizeof(cmd)));
	assert_true(strlen(cmd) <= CONTEXT_MAX_SIGNED_COMMAND + 3);
	assert_true(context_command_from(
	    cmdline, 100, CONTEXT_MAX_SIGNED_COMMAND, cmd, sizeof(cmd)));
	sign_text(cmdline + 5, text, sizeof(text));
	len = strlen(text);
	assert_true(util_utf8_valid(text, len));
	assert_non_null(strstr(text, "\nCommand: sudo \xc3\xa5"));
	/* the command is whole up to what the buffer holds */
	assert_true(len > 3000);
}

static void test_base64_as_xml_carries_it(void **unused)
{
	size_t len = 0;
	unsigned char *out = util_unbase64("aGVs\n bG8=", 10, &len);

	assert_non_null(out);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "hello", 5);
	free(out);
	assert_null(util_unbase64("aGVsbG8", 7, &len));	 /* not whole */
	assert_null(util_unbase64("aG=sbG8=", 8, &len)); /* '=' inside */
	assert_null(util_unbase64("aGV*bG8=", 8, &len));
	assert_null(util_unbase64("", 0, &len));
}

static void test_xml_find_gives_outer_inner_and_attributes(void **unused)
{
	static const char doc[] = "<a><SignedInfoX/><SignedInfo Id=\"x\">"
				  "<b/></SignedInfo><c x=\"1\"/></a>";
	struct xml_span in = {doc, sizeof(doc) - 1}, outer, inner, attrs;

	assert_int_equal(xml_find(in, "SignedInfo", &outer, &inner, &attrs), 0);
	assert_int_equal(outer.n,
			 strlen("<SignedInfo Id=\"x\"><b/></SignedInfo>"));
	assert_memory_equal(inner.p, "<b/>", inner.n);
	assert_memory_equal(attrs.p, " Id=\"x\"", attrs.n);
	assert_int_equal(xml_find(in, "c", &outer, &inner, &attrs), 0);
	assert_int_equal(inner.n, 0);
	assert_memory_equal(attrs.p, " x=\"1\"", attrs.n);
	assert_int_equal(xml_find(in, "Object", NULL, NULL, NULL), -1);
	in.n = 20; /* cut inside the element: it does not end */
	assert_int_equal(xml_find(in, "SignedInfo", NULL, NULL, NULL), -1);
}

static void test_signature_parts_must_all_be_there(void **unused)
{
	static const char doc[] =
	    "<Signature><SignedInfo><SignatureMethod Algorithm=\"m\"/>"
	    "<Reference URI=\"#other\"><DigestValue>AA==</DigestValue>"
	    "</Reference><Reference URI=\"#bidSignedData\"><DigestValue>"
	    "BB==</DigestValue></Reference></SignedInfo><SignatureValue>CC=="
	    "</SignatureValue><KeyInfo><X509Certificate>DD==</X509Certificate>"
	    "<X509Certificate>EE==</X509Certificate></KeyInfo><Object>"
	    "<bankIdSignedData Id=\"bidSignedData\"><usrVisibleData>FF=="
	    "</usrVisibleData></bankIdSignedData></Object></Signature>";
	struct xmlsig sig;
	const char *why = NULL;
	char *cut;

	assert_int_equal(xmlsig_parse(doc, sizeof(doc) - 1, &sig, &why), 0);
	assert_memory_equal(sig.digest.p, "BB==", sig.digest.n);
	assert_int_equal(sig.ncerts, 2);
	assert_memory_equal(sig.cert[1].p, "EE==", sig.cert[1].n);
	assert_memory_equal(sig.visible_data.p, "FF==", sig.visible_data.n);
	/* without the Id the signed data is not the one referenced */
	cut = strdup(doc);
	memcpy(strstr(cut, "Id=\"bid"), "Id=\"xid", 7);
	assert_int_equal(xmlsig_parse(cut, strlen(cut), &sig, &why), -1);
	assert_non_null(strstr(why, "bankIdSignedData"));
	free(cut);
}

static void test_record_parses_and_names_its_order(void **unused)
{
	static const char rec[] =
	    "{\"version\":1,\"time\":\"2026-12-01T19:00:00Z\",\"host\":\"h\","
	    "\"service\":\"sudo\",\"user\":\"alice\",\"rhost\":null,"
	    "\"tty\":null,\"command\":\"-v\",\"provider\":\"bankid\","
	    "\"orderRef\":\"0123abcd-0000\",\"userVisibleData\":\"QQ==\","
	    "\"signer\":{\"personalNumber\":\"199001011239\",\"name\":null},"
	    "\"signature\":\"QQ==\",\"ocspResponse\":\"QQ==\"}";
	struct audit_record r;
	const char *why = NULL;
	char ref[AUDIT_NAME_MAX], *bad;

	assert_int_equal(audit_parse(rec, sizeof(rec) - 1, &r, &why), 0);
	assert_string_equal(r.order_ref, "0123abcd-0000");
	assert_null(r.rhost);
	assert_null(r.name);
	audit_record_free(&r);
	bad = strdup(rec);
	memcpy(strstr(bad, "0123abcd"), "../..", 5);
	assert_int_equal(audit_parse(bad, strlen(bad), &r, &why), -1);
	audit_record_free(&r);
	free(bad);
	assert_int_equal(audit_name_ref("20261201T190000Z-0123abcd-0000.json",
					ref, sizeof(ref)),
			 0);
	assert_string_equal(ref, "0123abcd-0000");
	assert_int_equal(
	    audit_name_ref("20261201T190000Z-../x.json", ref, sizeof(ref)), -1);
	assert_int_equal(audit_name_ref("notes.txt", ref, sizeof(ref)), -1);
}

static void test_audit_dir_is_made_0700_and_must_stay_private(void **unused)
{
	struct mid_log log = {0};
	char base[256], dir[320];
	struct stat sb;
	int fd;

	test_safe_dir(base, sizeof(base), "audit");
	snprintf(dir, sizeof(dir), "%s/a/b", base);
	fd = file_dir_open(dir, &log);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(chmod(dir, 0750), 0);
	assert_int_equal(file_dir_open(dir, &log), MID_E_CONFIG);
	assert_int_equal(file_dir_open("relative/dir", &log), MID_E_CONFIG);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/a", base);
	rmdir(dir);
	rmdir(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signed_text_names_host_user_and_command),
	    cmocka_unit_test(test_long_signed_command_is_cut_on_a_character),
	    cmocka_unit_test(test_base64_as_xml_carries_it),
	    cmocka_unit_test(test_xml_find_gives_outer_inner_and_attributes),
	    cmocka_unit_test(test_signature_parts_must_all_be_there),
	    cmocka_unit_test(test_record_parses_and_names_its_order),
	    cmocka_unit_test(test_audit_dir_is_made_0700_and_must_stay_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
