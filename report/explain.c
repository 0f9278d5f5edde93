/* The plain words of core/explain.c for the site; see explain.h. */
#include "explain.h"
#include "../core/explain.h"

const char *
report_explain(enum probe_kind k, enum reason r)
{
	return explain_text(k, r);
}

bool
report_reason_applies(enum probe_kind k, enum reason r)
{
	return explain_applies(k, r);
}
