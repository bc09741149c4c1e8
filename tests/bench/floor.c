/* mid-floor URL CERT KEY CA PNR POLL_MS: the floor of a BankID login
 * with the libraries the module must use. The same requests as the module
 * over one mutual-TLS connection with libcurl: POST auth (personal number
 * as requirement), then every POLL_MS a collect until it is complete.
 * Client credentials loaded by libcurl: CERT a PKCS#12 file and KEY its
 * password file, or CERT a PEM certificate (*.pem) and KEY its unencrypted
 * PEM key; the CA file as the only
 * trust anchor, replies parsed with json-c. No QR, no PAM, no config, no
 * checks beyond the status: nothing a real module could leave out less.
 * Prints "auth_us N" (start to the auth reply) on stdout; exits 0 when
 * the order completes, 1 otherwise. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_REPLY 65536

struct reply {
	char buf[MAX_REPLY];
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct reply *r = ud;

	n *= size;
	if (n >= sizeof(r->buf) - r->len)
		return 0;
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* POST body to base/path; returns the parsed reply or NULL. */
static json_object *post(CURL *c, const char *base, const char *path,
			 const char *body, struct reply *r)
{
	char url[512];
	long code = 0;

	snprintf(url, sizeof(url), "%s/%s", base, path);
	r->len = 0;
	r->buf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (curl_easy_perform(c) != CURLE_OK)
		return NULL;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	return code == 200 ? json_tokener_parse(r->buf) : NULL;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v)
						     : NULL;
}

static int login(CURL *c, const char *base, const char *pnr, long poll_ms,
		 long long t0)
{
	static struct reply r;
	char body[256], ref[64];
	json_object *o;
	const char *s;
	int rc = 1;

	snprintf(body, sizeof(body),
		 "{\"endUserIp\":\"127.0.0.1\",\"requirement\":"
		 "{\"personalNumber\":\"%s\"}}",
		 pnr);
	o = post(c, base, "auth", body, &r);
	if (!o || !(s = str(o, "orderRef")) || strlen(s) >= sizeof(ref)) {
		json_object_put(o);
		return 1;
	}
	printf("auth_us %lld\n", now_us() - t0);
	snprintf(ref, sizeof(ref), "%s", s);
	json_object_put(o);
	snprintf(body, sizeof(body), "{\"orderRef\":\"%s\"}", ref);
	for (;;) {
		struct timespec ts = {poll_ms / 1000,
				      (poll_ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		o = post(c, base, "collect", body, &r);
		s = o ? str(o, "status") : NULL;
		if (!s || strcmp(s, "pending") != 0) {
			rc = s && strcmp(s, "complete") == 0 ? 0 : 1;
			json_object_put(o);
			return rc;
		}
		json_object_put(o);
	}
}

int main(int argc, char **argv)
{
	char pw[256] = "";
	struct curl_slist *h;
	long long t0 = now_us();
	FILE *f;
	CURL *c;
	int rc, pem;

	if (argc != 7) {
		fprintf(stderr, "usage: mid-floor URL CERT KEY CA PNR "
				"POLL_MS\n");
		return 2;
	}
	pem = strlen(argv[2]) > 4 &&
	      strcmp(argv[2] + strlen(argv[2]) - 4, ".pem") == 0;
	if (!pem) {
		f = fopen(argv[3], "r");
		if (!f || !fgets(pw, sizeof(pw), f))
			return 2;
		fclose(f);
		pw[strcspn(pw, "\r\n")] = '\0';
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_SSLCERT, argv[2]);
	curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, pem ? "PEM" : "P12");
	if (pem)
		curl_easy_setopt(c, CURLOPT_SSLKEY, argv[3]);
	else
		curl_easy_setopt(c, CURLOPT_KEYPASSWD, pw);
	curl_easy_setopt(c, CURLOPT_CAINFO, argv[4]);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	rc = login(c, argv[1], argv[5], strtol(argv[6], NULL, 10), t0);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	curl_global_cleanup();
	return rc;
}
