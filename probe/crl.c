/* Placeholder until the crl kind lands: every probe is down/internal. */
#include "probe.h"

static void *
crl_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	(void)ep; (void)in; (void)req;
	result_flag(r, REASON_INTERNAL, "crl probes are not implemented yet");
	return NULL;
}

const struct probe_ops probe_crl_ops = {
	.name = "crl", .kind = KIND_CRL, .start = crl_start,
};
