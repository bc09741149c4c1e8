/* simcore: a connection's bytes — TLS-or-plain reads and writes, the read
 * buffer, lingering close — and listening sockets. */
#include "simcore.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

static ssize_t conn_raw_read(struct sim_conn *c, void *buf, size_t len)
{
	ssize_t n;

	if (c->ssl) {
		n = SSL_read(c->ssl, buf, (int)len);
		if (n <= 0) {
			ERR_clear_error();
			return -1;
		}
		return n;
	}
	do {
		n = read(c->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n <= 0 ? -1 : n;
}

int simhttp_write_all(struct sim_conn *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0 && !c->dead) {
		ssize_t n;

		if (c->ssl) {
			int chunk = len > (1 << 20) ? (1 << 20) : (int)len;

			n = SSL_write(c->ssl, p, chunk);
			if (n <= 0)
				ERR_clear_error();
		} else {
			do {
				n = write(c->fd, p, len);
			} while (n < 0 && errno == EINTR);
		}
		if (n <= 0) {
			c->dead = true;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return c->dead ? -1 : 0;
}

/* Makes at least one more byte available in rbuf; -1 on EOF/error. */
static int conn_fill(struct sim_conn *c)
{
	ssize_t n;

	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
	}
	if (c->rlen >= SIM_MAX_HEADER_BYTES)
		return -2;
	n = conn_raw_read(c, c->rbuf + c->rlen, SIM_MAX_HEADER_BYTES - c->rlen);
	if (n < 0) {
		c->dead = true;
		return -1;
	}
	c->rlen += (size_t)n;
	return 0;
}

/* Reads one CRLF- (or LF-) terminated line of at most max bytes. */
int simconn_getline(struct sim_conn *c, char *line, size_t max)
{
	for (;;) {
		unsigned char *start = c->rbuf + c->roff;
		size_t avail = c->rlen - c->roff;
		unsigned char *nl = memchr(start, '\n', avail);

		if (nl) {
			size_t n = (size_t)(nl - start);

			if (n > 0 && start[n - 1] == '\r')
				n--;
			if (n >= max)
				return -2;
			memcpy(line, start, n);
			line[n] = '\0';
			c->roff += (size_t)(nl - start) + 1;
			return 0;
		}
		if (avail >= max)
			return -2;
		int r = conn_fill(c);
		if (r < 0)
			return r;
	}
}

int simconn_read_exact(struct sim_conn *c, char *dst, size_t n)
{
	while (n > 0) {
		size_t avail = c->rlen - c->roff;

		if (avail == 0) {
			if (conn_fill(c) < 0)
				return -1;
			continue;
		}
		size_t take = avail < n ? avail : n;
		memcpy(dst, c->rbuf + c->roff, take);
		c->roff += take;
		dst += take;
		n -= take;
	}
	return 0;
}

void simhttp_wait_peer_close(struct sim_conn *c)
{
	char scratch[4096];

	while (!c->dead) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, 1000);

		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && conn_raw_read(c, scratch, sizeof(scratch)) < 0)
			break;
	}
	c->dead = true;
}

void simhttp_conn_close(struct sim_conn *c)
{
	if (c->ssl) {
		if (!c->dead)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0 && !c->dead) {
		/* Lingering close: unread input (a rejected body) would make
		 * the kernel send RST and destroy the error response in flight.
		 */
		char scratch[16384];
		size_t drained = 0;
		int64_t until = sim_now_ms() + 1000;

		shutdown(c->fd, SHUT_WR);
		while (drained < (4u << 20) && sim_now_ms() < until) {
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			ssize_t n;

			if (poll(&p, 1, 200) <= 0)
				break;
			n = read(c->fd, scratch, sizeof(scratch));
			if (n <= 0)
				break;
			drained += (size_t)n;
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	c->rbuf = NULL;
}

/* A decimal port number, -1 when it is not one. */
static long long parse_port(const char *s)
{
	char *end = NULL;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end || v > 65535 ? -1 : v;
}

int simhttp_listen(const char *spec, int *port_out)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = -1, one = 1, r = -1;
	long long port;

	memset(&ss, 0, sizeof(ss));
	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		goto out;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	port = parse_port(colon + 1);
	if (port < 0)
		goto out;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) ==
	    1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*sin6);
	} else {
		goto out;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto out;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 4096) < 0)
		goto out;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		goto out;
	*port_out = ntohs(ss.ss_family == AF_INET
			      ? ((struct sockaddr_in *)&ss)->sin_port
			      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	r = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return r;
}
