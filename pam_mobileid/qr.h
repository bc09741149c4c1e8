/* QR codes drawn as terminal text (libqrencode). Knows no provider: the
 * payload comes from the provider's qr() call. */
#ifndef MID_QR_H
#define MID_QR_H

#include <stdbool.h>
#include <stddef.h>

/* The longest payload drawn (BankID's is about 120 bytes), NUL included */
#define QR_PAYLOAD_MAX 192

enum qr_charset { QR_CHARSET_UTF8, QR_CHARSET_ASCII };

/* Which modules get a glyph. On a dark terminal (light text) the glyphs are
 * the light modules and the quiet zone; on a light terminal the dark ones. */
enum qr_ink { QR_INK_LIGHT, QR_INK_DARK };

struct qr_style {
	enum qr_charset charset;
	enum qr_ink ink;
	bool ansi;	/* force black on white with SGR colours (local tty);
			   ink is then ignored: dark modules are drawn */
	unsigned quiet; /* quiet zone in modules */
};

/* Renders the payload as text: lines joined by '\n', no trailing newline.
 * *out is malloc'd (free with free()); *nlines gets the number of lines.
 * Returns 0 or a negative MID_E_ code. */
int qr_render(const char *payload, const struct qr_style *style, char **out,
	      unsigned *nlines);

#endif
