/* mobileid-sim: sockets, TLS-or-plain byte I/O and a strict HTTP/1.1 parser. */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

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

int http_write_all(struct sim_conn *c, const void *buf, size_t len)
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
static int conn_getline(struct sim_conn *c, char *line, size_t max)
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

static int conn_read_exact(struct sim_conn *c, char *dst, size_t n)
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

static char *str_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Strict decimal parse of a length; -1 when not a plain number. */
static long long parse_len(const char *s, int base)
{
	long long v = 0;
	int digits = 0;

	for (; *s; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else if (base == 16 && (*s == ';' || *s == ' ' || *s == '\t'))
			break; /* chunk extensions are ignored */
		else
			return -1;
		if (v > (1LL << 40))
			return -1;
		v = v * base + d;
		digits++;
	}
	return digits ? v : -1;
}

static void rq_fail(struct sim_request *rq, int status, const char *text)
{
	if (!rq->error_status) {
		rq->error_status = status;
		rq->error_text = text;
	}
	rq->keep_alive = false;
}

static int read_chunked(struct sim_conn *c, struct sim_request *rq)
{
	char line[256];
	size_t cap = 4096, len = 0;
	char *body = malloc(cap);
	int r = -1;

	if (!body)
		goto out;
	for (;;) {
		long long n;

		if (conn_getline(c, line, sizeof(line)) < 0)
			goto out;
		n = parse_len(str_trim(line), 16);
		if (n < 0) {
			rq_fail(rq, 400, "bad chunk size");
			r = 1;
			goto out;
		}
		if (n == 0)
			break;
		if ((size_t)n > SIM_MAX_BODY_BYTES - len) {
			rq_fail(rq, 413, "body too large");
			r = 1;
			goto out;
		}
		if (len + (size_t)n + 1 > cap) {
			size_t ncap = len + (size_t)n + 1;
			char *nb = realloc(body, ncap);

			if (!nb)
				goto out;
			body = nb;
			cap = ncap;
		}
		if (conn_read_exact(c, body + len, (size_t)n) < 0)
			goto out;
		len += (size_t)n;
		if (conn_getline(c, line, sizeof(line)) < 0 || line[0]) {
			rq_fail(rq, 400, "bad chunk framing");
			r = 1;
			goto out;
		}
	}
	/* Trailers: skip up to the empty line. */
	for (int i = 0; i < 64; i++) {
		if (conn_getline(c, line, sizeof(line)) < 0)
			goto out;
		if (!line[0])
			break;
	}
	body[len] = '\0';
	rq->body = body;
	rq->body_len = len;
	body = NULL;
	r = 1;
out:
	free(body);
	return r;
}

void http_request_clear(struct sim_request *rq)
{
	free(rq->body);
	memset(rq, 0, sizeof(*rq));
}

