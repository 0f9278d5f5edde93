/*
 * Kind dns, the judgement (SPEC §14): the answers a probe collected (struct dns_obs) against
 * RFC 1034 §4.2.2 / RFC 1912 §2.8 (every listed server answers authoritatively, lame
 * delegation otherwise), RFC 1996 (the servers serve the same serial), RFC 2182 §3.1 (at
 * least two servers, on different networks) and RFC 4035 §5 (the zone's DNSKEY, SOA and NS
 * sets verify with its keys within their validity; a DS at the parent matches a DNSKEY).
 * Packets are parsed and signatures verified by ldns; nothing here does I/O.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dns.h"
#include "dns_int.h"
#include "../core/util.h"

void
dns_obs_clear(struct dns_obs *o)
{
	if (o == NULL)
		return;
	ldns_pkt_free(o->ns);
	free(o->ns_error);
	for (size_t i = 0; i < o->nsrv; i++) {
		free(o->srv[i].name);
		free(o->srv[i].addr);
		ldns_pkt_free(o->srv[i].soa);
		free(o->srv[i].error);
	}
	free(o->srv);
	for (size_t i = 0; i < o->nnoaddr; i++)
		free(o->noaddr[i]);
	free(o->noaddr);
	ldns_pkt_free(o->dnskey);
	ldns_pkt_free(o->nsauth);
	ldns_pkt_free(o->ds);
	memset(o, 0, sizeof(*o));
}

/* The RRs of section s of pkt owned by owner (case-insensitive) of type t; caller frees. */
ldns_rr_list *
dns_section_rrs(const ldns_pkt *pkt, ldns_pkt_section s, const ldns_rdf *owner, ldns_rr_type t)
{
	ldns_rr_list *all, *out = ldns_rr_list_new();

	if (pkt == NULL || out == NULL)
		return out;
	all = s == LDNS_SECTION_ANSWER ? ldns_pkt_answer(pkt) :
	    s == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(pkt) : ldns_pkt_additional(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(all); i++) {
		ldns_rr *rr = ldns_rr_list_rr(all, i);

		if (ldns_rr_get_type(rr) == t && (owner == NULL ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) == 0))
			ldns_rr_list_push_rr(out, ldns_rr_clone(rr));
	}
	return out;
}

ldns_rr_list *
dns_ns_names(const ldns_pkt *pkt, const ldns_rdf *zone)
{
	ldns_rr_list *ns = dns_section_rrs(pkt, LDNS_SECTION_ANSWER, zone, LDNS_RR_TYPE_NS);

	if (ns != NULL && ldns_rr_list_rr_count(ns) == 0) {
		ldns_rr_list_deep_free(ns);
		return NULL;
	}
	return ns;
}

/* An rdf (or "?") as text into buf. */
static const char *
rdf_text(const ldns_rdf *d, char *buf, size_t len)
{
	char *s = d != NULL ? ldns_rdf2str(d) : NULL;

	snprintf(buf, len, "%s", s != NULL ? s : "?");
	free(s);
	return buf;
}

/* The network of a numeric address: "a.b.c.0/24" or the /48 of an IPv6 address. */
int
dns_network(const char *addr, char *out, size_t len)
{
	unsigned char b[16];
	char txt[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, addr, b) == 1) {
		snprintf(out, len, "%u.%u.%u.0/24", b[0], b[1], b[2]);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, b) == 1) {
		memset(b + 6, 0, 10);
		if (inet_ntop(AF_INET6, b, txt, sizeof(txt)) == NULL)
			return -1;
		snprintf(out, len, "%s/48", txt);
		return 0;
	}
	return -1;
}

struct eval {
	struct result	*r;
	json_t		*findings;
	const struct dns_conf *dc;
	ldns_rdf	*zone;
	time_t		 now;
	int64_t		 earliest;	/* ms: the earliest expiry of the sets' valid signatures */
};

static void __attribute__((format(printf, 3, 4)))
finding(struct eval *e, enum reason reason, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	result_flag(e->r, reason, "%s", msg);
	json_array_append_new(e->findings, json_pack("{s:s, s:s}", "reason", reason_names[reason],
	    "message", msg));
}

