/* Small helpers: secret wiping, base64, UTF-8, clocks, strict numbers,
 * digests of what a kept file must match. */
#include "util.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "log.h"
#include "mid.h"

void util_freezero(void *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

void util_strfree(char *s)
{
	if (s)
		util_freezero(s, strlen(s));
}

char *util_base64(const void *data, size_t len)
{
	char *out;

	if (len > INT_MAX / 2)
		return NULL;
	out = malloc(4 * ((len + 2) / 3) + 1);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

unsigned char *util_unbase64(const char *s, size_t n, size_t *len)
{
	char *packed = malloc(n + 1);
	unsigned char *out = NULL;
	size_t m = 0, pad = 0;
	int got;

	*len = 0;
	if (!packed || n > INT_MAX / 2)
		goto out;
	/* XML wraps long base64 values: white space is not data */
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n", s[i]) || !s[i])
			packed[m++] = s[i];
	while (pad < m && pad < 2 && packed[m - 1 - pad] == '=')
		pad++;
	if (m == 0 || m % 4 || memchr(packed, '=', m - pad) ||
	    memchr(packed, '\0', m))
		goto out;
	out = malloc(m / 4 * 3 + 1);
	got = out ? EVP_DecodeBlock(out, (unsigned char *)packed, (int)m) : -1;
	if (got < 0 || (size_t)got < pad) {
		free(out);
		out = NULL;
		goto out;
	}
	*len = (size_t)got - pad;
	out[*len] = '\0';
out:
	free(packed);
	return out;
}

size_t util_utf8_next(const char *str, size_t max, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n, i;
	unsigned int c;

	if (max == 0)
		return 0;
	if (s[0] < 0x80) {
		n = 1;
		c = s[0];
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > max)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	if (cp)
		*cp = c;
	return n;
}

static size_t utf8_len(const unsigned char *s, size_t max)
{
	return util_utf8_next((const char *)s, max, NULL);
}

/* Characters that change how a line reads without showing themselves:
 * controls (C0, DEL, C1), line and paragraph separators, bidi controls and
 * the other format characters (Unicode Cc, Zl, Zp, Cf); and the spaces
 * that are not U+0020 (Zs), which look like a field separator. */
static const struct cp_range {
	unsigned lo, hi;
	enum util_cp_class cls;
} cp_ranges[] = {
    {0x00, 0x1f, UTIL_CP_HIDDEN},	{0x7f, 0x9f, UTIL_CP_HIDDEN},
    {0xa0, 0xa0, UTIL_CP_SPACE},	{0xad, 0xad, UTIL_CP_HIDDEN},
    {0x600, 0x605, UTIL_CP_HIDDEN},	{0x61c, 0x61c, UTIL_CP_HIDDEN},
    {0x6dd, 0x6dd, UTIL_CP_HIDDEN},	{0x70f, 0x70f, UTIL_CP_HIDDEN},
    {0x890, 0x891, UTIL_CP_HIDDEN},	{0x8e2, 0x8e2, UTIL_CP_HIDDEN},
    {0x1680, 0x1680, UTIL_CP_SPACE},	{0x180e, 0x180e, UTIL_CP_HIDDEN},
    {0x2000, 0x200a, UTIL_CP_SPACE},	{0x200b, 0x200f, UTIL_CP_HIDDEN},
    {0x2028, 0x202e, UTIL_CP_HIDDEN},	{0x202f, 0x202f, UTIL_CP_SPACE},
    {0x205f, 0x205f, UTIL_CP_SPACE},	{0x2060, 0x2064, UTIL_CP_HIDDEN},
    {0x2066, 0x206f, UTIL_CP_HIDDEN},	{0x3000, 0x3000, UTIL_CP_SPACE},
    {0xfeff, 0xfeff, UTIL_CP_HIDDEN},	{0xfff9, 0xfffb, UTIL_CP_HIDDEN},
    {0x110bd, 0x110bd, UTIL_CP_HIDDEN}, {0x110cd, 0x110cd, UTIL_CP_HIDDEN},
    {0x13430, 0x1343f, UTIL_CP_HIDDEN}, {0x1bca0, 0x1bca3, UTIL_CP_HIDDEN},
    {0x1d173, 0x1d17a, UTIL_CP_HIDDEN}, {0xe0001, 0xe0001, UTIL_CP_HIDDEN},
    {0xe0020, 0xe007f, UTIL_CP_HIDDEN},
};

enum util_cp_class util_cp_class(unsigned cp)
{
	for (size_t i = 0; i < MID_ARRAY_SIZE(cp_ranges); i++)
		if (cp >= cp_ranges[i].lo && cp <= cp_ranges[i].hi)
			return cp_ranges[i].cls;
	return UTIL_CP_PLAIN;
}

bool util_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len > 0) {
		size_t l = utf8_len(p, len);

		if (l == 0)
			return false;
		p += l;
		len -= l;
	}
	return true;
}

