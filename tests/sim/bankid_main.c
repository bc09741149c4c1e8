/* mobileid-sim: the BankID simulator's options and its simcore table. */
#include "bankid_sim.h"

int main(int argc, char **argv)
{
	static struct bankid_timing t = {
	    .start_failed_ms = 30000,
	    .expire_ms = 180000,
	    .keep_complete_ms = 180000,
	    .keep_failed_ms = 300000,
	    .keep_timedout_ms = 190000,
	    .qr_max_age_s = 5,
	};
	static const struct simcore_option options[] = {
	    {"start-failed-ms", &t.start_failed_ms},
	    {"expire-ms", &t.expire_ms},
	    {"keep-complete-ms", &t.keep_complete_ms},
	    {"keep-failed-ms", &t.keep_failed_ms},
	    {"keep-timedout-ms", &t.keep_timedout_ms},
	    {"qr-max-age-s", &t.qr_max_age_s},
	    {NULL, NULL},
	};
	static const struct simcore_app app = {
	    .name = "mobileid-sim",
	    .usage = "  [--start-failed-ms 30000] [--expire-ms 180000] "
		     "[--keep-complete-ms 180000]\n"
		     "  [--keep-failed-ms 300000] [--keep-timedout-ms 190000] "
		     "[--qr-max-age-s 5]\n",
	    .options = options,
	    .endpoints = bankid_endpoints,
	    .endpoint_of = bankid_endpoint_of,
	    .serve = bankid_serve,
	    .request_ref = bankid_request_ref,
	    .note_request = orders_note_request,
	    .fault_body = bankid_fault_body,
	    .control = bankid_control,
	    .stats = orders_stats,
	    .reset = orders_reset,
	};

	/* The store keeps a pointer: the options fill t before any order. */
	orders_init(&t);
	simcore_main(&app, argc, argv);
}
