/*
 * Kind dns, the evaluator on canned answers (SPEC §14): packets built with ldns, put on the
 * wire and parsed back, as the probe receives them, for a zone ex.test served by three
 * servers at a fixed clock. Every reason: dns (no NS set), dns_lame (REFUSED, not
 * authoritative, no answer, no address, no SOA), dns_inconsistent, dns_single_point (one
 * server; one /24; one /48), dnssec_bogus (a flipped byte, a missing RRSIG, an expired
 * signature, a DS that matches no key, a DS without DNSKEY) and stale; the kind's keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/config.h"
#include "core/kind.h"
#include "core/util.h"
#include "probe/dns.h"
#include "probe/probe.h"

#define ZONE	"ex.test."
#define AT	1785888000LL			/* 2026-08-05T00:00:00Z, seconds */

static ldns_key_list *keys;
static ldns_rr *dnskey;

/* Parses one RR in presentation format. */
static ldns_rr *
rr(const char *s)
{
	ldns_rr *r = NULL;

	assert_int_equal(ldns_rr_new_frm_str(&r, s, 300, NULL, NULL), LDNS_STATUS_OK);
	return r;
}

/* Appends to l the RRSIGs of the set (one owner and type) made at inception..expiration. */
static void
sign_into(ldns_rr_list *l, ldns_rr_list *set, int64_t inception, int64_t expiration, bool flip)
{
	ldns_key *k = ldns_key_list_key(keys, 0);
	ldns_rr_list *sigs;

	ldns_key_set_inception(k, (uint32_t)inception);
	ldns_key_set_expiration(k, (uint32_t)expiration);
	sigs = ldns_sign_public(set, keys);
	assert_non_null(sigs);
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
		ldns_rr *sig = ldns_rr_clone(ldns_rr_list_rr(sigs, i));

		if (flip)
			ldns_rdf_data(ldns_rr_rdf(sig, 8))[5] ^= 0x40;
		ldns_rr_list_push_rr(l, sig);
	}
	ldns_rr_list_deep_free(sigs);
}

struct zone {
	uint32_t	 serial;
	bool		 aa, sign, flip, nosig;
	ldns_pkt_rcode	 rcode;
	int64_t		 expiration;	/* 0: AT + 30 days */
};

/*
 * An answer to "ZONE type" as the wire carries it: the set, and its RRSIGs when z->sign
 * (DNSKEY answers carry the key itself).
 */
static ldns_pkt *
answer(ldns_rr_type type, const struct zone *z, const char *const *extra)
{
	ldns_pkt *p = ldns_pkt_new(), *back = NULL;
	ldns_rr_list *set = ldns_rr_list_new(), *sigs = ldns_rr_list_new();
	uint8_t *wire = NULL;
	size_t len = 0;
	char line[256];
	ldns_rdf *qn = NULL;

	assert_int_equal(ldns_str2rdf_dname(&qn, ZONE), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 4711);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, z->aa);
	ldns_pkt_set_rcode(p, (uint8_t)z->rcode);
	{
		ldns_rr *q = ldns_rr_new();

		ldns_rr_set_owner(q, qn);
		ldns_rr_set_type(q, type);
		ldns_rr_set_question(q, true);
		ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	}
	if (z->rcode == LDNS_RCODE_NOERROR) {
		if (type == LDNS_RR_TYPE_SOA) {
			snprintf(line, sizeof(line), ZONE " 300 IN SOA ns1." ZONE " h." ZONE
			    " %u 3600 600 86400 300", z->serial);
			ldns_rr_list_push_rr(set, rr(line));
		} else if (type == LDNS_RR_TYPE_DNSKEY && z->sign)
			ldns_rr_list_push_rr(set, ldns_rr_clone(dnskey));
		else if (type == LDNS_RR_TYPE_NS) {
			for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
				ldns_rr_list_push_rr(set, rr(extra[i]));
		} else if (type == LDNS_RR_TYPE_DS) {
			for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
				ldns_rr_list_push_rr(set, rr(extra[i]));
		}
		if (z->sign && !z->nosig && ldns_rr_list_rr_count(set) > 0)
			sign_into(sigs, set, AT - 86400, z->expiration ? z->expiration :
			    AT + 30 * 86400, z->flip);
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(set); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(set, i)));
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(sigs, i)));
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(sigs);
	/* The wire and back: what the probe parses. */
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	assert_int_equal(ldns_wire2pkt(&back, wire, len), LDNS_STATUS_OK);
	free(wire);
	ldns_pkt_free(p);
	return back;
}

