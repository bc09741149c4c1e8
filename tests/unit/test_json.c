/* json_parse_bounded and json_get_str: what a provider reply may be before
 * any field of it is believed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "mid.h"

static json_object *parse(const char *text)
{
	return json_parse_bounded(text, strlen(text));
}

static void assert_rejected(const char *text, size_t len)
{
	json_object *o = json_parse_bounded(text, len);

	if (o) {
		json_object_put(o);
		fail_msg("accepted: %.*s", (int)len, text);
	}
}

/* [[[...]]] nested depth times */
static char *nested_arrays(unsigned depth)
{
	char *s = malloc(2 * depth + 1);

	assert_non_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = '\0';
	return s;
}

static void test_object_parses_and_trailing_white_space_is_fine(void **state)
{
	json_object *o = parse("{\"status\":\"pending\"} \r\n\t");

	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	assert_string_equal(json_get_str(o, "status", 32), "pending");
	json_object_put(o);
}

static void
test_nesting_up_to_the_depth_limit_parses_beyond_it_fails(void **state)
{
	char *s = nested_arrays(JSON_MAX_DEPTH);
	json_object *o = parse(s);

	assert_non_null(o);
	json_object_put(o);
	free(s);
	s = nested_arrays(JSON_MAX_DEPTH + 1);
	assert_rejected(s, strlen(s));
	free(s);
	s = nested_arrays(100000);
	assert_rejected(s, strlen(s));
	free(s);
}

static void test_trailing_garbage_rejects_the_whole_reply(void **state)
{
	static const char *const bad[] = {
	    "{} x",	     "{}{}", "{\"a\":1}]", "{\"a\":1} // comment",
	    "{\"a\":1}\x01",
	};

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++)
		assert_rejected(bad[i], strlen(bad[i]));
	/* a NUL inside the given length is garbage too */
	assert_rejected("{}\0{}", 5);
	assert_rejected("{\"a\"\0:1}", 8);
}

static void test_truncated_or_lax_json_is_rejected(void **state)
{
	static const char *const bad[] = {
	    "{",	   "{\"a\":",	     "{\"a\":\"b", "{\"a\":1,}",
	    "[1,]",	   "/*c*/{}",	     "{\"a\":01}", "{a:1}",
	    "{\"a\":tru}", "\"unterminated",
	};

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++)
		assert_rejected(bad[i], strlen(bad[i]));
	assert_null(json_parse_bounded("{}", 0));
	assert_null(json_parse_bounded(NULL, 2));
}

/* A reply body must be one object: anything else is the provider's bad
 * reply (MID_E_PROTOCOL), with nothing left to free. */
static void test_a_reply_must_be_an_object(void **state)
{
	static const char *const not_object[] = {
	    "[]", "1", "\"s\"", "null", "true", "{", "{} x", "",
	};
	json_object *o = (json_object *)1;

	assert_int_equal(json_parse_object("{\"a\":1} \n", 9, &o), 0);
	assert_non_null(o);
	json_object_put(o);
	for (size_t i = 0; i < MID_ARRAY_SIZE(not_object); i++) {
		o = (json_object *)1;
		assert_int_equal(
		    json_parse_object(not_object[i], strlen(not_object[i]), &o),
		    MID_E_PROTOCOL);
		assert_null(o);
	}
}

static void test_invalid_utf8_is_rejected(void **state)
{
	static const char *const bad[] = {
	    "{\"a\":\"\xff\"}",	    "{\"a\":\"\xc3\x28\"}",
	    "{\"a\":\"\xe2\x82\"}", "{\"\xfe\":\"x\"}",
	    "{\"a\":\"x\"}\xff",    "{\"a\":\"\xf8\x88\x80\x80\x80\"}",
	};
	json_object *o;

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++)
		assert_rejected(bad[i], strlen(bad[i]));
	o = parse("{\"a\":\"Identifiera dig på datorn ✓\"}");
	assert_non_null(o);
	json_object_put(o);
}

/* json-c's JSON_TOKENER_VALIDATE_UTF8 checks the byte pattern only; ours
 * also refuses overlong forms, UTF-16 surrogates and code points above
 * U+10FFFF. */
static void
test_overlong_surrogate_and_out_of_range_utf8_is_rejected(void **state)
{
	static const char *const bad[] = {
	    "{\"a\":\"\xc0\xaf\"}",	    /* overlong '/' */
	    "{\"a\":\"\xc0\x9b\"}",	    /* overlong ESC */
	    "{\"a\":\"\xe0\x80\xaf\"}",	    /* overlong, 3 bytes */
	    "{\"a\":\"\xed\xa0\x80\"}",	    /* surrogate U+D800 */
	    "{\"a\":\"\xf4\x90\x80\x80\"}", /* U+110000 */
	};

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++)
		assert_rejected(bad[i], strlen(bad[i]));
}

