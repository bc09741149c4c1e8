/* passbyme-sim: messages and their recipients' life cycle, user accounts
 * and phones. One lock; states advance lazily from timestamps. */
#include "pbm_sim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#define MAX_USERS 256
#define NEVER INT64_MAX

enum rstatus {
	RS_PENDING,
	RS_NOTIFIED,
	RS_DOWNLOADED,
	RS_SEEN,
	RS_NOT_SEEN,
	RS_NOT_NOTIFIED,
	RS_NOT_DOWNLOADED,
	RS_NO_DEVICE,
	RS_FAILED,
	RS_DISABLED,
	RS_CANCELLED,
	RS_APPROVED,
	RS_DENIED
};
static const char *const rs_names[] = {
    "PENDING",	    "NOTIFIED",	      "DOWNLOADED", "SEEN",   "NOT_SEEN",
    "NOT_NOTIFIED", "NOT_DOWNLOADED", "NO_DEVICE",  "FAILED", "DISABLED",
    "CANCELLED",    "APPROVED",	      "DENIED"};

struct recipient {
	char user[PBM_ID_MAX + 1];
	char reported[PBM_ID_MAX + 1]; /* the userId the replies name */
	enum rstatus st;
	int64_t t_notify, t_download, t_answer, t_final;
	enum pbm_answer ans;
	char as[PBM_ID_MAX + 1];
};

struct message {
	char id[40];
	char secure_id[8];
	char client_fp[65], client_cn[256];
	char *subject, *body, type[16];
	int64_t availability, created, expires, expires_wall;
	int n;
	struct recipient rec[PBM_MAX_RECIPIENTS];
	bool cancelled;
	int tracks, deletes;
	json_object *requests; /* brief request log entries */
	struct message *next;
};

struct user {
	char id[PBM_ID_MAX + 1];
	enum pbm_account acc;
	enum pbm_answer ans;
	char as[PBM_ID_MAX + 1];
	int64_t answer_ms;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct pbm_timing *timing;
static struct message *messages; /* newest first */
static struct user users[MAX_USERS];
static int nusers;
static long nsent;

void pbm_init(const struct pbm_timing *t) { timing = t; }

static void message_free(struct message *m)
{
	free(m->subject);
	free(m->body);
	json_object_put(m->requests);
	free(m);
}

void pbm_reset(void)
{
	pthread_mutex_lock(&lock);
	while (messages) {
		struct message *m = messages;

		messages = m->next;
		message_free(m);
	}
	nusers = 0;
	nsent = 0;
	pthread_mutex_unlock(&lock);
}

static const struct user *user_of(const char *id)
{
	static const struct user dflt = {.acc = ACC_OK, .ans = ANS_NONE};

	for (int i = 0; i < nusers; i++)
		if (!strcmp(users[i].id, id))
			return &users[i];
	return &dflt;
}

static bool final(enum rstatus s)
{
	return s != RS_PENDING && s != RS_NOTIFIED && s != RS_DOWNLOADED;
}

static void finish(struct recipient *r, enum rstatus s, int64_t t)
{
	r->st = s;
	r->t_final = t;
}

static enum rstatus answered(struct recipient *r)
{
	if (r->ans == ANS_APPROVE_AS)
		snprintf(r->reported, sizeof(r->reported), "%s", r->as);
	return r->ans == ANS_DENY  ? RS_DENIED
	       : r->ans == ANS_SEE ? RS_SEEN
				   : RS_APPROVED;
}

/* Applies every transition due by now, in time order; the message's
 * expiry ends whatever is still open. */
static void advance(struct message *m, struct recipient *r, int64_t now)
{
	for (;;) {
		int64_t t = NEVER;

		if (r->st == RS_PENDING)
			t = r->t_notify;
		else if (r->st == RS_NOTIFIED)
			t = r->t_download;
		else if (r->st == RS_DOWNLOADED && r->ans != ANS_NONE)
			t = r->t_answer > r->t_download ? r->t_answer
							: r->t_download;
		else if (final(r->st))
			return;
		if (t < m->expires && t <= now) {
			if (r->st == RS_DOWNLOADED)
				finish(r, answered(r), t);
			else
				r->st = r->st == RS_PENDING ? RS_NOTIFIED
							    : RS_DOWNLOADED;
			continue;
		}
		if (m->expires > now)
			return;
		finish(r,
		       r->st == RS_PENDING    ? RS_NOT_NOTIFIED
		       : r->st == RS_NOTIFIED ? RS_NOT_DOWNLOADED
					      : RS_NOT_SEEN,
		       m->expires);
	}
}

static int64_t last_final(struct message *m, int64_t now)
{
	int64_t t = 0;

	for (int i = 0; i < m->n; i++) {
		advance(m, &m->rec[i], now);
		if (!final(m->rec[i].st))
			return NEVER;
		if (m->rec[i].t_final > t)
			t = m->rec[i].t_final;
	}
	return t;
}

/* Forgets messages finished longer than keep_ms ago. */
static void purge(int64_t now)
{
	for (struct message **pp = &messages; *pp;) {
		struct message *m = *pp;
		int64_t t = last_final(m, now);

		if (t != NEVER && now - t > timing->keep_ms) {
			*pp = m->next;
			message_free(m);
		} else {
			pp = &m->next;
		}
	}
}

static void random_id(char *out, size_t len)
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

static json_object *session_json(const struct message *m)
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
		    json_object_new_string(rs_names[m->rec[i].st]));
		json_object_array_add(list, r);
	}
	json_object_object_add(o, "recipients", list);
	json_object_object_add(o, "secureId",
			       json_object_new_string(m->secure_id));
	return o;
}

