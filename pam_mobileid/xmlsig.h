/* The parts of a BankID XML signature (XML-DSig) that `mobileid audit`
 * checks, found by element name: no XML parser, no canonicalisation
 * (doc/bankid.md, "Signatures"). */
#ifndef MID_XMLSIG_H
#define MID_XMLSIG_H

#include <stddef.h>

#define XMLSIG_MAX_CERTS 4
#define XMLSIG_MAX_BYTES (200 * 1024)

/* Bytes of the document: p[0..n). */
struct xml_span {
	const char *p;
	size_t n;
};

/* The first element called name (its local name, no prefix) in in: outer
 * runs from its '<' to the end of its end tag (or of an empty-element
 * tag), inner is its content, attrs the start tag's text after the name.
 * Elements of the same name nested in it are not supported (BankID's
 * documents have none). Any out-parameter may be NULL. 0, or -1 when
 * there is none or it does not end. */
int xml_find(struct xml_span in, const char *name, struct xml_span *outer,
	     struct xml_span *inner, struct xml_span *attrs);

struct xmlsig {
	struct xml_span signed_info; /* outer: what SignatureValue signs */
	struct xml_span method;	     /* SignatureMethod's attributes */
	struct xml_span digest;	     /* DigestValue of #bidSignedData */
	struct xml_span value;	     /* SignatureValue, base64 */
	struct xml_span cert[XMLSIG_MAX_CERTS]; /* KeyInfo's, base64 DER */
	size_t ncerts;
	struct xml_span signed_data;  /* bankIdSignedData, outer */
	struct xml_span visible_data; /* its usrVisibleData, base64 */
};

/* Finds every part in xml[0..len): SignedInfo with a Reference to
 * "#bidSignedData" and its DigestValue, SignatureValue, KeyInfo's
 * X509Certificate elements (the signer's first), and bankIdSignedData
 * with Id "bidSignedData" and its usrVisibleData. Returns 0, or -1 with
 * *why saying which part is missing. */
int xmlsig_parse(const char *xml, size_t len, struct xmlsig *out,
		 const char **why);

#endif
