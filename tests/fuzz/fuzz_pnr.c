/* Fuzz target: personal number normalisation. The first two bytes pick
 * this_year (1800..2299), the rest is the number. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mid.h"
#include "pnr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int luhn10(const char *ten)
{
	int sum = 0;

	for (int i = 0; i < 10; i++) {
		int v = (ten[i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	return sum % 10;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out[PNR_LEN + 1], again[PNR_LEN + 1];
	int year, r, y;

	if (size < 2 || size - 2 >= sizeof(in))
		return 0;
	year = 1800 + ((data[0] << 8 | data[1]) % 500);
	memcpy(in, data + 2, size - 2);
	in[size - 2] = '\0';
	memset(out, 'X', sizeof(out));
	r = pnr_normalise(in, year, out, sizeof(out));
	if (r != 0 && r != MID_E_CONFIG)
		abort();
	if (r != 0)
		return 0;
	/* what comes out is 12 digits, not in the future, Luhn-valid */
	if (strlen(out) != PNR_LEN || strspn(out, "0123456789") != PNR_LEN)
		abort();
	y = (out[0] - '0') * 1000 + (out[1] - '0') * 100 + (out[2] - '0') * 10 +
	    (out[3] - '0');
	if (y > year || y < 1800 || luhn10(out + 2) != 0)
		abort();
	/* and normalising it again changes nothing */
	if (pnr_normalise(out, year, again, sizeof(again)) != 0 ||
	    strcmp(out, again) != 0)
		abort();
	/* too small an output buffer is refused, not overrun */
	if (pnr_normalise(in, year, again, PNR_LEN) != MID_E_CONFIG)
		abort();
	return 0;
}
