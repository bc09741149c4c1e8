/* Who the module asks at all: `groups = wheel,sshusers,!contractors`. */
#ifndef MID_SCOPE_H
#define MID_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

struct mid_log;

#define SCOPE_MAX_GROUPS 32
#define SCOPE_MAX_NAME 64

struct scope {
	/* groups whose members are asked, and groups whose members never
	 * are; both empty: everyone */
	char allow[SCOPE_MAX_GROUPS][SCOPE_MAX_NAME];
	char deny[SCOPE_MAX_GROUPS][SCOPE_MAX_NAME];
	size_t n_allow, n_deny;
};

/* Parses the `groups` value. An empty value means everyone; negations
 * alone are an error (nobody would be asked but the non-members of some
 * group: almost certainly a mistake). Returns 0 or MID_E_CONFIG. */
int scope_parse(const char *spec, struct scope *s, struct mid_log *log);

/* Is the account in scope: a member of an allowed group (or no allowed
 * group is listed) and of no denied one? Membership is what NSS says,
 * primary group included; an account NSS does not know is in no group.
 * Returns 1 (in), 0 (out) or MID_E_INTERNAL when NSS fails. */
int scope_includes(const struct scope *s, const char *user,
		   struct mid_log *log);

/* Does the scope name anyone at all (a `groups` value was given)? */
bool scope_is_limited(const struct scope *s);

#endif
