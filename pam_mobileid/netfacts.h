/* What we saw of the sockets of one HTTP request, recorded by us, so an
 * outage (the network said no) is told from a failure of this host that a
 * caller can provoke with resource limits or by stopping the process. */
#ifndef MID_NETFACTS_H
#define MID_NETFACTS_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

/* sockets one request may hold at once (happy eyeballs tries two) */
#define NETFACTS_MAX_SOCKETS 4

/* How far the last request got, for `mobileid check --probe`. */
enum net_step {
	NET_STEP_NONE = 0,    /* not sent, or stopped on this host */
	NET_STEP_NAME,	      /* the host name did not resolve */
	NET_STEP_CONNECT,     /* no TCP connection: refused, unreachable */
	NET_STEP_SERVER_CERT, /* the server's certificate did not verify */
	NET_STEP_TLS_REFUSED, /* the server ended TLS without an answer */
	NET_STEP_OTHER,	      /* connected, then something else failed */
	NET_STEP_ANSWER,      /* an HTTP answer came */
};

struct net_facts {
	enum net_step step;
	int socket_errno; /* socket() failed here: EMFILE, ENOMEM, ... */
	bool tcp_up;	  /* some socket reached its peer */
	bool full_budget; /* the connect timeout was not cut by the deadline */
	int open[NETFACTS_MAX_SOCKETS];
};

void netfacts_init(struct net_facts *f);
/* Makes and closes curl's sockets ourselves; f must outlive curl. */
int netfacts_attach(struct net_facts *f, CURL *curl);
/* Before each request: forget the last one's facts. */
void netfacts_request(struct net_facts *f, bool full_budget);
/* CURLE_COULDNT_CONNECT: MID_E_UNREACHABLE only for ECONNREFUSED,
 * ENETUNREACH, EHOSTUNREACH, or ETIMEDOUT with the full connect timeout;
 * MID_E_LOCAL for a socket we could not make or a local errno. */
int netfacts_connect_error(const struct net_facts *f, CURL *curl);
/* CURLE_OPERATION_TIMEDOUT: MID_E_UNREACHABLE only if the connect had its
 * full timeout and no socket ever reached the peer; else MID_E_SERVER. */
int netfacts_timeout(struct net_facts *f);
/* After our own lookup of the host: r is resolve_pin_apply()'s result. */
void netfacts_lookup(struct net_facts *f, int r);
/* After a transfer: how far it got (rc: curl_easy_perform()'s result). */
void netfacts_done(struct net_facts *f, CURL *curl, CURLcode rc);
/* The Date header of the last answer, seconds since the epoch; -1: none. */
int64_t netfacts_date(CURL *curl);

#endif
