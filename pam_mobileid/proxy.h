/* The proxy keys of a provider section, checked before libcurl sees them. */
#ifndef MID_PROXY_H
#define MID_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

struct cfg_route;
struct mid_log;
struct resolve_pin;

#define PROXY_MAX_VALUE 512

/* proxy = http://host:port[/]: the only form (no credentials, no path, no
 * other scheme; an IPv6 host in brackets). Returns NULL when v is good,
 * else why not, for the log line. */
const char *proxy_url_problem(const char *v);

/* no_proxy = host names, addresses or domains (".example.com"), separated
 * by commas. Returns NULL when v is good, else why not. */
const char *proxy_hosts_problem(const char *v);

/* Whether host is reached directly: it equals an entry of no_proxy, or lies
 * below one ("example.com" and ".example.com" both cover www.example.com).
 * Case-insensitive; NULL no_proxy: never. */
bool proxy_bypassed(const char *host, const char *no_proxy);

/* The host (without brackets) and port of a proxy_url_problem()-clean
 * value. Returns 0, or MID_E_CONFIG when host does not fit in n. */
int proxy_host_port(const char *proxy, char *host, size_t n, unsigned *port);

/* Sets curl up for route r from base_url's host: through the proxy (a
 * CONNECT tunnel, so TLS to the provider runs inside it) unless the host
 * is bypassed; *proxied says which. NOPROXY "" keeps libcurl from reading
 * NO_PROXY. Through the proxy, pin becomes the proxy's name: the proxy
 * looks the provider up. Returns 0, MID_E_CONFIG, MID_E_NOMEM or
 * MID_E_INTERNAL. */
int proxy_apply(CURL *curl, const char *base_url, const struct cfg_route *r,
		struct resolve_pin *pin, bool *proxied);

/* After a failed transfer through the proxy: the proxy's refusal of the
 * tunnel (a CONNECT answer other than 2xx), logged, as MID_E_PROTOCOL, or
 * MID_E_CONFIG for 407; 0 when it did not refuse. */
int proxy_refusal(CURL *curl, const char *url, struct mid_log *log);

#endif
