/* The record of a signed sudo: written by the module, one JSON file per
 * approval in a root-only directory; parsed back by `mobileid audit`. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "json.h"
#include "log.h"
#include "mid.h"
#include "provider.h"
#include "util.h"

#define FIELD_MAX 4096
#define NAME_STAMP_LEN 17 /* "20261201T191208Z-" */

/* One member of a record: a line of text (sanitised; null when NULL), or
 * a value exactly as sent or received. */
struct member {
	const char *key, *value;
	bool exact;
};

/* Adds the members to o; 0, or -1 when out of memory. */
static int add_members(json_object *o, const struct member *m, size_t n)
{
	char clean[FIELD_MAX];

	for (size_t i = 0; i < n; i++) {
		if (!m[i].value) {
			if (json_object_object_add(o, m[i].key, NULL) < 0)
				return -1;
			continue;
		}
		if (!m[i].exact)
			util_sanitize(clean, sizeof(clean), m[i].value);
		if (json_add_str(o, m[i].key, m[i].exact ? m[i].value : clean) <
		    0)
			return -1;
	}
	return 0;
}

/* A new object with version (0: none) and the members; NULL when out of
 * memory. */
static json_object *object_of(int version, const struct member *m, size_t n)
{
	json_object *o = json_object_new_object(), *v = NULL;

	if (o && version &&
	    (!(v = json_object_new_int(version)) ||
	     json_object_object_add(o, "version", v) < 0)) {
		json_object_put(v);
		json_object_put(o);
		return NULL;
	}
	if (o && add_members(o, m, n) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The record: who, where, what, and the evidence exactly as received. */
static json_object *record_json(const struct mid_request *req,
				const struct provider_signature *sig,
				const char *provider, const char *stamp)
{
	char host[HOST_NAME_MAX + 1] = "";
	const struct member who[] = {
	    {"personalNumber", sig->signer_id, false},
	    {"name", sig->name, false},
	    {"givenName", sig->given_name, false},
	    {"surname", sig->surname, false},
	};
	const struct member head[] = {
	    {"time", stamp, false},
	    {"host", host, false},
	    {"service", req->service, false},
	    {"user", req->user, false},
	    {"rhost", req->rhost, false},
	    {"tty", req->tty, false},
	    {"command", req->command, false},
	    {"provider", provider, false},
	    {"orderRef", sig->order_ref, true},
	    {"userVisibleData", sig->visible_data, true},
	};
	const struct member evidence[] = {
	    {"signature", sig->signature, true},
	    {"ocspResponse", sig->ocsp_response, true},
	};
	json_object *o, *signer = object_of(0, who, MID_ARRAY_SIZE(who));

	gethostname(host, sizeof(host) - 1);
	o = signer ? object_of(AUDIT_VERSION, head, MID_ARRAY_SIZE(head))
		   : NULL;
	if (o && json_object_object_add(o, "signer", signer) == 0)
		signer = NULL;
	else if (o) {
		json_object_put(o);
		o = NULL;
	}
	if (o && add_members(o, evidence, MID_ARRAY_SIZE(evidence)) < 0) {
		json_object_put(o);
		o = NULL;
	}
	json_object_put(signer);
	return o;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file name in dirfd, 0600 whatever the umask, written and synced;
 * a file that could not be written whole is removed. */
static int write_new(int dirfd, const char *name, const char *data,
		     const char *dir, struct mid_log *log)
{
	int fd = openat(dirfd, name,
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			    O_NOCTTY,
			0600);
	int ok = fd >= 0 && fchmod(fd, 0600) == 0 &&
		 write_all(fd, data, strlen(data)) == 0 && fsync(fd) == 0;
	int saved = errno;

	if (fd >= 0 && close(fd) < 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (!ok) {
		mid_log_err(log, "audit: cannot write %s/%s: %s", dir, name,
			    strerror(saved));
		if (fd >= 0)
			unlinkat(dirfd, name, 0);
		return MID_E_AUDIT;
	}
	/* the new name is on disk before the approval counts */
	fsync(dirfd);
	return 0;
}

static int write_record(const char *dir, const struct mid_request *req,
			const struct provider_signature *sig,
			const char *provider, struct mid_log *log)
{
	char stamp[32], name[AUDIT_NAME_MAX];
	time_t now = time(NULL);
	struct tm tm;
	json_object *rec;
	const char *text;
	int dirfd, r = MID_E_AUDIT;

	if (!util_is_token(sig->order_ref, 64) || !gmtime_r(&now, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) ||
	    !strftime(name, sizeof(name), "%Y%m%dT%H%M%SZ-", &tm)) {
		mid_log_err(log, "audit: no time or no valid orderRef");
		return MID_E_AUDIT;
	}
	snprintf(name + NAME_STAMP_LEN, sizeof(name) - NAME_STAMP_LEN,
		 "%s.json", sig->order_ref);
	rec = record_json(req, sig, provider, stamp);
	text = rec ? json_object_to_json_string_ext(
			 rec, JSON_C_TO_STRING_PRETTY |
				  JSON_C_TO_STRING_NOSLASHESCAPE)
		   : NULL;
	dirfd = text ? file_dir_open(dir, log) : MID_E_NOMEM;
	if (dirfd >= 0) {
		r = write_new(dirfd, name, text, dir, log);
		close(dirfd);
	}
	json_object_put(rec);
	/* never a full token in the log: the order's first characters */
	if (r == 0)
		mid_log_notice(log,
			       "audit: signature kept in %s (order %.8s...)",
			       dir, sig->order_ref);
	return r;
}

int audit_keep(const char *dir, const struct mid_request *req,
	       const struct provider_ops *ops, void *p, struct mid_log *log)
{
	struct provider_signature sig = {0};
	int r = ops->signature ? ops->signature(p, &sig) : MID_E_INTERNAL;

	if (r < 0 || !sig.order_ref || !sig.visible_data || !sig.signer_id ||
	    !sig.signature || !sig.ocsp_response) {
		mid_log_err(log, "audit: %s returned no signature to keep",
			    ops->name);
		return MID_E_AUDIT;
	}
	r = write_record(dir, req, &sig, ops->name, log);
	if (r < 0)
		mid_log_err(log, "audit: the signature is not kept: approval "
				 "refused");
	return r < 0 ? MID_E_AUDIT : 0;
}

/* A required (or, with opt, optional) text field; false when it is
 * present but not a string of 1..FIELD_MAX bytes without controls. */
static bool field(json_object *o, const char *key, bool opt, const char **out)
{
	json_object *v = NULL;

	*out = json_get_str(o, key, FIELD_MAX);
	if (*out)
		return true;
	return opt && (!json_object_object_get_ex(o, key, &v) || !v);
}

static bool blob(json_object *o, const char *key, const char **out)
{
	*out = json_get_str(o, key, AUDIT_MAX_RECORD);
	return *out != NULL;
}

int audit_parse(const char *text, size_t len, struct audit_record *out,
		const char **why)
{
	json_object *o = json_parse_bounded(text, len), *v = NULL, *s = NULL;

	memset(out, 0, sizeof(*out));
	out->obj = o;
	*why = "not a JSON object";
	if (!o || !json_object_is_type(o, json_type_object))
		return -1;
	*why = "not a version 1 record";
	if (!json_object_object_get_ex(o, "version", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != AUDIT_VERSION)
		return -1;
	*why = "a field is missing or not text";
	json_object_object_get_ex(o, "signer", &s);
	if (!field(o, "time", false, &out->time) ||
	    !field(o, "host", true, &out->host) ||
	    !field(o, "service", false, &out->service) ||
	    !field(o, "user", false, &out->user) ||
	    !field(o, "rhost", true, &out->rhost) ||
	    !field(o, "tty", true, &out->tty) ||
	    !field(o, "command", true, &out->command) ||
	    !field(o, "provider", false, &out->provider) ||
	    !field(o, "orderRef", false, &out->order_ref) ||
	    !blob(o, "userVisibleData", &out->visible_data) ||
	    !json_object_is_type(s, json_type_object) ||
	    !field(s, "personalNumber", false, &out->signer_id) ||
	    !field(s, "name", true, &out->name) ||
	    !field(s, "givenName", true, &out->given_name) ||
	    !field(s, "surname", true, &out->surname) ||
	    !blob(o, "signature", &out->signature) ||
	    !blob(o, "ocspResponse", &out->ocsp_response))
		return -1;
	*why = "orderRef is not a token";
	return util_is_token(out->order_ref, 64) ? 0 : -1;
}

void audit_record_free(struct audit_record *r)
{
	json_object_put(r->obj);
	memset(r, 0, sizeof(*r));
}

int audit_name_ref(const char *name, char *ref, size_t n)
{
	size_t len = strlen(name);

	if (len <= NAME_STAMP_LEN + 5 || name[NAME_STAMP_LEN - 1] != '-' ||
	    strcmp(name + len - 5, ".json") != 0 ||
	    len - NAME_STAMP_LEN - 5 >= n)
		return -1;
	snprintf(ref, n, "%.*s", (int)(len - NAME_STAMP_LEN - 5),
		 name + NAME_STAMP_LEN);
	return util_is_token(ref, 64) ? 0 : -1;
}
