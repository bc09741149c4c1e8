/* libnss_midtest.so.2: a name service for the tests, loaded through
 * nss_wrapper (NSS_WRAPPER_MODULE_SO_PATH). It behaves as SSSD or winbind
 * with case-insensitive names and a domain suffix: "ALICE", "Alice" and
 * "alice@EXAMPLE.COM" are all the account "alice". "nsserror" fails as a
 * name service does when the caller's file descriptor limit is reached. */
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>

enum nss_status _nss_midtest_getpwnam_r(const char *name, struct passwd *pw,
					char *buf, size_t buflen, int *errnop);

static const char account[] = "alice";

enum nss_status _nss_midtest_getpwnam_r(const char *name, struct passwd *pw,
					char *buf, size_t buflen, int *errnop)
{
	size_t n = strcspn(name, "@");

	if (strcmp(name, "nsserror") == 0) {
		*errnop = EMFILE;
		return NSS_STATUS_UNAVAIL;
	}
	if (n != strlen(account) || strncasecmp(name, account, n) != 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	if (buflen < sizeof(account) + sizeof("/bin/sh") + 3) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	/* name, then "x", "", "/" and the shell, each NUL-terminated */
	memset(pw, 0, sizeof(*pw));
	memcpy(buf, account, sizeof(account));
	pw->pw_name = buf;
	buf += sizeof(account);
	memcpy(buf, "x\0\0/\0/bin/sh", sizeof("x\0\0/\0/bin/sh"));
	pw->pw_passwd = buf;
	pw->pw_gecos = buf + 2;
	pw->pw_dir = buf + 3;
	pw->pw_shell = buf + 5;
	pw->pw_uid = 61001;
	pw->pw_gid = 61001;
	return NSS_STATUS_SUCCESS;
}
