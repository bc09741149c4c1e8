/* Fuzz target: the config file parser on arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "mid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mid_log log = {0};
	struct mid_config cfg;
	bool has_secret = false;
	char *text;
	int r;

	if (size > CFG_MAX_FILE)
		return 0;
	/* the file is read as a NUL-terminated string */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cfg_defaults(&cfg) == 0) {
		r = cfg_parse_text(&cfg, text, "/fuzz.conf", &has_secret, &log);
		if (r != 0 && r != MID_E_CONFIG && r != MID_E_NOMEM)
			abort();
		/* whatever was accepted must still be a sane config */
		if (r == 0 && (cfg.timeout < 5 || cfg.timeout > 3600 ||
			       cfg.bankid.poll < 1 || cfg.bankid.poll > 30 ||
			       strncmp(cfg.bankid.tls.url, "https://", 8)))
			abort();
	}
	cfg_free(&cfg);
	free(text);
	return 0;
}
