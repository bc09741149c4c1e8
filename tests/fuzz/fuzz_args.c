/* Fuzz target: module arguments (the input split at NUL bytes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "mid.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mid_log log = {0};
	struct mid_config cfg;
	const char *argv[MAX_ARGS];
	char *buf;
	int argc = 0, r;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* PAM hands the module NUL-terminated strings: split at NUL */
	for (size_t i = 0; i <= size && argc < MAX_ARGS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	if (cfg_defaults(&cfg) == 0) {
		r = cfg_apply_args(&cfg, argc, argv, &log);
		if (r != 0 && r != MID_E_CONFIG && r != MID_E_NOMEM)
			abort();
		if (r == 0 && (cfg.timeout < 5 || cfg.timeout > 3600 ||
			       !cfg.usermap || !*cfg.usermap))
			abort();
	}
	cfg_free(&cfg);
	free(buf);
	return 0;
}
