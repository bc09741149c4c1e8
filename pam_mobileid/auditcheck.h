/* What `mobileid audit ORDER` checks of a record: the signature over the
 * signed text, the signer's personal number, the OCSP response. */
#ifndef MID_AUDITCHECK_H
#define MID_AUDITCHECK_H

#include <stdio.h>

#include <openssl/x509_vfy.h>

struct audit_record;
struct mid_log;

/* signer_ca's PEM certificates into store, the file read with the
 * module's checks for a trust anchor (root's, neither it nor a directory
 * above it group/other-writable): whoever could write it could make a
 * forged record verify. 0, or -1 with the reason logged. */
int audit_load_roots(X509_STORE *store, const char *path, struct mid_log *log);

/* Checks rec's evidence and prints one line per check on out: "ok: ...",
 * "FAILED: ..." or "not checked: ..." (what this tool cannot tell).
 * signer_ca (may be NULL): the PEM roots the signer's certificate and the
 * OCSP responder must chain to (audit_load_roots). Returns the number of
 * failed checks. */
int audit_check(const struct audit_record *rec, const char *signer_ca,
		FILE *out, struct mid_log *log);

#endif
