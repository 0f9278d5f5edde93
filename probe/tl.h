/*
 * Kind tl: an ETSI TS 119 612 trusted list (SPEC §13). The evaluator is pure: bytes, the
 * endpoint's settings, the kind memory and the peer's memory in; a result out.
 */
#ifndef TW_PROBE_TL_H
#define TW_PROBE_TL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "../core/config.h"
#include "../core/result.h"

/* The endpoint's tl settings (conf_endpoint.kind_conf). */
struct tl_conf {
	char		*signers_path;		/* signers: FILE, absolute, or NULL */
	STACK_OF(X509)	*signers;		/* owned, NULL when signers_from */
	char		*signers_from;		/* "PROVIDER/ENDPOINT" or "ENDPOINT", or NULL */
	bool		 lotl;			/* the list is the List of Trusted Lists */
	int64_t		 min_remaining_ms;	/* expect.min_remaining, default 7d */
};

/*
 * Evaluates the trusted list in body at now_ms and fills r: status, reason, details and,
 * when the list verified, r->memory (the sequence, the services and, for a LOTL, the
 * pointers with their certificates).
 * memory is this endpoint's last kind memory, peer_memory the signers_from endpoint's; both
 * may be NULL. With tc->signers the list must verify with one of them; with
 * tc->signers_from, with a certificate of peer_memory's pointer for the list's territory.
 */
void tl_evaluate(const unsigned char *body, size_t len, const struct tl_conf *tc,
    const char *memory, const char *peer_memory, int64_t now_ms, struct result *r);

/* Initialises xmlsec once; returns 0 or -1. */
int tl_xmlsec_init(void);

#endif