static const char *const ns3[] = {
	ZONE " 300 IN NS ns1." ZONE, ZONE " 300 IN NS ns2." ZONE, ZONE " 300 IN NS ns3." ZONE, NULL
};

/* The healthy zone: three servers in two networks, all agreeing, signed when sign. */
static void
healthy(struct dns_obs *o, bool sign)
{
	static const char *const addr[] = { "192.0.2.1", "192.0.2.2", "198.51.100.3" };
	struct zone z = { .serial = 7, .aa = true, .sign = sign };

	memset(o, 0, sizeof(*o));
	o->ns = answer(LDNS_RR_TYPE_NS, &z, ns3);
	o->nsrv = 3;
	o->srv = xcalloc(3, sizeof(*o->srv));
	for (int i = 0; i < 3; i++) {
		o->srv[i].name = xasprintf("ns%d." ZONE, i + 1);
		o->srv[i].addr = xstrdup(addr[i]);
		o->srv[i].soa = answer(LDNS_RR_TYPE_SOA, &z, NULL);
	}
	o->dnskey = answer(LDNS_RR_TYPE_DNSKEY, &z, NULL);
	o->nsauth = answer(LDNS_RR_TYPE_NS, &z, ns3);
	z.sign = false;
	o->ds = answer(LDNS_RR_TYPE_DS, &z, NULL);
}

static void
replace(ldns_pkt **slot, ldns_pkt *p)
{
	ldns_pkt_free(*slot);
	*slot = p;
}

static struct dns_conf conf = { .zone = ZONE, .min_remaining_ms = 86400000LL };

static void
eval(const struct dns_obs *o, struct result *r)
{
	result_init(r, NULL, AT * 1000);
	dns_evaluate(o, &conf, AT * 1000, r);
}

static void
expect(struct dns_obs *o, enum reason want, const char *msg)
{
	struct result r;
	char *d;

	eval(o, &r);
	d = json_dumps(r.details, 0);
	if (r.reason != want || (msg != NULL && (r.message == NULL || strstr(r.message, msg) == NULL)))
		fail_msg("want %s '%s', got %s: %s | %s", reason_names[want], msg ? msg : "",
		    reason_names[r.reason], r.message ? r.message : "(none)", d);
	free(d);
	result_clear(&r);
	dns_obs_clear(o);
}

static void
a_healthy_signed_zone_is_up_and_valid(void **state)
{
	struct dns_obs o;
	struct result r;
	json_t *ns;

	(void)state;
	healthy(&o, true);
	eval(&o, &r);
	assert_int_equal(r.reason, REASON_OK);
	assert_string_equal(json_string_value(json_object_get(r.details, "dnssec")), "valid");
	assert_int_equal(json_integer_value(json_object_get(r.details, "soa_serial")), 7);
	assert_int_equal(json_integer_value(json_object_get(r.details, "networks")), 2);
	assert_int_equal(json_integer_value(json_object_get(r.details, "dnskeys")), 1);
	assert_string_equal(json_string_value(json_object_get(r.details, "signatures_expire")),
	    "2026-09-04T00:00:00Z");
	ns = json_object_get(r.details, "nameservers");
	assert_int_equal(json_array_size(ns), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ns, 2), "network")),
	    "198.51.100.0/24");
	assert_null(json_object_get(r.details, "findings"));
	result_clear(&r);
	dns_obs_clear(&o);
}

