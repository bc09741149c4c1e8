/* mobileid-sim: the BankID RP API v6 endpoints, validation and error bodies. */
#include "bankid_sim.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_PREFIX "/rp/v6.0/"

const char *const bankid_endpoints[] = {
    "auth", "sign", "phone/auth", "phone/sign", "collect", "cancel", NULL};

/* The API's error answer: {"errorCode","details"} with an HTTP status. */
void bankid_set_err(struct simcore_reply *res, int status, const char *code,
		    const char *details)
{
	res->status = status;
	res->error_code = code;
	json_object_put(res->body);
	res->body = json_object_new_object();
	json_object_object_add(res->body, "errorCode",
			       json_object_new_string(code));
	json_object_object_add(res->body, "details",
			       json_object_new_string(details));
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool bankid_pno_valid(const char *pno)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int year, month, day, sum = 0;

	if (strlen(pno) != SIM_PNO_LEN || !is_digits(pno, SIM_PNO_LEN))
		return false;
	year = (pno[0] - '0') * 1000 + (pno[1] - '0') * 100 +
	       (pno[2] - '0') * 10 + (pno[3] - '0');
	month = (pno[4] - '0') * 10 + (pno[5] - '0');
	day = (pno[6] - '0') * 10 + (pno[7] - '0');
	/* Coordination numbers (samordningsnummer) add 60 to the day. */
	if (day > 60)
		day -= 60;
	if (year < 1850 || year > 2099 || month < 1 || month > 12 || day < 1 ||
	    day > mdays[month - 1])
		return false;
	for (int i = 0; i < 10; i++) {
		int d = (pno[2 + i] - '0') * ((i % 2) ? 1 : 2);

		sum += d / 10 + d % 10;
	}
	return sum % 10 == 0;
}

const char *bankid_endpoint_of(const char *path)
{
	if (strncmp(path, API_PREFIX, strlen(API_PREFIX)))
		return NULL;
	for (size_t i = 0; bankid_endpoints[i]; i++)
		if (!strcmp(path + strlen(API_PREFIX), bankid_endpoints[i]))
			return bankid_endpoints[i];
	return NULL;
}

static void handle_ref(const char *ep, struct json_object *body,
		       const struct sim_conn *c, struct simcore_reply *res)
{
	struct json_object *v = NULL;
	const char *ref;

	json_object_object_get_ex(body, "orderRef", &v);
	if (!json_is(v, json_type_string)) {
		bankid_set_err(res, 400, "invalidParameters",
			       "Invalid request");
		return;
	}
	ref = json_object_get_string(v);
	if (strlen(ref) == SIM_UUID_LEN)
		snprintf(res->ref, sizeof(res->ref), "%s", ref);
	if (!strcmp(ep, "collect")) {
		res->body = orders_collect(ref, c->client_fp);
	} else if (orders_cancel(ref, c->client_fp) == 0) {
		res->body = json_object_new_object();
	}
	if (res->body)
		res->status = 200;
	else
		bankid_set_err(res, 400, "invalidParameters", "No such order");
}

/* The request's framing and headers, before its body is read as JSON. */
static const char *check_request(const struct sim_request *rq, const char *ep,
				 struct simcore_reply *res)
{
	if (rq->error_status == 413)
		bankid_set_err(res, 400, "invalidParameters",
			       "Request body too large");
	else if (rq->error_status)
		bankid_set_err(res, rq->error_status, "invalidParameters",
			       "Invalid request");
	else if (!ep)
		bankid_set_err(res, 404, "notFound", "Not found");
	else if (strcmp(rq->method, "POST"))
		bankid_set_err(res, 405, "methodNotAllowed",
			       "Method not allowed");
	/* The real API rejects even "application/json; charset=UTF-8". */
	else if (!rq->has_content_type ||
		 strcmp(rq->content_type, "application/json"))
		bankid_set_err(res, 415, "unsupportedMediaType",
			       "Unsupported media type");
	return res->body ? NULL : ep;
}

void bankid_serve(const struct sim_conn *c, const struct sim_request *rq,
		  const char *ep, struct simcore_reply *res)
{
	struct json_object *body;

	if (!check_request(rq, ep, res))
		return;
	body = simhttp_json_body(rq);
	if (!body)
		bankid_set_err(res, 400, "invalidParameters",
			       "Invalid request");
	else if (!strcmp(ep, "collect") || !strcmp(ep, "cancel"))
		handle_ref(ep, body, c, res);
	else
		bankid_start(ep, body, c, res);
	json_object_put(body);
}

/* orderRef named in a collect/cancel body, so faulted requests still show
 * up in that order's history; empty when there is none. */
void bankid_request_ref(const struct sim_request *rq, char out[SIM_REF_MAX])
{
	struct json_tokener *tok = json_tokener_new_ex(SIM_MAX_JSON_DEPTH);
	struct json_object *j = NULL, *v = NULL;

	out[0] = '\0';
	if (!tok || !rq->body)
		goto out;
	j = json_tokener_parse_ex(tok, rq->body, (int)rq->body_len);
	if (json_is(j, json_type_object) &&
	    json_object_object_get_ex(j, "orderRef", &v) &&
	    json_is(v, json_type_string) &&
	    strlen(json_object_get_string(v)) == SIM_UUID_LEN)
		snprintf(out, SIM_REF_MAX, "%s", json_object_get_string(v));
out:
	json_object_put(j);
	if (tok)
		json_tokener_free(tok);
}

/* Bodies of the faults that answer in the API's own words (or nearly). */
const char *bankid_fault_body(enum simfault_mode m, const char *ep)
{
	bool collect = !strcmp(ep, "collect");

	switch (m) {
	case FAULT_MAINTENANCE:
		return "{\"errorCode\":\"maintenance\",\"details\":\"Service "
		       "unavailable\"}";
	case FAULT_INTERNAL:
		return "{\"errorCode\":\"internalError\",\"details\":"
		       "\"Internal error\"}";
	case FAULT_WRONGTYPE:
		if (collect)
			return "{\"orderRef\":123,\"status\":[],\"hintCode\":"
			       "{},\"completionData\":\"complete\"}";
		if (!strcmp(ep, "cancel"))
			return "[]";
		return "{\"orderRef\":123,\"autoStartToken\":[],"
		       "\"qrStartToken\":{},\"qrStartSecret\":false}";
	case FAULT_BADUTF8:
		if (collect)
			return "{\"orderRef\":\"\xc3\x28\xa0\xa1\",\"status\":"
			       "\"pend\xffing\",\"hintCode\":"
			       "\"outstanding\xfe\xffTransaction\"}";
		return "{\"orderRef\":\"\xc3\x28\xa0\xa1\",\"autoStartToken\":"
		       "\"\xed\xa0\x80\",\"qrStartToken\":"
		       "\"\xf8\x88\x80\x80\x80\",\"qrStartSecret\":"
		       "\"\xff\xfe\"}";
	default: return NULL;
	}
}
