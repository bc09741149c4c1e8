/* libqrencode's mask choice (mask.c, Mask_mask) on 64-bit rows and columns:
 * the same demerit, the same winner, for symbols narrower than 64 modules. */
#ifndef MID_QRMASK_BITS_H
#define MID_QRMASK_BITS_H

#include <stdint.h>

/* versions 1..11 (21..61 modules) fit a word per row */
#define QRMASK_WIDTH_MAX 63
#define QRMASK_MASKS 8
/* format information: 15 bits, each in two modules */
#define QRMASK_FORMAT_BITS 15

/* A symbol with its mask taken off: bit x of row[y] and bit y of col[x] is
 * the module at (x, y). The format modules are light in row/col. */
struct qrmask_bits {
	unsigned width;
	uint64_t row[64], col[64];   /* dark modules */
	uint64_t drow[64], dcol[64]; /* data and ECC modules (a mask flips) */
};

/* Loads a libqrencode symbol made with mask 0 (width*width module bytes:
 * bit 0 dark, bit 7 function module). width must be 21..QRMASK_WIDTH_MAX. */
void qrmask_bits_load(struct qrmask_bits *b, const unsigned char *data,
		      unsigned width);

/* The mask Mask_mask picks: the first of the least demerit, fmt[m] being
 * QRspec_getFormatInfo(m, level). */
int qrmask_bits_best(const struct qrmask_bits *b,
		     const unsigned fmt[QRMASK_MASKS]);

/* Turns the loaded mask-0 symbol's bytes into mask m's: data modules
 * flipped, the format modules rewritten (0x84 | bit, as mask.c does). */
void qrmask_bits_apply(const struct qrmask_bits *b, unsigned char *data, int m,
		       unsigned fmt);

#endif
