/*
 * Plain words: what a result means for a relying party, one English sentence per
 * (kind, reason). The site shows their translations (report/explain.h, report/po);
 * alert mail, which is English only, shows them as they are.
 */
#ifndef TW_CORE_EXPLAIN_H
#define TW_CORE_EXPLAIN_H

#include <stdbool.h>

#include "config.h"
#include "result.h"

/* Returns the English sentence (also the msgid) for reason at an endpoint of kind (static, never NULL). */
const char *explain_text(enum probe_kind, enum reason);

/* Whether a probe of kind can end with reason (the methodology page's glossary). */
bool explain_applies(enum probe_kind, enum reason);

#endif
