/* passbyme-sim: the PassBy[ME] simulator's options and its simcore table. */
#include "pbm_sim.h"

int main(int argc, char **argv)
{
	static struct pbm_timing t = {
	    .delivery_ms = 200,
	    .download_ms = 200,
	    .keep_ms = 300000,
	};
	static const struct simcore_option options[] = {
	    {"delivery-ms", &t.delivery_ms},
	    {"download-ms", &t.download_ms},
	    {"keep-ms", &t.keep_ms},
	    {NULL, NULL},
	};
	static const struct simcore_app app = {
	    .name = "passbyme-sim",
	    .usage = "  [--delivery-ms 200] [--download-ms 200] "
		     "[--keep-ms 300000]\n",
	    .options = options,
	    .headers = pbm_headers,
	    .endpoints = pbm_endpoints,
	    .endpoint_of = pbm_endpoint_of,
	    .serve = pbm_serve,
	    .request_ref = pbm_request_ref,
	    .note_request = pbm_note_request,
	    .fault_body = pbm_fault_body,
	    .control = pbm_control,
	    .stats = pbm_stats,
	    .reset = pbm_reset,
	};

	pbm_init(&t);
	simcore_main(&app, argc, argv);
}
