/* Careful JSON: size, depth and UTF-8 checked; typed field access. */
#ifndef MID_JSON_H
#define MID_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define JSON_MAX_DEPTH 16

/* Parses exactly one JSON value spanning all of text[0..len). NULL if it
 * is not valid JSON, nests deeper than JSON_MAX_DEPTH, or is not UTF-8. */
json_object *json_parse_bounded(const char *text, size_t len);

/* A provider's reply body, which must be one JSON object (checked as
 * json_parse_bounded does): 0 with *out set; MID_E_PROTOCOL when it is
 * not one; MID_E_NOMEM when memory ran out, which is this host's failure
 * and never the provider's bad reply. */
int json_parse_object(const char *text, size_t len, json_object **out);

/* The string member key of obj if it is a string of 1..max bytes with no
 * control characters; else NULL. */
const char *json_get_str(json_object *obj, const char *key, size_t max);

/* The boolean member key of obj: 1 true, 0 false, -1 absent or not a JSON
 * boolean (a string "true" is not one). */
int json_get_bool(json_object *obj, const char *key);

/* Adds key: a new string val to obj; 0, or -1 when out of memory (nothing
 * is added then). */
int json_add_str(json_object *obj, const char *key, const char *val);

/* Overwrites the string member key of obj in place (a secret we have
 * copied), before the object is released. */
void json_wipe_str(json_object *obj, const char *key);

#endif
