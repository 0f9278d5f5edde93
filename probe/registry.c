/* The one table that registers every probe kind. Adding a kind = one file + one row. */
#include <stddef.h>

#include "probe.h"

extern const struct probe_ops probe_login_ops;
extern const struct probe_ops probe_ocsp_ops;
extern const struct probe_ops probe_crl_ops;
extern const struct probe_ops probe_tsa_ops;

static const struct probe_ops *const registry[KIND__MAX] = {
	[KIND_LOGIN] = &probe_login_ops,
	[KIND_OCSP] = &probe_ocsp_ops,
	[KIND_CRL] = &probe_crl_ops,
	[KIND_TSA] = &probe_tsa_ops,
};

const struct probe_ops *
probe_ops_for(enum probe_kind k)
{
	if ((int)k < 0 || k >= KIND__MAX)
		return NULL;
	return registry[k];
}

