/* The provider interface: what the approval loop needs of BankID,
 * PassBy[ME] or Toopher. Providers know nothing of PAM or terminals. */
#ifndef MID_PROVIDER_H
#define MID_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "i18n.h"

struct mid_config;
struct mid_log;

/* Everything the approval knows of this login, provider-neutral. */
struct mid_request {
	const char *user;	 /* PAM_USER, sanitised */
	const char *service;	 /* PAM_SERVICE */
	const char *rhost;	 /* PAM_RHOST or NULL */
	const char *identity;	 /* the mapped id, normalised */
	const char *text;	 /* the message template, filled in */
	const char *end_user_ip; /* where the person is, as an IP */
	bool want_qr;		 /* false for qr = off */
	uint64_t deadline_ms;	 /* monotonic end of the whole approval */
};

/* poll() outcomes besides the negative MID_E_ codes */
enum provider_poll {
	PROVIDER_PENDING = 0,
	PROVIDER_APPROVED = 1,
	PROVIDER_RESTART = 2, /* the order lapsed unseen: start a new one */
};

struct provider_status {
	enum mid_msg msg; /* status line for the person */
	bool show_qr;	  /* a QR is worth showing now */
};

struct provider_ops {
	const char *name;
	enum mid_msg title; /* the prompt's first line */
	/* Starts an order. Returns 0 or MID_E_*; MID_E_UNREACHABLE only if
	 * the provider could not be reached at all. */
	int (*start)(void *p, struct provider_status *st);
	/* The QR payload for the current moment, or MID_E_* if none. */
	int (*qr)(void *p, uint64_t now_ms, char *buf, size_t len);
	/* One status request: enum provider_poll, or MID_E_* (the order is
	 * then over and st->msg says why). */
	int (*poll)(void *p, struct provider_status *st);
	/* Cancels the open order, if any. */
	void (*cancel)(void *p);
	/* The interval between polls, in ms (>= 1000). */
	unsigned (*interval_ms)(void *p);
	/* Milliseconds until the next QR frame is due (UINT32_MAX: none). */
	unsigned (*next_frame_ms)(void *p, uint64_t now_ms);
	void (*free)(void *p);
};

/* Creates the provider named by the usermap entry. Credentials are loaded
 * and checked here, before any request. Returns 0 or MID_E_*. */
int provider_new(const char *name, const struct mid_config *cfg,
		 const struct mid_request *req, struct mid_log *log,
		 const struct provider_ops **ops, void **p);

#endif
