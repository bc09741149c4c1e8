/* Fuzz target: a signed sudo record as `mobileid audit` reads it
 * (audit_parse), and when it parses, every check of its evidence
 * (audit_check: base64, the XML signature's parts, X.509, OCSP). The
 * input's first line is also tried as a record's file name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auditcheck.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void try_name(const uint8_t *data, size_t size)
{
	char name[256], ref[AUDIT_NAME_MAX];
	size_t n = 0;

	while (n < size && n + 1 < sizeof(name) && data[n] != '\n' && data[n])
		n++;
	memcpy(name, data, n);
	name[n] = '\0';
	/* a name is taken only when what it gives is a token */
	if (audit_name_ref(name, ref, sizeof(ref)) == 0 &&
	    !util_is_token(ref, 64))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_record rec;
	const char *why = NULL;
	FILE *out;

	try_name(data, size);
	if (audit_parse((const char *)data, size, &rec, &why) == 0) {
		/* a record that parses has every required field */
		if (!rec.time || !rec.service || !rec.user || !rec.provider ||
		    !rec.order_ref || !rec.visible_data || !rec.signer_id ||
		    !rec.signature || !rec.ocsp_response ||
		    !util_is_token(rec.order_ref, 64))
			abort();
		out = fopen("/dev/null", "w");
		if (out) {
			audit_check(&rec, NULL, out, NULL);
			fclose(out);
		}
	} else if (!why) {
		abort();
	}
	audit_record_free(&rec);
	return 0;
}
