/* PKCS#12 client credentials decrypted once and kept in the root-only
 * state_dir, keyed by the files they came from (doc/security.md). */
#ifndef MID_CREDCACHE_H
#define MID_CREDCACHE_H

#include <stddef.h>

struct creds;
struct mid_log;
struct stat;

#define CREDCACHE_TAG_LEN 32

/* What the kept copy must match: a hash of the PKCS#12 file's identity
 * (device, inode, size, mtime, ctime), its bytes and the password. */
int credcache_tag(const char *p12, size_t len, const struct stat *sb,
		  const char *pw, unsigned char tag[CREDCACHE_TAG_LEN]);

/* Fills c->key, c->cert and c->chain from the copy kept in dir for the
 * file at path when its tag matches: 0; 1 when there is none to use. */
int credcache_get(const char *dir, const char *path,
		  const unsigned char tag[CREDCACHE_TAG_LEN], struct creds *c,
		  struct mid_log *log);

/* Keeps c's key and certificates for the next login (0600, logged when
 * it cannot). */
void credcache_put(const char *dir, const char *path,
		   const unsigned char tag[CREDCACHE_TAG_LEN],
		   const struct creds *c, struct mid_log *log);

/* The parser of a kept copy (for the fuzz target): 0 and c filled when
 * data is a copy with this tag, else 1 and c untouched. */
int credcache_parse(const char *data, size_t len,
		    const unsigned char tag[CREDCACHE_TAG_LEN],
		    struct creds *c);

#endif
