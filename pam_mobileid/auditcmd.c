/* `mobileid audit`: list the signed sudo records, verify one. Every file
 * is read with the config's checks (root's, not group/other-writable, not
 * other-readable, every directory above it too). */
#include "auditcmd.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/x509_vfy.h>

#include "audit.h"
#include "auditcheck.h"
#include "config.h"
#include "file.h"
#include "log.h"
#include "mid.h"
#include "util.h"

#define MIN_ORDER_PREFIX 8

static int is_record(const struct dirent *d)
{
	char ref[AUDIT_NAME_MAX];

	return audit_name_ref(d->d_name, ref, sizeof(ref)) == 0;
}

/* Reads and parses dir/name; 0, or -1 with the reason printed. */
static int read_record(const char *dir, const char *name,
		       struct audit_record *rec, struct mid_log *log)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	const char *why = "cannot be read safely (see above)";
	int r = -1;

	memset(rec, 0, sizeof(*rec));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) <
		sizeof(path) &&
	    file_read(path, FILE_SECRET, AUDIT_MAX_RECORD, &text, &len, NULL,
		      log) == 0)
		r = audit_parse(text, len, rec, &why);
	if (r < 0)
		printf("FAILED: %s: %s\n", path, why);
	free(text);
	return r;
}

static void print_field(const char *key, const char *value, bool last)
{
	char q[MID_LOG_QUOTED_MAX];

	mid_log_quote(q, sizeof(q), value ? value : "-");
	printf("%s=%s%s", key, q, last ? "\n" : " ");
}

static void print_summary(const struct audit_record *rec)
{
	char masked[32];

	mid_log_mask(masked, sizeof(masked), rec->signer_id);
	printf("%s ", rec->time);
	print_field("user", rec->user, false);
	print_field("host", rec->host, false);
	print_field("from", rec->rhost ? rec->rhost : "local", false);
	print_field("id", masked, false);
	print_field("order", rec->order_ref, false);
	print_field("command", rec->command, true);
}

/* The records' file names, oldest first (the names start with the time). */
static int scan(const char *dir, struct dirent ***names)
{
	int n = scandir(dir, names, is_record, alphasort);

	if (n < 0)
		printf("no records: %s cannot be read\n", dir);
	return n;
}

static void free_names(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int list(const char *dir, struct mid_log *log)
{
	struct dirent **names = NULL;
	struct audit_record rec;
	int n = scan(dir, &names), bad = 0;

	for (int i = 0; i < n; i++) {
		if (read_record(dir, names[i]->d_name, &rec, log) == 0)
			print_summary(&rec);
		else
			bad++;
		audit_record_free(&rec);
	}
	if (n >= 0)
		printf("%d record%s in %s%s\n", n, n == 1 ? "" : "s", dir,
		       bad ? ", some unreadable" : "");
	free_names(names, n);
	return n < 0 ? AUDITCMD_EXIT_NONE : bad ? AUDITCMD_EXIT_FAILED : 0;
}

/* The signed text, line by line, as a terminal may show it. */
static void print_text(const char *b64)
{
	size_t len = 0;
	char *text = (char *)util_unbase64(b64, strlen(b64), &len);
	char *save = NULL, line[4096];

	if (!text || strlen(text) != len) {
		printf("text: (not base64 of a text)\n");
		free(text);
		return;
	}
	printf("text:\n");
	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		util_sanitize(line, sizeof(line), l);
		printf("  | %s\n", line);
	}
	free(text);
}

/* The one record whose orderRef starts with order: its index, -1 none,
 * -2 several. */
static int find(struct dirent **names, int n, const char *order)
{
	char ref[AUDIT_NAME_MAX];
	int found = -1;

	for (int i = 0; i < n; i++) {
		if (audit_name_ref(names[i]->d_name, ref, sizeof(ref)) < 0 ||
		    strncmp(ref, order, strlen(order)) != 0)
			continue;
		if (found >= 0)
			return -2;
		found = i;
	}
	return found;
}

static int verify_one(const struct mid_config *cfg, const char *name,
		      struct mid_log *log)
{
	const char *dir = cfg->policy.audit_dir;
	struct audit_record rec;
	int failed;

