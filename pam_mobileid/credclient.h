/* The client certificate's files between reading and decoding: what
 * creds.c hands to credclient.c. The rest is in creds.h. */
#ifndef MID_CREDCLIENT_H
#define MID_CREDCLIENT_H

struct cfg_tls;
struct creds;
struct creds_files;
struct mid_log;

/* Reads and checks tls->cert (and tls->key) for creds_client(), and sets
 * c->client and c->client_id. Takes pw (heap, or NULL): it is wiped and
 * freed with the files, also on failure. */
int credclient_read(const struct cfg_tls *tls, char *pw, const char *keep_dir,
		    struct creds *c, struct mid_log *log);

void credclient_files_free(struct creds_files *f);

#endif
