/* Small helpers: secret wiping, base64, UTF-8, clocks, strict numbers,
 * digests of what a kept file must match. */
#ifndef MID_UTIL_H
#define MID_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

struct stat;

/* explicit_bzero(p, len) then free(p); NULL is fine. */
void util_freezero(void *p, size_t len);
/* The same for a NUL-terminated string. */
void util_strfree(char *s);
/* A block of cap bytes holding the first used bytes of old (NULL: none),
 * and old wiped and freed: realloc would free it unwiped. NULL, with old
 * untouched, when out of memory. */
void *util_regrow(void *old, size_t old_cap, size_t used, size_t cap);

/* Standard base64 of len bytes into a heap string; NULL on failure. */
char *util_base64(const void *data, size_t len);

/* Decodes base64 s[0..n) (white space skipped, '=' only at the end) into
 * a NUL-terminated heap buffer of *len bytes; NULL when it is not base64 or
 * out of memory. */
unsigned char *util_unbase64(const char *s, size_t n, size_t *len);

/* Copies src into dst (size n), replacing every UTIL_CP_HIDDEN character
 * (and each byte that is not valid UTF-8) with '?', so that text from
 * outside can reach a terminal. Always NUL-terminates; cuts at a character
 * boundary. For log lines, quote values with mid_log_quote(). */
void util_sanitize(char *dst, size_t n, const char *src);

/* The length of the valid UTF-8 character at s (at most max bytes), with
 * its code point in *cp (cp may be NULL); 0 if it is not one: no overlong
 * forms, surrogates or code points past U+10FFFF. */
size_t util_utf8_next(const char *s, size_t max, unsigned *cp);

enum util_cp_class {
	UTIL_CP_PLAIN,
	UTIL_CP_SPACE,	/* a space other than U+0020 (Unicode Zs) */
	UTIL_CP_HIDDEN, /* controls, separators, bidi and other format
			   characters (Unicode Cc, Zl, Zp, Cf) */
};

/* What a code point is to someone reading a line. */
enum util_cp_class util_cp_class(unsigned cp);

/* Are these len bytes valid UTF-8 (no overlong forms, surrogates, or code
 * points past U+10FFFF)? */
bool util_utf8_valid(const char *s, size_t len);

/* The length to cut s[0..len) to so that it does not end inside a
 * multi-byte character. */
size_t util_utf8_cut(const char *s, size_t len);

/* The value of the variable name in the PAM environment (NULL-terminated
 * "NAME=value" strings; may be NULL), else in the process's; NULL if in
 * neither. For display settings only (language, charset): the caller of a
 * setuid host chose both environments. */
const char *util_env(const char *const *pam_env, const char *name);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t util_now_ms(void);

/* Keeps the shared object that holds addr loaded until the process ends
 * (RTLD_NODELETE), whatever dlclose() is called on it later. */
void util_pin_loaded(const void *addr);

/* Strict unsigned parse: digits only, value in [min, max]. */
int util_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

/* Is s a UUID-like token: 1..max chars of [0-9A-Za-z-]. */
bool util_is_token(const char *s, size_t max);

/* Adds n bytes to md, their length first, so that ("ab", "c") and
 * ("a", "bc") differ; NULL with n 0 is fine. 1, or 0 on failure. */
int util_digest_bytes(EVP_MD_CTX *md, const void *p, size_t n);
/* Adds a file's identity and times (device, inode, size, mtime and ctime
 * with nanoseconds), which a new or rewritten file changes. 1 or 0. */
int util_digest_file_id(EVP_MD_CTX *md, const struct stat *sb);

#endif
