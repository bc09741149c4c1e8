/* Where the person is: the endUserIp BankID asks for. */
#include "net.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

static int ntop(const struct sockaddr *sa, char *out, size_t n)
{
	const void *addr;

	if (sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return -1;
	return inet_ntop(sa->sa_family, addr, out, (socklen_t)n) ? 0 : -1;
}

static void own_address(char *out, size_t n)
{
	struct ifaddrs *ifa = NULL, *i;
	int found = 0;

	snprintf(out, n, "127.0.0.1");
	if (getifaddrs(&ifa) < 0)
		return;
	/* prefer IPv4, then a global IPv6 address */
	for (int pass = 0; pass < 2 && !found; pass++) {
		for (i = ifa; i && !found; i = i->ifa_next) {
			if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) ||
			    !(i->ifa_flags & IFF_UP))
				continue;
			if (pass == 0 && i->ifa_addr->sa_family != AF_INET)
				continue;
			if (pass == 1 &&
			    (i->ifa_addr->sa_family != AF_INET6 ||
			     IN6_IS_ADDR_LINKLOCAL(
				 &((struct sockaddr_in6 *)i->ifa_addr)
				      ->sin6_addr)))
				continue;
			found = ntop(i->ifa_addr, out, n) == 0;
		}
	}
	if (!found)
		snprintf(out, n, "127.0.0.1");
	freeifaddrs(ifa);
}

void net_end_user_ip(const char *rhost, char *out, size_t n,
		     struct mid_log *log)
{
	struct addrinfo hints, *res = NULL;
	unsigned char buf[sizeof(struct in6_addr)];
	char quoted[MID_LOG_QUOTED_MAX];

	if (!rhost || !*rhost) {
		own_address(out, n);
		return;
	}
	if (inet_pton(AF_INET, rhost, buf) == 1 ||
	    inet_pton(AF_INET6, rhost, buf) == 1) {
		snprintf(out, n, "%s", rhost);
		return;
	}
	/* sshd gives a host name with UseDNS yes */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(rhost, NULL, &hints, &res) == 0 && res &&
	    ntop(res->ai_addr, out, n) == 0) {
		freeaddrinfo(res);
		return;
	}
	if (res)
		freeaddrinfo(res);
	mid_log_quote(quoted, sizeof(quoted), rhost);
	mid_log_warn(log,
		     "cannot resolve remote host %s; using this host's "
		     "address as endUserIp",
		     quoted);
	own_address(out, n);
}
