/* How this login is shown (the policy; ui.c does the drawing): which QR
 * mode, character set, polarity and language, from the config and what the
 * host tells of its terminal. */
#ifndef MID_UIPOLICY_H
#define MID_UIPOLICY_H

#include "approval.h"
#include "i18n.h"
#include "ui.h"

struct mid_config;

/* The UI settings for this login: qr = auto is prompt mode over ssh,
 * animate elsewhere; charset = auto follows the locale (ascii over ssh,
 * where the client's is unknown, unless theme = light; the person may
 * switch to half blocks at a prompt); escapes only on a local terminal
 * in animate mode. */
void uipolicy_pick(const struct mid_config *cfg, const struct approval_env *env,
		   struct ui *ui);

/* The language of the person's lines: lang = en or sv, or for auto the
 * locale in the PAM environment, then the process's. */
enum mid_lang uipolicy_lang(const struct mid_config *cfg,
			    const char *const *pam_env);

#endif
