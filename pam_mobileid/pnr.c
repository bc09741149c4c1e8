/* Swedish personal identity numbers (personnummer). */
#include "pnr.h"

#include <stdbool.h>
#include <string.h>

#include "mid.h"

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool date_ok(int y, int m, int d)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	int max;

	if (y < 1850 || m < 1 || m > 12)
		return false;
	max = days[m - 1] + (m == 2 && leap(y));
	if (d > 60) /* samordningsnummer: day + 60 */
		d -= 60;
	return d >= 1 && d <= max;
}

/* Luhn over the ten digits YYMMDDNNNC (the century is not part of it). */
static bool luhn_ok(const char *ten)
{
	int sum = 0;

	for (int i = 0; i < 10; i++) {
		int v = (ten[i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	return sum % 10 == 0;
}

int pnr_normalise(const char *in, int this_year, char *out, size_t outlen)
{
	char d[PNR_LEN + 1];
	size_t len;
	int century;

	if (!in || outlen < PNR_LEN + 1)
		return MID_E_CONFIG;
	len = strlen(in);
	if (len == 12 && all_digits(in, 12)) {
		memcpy(d, in, 12);
	} else if (len == 13 && in[8] == '-' && all_digits(in, 8) &&
		   all_digits(in + 9, 4)) {
		memcpy(d, in, 8);
		memcpy(d + 8, in + 9, 4);
	} else if ((len == 10 && all_digits(in, 10)) ||
		   (len == 11 && (in[6] == '-' || in[6] == '+') &&
		    all_digits(in, 6) && all_digits(in + 7, 4))) {
		/* the short form's century: the latest year not in the
		 * future, one century back more for '+' (100 years or older) */
		int yy = num(in, 2);

		century = this_year / 100 * 100;
		if (century + yy > this_year)
			century -= 100;
		if (len == 11 && in[6] == '+')
			century -= 100;
		if (century < 1800)
			return MID_E_CONFIG;
		d[0] = (char)('0' + century / 1000);
		d[1] = (char)('0' + century / 100 % 10);
		memcpy(d + 2, in, 6);
		memcpy(d + 8, in + (len == 10 ? 6 : 7), 4);
	} else {
		return MID_E_CONFIG;
	}
	d[PNR_LEN] = '\0';
	if (!date_ok(num(d, 4), num(d + 4, 2), num(d + 6, 2)) ||
	    num(d, 4) > this_year || !luhn_ok(d + 2))
		return MID_E_CONFIG;
	memcpy(out, d, PNR_LEN + 1);
	return 0;
}
