/* Placeholder until the tsa kind lands: every probe is down/internal. */
#include "probe.h"

static void *
tsa_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	(void)ep; (void)in; (void)req;
	result_flag(r, REASON_INTERNAL, "tsa probes are not implemented yet");
	return NULL;
}

const struct probe_ops probe_tsa_ops = {
	.name = "tsa", .kind = KIND_TSA, .start = tsa_start,
};