static void
a_healthy_unsigned_zone_is_up(void **state)
{
	struct dns_obs o;
	struct result r;

	(void)state;
	healthy(&o, false);
	eval(&o, &r);
	assert_int_equal(r.reason, REASON_OK);
	assert_string_equal(json_string_value(json_object_get(r.details, "dnssec")), "unsigned");
	assert_null(json_object_get(r.details, "signatures_expire"));
	result_clear(&r);
	dns_obs_clear(&o);
}

static void
no_ns_set_is_dns(void **state)
{
	struct dns_obs o;
	struct zone nx = { .rcode = LDNS_RCODE_NXDOMAIN, .aa = true };

	(void)state;
	memset(&o, 0, sizeof(o));
	o.ns_error = xstrdup("timeout");
	expect(&o, REASON_DNS, "cannot get the NS set of ex.test.: timeout");
	memset(&o, 0, sizeof(o));
	o.ns = answer(LDNS_RR_TYPE_NS, &nx, NULL);
	expect(&o, REASON_DNS, "has no NS set (NXDOMAIN)");
}

static void
a_refusing_server_is_lame(void **state)
{
	struct dns_obs o;
	struct zone z = { .rcode = LDNS_RCODE_REFUSED };

	(void)state;
	healthy(&o, true);
	replace(&o.srv[1].soa, answer(LDNS_RR_TYPE_SOA, &z, NULL));
	expect(&o, REASON_DNS_LAME, "ns2.ex.test. (192.0.2.2) answers REFUSED");
}

static void
a_non_authoritative_server_is_lame(void **state)
{
	struct dns_obs o;
	struct zone z = { .serial = 7, .aa = false };

	(void)state;
	healthy(&o, false);
	replace(&o.srv[2].soa, answer(LDNS_RR_TYPE_SOA, &z, NULL));
	expect(&o, REASON_DNS_LAME, "ns3.ex.test. (198.51.100.3) is not authoritative");
}

static void
a_silent_server_is_lame(void **state)
{
	struct dns_obs o;

	(void)state;
	healthy(&o, false);
	replace(&o.srv[0].soa, NULL);
	o.srv[0].error = xstrdup("timeout");
	expect(&o, REASON_DNS_LAME, "ns1.ex.test. (192.0.2.1) does not answer for ex.test.: timeout");
}

static void
a_name_server_without_address_is_lame(void **state)
{
	struct dns_obs o;

	(void)state;
	healthy(&o, false);
	o.noaddr = xcalloc(1, sizeof(*o.noaddr));
	o.noaddr[0] = xstrdup("ns4.elsewhere.test.");
	o.nnoaddr = 1;
	expect(&o, REASON_DNS_LAME, "ns4.elsewhere.test. of ex.test. has no address");
}

static void
an_ipv6_server_without_ipv6_here_is_not_lame(void **state)
{
	struct dns_obs o;
	struct result r;
	json_t *row;

	(void)state;
	healthy(&o, true);
	free(o.srv[2].addr);
	o.srv[2].addr = xstrdup("2001:db8::3");
	replace(&o.srv[2].soa, NULL);
	o.srv[2].error = xstrdup("network unreachable");
	o.srv[2].unroutable = true;
	eval(&o, &r);
	assert_int_equal(r.reason, REASON_OK);
	row = json_array_get(json_object_get(r.details, "nameservers"), 2);
	assert_non_null(strstr(json_string_value(json_object_get(row, "error")), "not asked"));
	assert_int_equal(json_integer_value(json_object_get(r.details, "networks")), 2);
	result_clear(&r);
	dns_obs_clear(&o);
	/* Every one unroutable: nothing was checked, which is not up. */
	healthy(&o, false);
	for (int i = 0; i < 3; i++) {
		replace(&o.srv[i].soa, NULL);
		o.srv[i].unroutable = true;
	}
	expect(&o, REASON_DNS, "no name server of ex.test. could be asked from here");
}

static void
an_answer_without_soa_is_lame(void **state)
{
	struct dns_obs o;
	struct zone z = { .aa = true };

	(void)state;
	healthy(&o, false);
	replace(&o.srv[0].soa, answer(LDNS_RR_TYPE_NS, &z, NULL));	/* NODATA */
	expect(&o, REASON_DNS_LAME, "without the SOA");
}

