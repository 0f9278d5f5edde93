/*
 * Kind dns (SPEC §14): a zone's name servers and DNSSEC. dns.c asks (non-blocking sockets on
 * the event loop); dns_eval.c judges what came back. The evaluator is pure: the answers
 * collected in struct dns_obs, the settings and the time in; a result out.
 */
#ifndef TW_PROBE_DNS_H
#define TW_PROBE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <ldns/ldns.h>

#include "../core/result.h"

/* The endpoint's dns settings (conf_endpoint.kind_conf). */
struct dns_conf {
	char		*zone;			/* absolute, lower case: "luxtrust.lu." */
	char		*resolver;		/* "ADDR:PORT" as configured, or NULL */
	struct sockaddr_storage resolver_sa;	/* valid when resolver != NULL */
	socklen_t	 resolver_len;
	int64_t		 min_remaining_ms;	/* expect.min_remaining, default 1 day */
};

/* One address of one name server and its answer to "ZONE SOA" (DO set, RD clear). */
struct dns_server {
	char		*name;			/* "ns1.luxtrust.lu." */
	char		*addr;			/* numeric text: "194.154.192.1", "2001:db8::1" */
	ldns_pkt	*soa;			/* owned; NULL when none came */
	char		*error;			/* why none came ("timeout"), or NULL */
	double		 rtt_ms;
	bool		 tcp;			/* the answer came over TCP (UDP was truncated) */
	/*
	 * Not asked: this host has no route to the address's family (an IPv6 address from an
	 * IPv4-only vantage point). Neither lame nor healthy; its network still counts.
	 */
	bool		 unroutable;
};

/* Everything one probe collected. */
struct dns_obs {
	ldns_pkt	*ns;			/* "ZONE NS" from the resolver, or NULL */
	char		*ns_error;		/* why none came */
	struct dns_server *srv;			/* every address of every NS name */
	size_t		 nsrv;
	char		**noaddr;		/* NS names without any A or AAAA */
	size_t		 nnoaddr;
	/* From srv[keysrv], the first that answered authoritatively, DO set (NULL = none). */
	size_t		 keysrv;
	ldns_pkt	*dnskey;		/* "ZONE DNSKEY" */
	ldns_pkt	*nsauth;		/* "ZONE NS" */
	ldns_pkt	*ds;			/* "ZONE DS" from the resolver (the parent's side) */
};

/* Parses "ADDR", "ADDR:PORT" or "[IPV6]:PORT" (port 53 by default); 0 or -1. */
int dns_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* Frees what obs owns and zeroes it. */
void dns_obs_clear(struct dns_obs *);

/* The NS names of zone in the answer section of pkt (caller frees the list), or NULL. */
ldns_rr_list *dns_ns_names(const ldns_pkt *pkt, const ldns_rdf *zone);

/*
 * Judges obs for zone at now_ms and fills r (SPEC §14): dns when the NS set cannot be had;
 * dns_lame when a name server has no address or does not answer authoritatively with the
 * zone's SOA; dns_inconsistent when the SOA serials differ; dns_single_point with fewer than
 * 2 name servers or fewer than 2 networks (/24, /48; RFC 2182); for a zone with DNSKEYs (or a
 * DS at the parent) dnssec_bogus unless the DNSKEY, SOA and NS sets verify with the zone's
 * keys at now_ms and a DS matches a DNSKEY (RFC 4035), and stale when the earliest signature
 * expires within min_remaining_ms. Details: zone, serial, nameservers, networks, dnssec,
 * dnskeys, signatures_expire, findings.
 */
void dns_evaluate(const struct dns_obs *obs, const struct dns_conf *dc, int64_t now_ms,
    struct result *r);

#endif
