/* The user's chain of identities, before any order: every provider has
 * its section, and a signed sudo has an identity that can sign. */
#include "chain.h"

#include <stdio.h>

#include "approval.h"
#include "config.h"
#include "context.h"
#include "log.h"
#include "mid.h"
#include "provider.h"
#include "usermap.h"

/* Every provider of the chain has its [section], and for a signed sudo
 * one of them can sign the whole command: a config error is told as one,
 * before the policy counts anything. */
int chain_check(const struct mid_config *cfg, const struct usermap_entry *entry,
		const struct approval_env *env, struct mid_log *log,
		struct approval_result *res)
{
	unsigned signers = 0;

	for (unsigned i = 0; i < entry->n; i++) {
		const struct provider_def *def =
		    provider_find(entry->ident[i].provider);

		/* the user map names only providers of the table */
		if (!def)
			return MID_E_INTERNAL;
		if (!def->configured(cfg)) {
			snprintf(res->provider, sizeof(res->provider), "%s",
				 def->name);
			mid_log_err(log, "%s: no [%s] section", cfg->path,
				    def->name);
			return MID_E_CONFIG;
		}
		signers += def->can_sign;
	}
	/* an unsigned approval is not what sudo_sign asks for */
	if (env->sign && !signers) {
		snprintf(res->provider, sizeof(res->provider), "%s",
			 entry->ident[0].provider);
		mid_log_err(log,
			    "sudo_sign: no identity of this user can sign "
			    "(%s); map the user to bankid or set "
			    "sudo_sign = no",
			    entry->ident[0].provider);
		return MID_E_NOSIGN;
	}
	/* a signature over part of a command proves nothing of the rest */
	if (env->sign && !env->command_whole) {
		mid_log_err(log,
			    "sudo_sign: the command is longer than %d bytes "
			    "and cannot be signed whole",
			    CONTEXT_MAX_SIGNED_COMMAND);
		return MID_E_TOOLONG;
	}
	return 0;
}