static void
different_serials_are_inconsistent(void **state)
{
	struct dns_obs o;
	struct result r;
	struct zone z = { .serial = 8, .aa = true };

	(void)state;
	healthy(&o, false);
	replace(&o.srv[2].soa, answer(LDNS_RR_TYPE_SOA, &z, NULL));
	eval(&o, &r);
	assert_int_equal(r.reason, REASON_DNS_INCONSISTENT);
	assert_int_equal(r.status, STATUS_DEGRADED);
	assert_non_null(strstr(r.message, "ns1.ex.test. 7, ns2.ex.test. 7, ns3.ex.test. 8"));
	assert_int_equal(json_integer_value(json_object_get(r.details, "soa_serial")), 8);
	result_clear(&r);
	dns_obs_clear(&o);
}

static void
one_server_is_a_single_point(void **state)
{
	static const char *const one[] = { ZONE " 300 IN NS ns1." ZONE, NULL };
	struct dns_obs o;
	struct zone z = { .aa = true };
	struct result r;

	(void)state;
	healthy(&o, false);
	replace(&o.ns, answer(LDNS_RR_TYPE_NS, &z, one));
	eval(&o, &r);
	assert_int_equal(r.reason, REASON_DNS_SINGLE_POINT);
	assert_int_equal(r.status, STATUS_DEGRADED);
	assert_non_null(strstr(r.message, "single name server"));
	result_clear(&r);
	dns_obs_clear(&o);
}

static void
one_network_is_a_single_point(void **state)
{
	struct dns_obs o;

	(void)state;
	healthy(&o, false);
	free(o.srv[2].addr);
	o.srv[2].addr = xstrdup("192.0.2.200");
	expect(&o, REASON_DNS_SINGLE_POINT, "all in one network (192.0.2.0/24");
	healthy(&o, false);
	for (int i = 0; i < 3; i++) {
		free(o.srv[i].addr);
		o.srv[i].addr = xasprintf("2001:db8:%x::%d", i == 2 ? 0 : 0, i + 1);
	}
	expect(&o, REASON_DNS_SINGLE_POINT, "2001:db8::/48");
	healthy(&o, false);
	free(o.srv[0].addr);
	free(o.srv[1].addr);
	free(o.srv[2].addr);
	o.srv[0].addr = xstrdup("2001:db8:1::1");
	o.srv[1].addr = xstrdup("2001:db8:1:ffff::2");
	o.srv[2].addr = xstrdup("2001:db8:2::3");	/* another /48 */
	expect(&o, REASON_OK, NULL);
}

static void
a_flipped_signature_is_bogus(void **state)
{
	struct dns_obs o;
	struct zone z = { .serial = 7, .aa = true, .sign = true, .flip = true };

	(void)state;
	healthy(&o, true);
	replace(&o.srv[1].soa, answer(LDNS_RR_TYPE_SOA, &z, NULL));
	expect(&o, REASON_DNSSEC_BOGUS, "the RRSIG over ex.test. SOA from ns2.ex.test. (192.0.2.2) does not verify");
	healthy(&o, true);
	replace(&o.dnskey, answer(LDNS_RR_TYPE_DNSKEY, &z, NULL));
	expect(&o, REASON_DNSSEC_BOGUS, "ex.test. DNSKEY");
	healthy(&o, true);
	replace(&o.nsauth, answer(LDNS_RR_TYPE_NS, &z, ns3));
	expect(&o, REASON_DNSSEC_BOGUS, "ex.test. NS");
}

static void
a_missing_signature_is_bogus(void **state)
{
	struct dns_obs o;
	struct zone z = { .serial = 7, .aa = true, .sign = true, .nosig = true };

	(void)state;
	healthy(&o, true);
	replace(&o.srv[0].soa, answer(LDNS_RR_TYPE_SOA, &z, NULL));
	expect(&o, REASON_DNSSEC_BOGUS, "SOA without an RRSIG in a signed zone");
}

