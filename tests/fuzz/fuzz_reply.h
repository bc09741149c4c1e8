/* What the reply fuzz targets share: how an input becomes an HTTP status
 * and a body, and the rule every provider's error parser must keep. */
#ifndef MID_FUZZ_REPLY_H
#define MID_FUZZ_REPLY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mid.h"

/* The smallest input: two bytes of status before the body. */
#define FUZZ_REPLY_MIN 2

/* A status from 100 to 599 out of the input's first two bytes; the body
 * is what follows them. */
static inline long fuzz_reply_status(const uint8_t *data)
{
	return 100 + ((data[0] << 8 | data[1]) % 500);
}

/* An error reply is one of four outcomes, and only a 503 is an outage
 * (the one code `failmode = safe` may let in), whatever its body says. */
static inline void fuzz_reply_check_error(long status, int r)
{
	if (r != MID_E_UNREACHABLE && r != MID_E_SERVER &&
	    r != MID_E_PROTOCOL && r != MID_E_FAILED)
		abort();
	if ((status == 503) != (r == MID_E_UNREACHABLE))
		abort();
}

#endif
