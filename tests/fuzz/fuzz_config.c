/* Fuzz target: the config file parser on arbitrary text. */
#include <stdbool.h>
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
	int r;

	if (size > CFG_MAX_FILE)
		return 0;
	/* the bytes as they are: the parser must not read past size */
	if (cfg_defaults(&cfg) == 0) {
		r = cfg_parse_text(&cfg, (const char *)data, size, "/fuzz.conf",
				   &has_secret, &log);
		if (r != 0 && r != MID_E_CONFIG && r != MID_E_NOMEM)
			abort();
		/* a NUL byte is an error, never the end of the file */
		if (r == 0 && memchr(data, '\0', size))
			abort();
		/* whatever was accepted must still be a sane config */
		if (r == 0 && (cfg.timeout < 5 || cfg.timeout > 3600 ||
			       cfg.bankid.poll < 1 || cfg.bankid.poll > 30 ||
			       strncmp(cfg.bankid.tls.url, "https://", 8)))
			abort();
	}
	cfg_free(&cfg);
	return 0;
}
