/* QRcode_encodeString's symbol for less: libqrencode encodes with mask 0,
 * qrmask_bits scores the 8 masks on words and patches the winner in. */
#include "qrmask.h"

#include <errno.h>
#include <stddef.h>

#include "qrmask_bits.h"

/* Exported by libqrencode (Debian's symbols file tracks them since 3.2.0)
 * but not declared by qrencode.h: weak, so a library without one still
 * loads the module and the encode falls back to QRcode_encodeString. */
extern int Split_splitStringToQRinput(const char *string, QRinput *input,
				      QRencodeMode hint, int casesensitive)
    __attribute__((weak));
extern QRcode *QRcode_encodeMask(QRinput *input, int mask)
    __attribute__((weak));
extern unsigned int QRspec_getFormatInfo(int mask, QRecLevel level)
    __attribute__((weak));

/* The hint and case rule qr.c has always used */
#define QRMASK_HINT QR_MODE_8
#define QRMASK_CASESENSITIVE 1

void qrmask_lib_default(struct qrmask_lib *lib)
{
	int major = 0;

	lib->split = NULL;
	lib->encode_mask = NULL;
	lib->format_info = NULL;
	/* the internals are 4.x's (checked against 4.1.1's mask.c) */
	QRcode_APIVersion(&major, NULL, NULL);
	if (major != 4)
		return;
	if (Split_splitStringToQRinput == NULL || QRcode_encodeMask == NULL ||
	    QRspec_getFormatInfo == NULL)
		return;
	lib->split = Split_splitStringToQRinput;
	lib->encode_mask = QRcode_encodeMask;
	lib->format_info = QRspec_getFormatInfo;
}

/* QRcode_encodeStringReal's input and mask 0; NULL with errno kept. */
static QRcode *encode_mask0(const struct qrmask_lib *lib, const char *s,
			    int version, QRecLevel level)
{
	QRinput *input = QRinput_new2(version, level);
	QRcode *code = NULL;
	int err;

	if (input == NULL)
		return NULL;
	if (lib->split(s, input, QRMASK_HINT, QRMASK_CASESENSITIVE) == 0)
		code = lib->encode_mask(input, 0);
	err = errno;
	QRinput_free(input);
	errno = err;
	return code;
}

/* Makes code (mask 0, width checked) the symbol Mask_mask would have. */
static void choose_mask(const struct qrmask_lib *lib, QRcode *code,
			QRecLevel level)
{
	struct qrmask_bits b;
	unsigned fmt[QRMASK_MASKS];
	int best;

	for (int m = 0; m < QRMASK_MASKS; m++)
		fmt[m] = lib->format_info(m, level);
	qrmask_bits_load(&b, code->data, (unsigned)code->width);
	best = qrmask_bits_best(&b, fmt);
	qrmask_bits_apply(&b, code->data, best, fmt[best]);
}

QRcode *qrmask_encode_with(const struct qrmask_lib *lib, const char *s,
			   int version, QRecLevel level, enum qrmask_path *path)
{
	QRcode *code = NULL;

	if (path != NULL)
		*path = QRMASK_LIBRARY;
	if (s == NULL || lib->split == NULL || lib->encode_mask == NULL ||
	    lib->format_info == NULL)
		goto library;
	code = encode_mask0(lib, s, version, level);
	if (code == NULL)
		return NULL;
	/* a symbol wider than a word (version > 11): the library's own way */
	if (code->width < 21 || code->width > QRMASK_WIDTH_MAX ||
	    code->data == NULL) {
		QRcode_free(code);
		goto library;
	}
	choose_mask(lib, code, level);
	if (path != NULL)
		*path = QRMASK_SCORED;
	return code;
library:
	return QRcode_encodeString(s, version, level, QRMASK_HINT,
				   QRMASK_CASESENSITIVE);
}

QRcode *qrmask_encode(const char *s, int version, QRecLevel level)
{
	struct qrmask_lib lib;

	qrmask_lib_default(&lib);
	return qrmask_encode_with(&lib, s, version, level, NULL);
}
