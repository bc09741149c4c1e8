/* The record of a signed sudo (sudo_sign): one file per approval in a
 * root-only directory, written by the module before it returns success,
 * listed and verified by `mobileid audit` (doc/interface.md). */
#ifndef MID_AUDIT_H
#define MID_AUDIT_H

#include <stddef.h>

#include <json-c/json.h>

struct mid_log;
struct mid_request;
struct provider_ops;

#define AUDIT_DEFAULT_DIR "/var/lib/pam_mobileid/audit"
/* a record holds two base64 blobs of at most 200 KiB each */
#define AUDIT_MAX_RECORD (512 * 1024)
/* "20261201T191208Z-" + orderRef + ".json" */
#define AUDIT_NAME_MAX 128
#define AUDIT_VERSION 1

/* Takes the signature of the approved order from the provider (ops, p) and
 * writes its record into dir: created 0700 where missing, every directory
 * above it checked as for the config; the file is new (O_EXCL, no link
 * followed), mode 0600, synced. Returns 0, or MID_E_AUDIT with the reason
 * logged: an unaudited signed sudo is never approved. */
int audit_keep(const char *dir, const struct mid_request *req,
	       const struct provider_ops *ops, void *p, struct mid_log *log);

/* One record as read back; the strings point into obj. Optional fields
 * (rhost, tty, command, host, the names) may be NULL. */
struct audit_record {
	json_object *obj;
	const char *time, *host, *service, *user, *rhost, *tty, *command;
	const char *provider, *order_ref, *visible_data;
	const char *signer_id, *name, *given_name, *surname;
	const char *signature, *ocsp_response;
};

/* Parses a record's text (version AUDIT_VERSION, every required field a
 * string without control characters, orderRef a token). 0, or -1 with why
 * pointing at a short reason. audit_record_free() either way. */
int audit_parse(const char *text, size_t len, struct audit_record *out,
		const char **why);
void audit_record_free(struct audit_record *r);

/* The orderRef part of a record's file name ("STAMP-REF.json"), copied
 * to ref (n bytes); -1 when name is not a record's. */
int audit_name_ref(const char *name, char *ref, size_t n);

#endif
