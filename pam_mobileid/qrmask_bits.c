/* libqrencode 4.1.1's mask choice (mask.c) on 64-bit words. Every rule and
 * quirk is mask.c's; test_qrmask compares whole symbols with the library. */
#include "qrmask_bits.h"

#include <endian.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* mask.c's demerit coefficients (JIS X0510:2004 8.8.2) */
#define N1 3
#define N2 3
#define N3 40
#define N4 10

/* Which modules a mask flips, 12 at a time (every mask repeats within 12):
 * bit x of flips[m][y % 12] is set where mask.c's expression for mask m
 * at (x, y) is 0. Rows 8, 9 and 10 are masks 1, 2 and 4 with x and y
 * swapped (the others are symmetric): bit y of flips[col_of[m]][x % 12]. */
static const uint16_t flips[11][12] = {
    {0x555, 0xaaa, 0x555, 0xaaa, 0x555, 0xaaa, 0x555, 0xaaa, 0x555, 0xaaa,
     0x555, 0xaaa},
    {0xfff, 0x000, 0xfff, 0x000, 0xfff, 0x000, 0xfff, 0x000, 0xfff, 0x000,
     0xfff, 0x000},
    {0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249,
     0x249, 0x249},
    {0x249, 0x924, 0x492, 0x249, 0x924, 0x492, 0x249, 0x924, 0x492, 0x249,
     0x924, 0x492},
    {0x1c7, 0x1c7, 0xe38, 0xe38, 0x1c7, 0x1c7, 0xe38, 0xe38, 0x1c7, 0x1c7,
     0xe38, 0xe38},
    {0xfff, 0x041, 0x249, 0x555, 0x249, 0x041, 0xfff, 0x041, 0x249, 0x555,
     0x249, 0x041},
    {0xfff, 0x1c7, 0x6db, 0x555, 0xb6d, 0xc71, 0xfff, 0x1c7, 0x6db, 0x555,
     0xb6d, 0xc71},
    {0x555, 0xe38, 0xc71, 0xaaa, 0x1c7, 0x38e, 0x555, 0xe38, 0xc71, 0xaaa,
     0x1c7, 0x38e},
    {0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555,
     0x555, 0x555},
    {0xfff, 0x000, 0x000, 0xfff, 0x000, 0x000, 0xfff, 0x000, 0x000, 0xfff,
     0x000, 0x000},
    {0x333, 0x333, 0x333, 0xccc, 0xccc, 0xccc, 0x333, 0x333, 0x333, 0xccc,
     0xccc, 0xccc},
};
static const int col_of[QRMASK_MASKS] = {0, 8, 9, 3, 10, 5, 6, 7};

/* A 12-bit chunk repeated over the 64 bits of a word. */
static uint64_t spread(uint16_t chunk) { return chunk * 0x1001001001001001ULL; }

/* Bits set in each byte of v (Hacker's Delight 5-1; without -mpopcnt,
 * the amd64 baseline, __builtin_popcountll is a call). */