size_t util_utf8_cut(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	/* step back over continuation bytes to the start of the last char */
	size_t i = len;

	while (i > 0 && (p[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0 && p[i - 1] >= 0xc0 &&
	    utf8_len(p + i - 1, len - i + 1) != len - i + 1)
		return i - 1;
	return len;
}

void util_sanitize(char *dst, size_t n, const char *src)
{
	const char *s = src ? src : "";
	size_t o = 0;

	if (n == 0)
		return;
	while (*s) {
		unsigned cp = 0;
		size_t l = util_utf8_next(s, 4, &cp);

		/* C1 controls (U+0080..U+009F) act as escapes on some
		 * terminals, like C0 controls and DEL; bidi controls reorder
		 * what is shown */
		if (l == 0 || util_cp_class(cp) == UTIL_CP_HIDDEN) {
			if (o + 1 >= n)
				break;
			dst[o++] = '?';
			s += l ? l : 1;
			continue;
		}
		if (o + l >= n)
			break;
		memcpy(dst + o, s, l);
		o += l;
		s += l;
	}
	dst[o] = '\0';
}

const char *util_env(const char *const *pam_env, const char *name)
{
	size_t n = strlen(name);

	for (; pam_env && *pam_env; pam_env++)
		if (strncmp(*pam_env, name, n) == 0 && (*pam_env)[n] == '=')
			return *pam_env + n + 1;
	return getenv(name);
}

uint64_t util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void util_pin_loaded(const void *addr)
{
	Dl_info info;

	if (dladdr(addr, &info) && info.dli_fname)
		dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

int util_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (!s || !*s || strlen(s) > 9)
		return MID_E_CONFIG;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return MID_E_CONFIG;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min || v > max)
		return MID_E_CONFIG;
	*out = (unsigned)v;
	return 0;
}

bool util_is_token(const char *s, size_t max)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= max)
			return false;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '-'))
			return false;
	}
	return n > 0;
}

void *util_regrow(void *old, size_t old_cap, size_t used, size_t cap)
{
	char *nb = used <= cap ? malloc(cap) : NULL;

	if (!nb)
		return NULL;
	if (old && used)
		memcpy(nb, old, used);
	util_freezero(old, old_cap);
	return nb;
}

int util_digest_bytes(EVP_MD_CTX *md, const void *p, size_t n)
{
	uint64_t len = n;

	return EVP_DigestUpdate(md, &len, sizeof(len)) &&
	       EVP_DigestUpdate(md, p ? p : "", n);
}

static int digest_u64(EVP_MD_CTX *md, uint64_t v)
{
	return EVP_DigestUpdate(md, &v, sizeof(v));
}

int util_digest_file_id(EVP_MD_CTX *md, const struct stat *sb)
{
	return digest_u64(md, (uint64_t)sb->st_dev) &&
	       digest_u64(md, (uint64_t)sb->st_ino) &&
	       digest_u64(md, (uint64_t)sb->st_size) &&
	       digest_u64(md, (uint64_t)sb->st_mtim.tv_sec) &&
	       digest_u64(md, (uint64_t)sb->st_mtim.tv_nsec) &&
	       digest_u64(md, (uint64_t)sb->st_ctim.tv_sec) &&
	       digest_u64(md, (uint64_t)sb->st_ctim.tv_nsec);
}
