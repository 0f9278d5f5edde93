/*
 * The testbed's authoritative DNS server (--dns-port P): two test zones, signed.tb.test
 * (ECDSA P-256 key generated at start, every RRset signed with ldns) and unsigned.tb.test,
 * each with name servers ns1 (127.0.0.53), ns2 (127.0.0.54) and ns3 (127.0.1.53, another
 * /24), all served on UDP and TCP at port P of the three addresses. Faults ("dns=FAULT";
 * `dns=ok`, or a bare `ok`, heals every one):
 *   lame       ns2 answers REFUSED
 *   serial     ns3 serves the SOA serial + 1
 *   bogus      every RRSIG's signature has a byte flipped
 *   single     the NS set is ns1 alone
 *   expiring   the signatures expire 2 hours from now
 *   truncate   every UDP answer is truncated (TC), so clients retry over TCP
 * Writes DIR/dns.addr ("127.0.0.53:P"), the address to give kind dns as resolver:.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <ldns/ldns.h>

#include "core/util.h"
#include "testbed/testbed.h"

#define NSRV	3
#define NZONE	2

static const char *const srv_addr[NSRV] = { "127.0.0.53", "127.0.0.54", "127.0.1.53" };
static const char *const zone_name[NZONE] = { "signed.tb.test.", "unsigned.tb.test." };

enum dns_fault { DF_LAME, DF_SERIAL, DF_BOGUS, DF_SINGLE, DF_EXPIRING, DF_TRUNCATE, DF__MAX };
static const char *const fault_names[DF__MAX] = {
	"lame", "serial", "bogus", "single", "expiring", "truncate",
};

#define BASE_SERIAL	2026120601u

struct dns_srv {
	int		 udp, tcp;
	struct event	*udp_ev, *tcp_ev;
	ldns_rr_list	*view[NZONE];	/* every RR the server serves, RRSIGs included */
};

static struct {
	bool		 on;
	int		 port;
	bool		 fault[DF__MAX];
	ldns_key_list	*keys;		/* the signed zone's key */
	ldns_rdf	*zone[NZONE];
	struct dns_srv	 srv[NSRV];
} d;

/* The zone's records as server s serves them under the current faults (unsigned). */
static ldns_rr_list *
zone_rrs(int z, int s)
{
	const char *n = zone_name[z];
	uint32_t serial = BASE_SERIAL + (d.fault[DF_SERIAL] && s == 2 ? 1 : 0);
	ldns_rr_list *l = ldns_rr_list_new();
	char line[512];
	ldns_rr *rr;

#define ADD(...) do { \
		snprintf(line, sizeof(line), __VA_ARGS__); \
		rr = NULL; \
		if (ldns_rr_new_frm_str(&rr, line, 300, NULL, NULL) == LDNS_STATUS_OK) \
			ldns_rr_list_push_rr(l, rr); \
		else \
			fprintf(stderr, "trustwatch-testbed: dns: bad record %s\n", line); \
	} while (0)
	ADD("%s 300 IN SOA ns1.%s hostmaster.%s %u 3600 600 86400 300", n, n, n, serial);
	ADD("%s 300 IN NS ns1.%s", n, n);
	if (!d.fault[DF_SINGLE]) {
		ADD("%s 300 IN NS ns2.%s", n, n);
		ADD("%s 300 IN NS ns3.%s", n, n);
	}
	for (int i = 0; i < NSRV; i++)
		ADD("ns%d.%s 300 IN A %s", i + 1, n, srv_addr[i]);
	ADD("www.%s 300 IN A 127.0.0.1", n);
#undef ADD
	return l;
}

