/* What `mobileid audit ORDER` checks of a record: the signature over the
 * signed text, the signer's personal number, the OCSP response. */
#ifndef MID_AUDITCHECK_H
#define MID_AUDITCHECK_H

#include <stdio.h>

struct audit_record;

/* Checks rec's evidence and prints one line per check on out: "ok: ...",
 * "FAILED: ..." or "not checked: ..." (what this tool cannot tell).
 * signer_ca (may be NULL): the PEM roots the signer's certificate and the
 * OCSP responder must chain to. Returns the number of failed checks. */
int audit_check(const struct audit_record *rec, const char *signer_ca,
		FILE *out);

#endif
