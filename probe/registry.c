/* The ops of every kind, built from core/kinds.def. Adding a kind = one file + one row there. */
#include <stddef.h>

#include "probe.h"

#define KIND(e, n)	extern const struct probe_ops probe_##n##_ops;
#include "../core/kinds.def"
#undef KIND

static const struct probe_ops *const registry[KIND__MAX] = {
#define KIND(e, n)	[KIND_##e] = &probe_##n##_ops,
#include "../core/kinds.def"
#undef KIND
};

const struct kind_info *
kind_info(enum probe_kind k)
{
	static const struct kind_info none;
	const struct probe_ops *ops = probe_ops_for(k);

	return ops != NULL && ops->info != NULL ? ops->info : &none;
}

const struct probe_ops *
probe_ops_for(enum probe_kind k)
{
	if ((int)k < 0 || k >= KIND__MAX)
		return NULL;
	return registry[k];
}

