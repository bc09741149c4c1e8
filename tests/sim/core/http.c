/* simcore: a strict HTTP/1.1 request parser (keep-alive, pipelining,
 * chunked, caps) and the responses. */
#include "simcore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *simhttp_reason(int status)
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

/* Makes *buf hold at least need bytes; -1 when out of memory. */
static int reserve(char **buf, size_t *cap, size_t need)
{
	char *nb;

	if (need <= *cap)
		return 0;
	nb = realloc(*buf, need);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = need;
	return 0;
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

		if (simconn_getline(c, line, sizeof(line)) < 0)
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
		if (reserve(&body, &cap, len + (size_t)n + 1) < 0)
			goto out;
		if (simconn_read_exact(c, body + len, (size_t)n) < 0)
			goto out;
		len += (size_t)n;
		if (simconn_getline(c, line, sizeof(line)) < 0 || line[0]) {
			rq_fail(rq, 400, "bad chunk framing");
			r = 1;
			goto out;
		}
	}
	/* Trailers: skip up to the empty line. */
	for (int i = 0; i < 64; i++) {
		if (simconn_getline(c, line, sizeof(line)) < 0)
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

void simhttp_request_clear(struct sim_request *rq)
{
	free(rq->body);
	for (int i = 0; i < SIM_APP_HEADERS; i++)
		free(rq->header[i]);
	memset(rq, 0, sizeof(*rq));
}

/* Request line "METHOD PATH VERSION" after up to 8 stray empty lines
 * (RFC 9112 2.2); 1 read, 0 clean EOF, -1 error, 2 answer rq's error. */
static int read_request_line(struct sim_conn *c, struct sim_request *rq,
			     char *version, size_t vlen)
{
	char line[8192];
	char *sp1, *sp2;
	int r, empty = 0;

	do {
		r = simconn_getline(c, line, sizeof(line));
		if (r == -1)
			return (c->rlen == c->roff) ? 0 : -1;
		if (r < 0) {
			rq_fail(rq, 431, "request line too long");
			return 2;
		}
	} while (!line[0] && ++empty < 8);
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || (size_t)(sp1 - line) >= sizeof(rq->method)) {
		rq_fail(rq, 400, "bad request line");
		return 2;
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
	snprintf(version, vlen, "%.15s", sp2 + 1);
	if (strcmp(version, "HTTP/1.1") && strcmp(version, "HTTP/1.0"))
		rq_fail(rq, 400, "bad http version");
	return 1;
}

/* What the headers say about framing and the connection. */
struct framing {
	long long clen; /* -1: no Content-Length */
	bool chunked, te_other, conn_close, conn_keep;
};

/* A header the app asked for: its value, kept (the first one wins). */
static void take_app_header(struct sim_request *rq, const char *const *names,
			    const char *name, const char *value)
{
	for (int i = 0; names && names[i] && i < SIM_APP_HEADERS; i++)
		if (!strcasecmp(name, names[i]) && !rq->header[i]) {
			rq->header[i] = strndup(value, SIM_APP_HEADER_MAX);
			if (!rq->header[i])
				rq_fail(rq, 500, "out of memory");
		}
}

static void take_header(struct sim_request *rq, struct framing *f,
			const char *name, const char *value)
{
	if (!strcasecmp(name, "Content-Length")) {
		long long v = parse_len(value, 10);

		if (v < 0 || (f->clen >= 0 && v != f->clen))
			rq_fail(rq, 400, "bad content-length");
		f->clen = v;
	} else if (!strcasecmp(name, "Transfer-Encoding")) {
		if (!strcasecmp(value, "chunked"))
			f->chunked = true;
		else
			f->te_other = true;
	} else if (!strcasecmp(name, "Content-Type")) {
		snprintf(rq->content_type, sizeof(rq->content_type), "%s",
			 value);
		rq->has_content_type = true;
	} else if (!strcasecmp(name, "Connection")) {
		if (strcasestr(value, "close"))
			f->conn_close = true;
		if (strcasestr(value, "keep-alive"))
			f->conn_keep = true;
	}
}

/* Header lines up to the empty one: 1 read, -1 error, 2 answer rq's error.
 */
static int read_headers(struct sim_conn *c, struct sim_request *rq,
			struct framing *f)
{
	char line[8192];
	size_t hbytes = 0;
	int nheaders = 0;

	for (;;) {
		char *colon, *value;
		int r = simconn_getline(c, line, sizeof(line));

		if (r == -1)
			return -1;
		if (r < 0 || ++nheaders > 100) {
			rq_fail(rq, 431, "headers too large");
			return 2;
		}
		hbytes += strlen(line) + 2;
		if (hbytes > SIM_MAX_HEADER_BYTES) {
			rq_fail(rq, 431, "headers too large");
			return 2;
		}
		if (!line[0])
			return 1;
		colon = strchr(line, ':');
		if (!colon || colon == line) {
			rq_fail(rq, 400, "bad header line");
			continue;
		}
		*colon = '\0';
		value = str_trim(colon + 1);
		take_header(rq, f, line, value);
		if (c->srv && c->srv->app)
			take_app_header(rq, c->srv->app->headers, line, value);
	}
}

static int read_body(struct sim_conn *c, struct sim_request *rq,
		     const struct framing *f)
{
	if (f->te_other || (f->chunked && f->clen >= 0)) {
		rq_fail(rq, 400, "bad transfer-encoding");
		return 1;
	}
	if (f->chunked)
		return read_chunked(c, rq);
	if (f->clen > SIM_MAX_BODY_BYTES) {
		rq_fail(rq, 413, "body too large");
		return 1;
	}
	if (f->clen > 0) {
		rq->body = malloc((size_t)f->clen + 1);
		if (!rq->body)
			return -1;
		if (simconn_read_exact(c, rq->body, (size_t)f->clen) < 0)
			return -1;
		rq->body[f->clen] = '\0';
		rq->body_len = (size_t)f->clen;
	}
	return 1;
}

int simhttp_read_request(struct sim_conn *c, struct sim_request *rq)
{
	struct framing f = {.clen = -1};
	char version[16] = "";
	int r;

	memset(rq, 0, sizeof(*rq));
	r = read_request_line(c, rq, version, sizeof(version));
	if (r != 1)
		return r == 2 ? 1 : r;
	r = read_headers(c, rq, &f);
	if (r != 1)
		return r == 2 ? 1 : r;
	if (!strcmp(version, "HTTP/1.1"))
		rq->keep_alive = !f.conn_close;
	else
		rq->keep_alive = f.conn_keep && !f.conn_close;
	if (rq->error_status)
		return 1;
	return read_body(c, rq, &f);
}

struct json_object *simhttp_json_body(const struct sim_request *rq)
{
	struct json_tokener *tok = NULL;
	struct json_object *body = NULL;
	size_t end;

	if (!rq->body || rq->body_len != strlen(rq->body))
		return NULL;
	tok = json_tokener_new_ex(SIM_MAX_JSON_DEPTH);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					JSON_TOKENER_VALIDATE_UTF8);
	body = json_tokener_parse_ex(tok, rq->body, (int)rq->body_len);
	end = json_tokener_get_parse_end(tok);
	if (!body || json_tokener_get_error(tok) != json_tokener_success ||
	    strspn(rq->body + end, " \t\r\n") != rq->body_len - end ||
	    !json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		body = NULL;
	}
	json_tokener_free(tok);
	return body;
}

int simhttp_respond(struct sim_conn *c, int status, const char *ctype,
		    const char *body, size_t len, bool close_conn)
{
	char head[512], date[64];
	int n;

	sim_http_date(c->srv, date, sizeof(date));
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\n%s\r\n",
		     status, simhttp_reason(status), date,
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
		r = simhttp_write_all(c, one, (size_t)n + len);
		free(one);
		return r;
	}
	if (simhttp_write_all(c, head, (size_t)n) < 0)
		return -1;
	return len ? simhttp_write_all(c, body, len) : 0;
}

int simhttp_respond_json(struct sim_conn *c, int status,
			 struct json_object *obj, bool close_conn)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	return simhttp_respond(c, status, NULL, s, len, close_conn);
}
