/* Fuzz target: what a BankID server may send back. json_parse_bounded on
 * the raw bytes, then bankid_parse_collect on what parsed and
 * bankid_parse_error with a status taken from the first bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bankid.h"
#include "fuzz_reply.h"
#include "json.h"
#include "log.h"
#include "mid.h"

#define ORDER_REF "ee3421ea-2096-4000-8130-82648efe0927"
#define PNR "199001011239"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(json_object *o, const char *key, size_t max)
{
	const char *s = json_get_str(o, key, max);

	if (!s)
		return;
	if (strlen(s) == 0 || strlen(s) > max)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mid_log log = {0};
	struct provider_status st;
	json_object *obj;
	long status;
	int r;

	if (size < FUZZ_REPLY_MIN || size > 256 * 1024)
		return 0;
	/* a status from 100 to 599, then the body */
	status = fuzz_reply_status(data);

	obj = json_parse_bounded((const char *)data + 2, size - 2);
	check_str(obj, "orderRef", 64);
	check_str(obj, "hintCode", 64);
	for (int qr = 0; qr < 2; qr++) {
		memset(&st, 0xa5, sizeof(st));
		r = bankid_parse_collect(obj, ORDER_REF, PNR, qr, &st, &log);
		if (st.msg >= MSG_COUNT || (st.show_qr && !qr))
			abort();
		switch (r) {
		case PROVIDER_PENDING:
		case PROVIDER_APPROVED:
		case MID_E_PROTOCOL:
		case MID_E_DENIED:
		case MID_E_FAILED:
		case MID_E_MISMATCH: break;
		case PROVIDER_RESTART:
			/* a new order only when a QR can be shown */
			if (!qr)
				abort();
			break;
		default: abort();
		}
		/* approval only for the mapped number */
		if (r == PROVIDER_APPROVED) {
			json_object *cd, *u, *p;
			if (!json_object_object_get_ex(obj, "completionData",
						       &cd) ||
			    !json_object_object_get_ex(cd, "user", &u) ||
			    !json_object_object_get_ex(u, "personalNumber",
						       &p) ||
			    strcmp(json_object_get_string(p), PNR) != 0)
				abort();
		}
	}
	json_object_put(obj);

	memset(&st, 0xa5, sizeof(st));
	r = bankid_parse_error(status, (const char *)data + 2, size - 2, &st,
			       &log);
	if (st.msg >= MSG_COUNT)
		abort();
	fuzz_reply_check_error(status, r);
	return 0;
}
