/* What `mobileid check` tells about the policy in force and each user's
 * chain of identities (identities masked as in the logs). */
#include "report.h"

#include <string.h>

#include "approval.h"
#include "config.h"
#include "log.h"
#include "provider.h"
#include "uipolicy.h"
#include "usermap.h"

static void print_groups(const struct scope *g, FILE *out)
{
	if (!scope_is_limited(g)) {
		fputs("everyone", out);
		return;
	}
	for (size_t i = 0; i < g->n_allow; i++)
		fprintf(out, "%s%s", i ? "," : "", g->allow[i]);
	for (size_t i = 0; i < g->n_deny; i++)
		fprintf(out, ",!%s", g->deny[i]);
}

void report_policy(const struct mid_config *cfg, FILE *out)
{
	const struct cfg_policy *p = &cfg->policy;

	fputs("policy: groups = ", out);
	print_groups(&p->groups, out);
	fprintf(out, " (others: PAM_IGNORE)\n");
	fprintf(out, "policy: su_approver = %s\n",
		p->su_approver == CFG_SU_CALLER ? "caller" : "target");
	fprintf(out, "policy: grace = %u s%s\n", p->grace,
		p->grace ? "" : " (off)");
	fprintf(out, "policy: concurrent = %s\n",
		p->concurrent == CFG_CONCURRENT_WAIT ? "wait" : "refuse");
	fprintf(out, "policy: deny_hold = %u s%s\n", p->deny_hold,
		p->deny_hold ? "" : " (off)");
	if (p->max_requests.count)
		fprintf(out, "policy: max_requests = %u per %u s\n",
			p->max_requests.count, p->max_requests.secs);
	else
		fputs("policy: max_requests = off\n", out);
	fprintf(out, "policy: unmapped = %s, failmode = %s, timeout = %u s\n",
		cfg->unmapped == CFG_UNMAPPED_IGNORE ? "ignore" : "deny",
		cfg->failmode == CFG_FAIL_SAFE ? "safe" : "secure",
		cfg->timeout);
	fprintf(out, "policy: state kept in %s\n", p->state_dir);
	if (p->sudo_sign)
		fprintf(out,
			"policy: sudo_sign = yes (sudo signs its command "
			"with BankID; records kept in %s)\n",
			p->audit_dir);
	else
		fputs("policy: sudo_sign = no\n", out);
}

static const char *mode_name(enum ui_mode m)
{
	return m == UI_ANIMATE ? "animate" : m == UI_PROMPT ? "prompt" : "off";
}

void report_display(const struct mid_config *cfg, FILE *out)
{
	/* what uipolicy_pick gives sshd's PAM process */
	struct approval_env env = {.service = "sshd", .tty = "ssh"};
	struct ui ui;
	bool utf8;

	uipolicy_pick(cfg, &env, &ui);
	utf8 = ui.qr.charset == QR_CHARSET_UTF8;
	fprintf(out, "display: sshd: qr = %s", mode_name(ui.mode));
	if (cfg->qr == CFG_QR_ANIMATE)
		fputs(" (needs sshd 10.3 or later)", out);
	if (ui.mode != UI_OFF)
		fprintf(out, ", %s code (%u lines)%s, theme = %s",
			utf8 ? "utf8" : "ascii",
			(utf8 ? 23u : 45u) + (ui.mode == UI_PROMPT),
			ui.can_switch ? "; 'h' at the prompt switches to utf8 "
					"(24 lines)"
				      : "",
			cfg->theme == CFG_THEME_LIGHT ? "light" : "dark");
	fputc('\n', out);
	fprintf(out, "display: other services: qr = %s, charset = %s\n",
		cfg->qr == CFG_QR_AUTO ? "animate" : mode_name(ui.mode),
		cfg->charset == CFG_CHARSET_AUTO   ? "from the locale"
		: cfg->charset == CFG_CHARSET_UTF8 ? "utf8"
						   : "ascii");
}

struct chains {
	FILE *out;
	bool sudo_sign;
	int users;
};

/* Can any identity of the chain sign (sudo_sign)? */
static bool chain_signs(const struct usermap_entry *e)
{
	for (unsigned i = 0; i < e->n; i++) {
		const struct provider_def *def =
		    provider_find(e->ident[i].provider);

		if (def && def->can_sign)
			return true;
	}
	return false;
}

static void print_chain(void *ctx, const char *user,
			const struct usermap_entry *e)
{
	struct chains *c = ctx;
	FILE *out = c->out;

	c->users++;
	fprintf(out, "user %s:", user);
	for (unsigned i = 0; i < e->n; i++) {
		char masked[USERMAP_MAX_ID];

		mid_log_mask(masked, sizeof(masked), e->ident[i].id);
		fprintf(out, "%s %s:%s", i ? " ->" : "", e->ident[i].provider,
			masked);
	}
	if (c->sudo_sign && !chain_signs(e))
		fputs(" (cannot sign: sudo refused with sudo_sign = yes)", out);
	fputc('\n', out);
}

int report_chains(const struct mid_config *cfg, FILE *out, struct mid_log *log)
{
	struct chains c = {.out = out, .sudo_sign = cfg->policy.sudo_sign};
	int r = usermap_each(cfg->usermap, print_chain, &c, log);

	return r < 0 ? r : c.users;
}