static uint64_t byte_counts(uint64_t v)
{
	v -= (v >> 1) & 0x5555555555555555ULL;
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	return (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
}

/* The sum of the bytes of c (each sum below 256). */
static int byte_sum(uint64_t c)
{
	return (int)((c * 0x0101010101010101ULL) >> 56);
}

static int popcount(uint64_t v) { return byte_sum(byte_counts(v)); }

/* Where format bit i (0 = least significant) goes: (x0, y0) and (x1, y1),
 * in the order Mask_writeFormatInformation writes them. */
static void format_pos(unsigned w, unsigned i, unsigned xy[4])
{
	if (i < 8) {
		xy[0] = w - 1 - i;
		xy[1] = 8;
		xy[2] = 8;
		xy[3] = i < 6 ? i : i + 1;
	} else {
		i -= 8;
		xy[0] = 8;
		xy[1] = w - 7 + i;
		xy[2] = i == 0 ? 7 : 6 - i;
		xy[3] = 8;
	}
}

/* Bit 0 of each of the 8 bytes of v (little-endian), as 8 bits. */
static uint64_t pack8(uint64_t v)
{
	return ((v & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56;
}

/* One row of module bytes as words: dark modules, maskable modules. */
static void load_row(const unsigned char *p, unsigned w, uint64_t *dark,
		     uint64_t *data)
{
	uint64_t d = 0, f = 0, v;
	unsigned x = 0;

	for (; x + 8 <= w; x += 8) {
		memcpy(&v, p + x, sizeof(v));
		v = le64toh(v); /* byte i of v is module x + i */
		d |= pack8(v) << x;
		f |= pack8(v >> 7) << x;
	}
	for (; x < w; x++) {
		d |= (uint64_t)(p[x] & 1) << x;
		f |= (uint64_t)(p[x] >> 7) << x;
	}
	*dark = d;
	*data = ~f & ((1ULL << w) - 1);
}

/* a[i] bit j <-> a[j] bit i (Hacker's Delight, 7-3, for 64 bits). */
static void transpose(uint64_t a[64])
{
	uint64_t m = 0x00000000ffffffffULL;

	for (unsigned j = 32; j != 0; j >>= 1, m ^= m << j) {
		for (unsigned k = 0; k < 64; k = ((k | j) + 1) & ~j) {
			uint64_t t = ((a[k] >> j) ^ a[k | j]) & m;

			a[k] ^= t << j;
			a[k | j] ^= t;
		}
	}
}

void qrmask_bits_load(struct qrmask_bits *b, const unsigned char *data,
		      unsigned width)
{
	unsigned xy[4];

	memset(b, 0, sizeof(*b));
	b->width = width;
	for (unsigned y = 0; y < width; y++) {
		load_row(data + (size_t)y * width, width, &b->row[y],
			 &b->drow[y]);
		b->row[y] ^= spread(flips[0][y % 12]) & b->drow[y];
	}
	for (unsigned i = 0; i < QRMASK_FORMAT_BITS; i++) {
		format_pos(width, i, xy);
		b->row[xy[1]] &= ~(1ULL << xy[0]);
		b->row[xy[3]] &= ~(1ULL << xy[2]);
	}
	memcpy(b->col, b->row, sizeof(b->col));
	memcpy(b->dcol, b->drow, sizeof(b->dcol));
	transpose(b->col);
	transpose(b->dcol);
}

/* N1 of a line of w modules: a run of n >= 5 costs N1 + (n - 5). */
static int n1_runs(uint64_t d, unsigned w)
{
	/* bit x: modules x and x + 1 alike; q: x .. x + 4 alike */
	uint64_t e = ~(d ^ d >> 1) & ((1ULL << (w - 1)) - 1);
	uint64_t e2 = e & e >> 1, q = e2 & e2 >> 2;

	_Static_assert(N1 == 3, "n - 2 per run");
	/* a run of n >= 5 leaves n - 4 bits in q, 4 or more apart from the
	 * next run's: widened by 2 they are n - 2 = N1 + (n - 5) bits */
	return popcount(q | q << 1 | q << 2);
}

/* mask.c's N3 for runs 1:1:3:1:1 (fact 1) in a line of w modules, d dark,
 * l light, a3 = starts of 3 dark: +N3 once per pattern when the run before
 * it is >= 4 or is the row's first (even if short), or the run after it is
 * >= 4 or the last. */
static int n3_unit(uint64_t d, uint64_t l, uint64_t a3, unsigned w)
{
	uint64_t m, first, before, last, after;
	unsigned h;

	/* starts c: light or edge, D L D D D L D, light or edge */
	m = ((l << 1) | 1) & d & (l >> 1) & (a3 >> 2) & (l >> 5) & (d >> 6) &
	    ((l >> 7) | (1ULL << (w - 7)));
	if (m == 0)
		return 0;
	first = ((d & (~d + 1)) << 1) - 1;
	before = (l << 1) & (l << 2) & (l << 3) & (l << 4);
	h = 63U - (unsigned)__builtin_clzll(d);
	last = ~((1ULL << (h - 6)) - 1);
	after = (l >> 7) & (l >> 8) & (l >> 9) & (l >> 10);
	return N3 * popcount(m & (first | before | last | after));
}

/* Whether bits lo .. lo + n - 1 of v are all set (false past bit 63). */
static bool all_set(uint64_t v, int lo, int n)
{
	uint64_t m;

	if (lo < 0 || n >= 64 || lo + n > 64)
		return false;
	m = (1ULL << n) - 1;
	return ((v >> lo) & m) == m;
}

static bool bit(uint64_t v, int x)
{
	return x >= 0 && x < 64 && ((v >> x) & 1);
}

/* mask.c's N3 for the dark run [s, s + 3f) with f > 1: the runs f, f
 * before it and f, f after it exact, then the same rule as n3_unit. */
static int n3_scaled(uint64_t d, uint64_t l, int s, int f)
{
	int a = s - 2 * f, z = s + 5 * f; /* where the pattern starts, ends */

	if (!all_set(d, a, f) || bit(d, a - 1) || !all_set(l, s - f, f))
		return 0;
	if (!all_set(l, s + 3 * f, f) || !all_set(d, z - f, f) || bit(d, z))
		return 0;
	if ((d & ((1ULL << a) - 1)) == 0 || all_set(l, a - 4 * f, 4 * f))
		return N3;
	if ((d >> z) == 0 || all_set(l, z, 4 * f))
		return N3;
	return 0;
}

/* N3 for dark runs of 6, 9, 12 ... (fact > 1): few, so one at a time. */
static int n3_wide(uint64_t d, uint64_t l, uint64_t a3)
{
	uint64_t starts = a3 & a3 >> 3 & ~(d << 1);
	int dem = 0;

	for (; starts != 0; starts &= starts - 1) {
		int s = __builtin_ctzll(starts);
		int n = __builtin_ctzll(~(d >> s));

		if (n % 3 == 0)
			dem += n3_scaled(d, l, s, n / 3);
	}
	return dem;
}

/* N1 + N3 of one row or column of w modules (bit x = module x). */
static int line_demerit(uint64_t d, unsigned w)
{
	uint64_t l = ~d & ((1ULL << w) - 1);
	uint64_t a3 = d & d >> 1 & d >> 2; /* bit x: x .. x + 2 dark */

	return n1_runs(d, w) + n3_unit(d, l, a3, w) + n3_wide(d, l, a3);
}

/* N2: every 2x2 block of one colour. */
static int n2_blocks(const uint64_t *row, unsigned w)
{
	uint64_t inner = (1ULL << (w - 1)) - 1;
	int n = 0;

	for (unsigned y = 1; y < w; y++) {
		/* bit x: (x, y - 1) like (x, y), and like (x + 1, y - 1) */
		uint64_t v = ~(row[y - 1] ^ row[y]);
		uint64_t h = ~(row[y - 1] ^ row[y - 1] >> 1);

		n += popcount(v & v >> 1 & h & inner);
	}
	return N2 * n;
}

/* Mask_mask's demerit of mask m with format information fmt. */
static int mask_demerit(const struct qrmask_bits *b, int m, unsigned fmt)
{
	uint64_t line[2 * 64]; /* the w rows, then the w columns */
	uint64_t rowflip[12], colflip[12];
	unsigned w = b->width, xy[4];
	int blacks = 0, w2 = (int)(w * w), bratio, dem;

	for (unsigned k = 0; k < 12; k++) {
		rowflip[k] = spread(flips[m][k]);
		colflip[k] = spread(flips[col_of[m]][k]);
	}
	for (unsigned i = 0, k = 0; i < w; i++, k = k == 11 ? 0 : k + 1) {
		line[i] = b->row[i] ^ (rowflip[k] & b->drow[i]);
		line[w + i] = b->col[i] ^ (colflip[k] & b->dcol[i]);
	}
	for (unsigned i = 0; i < QRMASK_FORMAT_BITS; i++, fmt >>= 1) {
		if (!(fmt & 1))
			continue;
		format_pos(w, i, xy);
		line[xy[1]] |= 1ULL << xy[0];
		line[w + xy[0]] |= 1ULL << xy[1];
		line[xy[3]] |= 1ULL << xy[2];
		line[w + xy[2]] |= 1ULL << xy[3];
	}
	for (unsigned i = 0; i < w; i++)
		blacks += popcount(line[i]);
	/* mask.c's rounding: (int)(100 * blacks / w2 + 0.5) */
	bratio = (200 * blacks + w2) / w2 / 2;
	dem = (abs(bratio - 50) / 5) * N4 + n2_blocks(line, w);
	/* one call site: the compiler inlines it */
	for (unsigned i = 0; i < 2 * w; i++)
		dem += line_demerit(line[i], w);
	return dem;
}

int qrmask_bits_best(const struct qrmask_bits *b,
		     const unsigned fmt[QRMASK_MASKS])
{
	int best = 0, min = 0;

	for (int m = 0; m < QRMASK_MASKS; m++) {
		int dem = mask_demerit(b, m, fmt[m]);

		/* the first of equal demerits wins, as in Mask_mask */
		if (m == 0 || dem < min) {
			min = dem;
			best = m;
		}
	}
	return best;
}

/* The 8 low bits of v as the low bits of 8 bytes (the inverse of pack8). */
static uint64_t unpack8(uint64_t v)
{
	uint64_t b =
	    ((v & 0xff) * 0x0101010101010101ULL) & 0x8040201008040201ULL;

	/* a byte with its bit set becomes >= 0x80, the others stay < 0x80 */
	return ((b + 0x7f7f7f7f7f7f7f7fULL) >> 7) & 0x0101010101010101ULL;
}

void qrmask_bits_apply(const struct qrmask_bits *b, unsigned char *data, int m,
		       unsigned fmt)
{
	unsigned w = b->width, xy[4];

	for (unsigned y = 0; y < w && m != 0; y++) {
		unsigned char *p = data + (size_t)y * w;
		uint64_t flip =
		    spread(flips[0][y % 12] ^ flips[m][y % 12]) & b->drow[y];
		uint64_t v;
		unsigned x = 0;

		for (; x + 8 <= w; x += 8) {
			memcpy(&v, p + x, sizeof(v));
			v ^= htole64(unpack8(flip >> x));
			memcpy(p + x, &v, sizeof(v));
		}
		for (; x < w; x++)
			p[x] ^= (unsigned char)((flip >> x) & 1);
	}
	for (unsigned i = 0; i < QRMASK_FORMAT_BITS; i++, fmt >>= 1) {
		unsigned char v = (unsigned char)(0x84 | (fmt & 1));

		format_pos(w, i, xy);
		data[(size_t)xy[1] * w + xy[0]] = v;
		data[(size_t)xy[3] * w + xy[2]] = v;
	}
}
