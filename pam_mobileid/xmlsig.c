/* The parts of a BankID XML signature, found by element name. */
#include "xmlsig.h"

#include <string.h>

static const char *find_bytes(const char *p, size_t n, const char *what)
{
	size_t w = strlen(what);

	while (n >= w) {
		const char *lt = memchr(p, what[0], n - w + 1);

		if (!lt)
			return NULL;
		if (memcmp(lt, what, w) == 0)
			return lt;
		n -= (size_t)(lt - p) + 1;
		p = lt + 1;
	}
	return NULL;
}

/* The start tag "<name" followed by white space, '>' or "/>" */
static const char *start_tag(struct xml_span in, const char *name, size_t *at)
{
	size_t nl = strlen(name), off = 0;

	while (off < in.n) {
		const char *lt = memchr(in.p + off, '<', in.n - off);
		size_t i;

		if (!lt)
			return NULL;
		i = (size_t)(lt - in.p);
		if (in.n - i > nl + 1 && memcmp(lt + 1, name, nl) == 0 &&
		    strchr(" \t\r\n>/", lt[1 + nl]) && lt[1 + nl]) {
			*at = i;
			return lt;
		}
		off = i + 1;
	}
	return NULL;
}

int xml_find(struct xml_span in, const char *name, struct xml_span *outer,
	     struct xml_span *inner, struct xml_span *attrs)
{
	char end_tag[64];
	size_t at = 0, nl = strlen(name), after, tag_end;
	const char *gt, *close;

	if (nl + 4 > sizeof(end_tag) || !in.p || !start_tag(in, name, &at))
		return -1;
	after = at + 1 + nl;
	gt = memchr(in.p + after, '>', in.n - after);
	if (!gt)
		return -1;
	tag_end = (size_t)(gt - in.p) + 1;
	if (attrs)
		*attrs = (struct xml_span){in.p + after, tag_end - 1 - after};
	if (gt[-1] == '/') { /* <name .../>: no content */
		if (attrs)
			attrs->n--;
		if (inner)
			*inner = (struct xml_span){gt + 1, 0};
		if (outer)
			*outer = (struct xml_span){in.p + at, tag_end - at};
		return 0;
	}
	memcpy(end_tag, "</", 2);
	memcpy(end_tag + 2, name, nl);
	memcpy(end_tag + 2 + nl, ">", 2);
	close = find_bytes(in.p + tag_end, in.n - tag_end, end_tag);
	if (!close)
		return -1;
	if (inner)
		*inner = (struct xml_span){in.p + tag_end,
					   (size_t)(close - in.p) - tag_end};
	if (outer)
		*outer = (struct xml_span){in.p + at, (size_t)(close - in.p) +
							  nl + 3 - at};
	return 0;
}

static struct xml_span rest_after(struct xml_span in, struct xml_span part)
{
	size_t used = (size_t)(part.p - in.p) + part.n;

	return (struct xml_span){in.p + used, in.n - used};
}

/* The Reference whose URI is "#bidSignedData", and its DigestValue. */
static int find_digest(struct xml_span signed_info, struct xml_span *digest)
{
	struct xml_span rest = signed_info, ref, inner, attrs;

	while (xml_find(rest, "Reference", &ref, &inner, &attrs) == 0) {
		if (find_bytes(attrs.p, attrs.n, "URI=\"#bidSignedData\""))
			return xml_find(inner, "DigestValue", NULL, digest,
					NULL);
		rest = rest_after(rest, ref);
	}
	return -1;
}

static void find_certs(struct xml_span key_info, struct xmlsig *out)
{
	struct xml_span rest = key_info, el, inner;

	out->ncerts = 0;
	while (out->ncerts < XMLSIG_MAX_CERTS &&
	       xml_find(rest, "X509Certificate", &el, &inner, NULL) == 0) {
		out->cert[out->ncerts++] = inner;
		rest = rest_after(rest, el);
	}
}

int xmlsig_parse(const char *xml, size_t len, struct xmlsig *out,
		 const char **why)
{
	struct xml_span doc = {xml, len}, key_info, attrs;

	memset(out, 0, sizeof(*out));
	*why = "larger than the limit";
	if (len > XMLSIG_MAX_BYTES)
		return -1;
	*why = "no SignedInfo with a SignatureMethod";
	if (xml_find(doc, "SignedInfo", &out->signed_info, NULL, NULL) < 0 ||
	    xml_find(out->signed_info, "SignatureMethod", NULL, NULL,
		     &out->method) < 0)
		return -1;
	*why = "no Reference to #bidSignedData with a DigestValue";
	if (find_digest(out->signed_info, &out->digest) < 0)
		return -1;
	*why = "no SignatureValue";
	if (xml_find(doc, "SignatureValue", NULL, &out->value, NULL) < 0)
		return -1;
	*why = "no X509Certificate in KeyInfo";
	if (xml_find(doc, "KeyInfo", NULL, &key_info, NULL) < 0)
		return -1;
	find_certs(key_info, out);
	if (out->ncerts == 0)
		return -1;
	*why = "no bankIdSignedData (Id \"bidSignedData\") with usrVisibleData";
	if (xml_find(doc, "bankIdSignedData", &out->signed_data, NULL, &attrs) <
		0 ||
	    !find_bytes(attrs.p, attrs.n, "Id=\"bidSignedData\"") ||
	    xml_find(out->signed_data, "usrVisibleData", NULL,
		     &out->visible_data, NULL) < 0)
		return -1;
	return 0;
}
