/* The provider interface: what the approval loop needs of BankID,
 * PassBy[ME] or Toopher. Providers know nothing of PAM or terminals. */
#ifndef MID_PROVIDER_H
#define MID_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
	const char *tty;	 /* PAM_TTY or NULL, for the audit record */
	const char *command;	 /* what sudo runs, or NULL */
	bool want_qr;		 /* false for qr = off */
	bool sign;		 /* sign text, not only log in (sudo_sign) */
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

/* What a signing provider received for a completed signature, as it was
 * sent and received (base64 strings untouched): the audit record. */
struct provider_signature {
	const char *order_ref;
	const char *visible_data; /* the text signed, base64 as sent */
	const char *signer_id;	  /* the identity that signed (in full) */
	const char *name, *given_name, *surname; /* may be NULL */
	const char *signature;			 /* base64, as received */
	const char *ocsp_response;		 /* base64, as received */
};

struct provider_ops {
	const char *name;
	enum mid_msg title;	 /* the prompt's first line */
	enum mid_msg title_sign; /* the same while the person signs */
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
	/* A signing provider: after an approved req->sign order, what it
	 * received (valid until free); MID_E_* when it has none. */
	int (*signature)(void *p, struct provider_signature *sig);
	void (*free)(void *p);
};

/* What a provider needs of the login, beyond the mapped identity. */
enum provider_need {
	PROVIDER_NEEDS_QR = 1 << 0,	     /* it can show a QR code to scan */
	PROVIDER_NEEDS_END_USER_IP = 1 << 1, /* the person's IP is sent along */
	PROVIDER_NEEDS_CLIENT_CERT = 1 << 2, /* mutual TLS: [name] cert = */
};

struct cfg_tls;

/* One row of the provider table: everything only this provider knows. A
 * provider is one file that defines its row (const struct provider_def
 * NAME_provider) and one line in provider.c that lists it. A provider that
 * is not in the table is unknown everywhere: user map, config sections,
 * `mobileid check` and the module. */
struct provider_def {
	const char *name; /* "name:id" in the user map, [name] in the config */
	unsigned needs;	  /* enum provider_need */
	/* It can have the person sign a text (sudo_sign), not only approve a
	 * login, and hand back the signature (ops->signature). */
	bool can_sign;
	/* Checks an identity from the user map and writes it normalised to
	 * out; 0 or MID_E_CONFIG. this_year: for two-digit years. */
	int (*check_id)(const char *id, int this_year, char *out, size_t n);
	/* Whether the config has its [name] section. */
	bool (*configured)(const struct mid_config *cfg);
	/* Its TLS settings (NULL: none to check), for `mobileid check`. */
	const struct cfg_tls *(*tls)(const struct mid_config *cfg);
	/* Optional: what else `mobileid check` verifies of its section
	 * (settings that disagree, secrets that do not load); -1 with the
	 * problem logged, or 0. */
	int (*check_config)(const struct mid_config *cfg, struct mid_log *log);
	/* Creates one login's provider state; credentials are loaded and
	 * checked here, before any request. 0 or MID_E_*. */
	int (*create)(const struct mid_config *cfg,
		      const struct mid_request *req, struct mid_log *log,
		      void **p);
	const struct provider_ops *ops;
	/* Optional: `mobileid check --probe` of a provider without a client
	 * certificate (those with one share probe_tls()); prints its lines,
	 * returns 0 or -1 for a problem. */
	int (*probe)(const struct mid_config *cfg, FILE *out,
		     struct mid_log *log);
	/* Its poll() maps the protocol's answers to MID_E_* outcomes; what
	 * each outcome means for PAM and the person is decided in one table
	 * of the approval, never here. */
};

/* The row of the provider called name; NULL when this build has none. */
const struct provider_def *provider_find(const char *name);

/* The i-th row of the table (0, 1, ...); NULL past the end. */
const struct provider_def *provider_at(size_t i);

#endif
