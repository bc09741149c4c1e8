/* passbyme-sim: the message store, user accounts and phones, behind one
 * lock; statuses advance lazily from timestamps (pbm_lifecycle.c). */
#include "pbm_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_USERS 256

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

/* Forgets messages finished longer than keep_ms ago. */
static void purge(int64_t now)
{
	for (struct message **pp = &messages; *pp;) {
		struct message *m = *pp;
		int64_t t = pbm_last_final(m, now);

		if (t != NEVER && now - t > timing->keep_ms) {
			*pp = m->next;
			message_free(m);
		} else {
			pp = &m->next;
		}
	}
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
		pbm_finish(r, RS_NO_DEVICE, now);
	else if (u->acc == ACC_DISABLED)
		pbm_finish(r, RS_DISABLED, now);
	else if (u->acc == ACC_FAILED)
		pbm_finish(r, RS_FAILED, now);
}

static struct message *message_new(const struct pbm_send *s, int64_t now)
{
	struct message *m = calloc(1, sizeof(*m));
	struct timespec ts;

	if (!m)
		return NULL;
	pbm_random_id(m->id, 16);
	pbm_random_id(m->secure_id, sizeof(m->secure_id) - 1);
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
		*reply = pbm_session_json(m);
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
	} else if (cancel && pbm_last_final(m, now) != NEVER) {
		m->deletes++;
		*code = "ALREADY_COMPLETED";
		*reply = pbm_error(*code, "The message is already completed.");
		status = 420;
	} else {
		if (cancel) {
			m->deletes++;
			m->cancelled = true;
			for (int i = 0; i < m->n; i++)
				if (!pbm_final(m->rec[i].st))
					pbm_finish(&m->rec[i], RS_CANCELLED,
						   now);
		} else {
			m->tracks++;
		}
		*reply = pbm_session_json(m);
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
		open += pbm_last_final(m, now) == NEVER;
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
			pbm_advance(m, &m->rec[i], now);
			if (!strcmp(m->rec[i].user, user) &&
			    !pbm_final(m->rec[i].st)) {
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

json_object *pbm_messages_json(const char *id)
{
	int64_t now = sim_now_ms();
	json_object *out = NULL, *list = json_object_new_array();
	size_t n = 0;

	pthread_mutex_lock(&lock);
	for (struct message *m = messages; m; m = m->next) {
		if (id && !strcmp(m->id, id))
			out = pbm_message_json(m, now);
		n++;
	}
	/* the list oldest first, as they were sent */
	for (size_t i = n; !id && i > 0; i--) {
		struct message *m = messages;

		for (size_t j = 1; j < i; j++)
			m = m->next;
		json_object_array_add(list, pbm_message_json(m, now));
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
