/* How this login is shown: QR mode, character set, polarity, escapes and
 * language, from the config and what the host tells of its terminal. */
#include "uipolicy.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "mid.h"
#include "util.h"

static bool locale_is_utf8(const char *const *pam_env)
{
	static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
	const char *cs = nl_langinfo(CODESET);

	if (cs && strcmp(cs, "UTF-8") == 0)
		return true;
	for (size_t i = 0; i < MID_ARRAY_SIZE(vars); i++) {
		const char *v = util_env(pam_env, vars[i]);

		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return false;
}

static bool is_ssh(const struct approval_env *env)
{
	return (env->tty && strcmp(env->tty, "ssh") == 0) ||
	       (env->service && strncmp(env->service, "sshd", 4) == 0);
}

void uipolicy_pick(const struct mid_config *cfg, const struct approval_env *env,
		   struct ui *ui)
{
	memset(ui, 0, sizeof(*ui));
	switch (cfg->qr) {
	case CFG_QR_ANIMATE: ui->mode = UI_ANIMATE; break;
	case CFG_QR_PROMPT: ui->mode = UI_PROMPT; break;
	case CFG_QR_OFF: ui->mode = UI_OFF; break;
	default:
		/* sshd shows info text only with the next prompt */
		ui->mode = is_ssh(env) ? UI_PROMPT : UI_ANIMATE;
	}
	if (cfg->charset == CFG_CHARSET_UTF8)
		ui->qr.charset = QR_CHARSET_UTF8;
	else if (cfg->charset == CFG_CHARSET_ASCII)
		ui->qr.charset = QR_CHARSET_ASCII;
	else if (ui->mode == UI_PROMPT || is_ssh(env)) {
		/* over ssh the client's locale is unknown here (the locale
		 * in the environment is the server's), and a client in a C
		 * locale escapes every non-ASCII byte: ascii, unless '#'
		 * would be the dark modules, which no camera reads on a light
		 * terminal (doc/qr.md); at a prompt the person may switch to
		 * the half-height code */
		ui->qr.charset = cfg->theme == CFG_THEME_LIGHT
				     ? QR_CHARSET_UTF8
				     : QR_CHARSET_ASCII;
		ui->can_switch =
		    ui->mode == UI_PROMPT && cfg->theme != CFG_THEME_LIGHT;
	} else
		ui->qr.charset = locale_is_utf8(env->pam_env)
				     ? QR_CHARSET_UTF8
				     : QR_CHARSET_ASCII;
	ui->qr.ink = cfg->theme == CFG_THEME_LIGHT ? QR_INK_DARK : QR_INK_LIGHT;
	ui->qr.quiet = 2; /* the margin a camera needs: doc/qr.md */
	/* escapes only where a terminal interprets them, never in prompts */
	ui->redraw = ui->mode == UI_ANIMATE && env->local_tty && !is_ssh(env);
	ui->qr.ansi = ui->redraw;
	ui->lang = uipolicy_lang(cfg, env->pam_env);
	ui->conv = env->conv;
	ui->conv_ctx = env->conv_ctx;
}

enum mid_lang uipolicy_lang(const struct mid_config *cfg,
			    const char *const *pam_env)
{
	if (cfg->lang == CFG_LANG_EN)
		return LANG_EN;
	if (cfg->lang == CFG_LANG_SV)
		return LANG_SV;
	return i18n_env_lang(pam_env);
}
