/* Placeholder until the ocsp kind lands: every probe is down/internal. */
#include "probe.h"

static void *
ocsp_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	(void)ep; (void)in; (void)req;
	result_flag(r, REASON_INTERNAL, "ocsp probes are not implemented yet");
	return NULL;
}

const struct probe_ops probe_ocsp_ops = {
	.name = "ocsp", .kind = KIND_OCSP, .start = ocsp_start,
};