static void
an_expired_signature_is_bogus(void **state)
{
	struct dns_obs o;
	struct zone z = { .serial = 7, .aa = true, .sign = true, .expiration = AT - 60 };

	(void)state;
	healthy(&o, true);
	replace(&o.srv[0].soa, answer(LDNS_RR_TYPE_SOA, &z, NULL));
	expect(&o, REASON_DNSSEC_BOGUS, "expired");
}

static void
a_signature_close_to_expiry_is_stale(void **state)
{
	struct dns_obs o;
	struct result r;
	struct zone z = { .serial = 7, .aa = true, .sign = true, .expiration = AT + 5 * 3600 };

	(void)state;
	healthy(&o, true);
	replace(&o.nsauth, answer(LDNS_RR_TYPE_NS, &z, ns3));
	eval(&o, &r);
	assert_int_equal(r.reason, REASON_STALE);
	assert_non_null(strstr(r.message, "expire in 5 h (< min_remaining 1d)"));
	assert_string_equal(json_string_value(json_object_get(r.details, "signatures_expire")),
	    "2026-08-05T05:00:00Z");
	assert_string_equal(json_string_value(json_object_get(r.details, "dnssec")), "valid");
	result_clear(&r);
	dns_obs_clear(&o);
}

static void
the_parents_ds_must_match_a_key(void **state)
{
	struct dns_obs o;
	struct zone plain = { .aa = true };
	ldns_rr *ds = ldns_key_rr2ds(dnskey, LDNS_SHA256);
	char *good = ldns_rr2str(ds), *bad = xstrdup(good);
	const char *list[2] = { good, NULL };
	char *p;

	(void)state;
	good[strcspn(good, "\n")] = '\0';
	bad[strcspn(bad, "\n")] = '\0';
	p = bad + strlen(bad) - 1;
	*p = *p == '0' ? '1' : '0';		/* another digest (hex is case-blind: no letters) */
	healthy(&o, true);
	replace(&o.ds, answer(LDNS_RR_TYPE_DS, &plain, list));
	expect(&o, REASON_OK, NULL);
	list[0] = bad;
	healthy(&o, true);
	replace(&o.ds, answer(LDNS_RR_TYPE_DS, &plain, list));
	expect(&o, REASON_DNSSEC_BOGUS, "matches the parent's DS");
	list[0] = good;
	healthy(&o, false);
	replace(&o.ds, answer(LDNS_RR_TYPE_DS, &plain, list));
	expect(&o, REASON_DNSSEC_BOGUS, "publishes 1 DS for ex.test. but its servers give no DNSKEY");
	ldns_rr_free(ds);
	free(good);
	free(bad);
}

static void
the_worst_finding_wins_and_all_are_listed(void **state)
{
	struct dns_obs o;
	struct result r;
	struct zone refused = { .rcode = LDNS_RCODE_REFUSED };
	struct zone other = { .serial = 9, .aa = true, .sign = true };
	json_t *f;

	(void)state;
	healthy(&o, true);
	replace(&o.srv[1].soa, answer(LDNS_RR_TYPE_SOA, &other, NULL));
	replace(&o.srv[2].soa, answer(LDNS_RR_TYPE_SOA, &refused, NULL));
	eval(&o, &r);
	assert_int_equal(r.reason, REASON_DNS_LAME);
	f = json_object_get(r.details, "findings");
	assert_int_equal(json_array_size(f), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 1), "reason")),
	    "dns_inconsistent");
	result_clear(&r);
	dns_obs_clear(&o);
}

