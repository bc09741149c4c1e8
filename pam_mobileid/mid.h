/* Shared definitions: error codes and small helpers used everywhere. */
#ifndef MID_H
#define MID_H

#include <stdbool.h>
#include <stddef.h>

/* Functions return 0 or one of these negative codes. The code says which
 * row of the contract's return-code table applies; the log line is written
 * where the fact is known. */
enum mid_err {
	MID_OK = 0,
	MID_E_NOMEM = -1,
	MID_E_CONFIG = -2,	/* bad or unsafe config, usermap, credentials */
	MID_E_UNREACHABLE = -3, /* an outage: see outcome.h */
	MID_E_TLS = -4,		/* certificate verification failed: an attack */
	MID_E_PROTOCOL = -5,	/* 4xx, malformed or hostile reply */
	MID_E_DENIED = -6,	/* cancelled or refused in the app */
	MID_E_FAILED = -7,	/* order failed for another reason */
	MID_E_MISMATCH = -8,	/* approved by somebody else */
	MID_E_TIMEOUT = -9,	/* the whole approval ran out of time */
	MID_E_INTERRUPTED = -10, /* SIGINT/SIGTERM/SIGHUP while waiting */
	MID_E_CONV = -11,	 /* the conversation failed or was aborted */
	MID_E_SERVER = -12,	 /* 5xx or network failure after an order */
	MID_E_UNMAPPED = -13,	 /* no usermap entry */
	MID_E_INTERNAL = -14,
	MID_E_MAXTRIES = -15, /* over max_requests: nothing sent */
	MID_E_BUSY = -16,     /* the user's order is open elsewhere */
	MID_E_LOCAL = -17,    /* this host failed (EMFILE, ENOMEM): no outage */
	MID_E_HELD = -18,     /* a denial within deny_hold: nothing sent */
	MID_E_OUTSIDE = -19,  /* not in `groups`: the module does not ask */
	MID_E_NOTERM = -20,   /* nobody could see the request: nothing sent */
	MID_E_NOSIGN = -21,   /* sudo_sign, but no provider that can sign */
	MID_E_AUDIT = -22,    /* signed, but the audit record was not kept */
	MID_E_TOOLONG = -23, /* sudo_sign: the command cannot be signed whole */
};

const char *mid_strerror(int err);

#define MID_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
