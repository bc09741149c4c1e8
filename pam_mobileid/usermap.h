/* The user map: which mobile identity approves for which system user. */
#ifndef MID_USERMAP_H
#define MID_USERMAP_H

#include <stddef.h>

struct mid_log;

#define USERMAP_MAX_FILE (1024 * 1024)
#define USERMAP_MAX_ID 256

struct usermap_entry {
	char provider[16];	 /* "bankid", "passbyme", "toopher" */
	char id[USERMAP_MAX_ID]; /* normalised: 12-digit pnr for bankid */
};

/* Checks every line of text (so one bad line is found whoever logs in) and
 * finds user's entry. Returns 0 (found), MID_E_UNMAPPED, or MID_E_CONFIG
 * with the file and line logged. */
int usermap_parse(const char *text, const char *path, const char *user,
		  int this_year, struct usermap_entry *out,
		  struct mid_log *log);

/* Reads the file (root-owned, not group/other-writable) and parses it. */
int usermap_lookup(const char *path, const char *user,
		   struct usermap_entry *out, struct mid_log *log);

/* Validates one identity for a provider, normalising it into out. */
int usermap_check_id(const char *provider, const char *id, int this_year,
		     char *out, size_t outlen);

#endif
