/* libcurl's one-time global init, with the caller's environment hidden. */
#include "curlinit.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <qrencode.h>

#include "mid.h"
#include "util.h"

/* at most this many variables stay visible to other threads during init */
#define INIT_ENV_MAX 512

extern char **environ;

/* held while libcurl initialises; curl_ready once it has */
static pthread_mutex_t curl_lock = PTHREAD_MUTEX_INITIALIZER;
static bool curl_ready;

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
static CURLcode curl_init_hidden(void)
{
	static char *clean[INIT_ENV_MAX + 1];
	char **saved = environ;
	size_t n = 0;
	CURLcode r;

	for (char **e = saved; e && *e && n < INIT_ENV_MAX; e++)
		if (!curlinit_denied_name(*e))
			clean[n++] = *e;
	clean[n] = NULL;
	environ = clean;
	r = curl_global_init(CURL_GLOBAL_DEFAULT);
	environ = saved;
	return r;
}

int curlinit_once(void)
{
	bool ready;

	/* curl_global_init is not thread-safe in every libcurl: one thread
	 * at a time, until it has worked once. A failure (out of memory) is
	 * this login's; the next one tries again, as pthread_once would not
	 * let it. */
	if (pthread_mutex_lock(&curl_lock) != 0)
		return MID_E_LOCAL;
	if (!curl_ready && curl_init_hidden() == CURLE_OK) {
		curl_ready = true;
		/* libcurl and the thirty-odd libraries it brings stay loaded,
		 * and json-c and libqrencode: a host that loads the module at
		 * every pam_start and unloads it at pam_end (a VPN server's or
		 * a screen locker's PAM process) would otherwise map, relocate,
		 * set up and tear them all down again at every login. The
		 * module itself is still loaded afresh. */
		util_pin_loaded((const void *)curl_version_info);
		util_pin_loaded((const void *)json_c_version);
		util_pin_loaded((const void *)QRcode_APIVersionString);
	}
	ready = curl_ready;
	pthread_mutex_unlock(&curl_lock);
	return ready ? 0 : MID_E_LOCAL;
}