static void add_recipient(struct message *m, const char *id, int64_t now)
{
	const struct user *u = user_of(id);
	struct recipient *r = &m->rec[m->n++];

	snprintf(r->user, sizeof(r->user), "%s", id);
	snprintf(r->reported, sizeof(r->reported), "%s", id);
	r->t_notify = u->acc == ACC_OFFLINE ? NEVER : now + timing->delivery_ms;
	r->t_download = u->acc == ACC_NO_DOWNLOAD
			    ? NEVER
			    : r->t_notify + timing->download_ms;
	if (r->t_notify == NEVER)
		r->t_download = NEVER;
	r->ans = u->ans;
	snprintf(r->as, sizeof(r->as), "%s", u->as);
	r->t_answer = now + u->answer_ms;
	if (u->acc == ACC_NO_DEVICE)
		finish(r, RS_NO_DEVICE, now);
	else if (u->acc == ACC_DISABLED)
		finish(r, RS_DISABLED, now);
	else if (u->acc == ACC_FAILED)
		finish(r, RS_FAILED, now);
}

static struct message *message_new(const struct pbm_send *s, int64_t now)
{
	struct message *m = calloc(1, sizeof(*m));
	struct timespec ts;

	if (!m)
		return NULL;
	random_id(m->id, 16);
	random_id(m->secure_id, sizeof(m->secure_id) - 1);
	snprintf(m->client_fp, sizeof(m->client_fp), "%s", s->client_fp);
	snprintf(m->client_cn, sizeof(m->client_cn), "%s", s->client_cn);
	snprintf(m->type, sizeof(m->type), "%s", s->type);
	m->subject = s->subject ? strdup(s->subject) : NULL;
	m->body = s->body ? strdup(s->body) : NULL;
	m->requests = json_object_new_array();
	m->availability = s->availability;
	m->created = now;
	m->expires = now + s->availability * 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->expires_wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
			  s->availability * 1000;
	return m;
}

int pbm_send(const struct pbm_send *s, json_object **reply, const char **code,
	     char ref[SIM_REF_MAX])
{
	size_t n = json_object_array_length(s->recipients);
	int64_t now = sim_now_ms();
	struct message *m;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n; i++) {
		const char *id = json_object_get_string(
		    json_object_array_get_idx(s->recipients, i));

		if (user_of(id)->acc == ACC_UNKNOWN) {
			pthread_mutex_unlock(&lock);
			*code = "NOT_FOUND";
			*reply = pbm_error(*code, "Unknown PassBy[ME] ID.");
			return 420;
		}
	}
	purge(now);
	m = message_new(s, now);
	for (size_t i = 0; m && i < n; i++)
		add_recipient(m,
			      json_object_get_string(
				  json_object_array_get_idx(s->recipients, i)),
			      now);
	if (m) {
		m->next = messages;
		messages = m;
		nsent++;
		snprintf(ref, SIM_REF_MAX, "%s", m->id);
		*reply = session_json(m);
	}
	pthread_mutex_unlock(&lock);
	if (!m) {
		*code = "ERROR";
		*reply = pbm_error(*code, "Out of memory.");
		return 420;
	}
	return 200;
}

static struct message *find(const char *id)
{
	for (struct message *m = messages; m; m = m->next)
		if (!strcmp(m->id, id))
			return m;
	return NULL;
}