int http_read_request(struct sim_conn *c, struct sim_request *rq)
{
	char line[8192];
	char version[16] = "";
	long long clen = -1;
	bool chunked = false, te_other = false, conn_close = false;
	bool conn_keep = false;
	int nheaders = 0, r;
	size_t hbytes = 0;

	memset(rq, 0, sizeof(*rq));
	/* Skip stray empty lines between pipelined requests (RFC 9112 2.2). */
	do {
		r = conn_getline(c, line, sizeof(line));
		if (r == -1)
			return (c->rlen == c->roff) ? 0 : -1;
		if (r < 0) {
			rq_fail(rq, 431, "request line too long");
			return 1;
		}
	} while (!line[0] && ++nheaders < 8);
	nheaders = 0;
	{
		char *sp1 = strchr(line, ' ');
		char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

		if (!sp1 || !sp2 ||
		    (size_t)(sp1 - line) >= sizeof(rq->method)) {
			rq_fail(rq, 400, "bad request line");
			return 1;
		}
		*sp1 = *sp2 = '\0';
		snprintf(rq->method, sizeof(rq->method), "%.15s", line);
		if (strlen(sp1 + 1) >= sizeof(rq->path)) {
			snprintf(rq->path, sizeof(rq->path), "%.*s",
				 (int)sizeof(rq->path) - 1, sp1 + 1);
			rq_fail(rq, 414, "uri too long");
		} else {
			snprintf(rq->path, sizeof(rq->path), "%s", sp1 + 1);
		}
		snprintf(version, sizeof(version), "%.15s", sp2 + 1);
	}
	if (strcmp(version, "HTTP/1.1") && strcmp(version, "HTTP/1.0"))
		rq_fail(rq, 400, "bad http version");
	for (;;) {
		char *colon, *name, *value;

		r = conn_getline(c, line, sizeof(line));
		if (r == -1)
			return -1;
		if (r < 0 || ++nheaders > 100) {
			rq_fail(rq, 431, "headers too large");
			return 1;
		}
		hbytes += strlen(line) + 2;
		if (hbytes > SIM_MAX_HEADER_BYTES) {
			rq_fail(rq, 431, "headers too large");
			return 1;
		}
		if (!line[0])
			break;
		colon = strchr(line, ':');
		if (!colon || colon == line) {
			rq_fail(rq, 400, "bad header line");
			continue;
		}
		*colon = '\0';
		name = line;
		value = str_trim(colon + 1);
		if (!strcasecmp(name, "Content-Length")) {
			long long v = parse_len(value, 10);

			if (v < 0 || (clen >= 0 && v != clen))
				rq_fail(rq, 400, "bad content-length");
			clen = v;
		} else if (!strcasecmp(name, "Transfer-Encoding")) {
			if (!strcasecmp(value, "chunked"))
				chunked = true;
			else
				te_other = true;
		} else if (!strcasecmp(name, "Content-Type")) {
			snprintf(rq->content_type, sizeof(rq->content_type),
				 "%s", value);
			rq->has_content_type = true;
		} else if (!strcasecmp(name, "Connection")) {
			if (strcasestr(value, "close"))
				conn_close = true;
			if (strcasestr(value, "keep-alive"))
				conn_keep = true;
		}
	}
	if (!strcmp(version, "HTTP/1.1"))
		rq->keep_alive = !conn_close;
	else
		rq->keep_alive = conn_keep && !conn_close;
	if (rq->error_status)
		return 1;
	if (te_other || (chunked && clen >= 0)) {
		rq_fail(rq, 400, "bad transfer-encoding");
		return 1;
	}
	if (chunked)
		return read_chunked(c, rq);
	if (clen > SIM_MAX_BODY_BYTES) {
		rq_fail(rq, 413, "body too large");
		return 1;
	}
	if (clen > 0) {
		rq->body = malloc((size_t)clen + 1);
		if (!rq->body)
			return -1;
		if (conn_read_exact(c, rq->body, (size_t)clen) < 0)
			return -1;
		rq->body[clen] = '\0';
		rq->body_len = (size_t)clen;
	}
	return 1;
}

int http_respond(struct sim_conn *c, int status, const char *ctype,
		 const char *body, size_t len, bool close_conn)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\n%s\r\n",
		     status, http_reason(status),
		     ctype ? ctype : "application/json", len,
		     close_conn ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	/* Small responses go out in one TLS record / TCP segment. */
	if (len <= 16384) {
		char *one = malloc((size_t)n + len);
		int r;

		if (!one)
			return -1;
		memcpy(one, head, (size_t)n);
		if (len)
			memcpy(one + n, body, len);
		r = http_write_all(c, one, (size_t)n + len);
		free(one);
		return r;
	}
	if (http_write_all(c, head, (size_t)n) < 0)
		return -1;
	return len ? http_write_all(c, body, len) : 0;
}

int http_respond_json(struct sim_conn *c, int status, struct json_object *obj,
		      bool close_conn)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	return http_respond(c, status, NULL, s, len, close_conn);
}

void http_wait_peer_close(struct sim_conn *c)
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

void http_conn_close(struct sim_conn *c)
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

int http_listen(const char *spec, int *port_out)
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
	port = parse_len(colon + 1, 10);
	if (port < 0 || port > 65535)
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