/* Signs every RRset of l (and the DNSKEY set it gains) with d.keys; appends the RRSIGs. */
static void
sign(ldns_rr_list *l)
{
	ldns_rr_list *sorted = ldns_rr_list_clone(l), *set;
	time_t now = time(NULL);
	ldns_key *k = ldns_key_list_key(d.keys, 0);

	ldns_key_set_inception(k, (uint32_t)(now - 3600));
	ldns_key_set_expiration(k, (uint32_t)(now + (d.fault[DF_EXPIRING] ? 7200 : 30 * 86400)));
	ldns_rr_list_push_rr(sorted, ldns_key2rr(k));
	ldns_rr_list_push_rr(l, ldns_key2rr(k));
	ldns_rr_list_sort(sorted);
	while ((set = ldns_rr_list_pop_rrset(sorted)) != NULL) {
		ldns_rr_list *sigs = ldns_sign_public(set, d.keys);

		for (size_t i = 0; sigs != NULL && i < ldns_rr_list_rr_count(sigs); i++) {
			ldns_rr *sig = ldns_rr_list_rr(sigs, i);
			ldns_rdf *sd = ldns_rr_rdf(sig, 8);

			if (d.fault[DF_BOGUS] && sd != NULL && ldns_rdf_size(sd) > 0)
				ldns_rdf_data(sd)[ldns_rdf_size(sd) - 1] ^= 0x01;
			ldns_rr_list_push_rr(l, ldns_rr_clone(sig));
		}
		ldns_rr_list_deep_free(sigs);
		ldns_rr_list_deep_free(set);
	}
	ldns_rr_list_deep_free(sorted);
}

/* Rebuilds every server's view after a fault change. */
static void
rebuild(void)
{
	for (int s = 0; s < NSRV; s++)
		for (int z = 0; z < NZONE; z++) {
			ldns_rr_list_deep_free(d.srv[s].view[z]);
			d.srv[s].view[z] = zone_rrs(z, s);
			if (z == 0)
				sign(d.srv[s].view[z]);
		}
}

/* Appends to sec of pkt the RRs of l at owner of type t, with their RRSIGs when dnssec. */
static size_t
put(ldns_pkt *pkt, ldns_pkt_section sec, const ldns_rr_list *l, const ldns_rdf *owner,
    ldns_rr_type t, bool dnssec)
{
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);

		if (ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		if (ldns_rr_get_type(rr) == t) {
			ldns_pkt_push_rr(pkt, sec, ldns_rr_clone(rr));
			n++;
		} else if (dnssec && ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == t)
			ldns_pkt_push_rr(pkt, sec, ldns_rr_clone(rr));
	}
	return n;
}

/* The answer of server s to the query in wire (NULL = none to send); *tc: UDP size exceeded. */
static ldns_pkt *
answer(int s, const uint8_t *wire, size_t len)
{
	ldns_pkt *q = NULL, *a;
	const ldns_rr *qr;
	const ldns_rdf *qn;
	bool dnssec, exists = false;
	int z;

	if (ldns_wire2pkt(&q, wire, len) != LDNS_STATUS_OK || ldns_pkt_qr(q) ||
	    ldns_rr_list_rr_count(ldns_pkt_question(q)) != 1) {
		ldns_pkt_free(q);
		return NULL;
	}
	qr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	qn = ldns_rr_owner(qr);
	a = ldns_pkt_new();
	ldns_pkt_set_id(a, ldns_pkt_id(q));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_rd(a, ldns_pkt_rd(q));
	ldns_pkt_set_cd(a, ldns_pkt_cd(q));
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(qr));
	dnssec = ldns_pkt_edns_do(q);
	if (ldns_pkt_edns(q)) {
		ldns_pkt_set_edns_udp_size(a, 1232);
		ldns_pkt_set_edns_do(a, dnssec);
	}
	for (z = 0; z < NZONE; z++)
		if (ldns_dname_compare(qn, d.zone[z]) == 0 || ldns_dname_is_subdomain(qn, d.zone[z]))
			break;
	if (z == NZONE || (d.fault[DF_LAME] && s == 1)) {
		ldns_pkt_set_rcode(a, LDNS_RCODE_REFUSED);
		goto out;
	}
	ldns_pkt_set_aa(a, true);
	for (size_t i = 0; i < ldns_rr_list_rr_count(d.srv[s].view[z]); i++)
		exists |= ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(d.srv[s].view[z], i)),
		    qn) == 0;
	if (put(a, LDNS_SECTION_ANSWER, d.srv[s].view[z], qn, ldns_rr_get_type(qr), dnssec) == 0) {
		if (!exists)
			ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
		put(a, LDNS_SECTION_AUTHORITY, d.srv[s].view[z], d.zone[z], LDNS_RR_TYPE_SOA, dnssec);
	}
