/* Fuzz target: what a PassBy[ME] server may send back. The first two bytes
 * choose a status and whether the reply is to the send; the rest is the
 * body: passbyme_parse_session on what parses as JSON, passbyme_parse_error
 * on the raw bytes, passbyme_parse_time on the expirationDate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz_reply.h"
#include "json.h"
#include "log.h"
#include "mid.h"
#include "passbyme.h"

#define MID "YzX95zUA1et2ijQ"
#define WHO "bob@example.com"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* approval only for our recipient, as the only one, of our message */
static void check_approved(json_object *obj, const char *mid)
{
	json_object *list, *one, *v;

	if (!json_object_object_get_ex(obj, "recipients", &list) ||
	    json_object_array_length(list) != 1)
		abort();
	one = json_object_array_get_idx(list, 0);
	if (!json_object_object_get_ex(one, "userId", &v) ||
	    strcmp(json_object_get_string(v), WHO) != 0 ||
	    !json_object_object_get_ex(one, "status", &v) ||
	    strcmp(json_object_get_string(v), "APPROVED") != 0)
		abort();
	if (mid && (!json_object_object_get_ex(obj, "messageId", &v) ||
		    strcmp(json_object_get_string(v), mid) != 0))
		abort();
}

static void session(json_object *obj, const char *mid, int64_t now)
{
	struct provider_status st;
	struct passbyme_info info;
	struct mid_log log = {0};
	int r;

	memset(&st, 0xa5, sizeof(st));
	memset(&info, 0, sizeof(info));
	r = passbyme_parse_session(obj, mid, WHO, now, &info, &st, &log);
	if (st.msg >= MSG_COUNT || st.show_qr)
		abort();
	switch (r) {
	case PROVIDER_APPROVED: check_approved(obj, mid); break;
	case PROVIDER_PENDING:
	case MID_E_PROTOCOL:
	case MID_E_DENIED:
	case MID_E_FAILED:
	case MID_E_MISMATCH: break;
	default: abort();
	}
	/* a message ID we keep must stay inside its URL path segment */
	if (r != MID_E_PROTOCOL &&
	    (!info.message_id[0] || strpbrk(info.message_id, "/?#% \\")))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct provider_status st;
	struct mid_log log = {0};
	json_object *obj, *v;
	long status;
	int64_t ms;
	int r;

	if (size < FUZZ_REPLY_MIN || size > 256 * 1024)
		return 0;
	status = fuzz_reply_status(data);
	obj = json_parse_bounded((const char *)data + 2, size - 2);
	session(obj, NULL, 0);
	session(obj, MID, 1709283720123LL);
	if (json_object_object_get_ex(obj, "expirationDate", &v))
		(void)passbyme_parse_time(json_object_get_string(v), &ms);
	json_object_put(obj);

	memset(&st, 0xa5, sizeof(st));
	r = passbyme_parse_error(status, (const char *)data + 2, size - 2,
				 data[0] & 1, &st, &log);
	if (st.msg >= MSG_COUNT || st.show_qr)
		abort();
	fuzz_reply_check_error(status, r);
	return 0;
}
