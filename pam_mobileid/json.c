/* Careful JSON: size, depth and UTF-8 checked; typed field access. */
#include "json.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <json-c/printbuf.h>

#include "mid.h"
#include "util.h"

/* json-c takes NaN and Infinity, which are not JSON (RFC 8259). */
static bool all_finite(json_object *obj)
{
	switch (json_object_get_type(obj)) {
	case json_type_double: return isfinite(json_object_get_double(obj));
	case json_type_object: {
		json_object_object_foreach(obj, key, val)
		{
			(void)key;
			if (!all_finite(val))
				return false;
		}
		return true;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			if (!all_finite(json_object_array_get_idx(obj, i)))
				return false;
		return true;
	default: return true;
	}
}

/* json_parse_bounded's work: 0 with *out set, MID_E_PROTOCOL for text
 * that is not one bounded JSON value, MID_E_NOMEM when memory ran out
 * (json-c says so only through malloc's errno). */
static int parse(const char *text, size_t len, json_object **out)
{
	struct json_tokener *tok;
	json_object *obj;
	int r = 0;

	*out = NULL;
	/* json-c's own UTF-8 check lets overlong forms and surrogates by */
	if (!text || len == 0 || len > INT_MAX || !util_utf8_valid(text, len))
		return MID_E_PROTOCOL;
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok)
		return MID_E_NOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					JSON_TOKENER_VALIDATE_UTF8);
	errno = 0;
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (!obj)
		r = errno == ENOMEM ? MID_E_NOMEM : MID_E_PROTOCOL;
	else if (json_tokener_get_error(tok) != json_tokener_success ||
		 json_tokener_get_parse_end(tok) != len) {
		/* trailing bytes after the value: reject it whole */
		size_t end = json_tokener_get_parse_end(tok);

		while (end < len && (text[end] == ' ' || text[end] == '\n' ||
				     text[end] == '\r' || text[end] == '\t'))
			end++;
		if (end != len)
			r = MID_E_PROTOCOL;
	}
	/* the scratch buffer holds the last strings parsed (a QR secret) */
	if (tok->pb && tok->pb->buf)
		explicit_bzero(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	if (r == 0 && !all_finite(obj))
		r = MID_E_PROTOCOL;
	if (r < 0)
		json_object_put(obj);
	else
		*out = obj;
	return r;
}

json_object *json_parse_bounded(const char *text, size_t len)
{
	json_object *obj;

	return parse(text, len, &obj) == 0 ? obj : NULL;
}

int json_parse_object(const char *text, size_t len, json_object **out)
{
	int r = parse(text, len, out);

	if (r == 0 && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		r = MID_E_PROTOCOL;
	}
	return r;
}

const char *json_get_str(json_object *obj, const char *key, size_t max)
{
	json_object *v;
	const char *s;
	size_t n;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!s || n == 0 || n > max || strlen(s) != n)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return NULL;
	return s;
}

int json_get_bool(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

int json_add_str(json_object *obj, const char *key, const char *val)
{
	json_object *v = json_object_new_string(val);

	if (!v)
		return -1;
	if (json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

void json_wipe_str(json_object *obj, const char *key)
{
	json_object *v;
	uintptr_t s;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	/* json-c hands its own buffer out as const; the secret in it is ours
	 * to wipe (through uintptr_t: a deliberate cast) */
	s = (uintptr_t)(const void *)json_object_get_string(v);
	explicit_bzero((char *)s, (size_t)json_object_get_string_len(v));
}