	if (read_record(dir, name, &rec, log) < 0) {
		audit_record_free(&rec);
		return AUDITCMD_EXIT_FAILED;
	}
	printf("record: %s/%s\n", dir, name);
	print_summary(&rec);
	print_field("service", rec.service, false);
	print_field("tty", rec.tty, false);
	print_field("signer", rec.name, true);
	print_text(rec.visible_data);
	failed = audit_check(&rec, cfg->bankid.signer_ca, stdout, log);
	/* without a root, a certificate anyone made verifies too */
	printf("%s: %s\n", rec.order_ref,
	       failed		       ? "verification FAILED"
	       : cfg->bankid.signer_ca ? "verified"
				       : "verified, but not against a BankID "
					 "root (no signer_ca)");
	audit_record_free(&rec);
	return failed ? AUDITCMD_EXIT_FAILED : 0;
}

static int verify(const struct mid_config *cfg, const char *order,
		  struct mid_log *log)
{
	struct dirent **names = NULL;
	int n, i, r;

	if (strlen(order) < MIN_ORDER_PREFIX || !util_is_token(order, 64)) {
		fprintf(stderr, "mobileid: ORDER must be an orderRef or its "
				"first 8 or more characters\n");
		return AUDITCMD_EXIT_USAGE;
	}
	n = scan(cfg->policy.audit_dir, &names);
	i = n > 0 ? find(names, n, order) : -1;
	if (i == -2)
		fprintf(stderr, "mobileid: %s names several records\n", order);
	else if (i < 0)
		printf("no record for %s in %s\n", order,
		       cfg->policy.audit_dir);
	r = i == -2 ? AUDITCMD_EXIT_USAGE
	    : i < 0 ? AUDITCMD_EXIT_NONE
		    : verify_one(cfg, names[i]->d_name, log);
	free_names(names, n);
	return r;
}

int auditcmd_run(const char *conf, const char *order, struct mid_log *log)
{
	struct mid_config cfg;
	int r = cfg_load_path(conf, &cfg, log);

	if (r < 0) {
		printf("%s: problems found (%s)\n", conf, mid_strerror(r));
		r = AUDITCMD_EXIT_FAILED;
	} else {
		r = order ? verify(&cfg, order, log)
			  : list(cfg.policy.audit_dir, log);
	}
	cfg_free(&cfg);
	return r;
}

/* The directory path is in, or the nearest one above it that exists,
 * passes the module's walk; 0 or -1 with the problem printed. */
static int check_audit_dir(const char *dir, struct mid_log *log)
{
	char up[PATH_MAX];
	struct stat sb;
	char *slash;

	if (stat(dir, &sb) == 0) {
		if (file_safe_dir(dir, log) == 0 && sb.st_uid == 0 &&
		    !(sb.st_mode & 077))
			return 0;
		printf("%s: problem: the audit directory must be root's alone "
		       "(mode 0700): every signed sudo would be refused\n",
		       dir);
		return -1;
	}
	snprintf(up, sizeof(up), "%s", dir);
	while ((slash = strrchr(up, '/')) && slash != up) {
		*slash = '\0';
		if (stat(up, &sb) == 0)
			break;
	}
	if (file_safe_dir(slash == up ? "/" : up, log) < 0) {
		printf("%s: problem: it cannot be made safely (see above): "
		       "every signed sudo would be refused\n",
		       dir);
		return -1;
	}
	printf("%s: made (mode 0700) at the first signed sudo\n", dir);
	return 0;
}

int auditcmd_check(const struct mid_config *cfg, struct mid_log *log)
{
	const char *ca = cfg->bankid.signer_ca;
	X509_STORE *store;
	int problems = 0;

	if (!cfg->policy.sudo_sign)
		return 0;
	if (check_audit_dir(cfg->policy.audit_dir, log) < 0)
		problems++;
	if (ca) {
		store = X509_STORE_new();
		if (!store || audit_load_roots(store, ca, log) < 0) {
			printf("%s: problem: signer_ca does not load (PEM "
			       "certificates, root's; see above)\n",
			       ca);
			problems++;
		}
		X509_STORE_free(store);
	}
	return problems;
}
