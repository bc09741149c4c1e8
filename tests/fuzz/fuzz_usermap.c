/* Fuzz target: the user map parser, for a user who is and one who is not
 * in it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mid.h"
#include "pnr.h"
#include "usermap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size, const char *user)
{
	struct mid_log log = {0};
	struct usermap_entry e;
	char again[USERMAP_MAX_ID];
	int r = usermap_parse((const char *)data, size, "/fuzz.usermap", user,
			      2025, &e, &log);

	if (r != 0 && r != MID_E_CONFIG && r != MID_E_UNMAPPED)
		abort();
	/* a NUL byte is an error, never the end of the file */
	if (memchr(data, '\0', size) && r != MID_E_CONFIG)
		abort();
	if (r != 0) {
		/* nothing half-filled is handed back on failure */
		if (e.ident[0].provider[0] || e.ident[0].id[0])
			abort();
		return;
	}
	if (e.n < 1 || e.n > USERMAP_MAX_CHAIN)
		abort();
	/* every found identity is normalised: checking it again is a no-op */
	for (unsigned i = 0; i < e.n; i++) {
		const struct usermap_ident *id = &e.ident[i];

		if (usermap_check_id(id->provider, id->id, 2025, again,
				     sizeof(again)) ||
		    strcmp(again, id->id) != 0)
			abort();
		if (strcmp(id->provider, "bankid") == 0 &&
		    strlen(id->id) != PNR_LEN)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char user[32] = "";
	size_t n = 0;

	if (size > USERMAP_MAX_FILE)
		return 0;
	/* the first word of the input as the user: often a mapped one */
	while (n < sizeof(user) - 1 && n < size && data[n] != ' ' &&
	       data[n] != '\t' && data[n] != '\n' && data[n] != '\0') {
		user[n] = (char)data[n];
		n++;
	}
	user[n] = '\0';
	/* the bytes as they are: the parser must not read past size */
	check(data, size, user);
	check(data, size, "");
	check(data, size, NULL);
	return 0;
}
