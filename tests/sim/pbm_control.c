/* passbyme-sim: control routes — user accounts, the virtual phone, and the
 * messages as the oracle of the tests. */
#include "pbm_sim.h"

#include <stdio.h>
#include <string.h>

static const char *const accounts[] = {
    [ACC_OK] = "ok",
    [ACC_OFFLINE] = "offline",
    [ACC_NO_DOWNLOAD] = "no_download",
    [ACC_NO_DEVICE] = "no_device",
    [ACC_DISABLED] = "disabled",
    [ACC_FAILED] = "failed",
    [ACC_UNKNOWN] = "unknown",
};
static const char *const answers[] = {
    [ANS_NONE] = "ignore", [ANS_APPROVE] = "approve",	    [ANS_DENY] = "deny",
    [ANS_SEE] = "see",	   [ANS_APPROVE_AS] = "approve_as",
};

static json_object *ctl_error(const char *msg)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "error", json_object_new_string(msg));
	return j;
}

static const char *get_str(json_object *body, const char *key, const char *dflt)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(body, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return dflt;
	return json_object_get_string(v);
}

static int64_t get_ms(json_object *body, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(body, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

/* POST /users {"userId","account","answer","as","answer_ms"}: how the
 * account stands and what its phone does with every later message. */
static int ctl_user(json_object *body, json_object **reply)
{
	const char *user = get_str(body, "userId", NULL),
		   *as = get_str(body, "as", "");
	int acc = lookup(accounts, sizeof(accounts) / sizeof(*accounts),
			 get_str(body, "account", "ok"));
	int ans = lookup(answers, sizeof(answers) / sizeof(*answers),
			 get_str(body, "answer", "ignore"));

	if (!user || acc < 0 || ans < 0 || (ans == ANS_APPROVE_AS && !*as)) {
		*reply = ctl_error("need userId, a known account and answer "
				   "(approve_as needs as)");
		return 400;
	}
	*reply = json_object_new_object();
	return pbm_set_user(user, (enum pbm_account)acc, (enum pbm_answer)ans,
			    as, get_ms(body, "answer_ms"));
}

/* POST /phone {"userId","action","as","delay_ms"}: the newest open
 * message of that user is answered (once the app has it). */
static int ctl_phone(json_object *body, json_object **reply)
{
	const char *user = get_str(body, "userId", NULL),
		   *as = get_str(body, "as", "");
	int ans = lookup(answers, sizeof(answers) / sizeof(*answers),
			 get_str(body, "action", "approve"));
	int status;

	if (!user || ans < 0 || (ans == ANS_APPROVE_AS && !*as)) {
		*reply = ctl_error("need userId and a known action "
				   "(approve_as needs as)");
		return 400;
	}
	status = pbm_phone(user, (enum pbm_answer)ans, as,
			   get_ms(body, "delay_ms"), reply);
	if (status == 404)
		*reply = ctl_error("no open message for this user");
	return status;
}

int pbm_control(const struct sim_request *rq, json_object *body,
		json_object **reply)
{
	const char *p = rq->path;
	bool get = !strcmp(rq->method, "GET"),
	     post = !strcmp(rq->method, "POST");

	if (post && !strcmp(p, "/users"))
		return ctl_user(body, reply);
	if (post && !strcmp(p, "/phone"))
		return ctl_phone(body, reply);
	if (get && !strcmp(p, "/messages")) {
		*reply = pbm_messages_json(NULL);
		return 200;
	}
	if (get && !strncmp(p, "/messages/", 10)) {
		*reply = pbm_messages_json(p + 10);
		if (*reply)
			return 200;
		*reply = ctl_error("no such message");
		return 404;
	}
	return 0;
}
