/* libcurl's one-time global init, done so that nothing in the caller's
 * environment configures libcurl or OpenSSL (doc/security.md). */
#ifndef MID_CURLINIT_H
#define MID_CURLINIT_H

#include <stdbool.h>

/* curl_global_init until it has worked once in this process, with the
 * variables libcurl and OpenSSL read at init (SSLKEYLOGFILE, OPENSSL_CONF,
 * CURL_SSL_BACKEND) hidden from it; then libcurl, json-c and libqrencode
 * stay loaded for the rest of the process, whatever pam_end unloads.
 * Returns 0, or MID_E_LOCAL when it failed this time (the next call tries
 * again). */
int curlinit_once(void);

/* True for a variable that must never reach libcurl or OpenSSL. */
bool curlinit_denied_name(const char *entry);

#endif
