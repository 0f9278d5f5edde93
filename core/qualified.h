/*
 * "Qualified according to the list" (SPEC §13, issue 20): where a watched endpoint stands in
 * a trusted list, matched by certificate. The list is the tl kind's memory of its last
 * verified issue (probe/tl_list.c: services with their key identifiers "kid"), the endpoint
 * its last result's details signer_key_id and issuer_key_id (probe/keyid.c): a TSA token's
 * signer or its issuer, an OCSP response's signer or its issuer, a CRL's issuer. Pure.
 */
#ifndef TW_QUALIFIED_H
#define TW_QUALIFIED_H

#include <jansson.h>

enum qualified {
	QUAL_UNKNOWN,		/* the endpoint's result names no certificate (yet) */
	QUAL_NOT_LISTED,	/* no service of the list has its signer's or issuer's key */
	QUAL_GRANTED,		/* a service with that key is granted: qualified */
	QUAL_NOT_GRANTED	/* listed, but withdrawn (or another status): not qualified */
};

/*
 * Matches details against the snapshot; *svc (may be NULL) gets the matching service
 * (borrowed from snap: {"tsp", "name", "type", "status", ...}), a granted one first.
 * When a matching service's TSP is named tsp (the provider's name, case-insensitively),
 * only that TSP's services count: a CA shared by several TSPs is judged by its own.
 */
enum qualified qualified_match(const json_t *snap, const json_t *details, const char *tsp,
    const json_t **svc);
/* Whether a list status ("granted", "withdrawn", ...) means qualified. */
int qualified_status(const char *status);

#endif
