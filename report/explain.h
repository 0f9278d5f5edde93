/*
 * Plain words: what a result means for a relying party, one English sentence per
 * (kind, reason), marked for translation (report/po). Shown before the technical code.
 * The table is core/explain.c (alert mail uses it too); these are the site's names for it.
 */
#ifndef TW_EXPLAIN_H
#define TW_EXPLAIN_H

#include <stdbool.h>

#include "../core/config.h"
#include "../core/result.h"

/* Returns the msgid explaining reason for an endpoint of kind (static, never NULL). */
const char *report_explain(enum probe_kind, enum reason);

/* Whether a probe of kind can end with reason (the methodology page's glossary). */
bool report_reason_applies(enum probe_kind, enum reason);

#endif
