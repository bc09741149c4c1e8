/* What we saw of the sockets of one HTTP request, recorded by us. */
#include "netfacts.h"

#include <errno.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mid.h"

void netfacts_init(struct net_facts *f)
{
	netfacts_request(f, false);
	for (int i = 0; i < NETFACTS_MAX_SOCKETS; i++)
		f->open[i] = -1;
}

void netfacts_request(struct net_facts *f, bool full_budget)
{
	f->step = NET_STEP_NONE;
	f->socket_errno = 0;
	f->tcp_up = false;
	f->full_budget = full_budget;
}

/* We make the sockets, so a socket() that fails for want of descriptors
 * or memory is a fact we know, not one libcurl folds into "couldn't
 * connect". */
static curl_socket_t on_open_socket(void *userdata, curlsocktype purpose,
				    struct curl_sockaddr *a)
{
	struct net_facts *f = userdata;
	int fd, slot = -1;

	for (int i = 0; i < NETFACTS_MAX_SOCKETS && slot < 0; i++)
		if (f->open[i] < 0)
			slot = i;
	if (slot < 0) {
		f->socket_errno = EMFILE;
		return CURL_SOCKET_BAD;
	}
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0) {
		f->socket_errno = errno ? errno : EMFILE;
		return CURL_SOCKET_BAD;
	}
	f->open[slot] = fd;
	return fd;
}

/* A socket with a peer finished its TCP handshake: whatever went wrong
 * after that (a TLS handshake that never ends) is not an outage. */
static void note_peer(struct net_facts *f, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		f->tcp_up = true;
}

static int on_close_socket(void *userdata, curl_socket_t fd)
{
	struct net_facts *f = userdata;

	note_peer(f, fd);
	for (int i = 0; i < NETFACTS_MAX_SOCKETS; i++)
		if (f->open[i] == fd)
			f->open[i] = -1;
	return close(fd);
}

/* The connect failed: an outage only for what the network said. */
int netfacts_connect_error(const struct net_facts *f, CURL *curl)
{
	long os_errno = 0;

	if (f->socket_errno)
		return MID_E_LOCAL;
	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	switch (os_errno) {
	case ECONNREFUSED:
	case ENETUNREACH:
	case EHOSTUNREACH: return MID_E_UNREACHABLE;
	case ETIMEDOUT:
		return f->full_budget ? MID_E_UNREACHABLE : MID_E_SERVER;
	case 0: return MID_E_SERVER;
	default: return MID_E_LOCAL; /* EADDRNOTAVAIL, EACCES, ENOBUFS ... */
	}
}

int netfacts_timeout(struct net_facts *f)
{
	/* every socket still open is looked at before we judge */
	for (int i = 0; i < NETFACTS_MAX_SOCKETS; i++)
		if (f->open[i] >= 0)
			note_peer(f, f->open[i]);
	/* a TLS handshake that never ends, or a connect the login's
	 * deadline cut short, is not an outage */
	return f->full_budget && !f->tcp_up && !f->socket_errno
		   ? MID_E_UNREACHABLE
		   : MID_E_SERVER;
}

int netfacts_attach(struct net_facts *f, CURL *curl)
{
	if (curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION,
			     on_open_socket) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, f) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETFUNCTION,
			     on_close_socket) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETDATA, f) != CURLE_OK)
		return MID_E_INTERNAL;
	return 0;
}

void netfacts_lookup(struct net_facts *f, int r)
{
	/* no such name, the resolver failed or did not answer in time */
	bool dns =
	    r == MID_E_UNREACHABLE || r == MID_E_SERVER || r == MID_E_TIMEOUT;

	f->step = dns ? NET_STEP_NAME : NET_STEP_NONE;
}

/* A client certificate the server refuses shows as a TLS alert in the
 * handshake (TLS 1.2) or, with TLS 1.3, as a connection the server drops
 * after our side finished the handshake: connected, and no HTTP answer. */
void netfacts_done(struct net_facts *f, CURL *curl, CURLcode rc)
{
	curl_off_t tcp = 0;
	long status = 0;

	curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &tcp);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	switch (rc) {
	case CURLE_OK: f->step = NET_STEP_ANSWER; break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: f->step = NET_STEP_NAME; break;
	case CURLE_PEER_FAILED_VERIFICATION:
		f->step = NET_STEP_SERVER_CERT;
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		f->step = tcp > 0 && status == 0 ? NET_STEP_TLS_REFUSED
						 : NET_STEP_OTHER;
		break;
	default:
		f->step = tcp > 0	    ? NET_STEP_OTHER
			  : f->socket_errno ? NET_STEP_NONE
					    : NET_STEP_CONNECT;
	}
}

int64_t netfacts_date(CURL *curl)
{
	struct curl_header *h = NULL;
	time_t t;

	if (curl_easy_header(curl, "Date", 0, CURLH_HEADER, -1, &h) !=
		CURLHE_OK ||
	    !h)
		return -1;
	t = curl_getdate(h->value, NULL);
	return t < 0 ? -1 : (int64_t)t;
}
