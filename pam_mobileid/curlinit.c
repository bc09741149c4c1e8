/* libcurl's one-time global init, with the caller's environment hidden. */
#include "curlinit.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mid.h"

/* at most this many variables stay visible to other threads during init */
#define INIT_ENV_MAX 512

extern char **environ;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

bool curlinit_denied_name(const char *entry)
{
	static const char *const prefixes[] = {"SSL", "CURL", "OPENSSL"};
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);

	for (size_t i = 0; i < MID_ARRAY_SIZE(prefixes); i++)
		if (strncasecmp(entry, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	/* http_proxy, HTTPS_PROXY, ALL_PROXY, no_proxy, ... */
	return n >= 6 && strncasecmp(entry + n - 6, "_proxy", 6) == 0;
}

/* libcurl's OpenSSL backend opens SSLKEYLOGFILE for appending, as root and
 * with the caller's umask, in curl_global_init; OpenSSL reads OPENSSL_CONF
 * there too. Both look with getenv(), so for the length of that one call
 * environ points at a copy without them. The host's own array and strings
 * are never changed, and the copy is static because another thread's
 * getenv() may still be walking it after environ points back. */
static void curl_init_hidden(void)
{
	static char *clean[INIT_ENV_MAX + 1];
	char **saved = environ;
	size_t n = 0;

	for (char **e = saved; e && *e && n < INIT_ENV_MAX; e++)
		if (!curlinit_denied_name(*e))
			clean[n++] = *e;
	clean[n] = NULL;
	environ = clean;
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
	environ = saved;
}

int curlinit_once(void)
{
	/* curl_global_init is not thread-safe in every libcurl: run it once */
	pthread_once(&curl_once, curl_init_hidden);
	return curl_init_result == CURLE_OK ? 0 : MID_E_INTERNAL;
}
