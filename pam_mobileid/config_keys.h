/* The config's keys: one table of every section's keys, their types and
 * limits, and how a value is checked and stored. */
#ifndef MID_CONFIG_KEYS_H
#define MID_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

struct cfg_key;
struct mid_config;
struct mid_log;

/* more than the table holds: the size of a parser's "seen" bit set */
#define CFG_KEYS_MAX 128

/* The key name of [section], or NULL if there is none. */
const struct cfg_key *cfg_key_find(const char *section, const char *name);

/* Checks value for k and stores it in cfg; where says "file:line" or
 * "module argument N" for the log. Returns 0, MID_E_CONFIG (logged) or
 * MID_E_NOMEM. */
int cfg_key_set(struct mid_config *cfg, const struct cfg_key *k,
		const char *value, const char *where, struct mid_log *log);

/* k's place in the table, below CFG_KEYS_MAX. */
/* "a, b, c": the key names of a section, cut to fit size. */
void cfg_keys_list(const char *section, char *out, size_t size);
size_t cfg_key_index(const struct cfg_key *k);

/* Does k hold a secret (the file then must not be other-readable)? */
bool cfg_key_is_secret(const struct cfg_key *k);

/* Replaces *field with a copy of value, wiping the old one if secret. */
int cfg_set_str(char **field, const char *value, bool secret);

#endif
