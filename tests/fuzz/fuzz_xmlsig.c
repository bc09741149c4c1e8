/* Fuzz target: the parts of a BankID XML signature (xmlsig_parse,
 * xml_find). Every part found lies inside the document, the signed text
 * inside bankIdSignedData, the DigestValue inside SignedInfo. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmlsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct xml_span part, struct xml_span whole)
{
	if (part.p < whole.p || part.p + part.n > whole.p + whole.n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: any read past it is ASan's */
	char *xml = malloc(size ? size : 1);
	struct xml_span doc = {xml, size}, outer, inner, attrs;
	struct xmlsig sig;
	const char *why = NULL;

	if (!xml)
		return 0;
	memcpy(xml, data, size);
	if (xmlsig_parse(xml, size, &sig, &why) == 0) {
		inside(sig.signed_info, doc);
		inside(sig.method, sig.signed_info);
		inside(sig.digest, sig.signed_info);
		inside(sig.value, doc);
		inside(sig.signed_data, doc);
		inside(sig.visible_data, sig.signed_data);
		if (sig.ncerts == 0 || sig.ncerts > XMLSIG_MAX_CERTS)
			abort();
		for (size_t i = 0; i < sig.ncerts; i++)
			inside(sig.cert[i], doc);
	} else if (!why) {
		abort();
	}
	if (xml_find(doc, "Reference", &outer, &inner, &attrs) == 0) {
		inside(outer, doc);
		inside(inner, outer);
		inside(attrs, outer);
	}
	free(xml);
	return 0;
}
