/* Placeholder until the login kind lands: every probe is down/internal. */
#include "probe.h"

static void *
login_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	(void)ep; (void)in; (void)req;
	result_flag(r, REASON_INTERNAL, "login probes are not implemented yet");
	return NULL;
}

const struct probe_ops probe_login_ops = {
	.name = "login", .kind = KIND_LOGIN, .start = login_start,
};