/* The answer's RCODE by name ("REFUSED"). */
static const char *
rcode_name(const ldns_pkt *pkt)
{
	const ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(pkt));

	return lt != NULL ? lt->name : "an unknown RCODE";
}

/* The SOA of the zone in an answer's answer section, or NULL (borrowed). */
static const ldns_rr *
answer_soa(const ldns_pkt *pkt, const ldns_rdf *zone)
{
	ldns_rr_list *all = ldns_pkt_answer(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(all); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(all, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    ldns_dname_compare(ldns_rr_owner(rr), zone) == 0 && ldns_rr_rd_count(rr) >= 3)
			return rr;
	}
	return NULL;
}

/* Is the server's answer authoritative with the zone's SOA? Records why not. */
static bool
server_ok(struct eval *e, const struct dns_server *s, json_t *row, uint32_t *serial)
{
	const ldns_rr *soa;
	char z[256];

	rdf_text(e->zone, z, sizeof(z));
	if (s->soa == NULL && s->unroutable) {
		json_object_set_new(row, "error", json_string("not asked: no route from this "
		    "vantage point to the address's family"));
		return false;
	}
	if (s->soa == NULL) {
		json_object_set_new(row, "error", json_string(s->error ? s->error : "no answer"));
		finding(e, REASON_DNS_LAME, "name server %s (%s) does not answer for %s: %s",
		    s->name, s->addr, z, s->error ? s->error : "no answer");
		return false;
	}
	json_object_set_new(row, "rcode", json_string(rcode_name(s->soa)));
	json_object_set_new(row, "authoritative", json_boolean(ldns_pkt_aa(s->soa)));
	if (ldns_pkt_get_rcode(s->soa) != LDNS_RCODE_NOERROR) {
		finding(e, REASON_DNS_LAME, "name server %s (%s) answers %s for %s SOA", s->name,
		    s->addr, rcode_name(s->soa), z);
		return false;
	}
	if (!ldns_pkt_aa(s->soa)) {
		finding(e, REASON_DNS_LAME,
		    "name server %s (%s) is not authoritative for %s (lame delegation)", s->name,
		    s->addr, z);
		return false;
	}
	if ((soa = answer_soa(s->soa, e->zone)) == NULL) {
		finding(e, REASON_DNS_LAME, "name server %s (%s) answers without the SOA of %s",
		    s->name, s->addr, z);
		return false;
	}
	*serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	json_object_set_new(row, "soa_serial", json_integer(*serial));
	return true;
}

/*
 * Verifies the set (zone, t) in pkt's answer with keys at e->now; from is the server for
 * messages. Returns 0 and lowers e->earliest to the set's latest valid signature's expiry,
 * or -1 after a dnssec_bogus finding.
 */
static int
verify_set(struct eval *e, const ldns_pkt *pkt, ldns_rr_type t, const ldns_rr_list *keys,
    const char *from)
{
	ldns_rr_list *set = dns_section_rrs(pkt, LDNS_SECTION_ANSWER, e->zone, t);
	ldns_rr_list *sigs = dns_section_rrs(pkt, LDNS_SECTION_ANSWER, e->zone, LDNS_RR_TYPE_RRSIG);
	ldns_status st = LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY;
	char z[256], tn[16];
	int64_t best = -1;
	int nsig = 0, rc = -1;
	char *ts = ldns_rr_type2str(t);

	snprintf(tn, sizeof(tn), "%s", ts != NULL ? ts : "?");
	free(ts);
	rdf_text(e->zone, z, sizeof(z));
	if (ldns_rr_list_rr_count(set) == 0) {
		finding(e, REASON_DNSSEC_BOGUS, "%s gives no %s %s set to verify", from, z, tn);
		goto out;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
		const ldns_rr *sig = ldns_rr_list_rr(sigs, i);
		ldns_status s;

		if (ldns_rr_rd_count(sig) < 9 ||
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) != t)
			continue;
		nsig++;
		s = ldns_verify_rrsig_keylist_time(set, sig, keys, e->now, NULL);
		if (s == LDNS_STATUS_OK) {
			int64_t exp = (int64_t)ldns_rdf2native_time_t(ldns_rr_rrsig_expiration(sig));

			if (exp * 1000 > best)
				best = exp * 1000;
		} else
			st = s;
	}
	if (nsig == 0)
		finding(e, REASON_DNSSEC_BOGUS, "%s gives %s %s without an RRSIG in a signed zone",
		    from, z, tn);
	else if (best < 0)
		finding(e, REASON_DNSSEC_BOGUS, "the RRSIG over %s %s from %s does not verify: %s", z,
		    tn, from, ldns_get_errorstr_by_id(st));
	else {
		if (e->earliest < 0 || best < e->earliest)
			e->earliest = best;
		rc = 0;
	}
