/*
 * Conformance rules (SPEC §14): each result is checked against named rules with their
 * references (CA/B Forum Baseline Requirements, Mozilla Root Store Policy, ETSI, RFCs).
 * One table, one row per rule: id, reference, kind, what it requires, and a check over the
 * result's reason and details. The store sums the verdicts per endpoint, month and rule
 * (store_each_conformance); the site and exports/conformance.csv read those sums.
 */
#ifndef TW_CONFORMANCE_H
#define TW_CONFORMANCE_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "result.h"

enum conformance_verdict {
	CONFORMANCE_NA = -1,		/* the result lacks what the rule looks at */
	CONFORMANCE_PASS = 0,
	CONFORMANCE_VIOLATION = 1,
};

struct conformance_rule {
	const char	*id;		/* stable, [a-z0-9-]: stored and exported */
	const char	*reference;	/* "CA/B Forum BR 4.9.7" (not translated) */
	enum probe_kind	 kind;
	const char	*text;		/* N_ what the rule requires (methodology, page) */
	/* Returns the verdict on a result of kind with reason and details (never NULL). */
	enum conformance_verdict (*check)(enum reason, const json_t *details);
};

extern const struct conformance_rule conformance_rules[];
extern const size_t conformance_nrules;

/* Returns the rule with id, or NULL. */
const struct conformance_rule *conformance_rule(const char *id);

/*
 * Judges a result of kind k against every rule: verdicts[i] for conformance_rules[i]
 * (CONFORMANCE_NA for the rules of other kinds). verdicts has conformance_nrules entries.
 */
void conformance_judge(enum probe_kind k, enum reason, const json_t *details,
    enum conformance_verdict *verdicts);

#endif
