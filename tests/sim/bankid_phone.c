/* mobileid-sim: what the virtual phone computes — it reads the animated QR
 * code (and checks its HMAC) and makes the completion data of an order
 * (signed in bankid_sign.c). */
#include "bankid_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define DEVICE_IP "192.0.2.10"

int bankid_qr_parse(const char *qr, struct bankid_qr *out)
{
	char *parts[4], *save = NULL, *p;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (strlen(qr) >= sizeof(out->buf))
		return -1;
	snprintf(out->buf, sizeof(out->buf), "%s", qr);
	for (p = strtok_r(out->buf, ".", &save); p && n < 4;
	     p = strtok_r(NULL, ".", &save))
		parts[n++] = p;
	if (n != 4 || p || strcmp(parts[0], "bankid") || strlen(parts[2]) > 9 ||
	    strspn(parts[2], "0123456789") != strlen(parts[2]))
		return -1;
	out->token = parts[1];
	out->time_text = parts[2];
	out->mac = parts[3];
	for (p = parts[2]; *p; p++)
		out->time = out->time * 10 + (*p - '0');
	return 0;
}

bool bankid_qr_mac_ok(const struct bankid_qr *q, const char *secret)
{
	unsigned char md[32];
	unsigned mdlen = 0;
	char mac_hex[65];

	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	     (const unsigned char *)q->time_text, strlen(q->time_text), md,
	     &mdlen);
	for (unsigned i = 0; i < 32; i++)
		snprintf(mac_hex + 2 * i, 3, "%02x", md[i]);
	return strlen(q->mac) == 64 && !CRYPTO_memcmp(mac_hex, q->mac, 64);
}

static char *b64(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

/* Adds base64(data) as key; "" when out of memory. */
static void add_b64(struct json_object *j, const char *key,
		    const unsigned char *data, size_t len)
{
	char *s = b64(data, len);

	json_object_object_add(j, key, json_object_new_string(s ? s : ""));
	free(s);
}

/* A name derived from the personal number, the same every time. */
static void person_of(const char *pno, struct bankid_person *p, char *name,
		      size_t n)
{
	static const char *const given[] = {"Anna", "Erik",  "Maria",
					    "Lars", "Karin", "Johan"};
	static const char *const sur[] = {"Andersson", "Johansson", "Karlsson",
					  "Nilsson",   "Eriksson",  "Larsson"};
	unsigned sum = 0;

	for (const char *c = pno; *c; c++)
		sum += (unsigned)(*c - '0');
	p->pno = pno;
	p->given = given[sum % 6];
	p->surname = sur[(sum / 6) % 6];
	snprintf(name, n, "%s %s", p->given, p->surname);
	p->name = name;
}

static struct json_object *user_json(const struct bankid_person *p)
{
	struct json_object *user = json_object_new_object();

	json_object_object_add(user, "personalNumber",
			       json_object_new_string(p->pno));
	json_object_object_add(user, "name", json_object_new_string(p->name));
	json_object_object_add(user, "givenName",
			       json_object_new_string(p->given));
	json_object_object_add(user, "surname",
			       json_object_new_string(p->surname));
	return user;
}

/* A stable per-(RP, person) hardware id, like a real phone would have. */
static struct json_object *device_json(const struct bankid_completion *in)
{
	struct json_object *dev = json_object_new_object();
	unsigned char md[32];
	char id[512];

	json_object_object_add(dev, "ipAddress",
			       json_object_new_string(DEVICE_IP));
	snprintf(id, sizeof(id), "%s/%s", in->client_fp, in->pno);
	EVP_Digest(id, strlen(id), md, NULL, EVP_sha256(), NULL);
	add_b64(dev, "uhi", md, 20);
	return dev;
}

struct json_object *bankid_completion_json(const struct bankid_completion *in)
{
	struct json_object *cd = json_object_new_object();
	struct bankid_person person;
	char name[128], *signature = NULL, *ocsp = NULL;

	person_of(in->pno, &person, name, sizeof(name));
	json_object_object_add(cd, "user", user_json(&person));
	json_object_object_add(cd, "device", device_json(in));
	json_object_object_add(cd, "bankIdIssueDate",
			       json_object_new_string("2023-11-29Z"));
	if (in->mrtd) {
		struct json_object *su = json_object_new_object();

		json_object_object_add(su, "mrtd", json_object_new_boolean(1));
		json_object_object_add(cd, "stepUp", su);
	}
	if (in->return_risk)
		json_object_object_add(cd, "risk",
				       json_object_new_string("low"));
	/* a real signature and OCSP response (bankid_sign.c) */
	bankid_sign_evidence(in, &person, &signature, &ocsp);
	json_object_object_add(
	    cd, "signature",
	    json_object_new_string(signature ? signature : ""));
	json_object_object_add(cd, "ocspResponse",
			       json_object_new_string(ocsp ? ocsp : ""));
	free(signature);
	free(ocsp);
	return cd;
}