out:
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(sigs);
	return rc;
}

/* DNSSEC (RFC 4035 §5): the keys, the parent's DS, the signed sets and their expiry. */
static void
dnssec(struct eval *e, const struct dns_obs *o, const bool *good)
{
	ldns_rr_list *keys = dns_section_rrs(o->dnskey, LDNS_SECTION_ANSWER, e->zone,
	    LDNS_RR_TYPE_DNSKEY);
	ldns_rr_list *ds = dns_section_rrs(o->ds, LDNS_SECTION_ANSWER, e->zone, LDNS_RR_TYPE_DS);
	size_t nkeys = ldns_rr_list_rr_count(keys), nds = ldns_rr_list_rr_count(ds);
	const char *state = "unsigned";
	char z[256], from[300];
	bool bogus = false;

	rdf_text(e->zone, z, sizeof(z));
	dns_detail_int(e->r, DNS_DNSKEYS, (int64_t)nkeys);
	dns_detail_int(e->r, DNS_DS, (int64_t)nds);
	if (nkeys == 0 && nds == 0)
		goto out;		/* an unsigned zone: nothing to validate */
	if (nkeys == 0) {
		finding(e, REASON_DNSSEC_BOGUS,
		    "the parent publishes %zu DS for %s but its servers give no DNSKEY", nds, z);
		bogus = true;
		goto out;
	}
	if (nds > 0) {
		bool match = false;

		for (size_t i = 0; i < nds && !match; i++)
			for (size_t k = 0; k < nkeys && !match; k++)
				match = ldns_rr_compare_ds(ldns_rr_list_rr(ds, i),
				    ldns_rr_list_rr(keys, k));
		if (!match) {
			finding(e, REASON_DNSSEC_BOGUS,
			    "no DNSKEY of %s matches the parent's DS (broken chain of trust)", z);
			bogus = true;
		}
	}
	if (o->keysrv < o->nsrv)
		snprintf(from, sizeof(from), "%s (%s)", o->srv[o->keysrv].name,
		    o->srv[o->keysrv].addr);
	else
		snprintf(from, sizeof(from), "the name server");
	bogus |= verify_set(e, o->dnskey, LDNS_RR_TYPE_DNSKEY, keys, from) != 0;
	if (o->nsauth != NULL)
		bogus |= verify_set(e, o->nsauth, LDNS_RR_TYPE_NS, keys, from) != 0;
	for (size_t i = 0; i < o->nsrv; i++) {
		if (!good[i])
			continue;
		snprintf(from, sizeof(from), "%s (%s)", o->srv[i].name, o->srv[i].addr);
		bogus |= verify_set(e, o->srv[i].soa, LDNS_RR_TYPE_SOA, keys, from) != 0;
	}
	state = bogus ? "bogus" : "valid";
	if (e->earliest >= 0) {
		int64_t left = e->earliest - (int64_t)e->now * 1000;
		char d[32];

		dns_detail_time(e->r, DNS_SIGNATURES_EXPIRE, e->earliest);
		duration_format(e->dc->min_remaining_ms, d, sizeof(d));
		if (left < e->dc->min_remaining_ms)
			finding(e, REASON_STALE,
			    "the DNSSEC signatures of %s expire in %lld h (< min_remaining %s)", z,
			    (long long)(left / 3600000), d);
	}
out:
	dns_detail_str(e->r, DNS_DNSSEC, state);
	ldns_rr_list_deep_free(keys);
	ldns_rr_list_deep_free(ds);
}

