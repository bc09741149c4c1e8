/* Swedish personal identity numbers (personnummer). */
#ifndef MID_PNR_H
#define MID_PNR_H

#include <stddef.h>

#define PNR_LEN 12

/* Normalises YYYYMMDDNNNN, YYYYMMDD-NNNN, YYMMDDNNNN, YYMMDD-NNNN and
 * YYMMDD+NNNN (100 years or older) to 12 digits in out (>= 13 bytes),
 * checking the date (coordination numbers, day + 60, allowed) and the Luhn
 * check digit. this_year decides the century of the short forms.
 * Returns 0 or MID_E_CONFIG. */
int pnr_normalise(const char *in, int this_year, char *out, size_t outlen);

#endif
