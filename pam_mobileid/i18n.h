/* User-visible texts: BankID's recommended user messages (RFA), the
 * PassBy[ME] lines and our own, in English and Swedish. */
#ifndef MID_I18N_H
#define MID_I18N_H

enum mid_msg {
	MSG_NONE = 0,
	MSG_RFA1,   /* start your BankID app */
	MSG_RFA3,   /* cancelled: a newer order replaced this one */
	MSG_RFA4,   /* already in progress */
	MSG_RFA5,   /* something went wrong (server) */
	MSG_RFA6,   /* the action was cancelled (user) */
	MSG_RFA8,   /* the app is not responding (expired) */
	MSG_RFA9,   /* enter your security code */
	MSG_RFA15A, /* searching for BankID (computer) */
	MSG_RFA16,  /* blocked or too old */
	MSG_RFA17A, /* no app (phone flow) */
	MSG_RFA17B, /* failed to scan the QR code */
	MSG_RFA21,  /* in progress (unknown pending) */
	MSG_RFA22,  /* something went wrong (unknown failure) */
	MSG_RFA23,  /* scan your ID document */
	MSG_TITLE,
	MSG_TITLE_SIGN, /* a signed sudo: the person signs, not logs in */
	MSG_PRESS_ENTER,
	MSG_CODE_FROM,	  /* prompt: "Code from" the time it was drawn */
	MSG_FRESH_CODE,	  /* prompt: Enter right before you scan */
	MSG_SWITCH_HALF,  /* prompt, ascii QR: type h for half blocks */
	MSG_SWITCH_ASCII, /* prompt, utf8 QR: type a for ascii */
	MSG_TIME_LEFT,
	MSG_PHONE_CONFIRM_CALL,
	MSG_APPROVED,
	MSG_TIMED_OUT,
	MSG_INTERRUPTED,
	MSG_WRONG_IDENTITY,
	MSG_UNAVAILABLE,
	MSG_DENIED_BEFORE,
	MSG_BUSY,	       /* concurrent = refuse */
	MSG_TOO_MANY,	       /* max_requests */
	MSG_NO_TERMINAL,       /* nobody could see the request */
	MSG_GRACE,	       /* approved within grace */
	MSG_PBM_TITLE,	       /* log in with PassBy[ME] */
	MSG_PBM_APPROVE,       /* sent: approve in the app */
	MSG_PBM_DELIVERED,     /* NOTIFIED */
	MSG_PBM_SEEN,	       /* DOWNLOADED: open in the app */
	MSG_PBM_NOT_DELIVERED, /* NOT_NOTIFIED, still answerable */
	MSG_PBM_DENIED,
	MSG_PBM_EXPIRED,
	MSG_PBM_NO_DEVICE,
	MSG_PBM_DISABLED,
	MSG_PBM_FAILED,
	MSG_PBM_UNKNOWN_USER,
	MSG_PBM_WRONG_IDENTITY,
	MSG_TOOPHER_TITLE,
	MSG_TOOPHER_PUSHED,	      /* approve in the app */
	MSG_TOOPHER_DENIED,	      /* denied in the app */
	MSG_TOOPHER_PAIRING_GONE,     /* 601, 707: pair again */
	MSG_TOOPHER_USER_DISABLED,    /* 704 */
	MSG_TOOPHER_UNKNOWN_USER,     /* 705 */
	MSG_TOOPHER_UNKNOWN_TERMINAL, /* 706 */
	MSG_TOOPHER_OTP,	      /* 708 */
	MSG_TOOPHER_REFUSED,	      /* another error from Toopher */
	MSG_TOOPHER_CONFIRM_PAIRING,
	MSG_TOOPHER_PAIRING_DENIED,
	MSG_SIGN_NEEDS_BANKID, /* sudo_sign, no identity that can sign */
	MSG_AUDIT_FAILED,      /* signed, but the record was not kept */
	MSG_SIGN_TOO_LONG, /* sudo_sign: the command cannot be signed whole */
	MSG_COUNT
};

enum mid_lang { LANG_EN, LANG_SV };

/* The text for msg ("" for MSG_NONE). */
const char *i18n_text(enum mid_lang lang, enum mid_msg msg);

/* The language the locale asks for: LC_ALL, LC_MESSAGES, then LANG, each
 * from the PAM environment first, then the process's; English unless it
 * starts with "sv". */
enum mid_lang i18n_env_lang(const char *const *pam_env);

#endif