static void
addresses_and_reasons(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)state;
	assert_int_equal(dns_parse_addr("127.0.0.53:5353", &ss, &len), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 5353);
	assert_int_equal(dns_parse_addr("9.9.9.9", &ss, &len), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 53);
	assert_int_equal(dns_parse_addr("[2001:db8::1]:54", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(dns_parse_addr("2001:db8::1", &ss, &len), 0);
	assert_int_equal(dns_parse_addr("ns.example:53", &ss, &len), -1);
	assert_int_equal(dns_parse_addr("1.2.3.4:0", &ss, &len), -1);
	assert_int_equal(dns_parse_addr("[::1", &ss, &len), -1);
	assert_int_equal(reason_status(REASON_DNS_LAME), STATUS_DOWN);
	assert_int_equal(reason_status(REASON_DNS_INCONSISTENT), STATUS_DEGRADED);
	assert_int_equal(reason_status(REASON_DNS_SINGLE_POINT), STATUS_DEGRADED);
	assert_int_equal(reason_status(REASON_DNSSEC_BOGUS), STATUS_DOWN);
	assert_int_equal(reason_from_name("dnssec_bogus"), REASON_DNSSEC_BOGUS);
}

static void
the_kind_declares_its_keys_and_reasons(void **state)
{
	const struct kind_info *ki = kind_info(KIND_DNS);
	const struct probe_ops *ops = probe_ops_for(KIND_DNS);

	(void)state;
	assert_int_equal(kind_from_name("dns"), KIND_DNS);
	assert_non_null(ops->run);
	assert_null(ops->start);
	assert_true(ki->no_url);
	assert_int_equal(ki->n_keys, 3);
	assert_string_equal(ki->keys[0].key, "zone");
	assert_string_equal(ki->keys[1].key, "resolver");
	assert_string_equal(ki->keys[2].key, "expect.min_remaining");
	assert_true(ki->reasons & REASON_BIT(REASON_DNS_LAME));
	assert_true(ki->reasons & REASON_BIT(REASON_DNS_INCONSISTENT));
	assert_true(ki->reasons & REASON_BIT(REASON_DNS_SINGLE_POINT));
	assert_true(ki->reasons & REASON_BIT(REASON_DNSSEC_BOGUS));
	assert_true(ki->reasons & REASON_BIT(REASON_STALE));
	assert_false(ki->reasons & REASON_BIT(REASON_NONCE_MISMATCH));
}

static int
setup(void **state)
{
	ldns_key *k = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
	ldns_rdf *owner = NULL;

	(void)state;
	if (k == NULL || ldns_str2rdf_dname(&owner, ZONE) != LDNS_STATUS_OK)
		return -1;
	ldns_key_set_pubkey_owner(k, owner);
	ldns_key_set_flags(k, LDNS_KEY_ZONE_KEY | LDNS_KEY_SEP_KEY);
	dnskey = ldns_key2rr(k);
	ldns_key_set_keytag(k, ldns_calc_keytag(dnskey));
	keys = ldns_key_list_new();
	ldns_key_list_push_key(keys, k);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ldns_rr_free(dnskey);
	ldns_key_list_free(keys);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_healthy_signed_zone_is_up_and_valid),
		cmocka_unit_test(a_healthy_unsigned_zone_is_up),
		cmocka_unit_test(no_ns_set_is_dns),
		cmocka_unit_test(a_refusing_server_is_lame),
		cmocka_unit_test(a_non_authoritative_server_is_lame),
		cmocka_unit_test(a_silent_server_is_lame),
		cmocka_unit_test(a_name_server_without_address_is_lame),
		cmocka_unit_test(an_answer_without_soa_is_lame),
		cmocka_unit_test(an_ipv6_server_without_ipv6_here_is_not_lame),
		cmocka_unit_test(different_serials_are_inconsistent),
		cmocka_unit_test(one_server_is_a_single_point),
		cmocka_unit_test(one_network_is_a_single_point),
		cmocka_unit_test(a_flipped_signature_is_bogus),
		cmocka_unit_test(a_missing_signature_is_bogus),
		cmocka_unit_test(an_expired_signature_is_bogus),
		cmocka_unit_test(a_signature_close_to_expiry_is_stale),
		cmocka_unit_test(the_parents_ds_must_match_a_key),
		cmocka_unit_test(the_worst_finding_wins_and_all_are_listed),
		cmocka_unit_test(addresses_and_reasons),
		cmocka_unit_test(the_kind_declares_its_keys_and_reasons),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
