/* The configuration: INI file plus module arguments, one parser for both. */
#ifndef MID_CONFIG_H
#define MID_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "scope.h"

struct mid_log;

#define CFG_DEFAULT_PATH "/etc/security/pam_mobileid.conf"
#define CFG_MAX_FILE (64 * 1024)

enum cfg_qr { CFG_QR_AUTO, CFG_QR_ANIMATE, CFG_QR_PROMPT, CFG_QR_OFF };
enum cfg_charset { CFG_CHARSET_AUTO, CFG_CHARSET_UTF8, CFG_CHARSET_ASCII };
enum cfg_unmapped { CFG_UNMAPPED_DENY, CFG_UNMAPPED_IGNORE };
enum cfg_failmode { CFG_FAIL_SECURE, CFG_FAIL_SAFE };
enum cfg_theme { CFG_THEME_DARK, CFG_THEME_LIGHT };
enum cfg_lang { CFG_LANG_AUTO, CFG_LANG_EN, CFG_LANG_SV };
enum cfg_su_approver { CFG_SU_CALLER, CFG_SU_TARGET };
enum cfg_concurrent { CFG_CONCURRENT_WAIT, CFG_CONCURRENT_REFUSE };

/* Who is asked, and how often: the [general] policy keys. */
struct cfg_policy {
	struct scope groups; /* empty: everyone */
	enum cfg_su_approver su_approver;
	bool sudo_sign;
	unsigned grace; /* seconds; 0 = off */
	enum cfg_concurrent concurrent;
	unsigned deny_hold; /* seconds; 0 = off */
	char *state_dir;    /* what is remembered across processes */
	char *audit_dir;    /* signed sudo records (sudo_sign) */
	struct cfg_rate {
		unsigned count, secs; /* count 0: no limit */
	} max_requests;		      /* orders per user */
};

/* How a provider is reached: directly, or through an HTTP proxy (CONNECT)
 * unless its host is in no_proxy. From the config only, never from the
 * environment. */
struct cfg_route {
	char *proxy;	/* http://host:port, or NULL: direct */
	char *no_proxy; /* hosts reached directly, comma-separated */
};

/* Where a provider is and how we prove who we are to it. */
struct cfg_tls {
	char *url;
	char *cert;	/* PKCS#12, or PEM with cert (+ key) */
	char *key;	/* PEM key, optional */
	char *password; /* secret */
	char *password_file;
	char *ca; /* the only trust anchor */
	struct cfg_route route;
};

struct cfg_bankid {
	bool present;
	struct cfg_tls tls;
	unsigned poll;
	char *signer_ca; /* `mobileid audit`: the roots of signers' certs */
};

struct cfg_passbyme {
	bool present;
	struct cfg_tls tls;
	unsigned availability;
	char *subject;
};

struct cfg_toopher {
	bool present;
	char *url;
	char *ca;
	char *consumer_key;
	char *consumer_secret; /* secret */
	char *consumer_secret_file;
	struct cfg_route route;
};

struct mid_config {
	char *path;
	bool debug;
	char *usermap;
	unsigned timeout;
	enum cfg_qr qr;
	enum cfg_charset charset;
	enum cfg_unmapped unmapped;
	enum cfg_failmode failmode;
	char *message;
	enum cfg_theme theme;
	enum cfg_lang lang;
	struct cfg_policy policy;
	struct cfg_bankid bankid;
	struct cfg_passbyme passbyme;
	struct cfg_toopher toopher;
};

/* Fills cfg with defaults, reads the file named by conf= (or the default),
 * then applies the module arguments. Every rejection is logged with the
 * file and line or the argument. Returns 0, MID_E_CONFIG or MID_E_NOMEM;
 * call cfg_free() either way. */
int cfg_load(struct mid_config *cfg, int argc, const char **argv,
	     struct mid_log *log);

/* The parts of cfg_load, exposed for the tests and the fuzzer. */
int cfg_defaults(struct mid_config *cfg);
int cfg_parse_text(struct mid_config *cfg, const char *text, size_t len,
		   const char *path, bool *has_secret, struct mid_log *log);
int cfg_apply_args(struct mid_config *cfg, int argc, const char **argv,
		   struct mid_log *log);

/* The config as the module reads it with conf=CONF (the admin tool): a
 * relative CONF is from the current directory. As cfg_load. */
int cfg_load_path(const char *conf, struct mid_config *cfg,
		  struct mid_log *log);

void cfg_free(struct mid_config *cfg);

#endif
