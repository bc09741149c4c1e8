/* The user map: which mobile identity approves for which system user. */
#ifndef MID_USERMAP_H
#define MID_USERMAP_H

#include <stddef.h>

struct mid_log;

#define USERMAP_MAX_FILE (1024 * 1024)
#define USERMAP_MAX_ID 256
#define USERMAP_MAX_PROVIDER 16
/* a user name is at most 255 bytes, as in the map */
#define USERMAP_MAX_USER 256

/* a user's line names at most this many identities */
#define USERMAP_MAX_CHAIN 4

struct usermap_ident {
	char provider[USERMAP_MAX_PROVIDER]; /* "bankid", "passbyme", ... */
	char id[USERMAP_MAX_ID]; /* normalised: 12-digit pnr for bankid */
};

/* A user's identities in the order of the line: the first is asked; the
 * next only when the one before could not be reached before any order
 * existed (approval.c). */
struct usermap_entry {
	struct usermap_ident ident[USERMAP_MAX_CHAIN];
	unsigned n;
};

/* Checks every line of text[0..len) (so one bad line is found whoever logs in)
 * and finds user's entry. Returns 0 (found), MID_E_UNMAPPED, or MID_E_CONFIG
 * with the file and line logged. */
int usermap_parse(const char *text, size_t len, const char *path,
		  const char *user, int this_year, struct usermap_entry *out,
		  struct mid_log *log);

/* Reads the file (root-owned, not group/other-writable) and parses it. */
int usermap_lookup(const char *path, const char *user,
		   struct usermap_entry *out, struct mid_log *log);

/* Called for each line of a valid map, in file order. */
typedef void (*usermap_visit_fn)(void *ctx, const char *user,
				 const struct usermap_entry *e);

/* Reads and checks the whole map, calling fn for every line (the admin
 * tool lists each user's chain). Returns 0 or MID_E_CONFIG / MID_E_NOMEM;
 * fn may have seen lines before an error further down. */
int usermap_each(const char *path, usermap_visit_fn fn, void *ctx,
		 struct mid_log *log);

/* Validates one identity for a provider, normalising it into out. */
int usermap_check_id(const char *provider, const char *id, int this_year,
		     char *out, size_t outlen);

/* Why user (PAM_USER) cannot be looked up as it is: NULL if it can, else
 * the reason (empty, 255 bytes or more, control characters). Such a name
 * is refused, never altered. */
const char *usermap_name_problem(const char *user);

/* The name to look the map up by: the account name NSS gives for user
 * (so ALICE or alice@DOMAIN from a case-insensitive directory finds
 * alice), or user as given when NSS does not know it. An NSS failure is an
 * error (logged), never "unknown". Returns 0, MID_E_NOMEM or
 * MID_E_INTERNAL. */
int usermap_account(const char *user, char *out, size_t n, struct mid_log *log);

#endif
