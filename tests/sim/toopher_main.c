/* toopher-sim: the Toopher simulator's options and its simcore table. */
#include "toopher_sim.h"

struct toopher_timing ts_timing = {.skew_s = 300};

int main(int argc, char **argv)
{
	static const struct simcore_option options[] = {
	    {"skew-s", &ts_timing.skew_s},
	    {NULL, NULL},
	};
	static const struct simcore_app app = {
	    .name = "toopher-sim",
	    .usage = "  [--skew-s 300]   (no --client-ca: Toopher has no "
		     "client certificates)\n",
	    .headers = toopher_headers,
	    .options = options,
	    .endpoints = toopher_endpoints,
	    .endpoint_of = toopher_endpoint_of,
	    .serve = toopher_serve,
	    .fault_body = toopher_fault_body,
	    .control = toopher_control,
	    .stats = store_stats,
	    .reset = store_reset,
	};

	store_init();
	simcore_main(&app, argc, argv);
}
