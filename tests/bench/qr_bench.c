/* mid-qr-bench WAY [FRAMES]: encodes FRAMES (default 100) animated BankID
 * QR frames of one order, WAY being
 *   library   QRcode_encodeString, as qr.c did before qrmask.c
 *   scored    qrmask_encode, as qr.c does now (mask 0 + scoring + patch)
 *   reencode  the scored choice, then QRcode_encodeMask(input, best) again
 *             instead of the patch (the alternative qrmask.c did not take)
 * and prints the CPU time per frame. qr-bench.sh runs it under callgrind
 * (--toggle-collect=encode_frames) for the instructions per frame. Exits
 * 1 when a frame differs from QRcode_encodeString's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <qrencode.h>

#include "bankid.h"
#include "qr.h"
#include "qrmask.h"
#include "qrmask_bits.h"

#define TOKEN "67df3917-fa0d-44e5-b327-edcc928297f8"
#define SECRET "d28db9a7-4cde-429e-a983-359be676944c"
#define FRAMES_MAX 100000

enum way { WAY_LIBRARY, WAY_SCORED, WAY_REENCODE };

/* qrmask_encode, but the chosen mask encoded again by the library. */
static QRcode *reencode(const char *s)
{
	struct qrmask_lib lib;
	struct qrmask_bits b;
	unsigned fmt[QRMASK_MASKS];
	QRinput *in;
	QRcode *c0, *c = NULL;

	qrmask_lib_default(&lib);
	in = QRinput_new2(6, QR_ECLEVEL_L);
	if (in == NULL || lib.split == NULL || lib.split(s, in, QR_MODE_8, 1))
		goto out;
	c0 = lib.encode_mask(in, 0);
	if (c0 == NULL || c0->width > QRMASK_WIDTH_MAX)
		goto out;
	for (int m = 0; m < QRMASK_MASKS; m++)
		fmt[m] = lib.format_info(m, QR_ECLEVEL_L);
	qrmask_bits_load(&b, c0->data, (unsigned)c0->width);
	QRcode_free(c0);
	c = lib.encode_mask(in, qrmask_bits_best(&b, fmt));
out:
	QRinput_free(in);
	return c;
}

static QRcode *encode(enum way way, const char *s)
{
	if (way == WAY_LIBRARY)
		return QRcode_encodeString(s, 6, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (way == WAY_SCORED)
		return qrmask_encode(s, 6, QR_ECLEVEL_L);
	return reencode(s);
}

/* The measured part: one encode per payload (noinline: callgrind's
 * --toggle-collect names it). */
__attribute__((noinline)) static void
encode_frames(enum way way, char (*payload)[QR_PAYLOAD_MAX], unsigned n,
	      QRcode **out)
{
	for (unsigned i = 0; i < n; i++)
		out[i] = encode(way, payload[i]);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Every frame as QRcode_encodeString makes it; frees them. */
static int check_and_free(char (*payload)[QR_PAYLOAD_MAX], unsigned n,
			  QRcode **code)
{
	int bad = 0;

	for (unsigned i = 0; i < n; i++) {
		QRcode *want = encode(WAY_LIBRARY, payload[i]);

		if (code[i] == NULL || want == NULL ||
		    code[i]->width != want->width ||
		    memcmp(code[i]->data, want->data,
			   (size_t)want->width * (size_t)want->width) != 0) {
			fprintf(stderr, "frame %u differs\n", i);
			bad = 1;
		}
		QRcode_free(want);
		QRcode_free(code[i]);
	}
	return bad;
}

int main(int argc, char **argv)
{
	static const char *const ways[] = {"library", "scored", "reencode"};
	char(*payload)[QR_PAYLOAD_MAX];
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
	QRcode **code;
	enum way way;
	double t0;
	int bad;

	for (way = WAY_LIBRARY; way <= WAY_REENCODE; way++)
		if (argc > 1 && strcmp(argv[1], ways[way]) == 0)
			break;
	if (argc < 2 || way > WAY_REENCODE || n == 0 || n > FRAMES_MAX) {
		fprintf(stderr, "usage: mid-qr-bench library|scored|reencode "
				"[FRAMES]\n");
		return 2;
	}
	payload = calloc(n, sizeof(*payload));
	code = calloc(n, sizeof(*code));
	if (payload == NULL || code == NULL)
		return 2;
	for (unsigned i = 0; i < n; i++)
		if (bankid_qr_payload(TOKEN, SECRET, i, payload[i],
				      sizeof(payload[i])) != 0)
			return 2;
	t0 = cpu_seconds();
	encode_frames(way, payload, (unsigned)n, code);
	printf("%s: %lu frames, %.1f us CPU per frame\n", ways[way], n,
	       (cpu_seconds() - t0) * 1e6 / (double)n);
	bad = check_and_free(payload, (unsigned)n, code);
	free(code);
	free(payload);
	return bad;
}
