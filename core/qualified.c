/*
 * Matching a watched endpoint's certificates against a trusted list (see qualified.h).
 */
#include <string.h>
#include <strings.h>

#include "details.h"
#include "qualified.h"

int
qualified_status(const char *st)
{
	/* TS 119 612 v5 "granted"; earlier lists' names of the same thing. */
	static const char *const ok[] = { "granted", "undersupervision", "accredited",
	    "supervisionincessation" };

	for (size_t i = 0; st != NULL && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(st, ok[i]) == 0)
			return 1;
	return 0;
}

static int
has_kid(const json_t *svc, const char *id)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(svc, "kid"), i, v)
		if (json_is_string(v) && strcasecmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

static int
same_tsp(const json_t *svc, const char *tsp)
{
	const char *t = json_string_value(json_object_get(svc, "tsp"));

	return tsp != NULL && t != NULL && strcasecmp(t, tsp) == 0;
}

enum qualified
qualified_match(const json_t *snap, const json_t *details, const char *tsp,
    const json_t **svc)
{
	const char *ids[2] = {
		json_string_value(json_object_get(details, detail_fields[DETAIL_SIGNER_KEY_ID].key)),
		json_string_value(json_object_get(details, detail_fields[DETAIL_ISSUER_KEY_ID].key)),
	};
	const json_t *v, *listed = NULL, *granted = NULL;
	size_t i;
	int own = 0;

	if (svc != NULL)
		*svc = NULL;
	if (ids[0] == NULL && ids[1] == NULL)
		return QUAL_UNKNOWN;
	json_array_foreach(json_object_get(snap, "services"), i, v)
		own |= same_tsp(v, tsp) && ((ids[0] != NULL && has_kid(v, ids[0])) ||
		    (ids[1] != NULL && has_kid(v, ids[1])));
	json_array_foreach(json_object_get(snap, "services"), i, v) {
		if (!(ids[0] != NULL && has_kid(v, ids[0])) && !(ids[1] != NULL && has_kid(v, ids[1])))
			continue;
		if (own && !same_tsp(v, tsp))
			continue;
		if (qualified_status(json_string_value(json_object_get(v, "status")))) {
			/* The signer's own service (a QTST unit) before its issuer's (a CA/QC). */
			if (ids[0] != NULL && has_kid(v, ids[0])) {
				granted = v;
				break;
			}
			if (granted == NULL)
				granted = v;
		} else if (listed == NULL)
			listed = v;
	}
	if (granted != NULL) {
		if (svc != NULL)
			*svc = granted;
		return QUAL_GRANTED;
	}
	if (svc != NULL)
		*svc = listed;
	return listed != NULL ? QUAL_NOT_GRANTED : QUAL_NOT_LISTED;
}
