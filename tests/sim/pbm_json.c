/* passbyme-sim: the JSON views of a message. */
#include "pbm_store.h"

#include <stdio.h>
#include <time.h>

#include <openssl/rand.h>

void pbm_random_id(char *out, size_t len)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
	    "tuvwxyz0123456789";
	unsigned char b[64];

	RAND_bytes(b, (int)len - 1);
	for (size_t i = 0; i + 1 < len; i++)
		out[i] = abc[b[i] % (sizeof(abc) - 1)];
	out[len - 1] = '\0';
}

/* "2024-03-01T10:02:00.123+01:00": the form PassBy[ME] sends */
static void iso_time(int64_t wall_ms, char *out, size_t n)
{
	time_t t = (time_t)(wall_ms / 1000) + 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+01:00",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(wall_ms % 1000));
}

json_object *pbm_session_json(const struct message *m)
{
	json_object *o = json_object_new_object(),
		    *list = json_object_new_array();
	char exp[64];

	iso_time(m->expires_wall, exp, sizeof(exp));
	json_object_object_add(o, "messageId", json_object_new_string(m->id));
	json_object_object_add(o, "expirationDate",
			       json_object_new_string(exp));
	for (int i = 0; i < m->n; i++) {
		json_object *r = json_object_new_object();

		json_object_object_add(
		    r, "userId", json_object_new_string(m->rec[i].reported));
		json_object_object_add(
		    r, "status",
		    json_object_new_string(pbm_rs_names[m->rec[i].st]));
		json_object_array_add(list, r);
	}
	json_object_object_add(o, "recipients", list);
	json_object_object_add(o, "secureId",
			       json_object_new_string(m->secure_id));
	return o;
}

json_object *pbm_message_json(struct message *m, int64_t now)
{
	json_object *o = pbm_session_json(m), *list;

	pbm_last_final(m, now);
	json_object_object_get_ex(o, "recipients", &list);
	for (int i = 0; i < m->n; i++) {
		json_object *r = json_object_array_get_idx(list, i);

		json_object_object_add(r, "mappedTo",
				       json_object_new_string(m->rec[i].user));
		json_object_object_add(
		    r, "t_final_ms",
		    pbm_final(m->rec[i].st)
			? json_object_new_int64(m->rec[i].t_final - m->created)
			: NULL);
	}
	json_object_object_add(o, "subject",
			       m->subject ? json_object_new_string(m->subject)
					  : NULL);
	json_object_object_add(
	    o, "body", m->body ? json_object_new_string(m->body) : NULL);
	json_object_object_add(o, "type", json_object_new_string(m->type));
	json_object_object_add(o, "availability",
			       json_object_new_int64(m->availability));
	json_object_object_add(o, "created_ms",
			       json_object_new_int64(m->created));
	json_object_object_add(o, "client",
			       json_object_new_string(m->client_cn));
	json_object_object_add(o, "cancelled",
			       json_object_new_boolean(m->cancelled));
	json_object_object_add(o, "tracks", json_object_new_int(m->tracks));
	json_object_object_add(o, "deletes", json_object_new_int(m->deletes));
	json_object_object_add(o, "requests", json_object_get(m->requests));
	return o;
}