out:
	ldns_pkt_free(q);
	return a;
}

static void
udp_cb(evutil_socket_t fd, short what, void *arg)
{
	int s = (int)(intptr_t)arg;
	uint8_t buf[4096], *out = NULL;
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	size_t outlen = 0;
	ldns_pkt *a;
	ssize_t n;

	(void)what;
	if ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) <= 0)
		return;
	if ((a = answer(s, buf, (size_t)n)) == NULL)
		return;
	if (ldns_pkt2wire(&out, a, &outlen) == LDNS_STATUS_OK &&
	    (d.fault[DF_TRUNCATE] || outlen > (ldns_pkt_edns(a) ? 1232u : 512u))) {
		/* Only the question, TC set (RFC 2181 §9): the client asks again over TCP. */
		free(out);
		out = NULL;
		ldns_rr_list_deep_free(ldns_pkt_answer(a));
		ldns_rr_list_deep_free(ldns_pkt_authority(a));
		ldns_pkt_set_answer(a, ldns_rr_list_new());
		ldns_pkt_set_authority(a, ldns_rr_list_new());
		ldns_pkt_set_ancount(a, 0);
		ldns_pkt_set_nscount(a, 0);
		ldns_pkt_set_tc(a, true);
		if (ldns_pkt2wire(&out, a, &outlen) != LDNS_STATUS_OK)
			outlen = 0;
	}
	if (out != NULL && outlen > 0)
		sendto(fd, out, outlen, 0, (struct sockaddr *)&from, fl);
	free(out);
	ldns_pkt_free(a);
}

