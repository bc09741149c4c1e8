/* Where the person is: the endUserIp BankID asks for. */
#ifndef MID_NET_H
#define MID_NET_H

#include <stddef.h>

struct mid_log;

#define NET_IP_MAX 64

/* rhost as an IP address: a literal is taken as it is, a name is resolved;
 * with no remote host (console, sudo) or an unresolvable one, this host's
 * own first non-loopback address (127.0.0.1 if it has none). */
void net_end_user_ip(const char *rhost, char *out, size_t n,
		     struct mid_log *log);

#endif
