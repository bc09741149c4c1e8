/* qrtool: render BankID QR frames with qr.c, for the Python scan tests.
 *
 *   qrtool payload TOKEN SECRET QRTIME
 *   qrtool render [-c utf8|ascii] [-i light|dark] [-a] [-q QUIET] PAYLOAD
 *
 * render writes exactly qr_render()'s text (no trailing newline) to stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bankid.h"
#include "mid.h"
#include "qr.h"

static int qrtool_usage(void)
{
	fprintf(stderr, "usage: qrtool payload TOKEN SECRET QRTIME\n"
			"       qrtool render [-c utf8|ascii] [-i light|dark] "
			"[-a] [-q QUIET] PAYLOAD\n");
	return 2;
}

static int qrtool_payload(int argc, char **argv)
{
	char buf[QR_PAYLOAD_MAX];
	unsigned long t;
	char *end;

	if (argc != 5)
		return qrtool_usage();
	errno = 0;
	t = strtoul(argv[4], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[4])
		return qrtool_usage();
	if (bankid_qr_payload(argv[2], argv[3], t, buf, sizeof(buf)) < 0) {
		fprintf(stderr, "qrtool: bad token or secret\n");
		return 1;
	}
	printf("%s\n", buf);
	return 0;
}

static int qrtool_render(int argc, char **argv)
{
	struct qr_style style = {QR_CHARSET_UTF8, QR_INK_LIGHT, false, 4};
	char *text = NULL, *end;
	unsigned n = 0;
	unsigned long q;
	int c, r;

	optind = 2;
	while ((c = getopt(argc, argv, "c:i:aq:")) != -1) {
		switch (c) {
		case 'c':
			if (strcmp(optarg, "utf8") == 0)
				style.charset = QR_CHARSET_UTF8;
			else if (strcmp(optarg, "ascii") == 0)
				style.charset = QR_CHARSET_ASCII;
			else
				return qrtool_usage();
			break;
		case 'i':
			if (strcmp(optarg, "light") == 0)
				style.ink = QR_INK_LIGHT;
			else if (strcmp(optarg, "dark") == 0)
				style.ink = QR_INK_DARK;
			else
				return qrtool_usage();
			break;
		case 'a': style.ansi = true; break;
		case 'q':
			errno = 0;
			q = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || q > 1000)
				return qrtool_usage();
			style.quiet = (unsigned)q;
			break;
		default: return qrtool_usage();
		}
	}
	if (optind != argc - 1)
		return qrtool_usage();
	r = qr_render(argv[optind], &style, &text, &n);
	if (r < 0) {
		fprintf(stderr, "qrtool: qr_render failed (%d)\n", r);
		return 1;
	}
	fputs(text, stdout);
	free(text);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "payload") == 0)
		return qrtool_payload(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "render") == 0)
		return qrtool_render(argc, argv);
	return qrtool_usage();
}