int pbm_track(const char *id, const char *client_fp, bool cancel,
	      json_object **reply, const char **code)
{
	int64_t now = sim_now_ms();
	struct message *m;
	int status = 200;

	pthread_mutex_lock(&lock);
	purge(now);
	m = find(id);
	/* another application's message is none of this one's business */
	if (!m || strcmp(m->client_fp, client_fp) != 0) {
		*code = "INVALID_SESSION_ID";
		*reply = pbm_error(*code, "No such message.");
		status = 420;
	} else if (cancel && last_final(m, now) != NEVER) {
		m->deletes++;
		*code = "ALREADY_COMPLETED";
		*reply = pbm_error(*code, "The message is already completed.");
		status = 420;
	} else {
		if (cancel) {
			m->deletes++;
			m->cancelled = true;
			for (int i = 0; i < m->n; i++)
				if (!final(m->rec[i].st))
					finish(&m->rec[i], RS_CANCELLED, now);
		} else {
			m->tracks++;
		}
		*reply = session_json(m);
	}
	pthread_mutex_unlock(&lock);
	return status;
}

void pbm_note_request(const char *ref, long idx)
{
	json_object *brief = simlog_request_brief(idx);
	struct message *m;

	if (!brief)
		return;
	pthread_mutex_lock(&lock);
	m = find(ref);
	if (m)
		json_object_array_add(m->requests, brief);
	else
		json_object_put(brief);
	pthread_mutex_unlock(&lock);
}

void pbm_stats(json_object *stats)
{
	long open = 0;
	int64_t now = sim_now_ms();

	pthread_mutex_lock(&lock);
	for (struct message *m = messages; m; m = m->next)
		open += last_final(m, now) == NEVER;
	json_object_object_add(stats, "messages", json_object_new_int64(nsent));
	json_object_object_add(stats, "open", json_object_new_int64(open));
	pthread_mutex_unlock(&lock);
}

int pbm_set_user(const char *id, enum pbm_account acc, enum pbm_answer ans,
		 const char *as, int64_t answer_ms)
{
	struct user *u = NULL;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < nusers && !u; i++)
		if (!strcmp(users[i].id, id))
			u = &users[i];
	if (!u && nusers < MAX_USERS)
		u = &users[nusers++];
	if (u) {
		snprintf(u->id, sizeof(u->id), "%s", id);
		u->acc = acc;
		u->ans = ans;
		snprintf(u->as, sizeof(u->as), "%s", as ? as : "");
		u->answer_ms = answer_ms;
	}
	pthread_mutex_unlock(&lock);
	return u ? 200 : 507;
}

/* The newest message still open for user, and its recipient entry. */
static struct recipient *open_recipient(const char *user, int64_t now,
					struct message **mp)
{
	for (struct message *m = messages; m; m = m->next)
		for (int i = 0; i < m->n; i++) {
			advance(m, &m->rec[i], now);
			if (!strcmp(m->rec[i].user, user) &&
			    !final(m->rec[i].st)) {
				*mp = m;
				return &m->rec[i];
			}
		}
	return NULL;
}

int pbm_phone(const char *user, enum pbm_answer ans, const char *as,
	      int64_t delay_ms, json_object **reply)
{
	int64_t now = sim_now_ms();
	struct message *m = NULL;
	struct recipient *r;

	pthread_mutex_lock(&lock);
	r = open_recipient(user, now, &m);
	if (r) {
		r->ans = ans;
		snprintf(r->as, sizeof(r->as), "%s", as ? as : "");
		/* the person answers once the app has the message */
		r->t_answer = now + delay_ms;
		*reply = json_object_new_object();
		json_object_object_add(*reply, "messageId",
				       json_object_new_string(m->id));
	}
	pthread_mutex_unlock(&lock);
	return r ? 200 : 404;
}

static json_object *message_json(struct message *m, int64_t now)
{
	json_object *o = session_json(m), *list;

	last_final(m, now);
	json_object_object_get_ex(o, "recipients", &list);
	for (int i = 0; i < m->n; i++) {
		json_object *r = json_object_array_get_idx(list, i);

		json_object_object_add(r, "mappedTo",
				       json_object_new_string(m->rec[i].user));
		json_object_object_add(
		    r, "t_final_ms",
		    final(m->rec[i].st)
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

json_object *pbm_messages_json(const char *id)
{
	int64_t now = sim_now_ms();
	json_object *out = NULL, *list = json_object_new_array();
	size_t n = 0;

	pthread_mutex_lock(&lock);
	for (struct message *m = messages; m; m = m->next) {
		if (id && !strcmp(m->id, id))
			out = message_json(m, now);
		n++;
	}
	/* the list oldest first, as they were sent */
	for (size_t i = n; !id && i > 0; i--) {
		struct message *m = messages;

		for (size_t j = 1; j < i; j++)
			m = m->next;
		json_object_array_add(list, message_json(m, now));
	}
	pthread_mutex_unlock(&lock);
	if (id) {
		json_object_put(list);
		return out;
	}
	out = json_object_new_object();
	json_object_object_add(out, "messages", list);
	return out;
}
