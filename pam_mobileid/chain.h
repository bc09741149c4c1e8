/* The user's chain of identities, checked before any order. */
#ifndef MID_CHAIN_H
#define MID_CHAIN_H

#include <stdbool.h>

struct approval_env;
struct approval_result;
struct mid_config;
struct mid_log;
struct usermap_entry;

/* Every provider of the chain has its [section] (else MID_E_CONFIG), and
 * for a signed sudo (env->sign) at least one of them can sign (else
 * MID_E_NOSIGN: the admin asked for signatures, so there is no unsigned
 * fallback) and the command is whole (else MID_E_TOOLONG). Logged;
 * res->provider names the provider at fault. */
int chain_check(const struct mid_config *cfg, const struct usermap_entry *entry,
		const struct approval_env *env, struct mid_log *log,
		struct approval_result *res);

#endif
