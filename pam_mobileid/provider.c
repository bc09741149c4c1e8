/* The provider table: one line per provider built into this module; each
 * row (struct provider_def) is defined in the provider's own file. */
#include "provider.h"

#include <string.h>

#include "bankid.h"
#include "mid.h"
#include "passbyme.h"
#include "toopher.h"

#ifdef MID_TEST_PROVIDER
/* The test build adds one fake row (tests/unit/test_provider_table.c). */
extern const struct provider_def MID_TEST_PROVIDER;
#endif

static const struct provider_def *const providers[] = {
    &bankid_provider,
    &passbyme_provider,
    &toopher_provider,
#ifdef MID_TEST_PROVIDER
    &MID_TEST_PROVIDER,
#endif
};

const struct provider_def *provider_at(size_t i)
{
	return i < MID_ARRAY_SIZE(providers) ? providers[i] : NULL;
}

const struct provider_def *provider_find(const char *name)
{
	for (size_t i = 0; i < MID_ARRAY_SIZE(providers); i++)
		if (strcmp(providers[i]->name, name) == 0)
			return providers[i];
	return NULL;
}
