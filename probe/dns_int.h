/* Internal to the dns kind: shared by dns.c (the probe) and dns_eval.c (the judgement). */
#ifndef TW_PROBE_DNS_INT_H
#define TW_PROBE_DNS_INT_H

#include <ldns/ldns.h>
#include <jansson.h>

#include "../core/result.h"

/* The dns kind's detail fields (dns.c holds their definitions). */
enum dns_detail {
	DNS_ZONE,
	DNS_SERIAL,
	DNS_NAMESERVERS,
	DNS_NETWORKS,
	DNS_DNSSEC,
	DNS_DNSKEYS,
	DNS_DS,
	DNS_SIGNATURES_EXPIRE,
	DNS_FINDINGS,
	DNS__MAX
};

void dns_detail_int(struct result *, enum dns_detail, int64_t);
void dns_detail_str(struct result *, enum dns_detail, const char *);
void dns_detail_time(struct result *, enum dns_detail, int64_t ms);
/* Takes a reference to v. */
void dns_detail_json(struct result *, enum dns_detail, json_t *v);

/* The RRs of section s of pkt owned by owner (NULL = any; case-insensitive) of type t (caller frees). */
ldns_rr_list *dns_section_rrs(const ldns_pkt *pkt, ldns_pkt_section s, const ldns_rdf *owner,
    ldns_rr_type t);

/* The network of a numeric address, "a.b.c.0/24" or "2001:db8:1::/48"; 0 or -1. */
int dns_network(const char *addr, char *out, size_t len);

#endif
