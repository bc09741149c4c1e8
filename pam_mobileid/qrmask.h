/* One QR symbol, bit for bit the one QRcode_encodeString makes, with the
 * mask chosen by libqrencode's own penalty rules scored on 64-bit rows and
 * columns instead of its byte loops (doc/qr.md, "Mask choice"). */
#ifndef MID_QRMASK_H
#define MID_QRMASK_H

#include <qrencode.h>

/* libqrencode functions that qrencode.h does not declare; NULL where the
 * library at run time lacks one (then the whole encode is the library's). */
struct qrmask_lib {
	int (*split)(const char *s, QRinput *input, QRencodeMode hint,
		     int casesensitive);
	QRcode *(*encode_mask)(QRinput *input, int mask);
	unsigned int (*format_info)(int mask, QRecLevel level);
};

/* Which way a symbol was made. */
enum qrmask_path {
	QRMASK_SCORED,	/* mask 0 by the library, the choice and patch here */
	QRMASK_LIBRARY, /* QRcode_encodeString whole (lib incomplete, v > 11) */
};

/* Fills lib from the running libqrencode: all three, or all NULL. */
void qrmask_lib_default(struct qrmask_lib *lib);

/* QRcode_encodeString(s, version, level, QR_MODE_8, 1) through lib; *path
 * (may be NULL) tells which way. NULL with errno set as the library sets it
 * (ENOMEM, EINVAL, ERANGE). Free the result with QRcode_free. */
QRcode *qrmask_encode_with(const struct qrmask_lib *lib, const char *s,
			   int version, QRecLevel level,
			   enum qrmask_path *path);

/* The same through the running libqrencode (qrmask_lib_default). */
QRcode *qrmask_encode(const char *s, int version, QRecLevel level);

#endif