/* NaN and Infinity are not JSON (RFC 8259), though json-c takes them even
 * with JSON_TOKENER_STRICT. */
static void test_nan_and_infinity_are_not_json(void **state)
{
	assert_rejected("{\"a\":NaN}", 9);
	assert_rejected("{\"a\":-Infinity}", 15);
}

static void test_get_str_refuses_non_objects(void **state)
{
	json_object *o = parse("[\"status\",\"pending\"]");

	assert_non_null(o);
	assert_null(json_get_str(o, "status", 32));
	json_object_put(o);
	o = parse("\"status\"");
	assert_non_null(o);
	assert_null(json_get_str(o, "status", 32));
	json_object_put(o);
	assert_null(json_get_str(NULL, "status", 32));
}

static void test_get_str_refuses_other_types(void **state)
{
	json_object *o = parse("{\"n\":1,\"z\":null,\"b\":true,\"o\":{},"
			       "\"a\":[\"x\"],\"f\":1.5}");
	static const char *const keys[] = {"n", "z", "b",      "o",
					   "a", "f", "missing"};

	assert_non_null(o);
	for (size_t i = 0; i < MID_ARRAY_SIZE(keys); i++)
		if (json_get_str(o, keys[i], 64))
			fail_msg("'%s' read as a string", keys[i]);
	json_object_put(o);
}

static void test_get_str_refuses_control_characters_and_nul(void **state)
{
	static const char *const bad[] = {
	    "{\"s\":\"a\\nb\"}",      "{\"s\":\"\\u001b[2J\"}",
	    "{\"s\":\"a\\u0000b\"}",  "{\"s\":\"\\u007f\"}",
	    "{\"s\":\"tab\\there\"}", "{\"s\":\"\\r\"}",
	};

	for (size_t i = 0; i < MID_ARRAY_SIZE(bad); i++) {
		json_object *o = parse(bad[i]);

		assert_non_null(o);
		if (json_get_str(o, "s", 64))
			fail_msg("accepted %s", bad[i]);
		json_object_put(o);
	}
}

static void test_get_str_refuses_empty_and_too_long_strings(void **state)
{
	json_object *o = parse("{\"e\":\"\",\"s\":\"0123456789\"}");

	assert_non_null(o);
	assert_null(json_get_str(o, "e", 64));
	assert_null(json_get_str(o, "s", 9));
	assert_string_equal(json_get_str(o, "s", 10), "0123456789");
	json_object_put(o);
}

static void test_wipe_str_overwrites_the_secret_in_place(void **state)
{
	const char *text = "{\"qrStartSecret\":\"d28db9a7-4cde-429e-a983\"}";
	json_object *o = json_parse_bounded(text, strlen(text));
	json_object *v;
	const char *s;
	size_t n;

	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "qrStartSecret", &v));
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	json_wipe_str(o, "qrStartSecret");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(s[i], 0);
	json_wipe_str(o, "absent"); /* no member: nothing happens */
	json_object_put(o);
}

static void test_add_str_adds_a_string_member(void **state)
{
	json_object *o = json_object_new_object();

	assert_int_equal(json_add_str(o, "orderRef", "abc"), 0);
	assert_string_equal(json_get_str(o, "orderRef", 8), "abc");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_object_parses_and_trailing_white_space_is_fine),
	    cmocka_unit_test(
		test_nesting_up_to_the_depth_limit_parses_beyond_it_fails),
	    cmocka_unit_test(test_trailing_garbage_rejects_the_whole_reply),
	    cmocka_unit_test(test_a_reply_must_be_an_object),
	    cmocka_unit_test(test_truncated_or_lax_json_is_rejected),
	    cmocka_unit_test(test_invalid_utf8_is_rejected),
	    cmocka_unit_test(
		test_overlong_surrogate_and_out_of_range_utf8_is_rejected),
	    cmocka_unit_test(test_nan_and_infinity_are_not_json),
	    cmocka_unit_test(test_get_str_refuses_non_objects),
	    cmocka_unit_test(test_get_str_refuses_other_types),
	    cmocka_unit_test(test_get_str_refuses_control_characters_and_nul),
	    cmocka_unit_test(test_get_str_refuses_empty_and_too_long_strings),
	    cmocka_unit_test(test_wipe_str_overwrites_the_secret_in_place),
	    cmocka_unit_test(test_add_str_adds_a_string_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