void
dns_evaluate(const struct dns_obs *o, const struct dns_conf *dc, int64_t now_ms,
    struct result *r)
{
	struct eval e = { .r = r, .dc = dc, .now = (time_t)(now_ms / 1000), .earliest = -1 };
	ldns_rr_list *names = NULL;
	json_t *rows = json_array(), *nets = json_object();
	bool *good = NULL;
	uint32_t first = 0, serial;
	bool have = false, differ = false;
	size_t nnames;
	char z[256];

	e.findings = json_array();
	if (dc == NULL || dc->zone == NULL ||
	    ldns_str2rdf_dname(&e.zone, dc->zone) != LDNS_STATUS_OK) {
		result_flag(r, REASON_INTERNAL, "dns endpoint without a valid zone");
		goto out;
	}
	rdf_text(e.zone, z, sizeof(z));
	dns_detail_str(r, DNS_ZONE, z);
	if (o->ns == NULL) {
		result_flag(r, REASON_DNS, "cannot get the NS set of %s: %s", z,
		    o->ns_error ? o->ns_error : "no answer");
		goto out;
	}
	if (ldns_pkt_get_rcode(o->ns) != LDNS_RCODE_NOERROR ||
	    (names = dns_ns_names(o->ns, e.zone)) == NULL) {
		result_flag(r, REASON_DNS, "%s has no NS set (%s)", z, rcode_name(o->ns));
		goto out;
	}
	nnames = ldns_rr_list_rr_count(names);
	for (size_t i = 0; i < o->nnoaddr; i++)
		finding(&e, REASON_DNS_LAME, "name server %s of %s has no address", o->noaddr[i], z);
	good = xcalloc(o->nsrv + 1, sizeof(*good));
	for (size_t i = 0; i < o->nsrv; i++) {
		json_t *row = json_pack("{s:s, s:s}", "name", o->srv[i].name, "address",
		    o->srv[i].addr);
		char net[64];

		if (dns_network(o->srv[i].addr, net, sizeof(net)) == 0) {
			json_object_set_new(row, "network", json_string(net));
			json_object_set_new(nets, net, json_true());
		}
		if (o->srv[i].soa != NULL) {
			json_object_set_new(row, "rtt_ms", json_real(o->srv[i].rtt_ms));
			if (o->srv[i].tcp)
				json_object_set_new(row, "tcp", json_true());
		}
		if ((good[i] = server_ok(&e, &o->srv[i], row, &serial))) {
			if (have && serial != first)
				differ = true;
			if (!have || serial > first)
				first = serial;
			have = true;
		}
		json_array_append_new(rows, row);
	}
	if (have)
		dns_detail_int(r, DNS_SERIAL, first);
	else if (r->reason == REASON_OK)
		finding(&e, REASON_DNS, "no name server of %s could be asked from here", z);
	if (differ) {
		char list[512] = "";
		size_t off = 0;

		for (size_t i = 0; i < o->nsrv && off < sizeof(list); i++) {
			json_t *s = json_object_get(json_array_get(rows, i), "soa_serial");

			if (s != NULL)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s %lld",
				    off ? ", " : "", o->srv[i].name, (long long)json_integer_value(s));
		}
		finding(&e, REASON_DNS_INCONSISTENT, "the SOA serials of %s differ: %s", z, list);
	}
	dns_detail_int(r, DNS_NETWORKS, (int64_t)json_object_size(nets));
	if (nnames < 2)
		finding(&e, REASON_DNS_SINGLE_POINT,
		    "%s has a single name server (RFC 2182 asks for at least two)", z);
	else if (json_object_size(nets) < 2)
		finding(&e, REASON_DNS_SINGLE_POINT,
		    "the %zu name servers of %s are all in one network (%s; RFC 2182 asks for "
		    "servers on different networks)", nnames, z,
		    json_object_size(nets) == 1 ? json_object_iter_key(json_object_iter(nets)) :
		    "no address");
	dnssec(&e, o, good);
out:
	if (json_array_size(rows) > 0)
		dns_detail_json(r, DNS_NAMESERVERS, rows);
	if (json_array_size(e.findings) > 0)
		dns_detail_json(r, DNS_FINDINGS, e.findings);
	json_decref(rows);
	json_decref(nets);
	json_decref(e.findings);
	ldns_rr_list_deep_free(names);
	ldns_rdf_deep_free(e.zone);
	free(good);
}