/* One TCP connection: length-prefixed queries in, answers out (RFC 7766). */
static void
conn_read(struct bufferevent *bev, void *arg)
{
	int s = (int)(intptr_t)arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2], *msg, *out = NULL;
	size_t len, outlen = 0;
	ldns_pkt *a;

	while (evbuffer_copyout(in, hdr, 2) == 2) {
		len = ((size_t)hdr[0] << 8) | hdr[1];
		if (evbuffer_get_length(in) < len + 2)
			return;
		evbuffer_drain(in, 2);
		msg = xmalloc(len + 1);
		evbuffer_remove(in, msg, len);
		a = answer(s, msg, len);
		free(msg);
		if (a != NULL && ldns_pkt2wire(&out, a, &outlen) == LDNS_STATUS_OK) {
			hdr[0] = (uint8_t)(outlen >> 8);
			hdr[1] = (uint8_t)outlen;
			bufferevent_write(bev, hdr, 2);
			bufferevent_write(bev, out, outlen);
		}
		free(out);
		out = NULL;
		ldns_pkt_free(a);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
tcp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev;
	int c;

	(void)what;
	if ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	if ((bev = bufferevent_socket_new(tb->base, c, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(c);
		return;
	}
	bufferevent_setcb(bev, conn_read, NULL, conn_event, arg);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* Binds a socket of type on addr:port; returns it or -1 (port 0: any, *port set). */
static int
bind_on(const char *addr, int type, int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)*port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if ((fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) != 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
		fprintf(stderr, "trustwatch-testbed: dns: %s:%d: %s\n", addr, *port, strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

int
tb_dns_start(int port)
{
	ldns_key *k;
	char path[4096];
	FILE *f;

	for (int z = 0; z < NZONE; z++)
		if (ldns_str2rdf_dname(&d.zone[z], zone_name[z]) != LDNS_STATUS_OK)
			return -1;
	if ((k = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256)) == NULL) {
		fprintf(stderr, "trustwatch-testbed: dns: cannot generate the zone key\n");
		return -1;
	}
	ldns_key_set_pubkey_owner(k, ldns_rdf_clone(d.zone[0]));
	ldns_key_set_flags(k, LDNS_KEY_ZONE_KEY | LDNS_KEY_SEP_KEY);
	{
		ldns_rr *kr = ldns_key2rr(k);

		ldns_key_set_keytag(k, ldns_calc_keytag(kr));
		ldns_rr_free(kr);
	}
	d.keys = ldns_key_list_new();
	ldns_key_list_push_key(d.keys, k);
	rebuild();
	for (int s = 0; s < NSRV; s++) {
		int p = port;

		/* Every address on the first one's port (0: the kernel picks it for ns1). */
		if ((d.srv[s].udp = bind_on(srv_addr[s], SOCK_DGRAM, &p)) < 0)
			return -1;
		port = p;
		if ((d.srv[s].tcp = bind_on(srv_addr[s], SOCK_STREAM, &p)) < 0)
			return -1;
		d.srv[s].udp_ev = event_new(tb->base, d.srv[s].udp, EV_READ | EV_PERSIST, udp_cb,
		    (void *)(intptr_t)s);
		d.srv[s].tcp_ev = event_new(tb->base, d.srv[s].tcp, EV_READ | EV_PERSIST, tcp_cb,
		    (void *)(intptr_t)s);
		if (d.srv[s].udp_ev == NULL || d.srv[s].tcp_ev == NULL ||
		    event_add(d.srv[s].udp_ev, NULL) != 0 || event_add(d.srv[s].tcp_ev, NULL) != 0)
			return -1;
	}
	d.port = port;
	d.on = true;
	snprintf(path, sizeof(path), "%s/dns.addr", tb->state);
	if ((f = fopen(path, "w")) == NULL || fprintf(f, "%s:%d\n", srv_addr[0], port) < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "trustwatch-testbed: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(stderr, "trustwatch-testbed: dns: zones %s and %s on %s, %s, %s port %d\n",
	    zone_name[0], zone_name[1], srv_addr[0], srv_addr[1], srv_addr[2], port);
	return 0;
}

void
tb_dns_free(void)
{
	for (int s = 0; s < NSRV; s++) {
		if (d.srv[s].udp_ev != NULL)
			event_free(d.srv[s].udp_ev);
		if (d.srv[s].tcp_ev != NULL)
			event_free(d.srv[s].tcp_ev);
		if (d.on) {
			close(d.srv[s].udp);
			close(d.srv[s].tcp);
		}
		for (int z = 0; z < NZONE; z++)
			ldns_rr_list_deep_free(d.srv[s].view[z]);
	}
	for (int z = 0; z < NZONE; z++)
		ldns_rdf_deep_free(d.zone[z]);
	if (d.keys != NULL)
		ldns_key_list_free(d.keys);
	memset(&d, 0, sizeof(d));
}

int
tb_dns_fault(const char *name, char *err, size_t errsz)
{
	int f;

	if (!d.on) {
		snprintf(err, errsz, "the DNS server is not running (start with --dns-port)");
		return -1;
	}
	if (strcmp(name, "ok") == 0) {
		memset(d.fault, 0, sizeof(d.fault));
		rebuild();
		return 0;
	}
	for (f = 0; f < DF__MAX && strcmp(name, fault_names[f]) != 0; f++)
		;
	if (f == DF__MAX) {
		snprintf(err, errsz, "unknown dns fault \"%s\" (lame, serial, bogus, single, "
		    "expiring, truncate or ok)", name);
		return -1;
	}
	d.fault[f] = true;
	rebuild();
	return 0;
}

void
tb_dns_heal(void)
{
	char err[8];

	if (d.on)
		tb_dns_fault("ok", err, sizeof(err));
}

void
tb_dns_fault_list(struct evbuffer *out)
{
	for (int f = 0; f < DF__MAX; f++)
		if (d.fault[f])
			evbuffer_add_printf(out, "dns=%s\n", fault_names[f]);
}
