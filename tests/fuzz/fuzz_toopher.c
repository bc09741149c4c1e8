/* Fuzz target: what a Toopher server may send back. 2 bytes of HTTP status
 * (100 + n % 500), then the body: toopher_parse_auth and
 * toopher_parse_pairing on what parses as JSON, toopher_parse_error on the
 * raw bytes. Aborts when an outcome breaks the contract: a grant that is
 * not pending == false && granted == true for our id, an outage from
 * anything but a 503, a code outside the documented set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz_reply.h"
#include "json.h"
#include "log.h"
#include "mid.h"
#include "toopher.h"

#define ID "5e0a1c2d-3b4f-4a6e-8c7d-9f0e1a2b3c4d"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_auth(json_object *obj, const char *want)
{
	struct mid_log log = {0};
	char id[TOOPHER_ID_MAX + 1] = "";
	enum mid_msg msg = MSG_NONE;
	int r = toopher_parse_auth(obj, want, id, &msg, &log);

	if (msg >= MSG_COUNT)
		abort();
	switch (r) {
	case PROVIDER_PENDING:
	case MID_E_DENIED:
	case MID_E_FAILED:
	case MID_E_PROTOCOL: break;
	case PROVIDER_APPROVED:
		if (json_get_bool(obj, "pending") != 0 ||
		    json_get_bool(obj, "granted") != 1 ||
		    (want && strcmp(id, want) != 0))
			abort();
		break;
	default: abort();
	}
}

static void check_pairing(json_object *obj)
{
	struct mid_log log = {0};
	int r = toopher_parse_pairing(obj, ID, NULL, &log);

	if (r == PROVIDER_APPROVED && json_get_bool(obj, "enabled") != 1)
		abort();
	if (r != PROVIDER_PENDING && r != PROVIDER_APPROVED &&
	    r != MID_E_DENIED && r != MID_E_PROTOCOL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mid_log log = {0};
	enum mid_msg msg = MSG_NONE;
	json_object *obj;
	long status;
	int r;

	if (size < FUZZ_REPLY_MIN || size > 256 * 1024)
		return 0;
	status = fuzz_reply_status(data);
	obj = json_parse_bounded((const char *)data + 2, size - 2);
	check_auth(obj, ID);
	check_auth(obj, NULL);
	check_pairing(obj);
	json_object_put(obj);

	r = toopher_parse_error(status, (const char *)data + 2, size - 2, &msg,
				&log);
	if (msg >= MSG_COUNT)
		abort();
	fuzz_reply_check_error(status, r);
	return 0;
}
