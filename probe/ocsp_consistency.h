/*
 * CRL ⇄ OCSP consistency (SPEC §14): an ocsp endpoint with `crl: ID` also asks its responder
 * about revoked serials sampled from that crl endpoint's last verified CRL (each must be
 * revoked at the same time: `inconsistent`, EN 319 411-1) and about one serial never
 * issued (must not be good: `unissued_good`, CA/B Forum BR 4.9.10). Every answer is judged
 * as the ocsp probe judges its own (ocsp_evaluate_answer). The questions are extra requests
 * of the same probe, sent one after another by the engine and not counted in its timings.
 */
#ifndef TW_PROBE_OCSP_CONSISTENCY_H
#define TW_PROBE_OCSP_CONSISTENCY_H

#include <stdint.h>

#include "probe.h"

/* The first bytes of the never-issued serial asked about ("twun"), then 16 random bytes. */
#define OCSP_UNISSUED_PREFIX	"\x74\x77\x75\x6e"
#define OCSP_UNISSUED_RANDOM	16
/* Default and largest `sample`. */
#define OCSP_SAMPLE_DEFAULT	5
#define OCSP_SAMPLE_MAX		16

/* An ocsp endpoint's kind_conf. */
struct ocsp_conf {
	char		*crl;		/* the crl endpoint of the same provider; NULL = no check */
	int		 sample;	/* revoked serials asked per cycle, 0..OCSP_SAMPLE_MAX */
};

#define OCSP_CONSIST_NKEYS	2
extern const struct conf_key ocsp_consist_keys[OCSP_CONSIST_NKEYS];
void	*ocsp_consist_conf_new(void);
void	 ocsp_consist_conf_free(void *);
void	 ocsp_consist_conf_check(struct conf_kv *, struct conf_endpoint *ep,
	    const struct conf_provider *p);
void	 ocsp_consist_settings(const struct conf_endpoint *ep, char *out, size_t len);
/* probe_ops.peer: the crl endpoint named by `crl:`. */
int	 ocsp_consist_peer(const struct conf_endpoint *ep, const char **provider,
	    const char **endpoint);

struct ocsp_consist;

/*
 * Returns the questions for this cycle, or NULL when ep has no `crl:`. crl_memory is the
 * crl endpoint's kind memory (probe/crl.h crl_evaluate_sample), NULL when none is stored:
 * then only the never-issued serial is asked about.
 */
struct ocsp_consist *ocsp_consist_new(const struct conf_endpoint *ep, const char *crl_memory);
/*
 * Builds the next question into *req (marked untimed) and returns 1; returns 0 when all
 * were asked, after recording the details.
 */
int	 ocsp_consist_next(struct ocsp_consist *, const struct conf_endpoint *ep,
	    struct probe_request *req, struct result *r);
/* Judges the answer to the question last built, flagging r. */
void	 ocsp_consist_answer(struct ocsp_consist *, const struct conf_endpoint *ep,
	    const struct probe_response *resp, int64_t now_ms, struct result *r);
void	 ocsp_consist_free(struct ocsp_consist *);

/*
 * Parses a crl kind memory's sample lines into serials (caller frees each with
 * ASN1_INTEGER_free and the array with free) and revocation times (Unix seconds).
 * Returns how many (at most OCSP_SAMPLE_MAX); malformed lines are skipped.
 */
struct asn1_string_st;
size_t	 ocsp_consist_parse(const char *crl_memory, struct asn1_string_st ***serials,
	    int64_t **rev_s);

#endif
