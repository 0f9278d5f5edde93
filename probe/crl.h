/*
 * The crl probe kind (RFC 5280 §5): a GET of the CRL and a pure evaluator.
 */
#ifndef TW_PROBE_CRL_H
#define TW_PROBE_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/*
 * Evaluates the CRL data[0..len) (DER or PEM) issued by ep->issuer at now_ms,
 * flagging r (first worst finding wins) and filling r->details:
 * number (decimal string), entries, size, this_update, next_update.
 * last_number_decimal is the CRL number stored from the previous result, NULL when none;
 * a lower number is regressed. A critical CRL or entry extension outside those listed in
 * crl.c is malformed, and such a CRL records no number. Never does I/O.
 */
void	crl_evaluate(const unsigned char *data, size_t len, const struct conf_endpoint *ep,
	    const char *last_number_decimal, int64_t now_ms, struct result *r);

/* Revocations a verified CRL keeps in its kind memory for the ocsp consistency check. */
#define CRL_SAMPLE_MAX	16

/*
 * Same as crl_evaluate; when memory is not NULL and the CRL verified (issuer, signature,
 * extensions) and did not regress, sets *memory (caller frees): the CRL number (decimal, ""
 * when absent) on the first line, then one line "r SERIALHEX SECONDS" (serial in upper-case
 * hex, revocationDate in Unix seconds) for each of its CRL_SAMPLE_MAX most recent
 * revocations, newest first; entries of another issuer and removeFromCRL are left out.
 */
void	crl_evaluate_sample(const unsigned char *data, size_t len,
	    const struct conf_endpoint *ep, const char *last_number_decimal, int64_t now_ms,
	    struct result *r, char **memory);

extern const struct probe_ops probe_crl_ops;

#endif
