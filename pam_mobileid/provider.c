/* The provider table: one entry per supported provider. */
#include "provider.h"

#include <string.h>

#include "bankid.h"
#include "log.h"
#include "mid.h"
#include "passbyme.h"
#include "toopher.h"

struct provider_entry {
	const char *name;
	int (*create)(const struct mid_config *cfg,
		      const struct mid_request *req, struct mid_log *log,
		      void **p);
	const struct provider_ops *ops;
};

static const struct provider_entry providers[] = {
    {"bankid", bankid_new, &bankid_ops},
    {"passbyme", passbyme_new, &passbyme_ops},
    {"toopher", toopher_new, &toopher_ops},
};

int provider_new(const char *name, const struct mid_config *cfg,
		 const struct mid_request *req, struct mid_log *log,
		 const struct provider_ops **ops, void **p)
{
	*ops = NULL;
	*p = NULL;
	for (size_t i = 0; i < MID_ARRAY_SIZE(providers); i++) {
		int r;

		if (strcmp(providers[i].name, name) != 0)
			continue;
		r = providers[i].create(cfg, req, log, p);
		if (r == 0)
			*ops = providers[i].ops;
		return r;
	}
	mid_log_err(log, "provider '%s' is not supported by this build", name);
	return MID_E_CONFIG;
}
