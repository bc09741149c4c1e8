/* BankID animated QR payload and terminal rendering (libqrencode). */
#ifndef MID_QR_H
#define MID_QR_H

#include <stdbool.h>
#include <stddef.h>

/* "bankid." token(36) "." time(<=10) "." hex(64) + NUL, with room to spare */
#define QR_PAYLOAD_MAX 192

/* payload = "bankid.<token>.<qr_time>.<lowercase hex HMAC-SHA256(secret,
 * decimal qr_time)>". Returns 0, or MID_E_INTERNAL if out is too small or the
 * inputs are unusable. */
int qr_bankid_payload(const char *qr_start_token, const char *qr_start_secret,
		      unsigned long qr_time, char *out, size_t outlen);

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
