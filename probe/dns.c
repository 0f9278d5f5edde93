/*
 * Kind dns (SPEC §14): the name servers of a zone and its DNSSEC, asked directly.
 * The resolver (resolver:, else the first nameserver of /etc/resolv.conf; RD and CD set)
 * gives the zone's NS set, each name's A and AAAA and the parent's DS; then every address
 * is asked "ZONE SOA" itself (RD clear, DO set), and the first that answers authoritatively
 * "ZONE DNSKEY" and "ZONE NS". dns_eval.c judges the answers.
 * I/O: one non-blocking socket per query with an event on the engine's base (probe_ops.run),
 * UDP first and TCP when the answer comes truncated (RFC 7766), each query within the
 * endpoint's timeout; the queries of one step go out together. Packets are built and parsed
 * by ldns. The name servers are asked on port 53, or on the resolver's port when resolver: is
 * set (the testbed serves every address on one port).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "probe.h"
#include "dns.h"
#include "dns_int.h"
#include "../core/util.h"

#define N_(s)	(s)	/* an English msgid, translated by report/po */

#define DNS_MAX_NAMES	16	/* NS names followed */
#define DNS_MAX_ADDRS	8	/* addresses per NS name */
#define DNS_EDNS_SIZE	1232	/* the DNS flag day 2020 UDP size */

static const struct detail_field dns_fields[DNS__MAX] = {
	[DNS_ZONE] = { "zone", DETAIL_TYPE_STRING, 0, "the zone watched, absolute" },
	[DNS_SERIAL] = { "soa_serial", DETAIL_TYPE_INTEGER, 0,
	    "SOA serial (the highest when the servers disagree)" },
	[DNS_NAMESERVERS] = { "nameservers", DETAIL_TYPE_LIST, 0,
	    "every address of every NS name: name, address, network, rcode, authoritative, soa_serial, rtt_ms, tcp, or error" },
	[DNS_NETWORKS] = { "networks", DETAIL_TYPE_INTEGER, 0,
	    "distinct networks (/24 IPv4, /48 IPv6) of the name servers" },
	[DNS_DNSSEC] = { "dnssec", DETAIL_TYPE_STRING, 0, "unsigned, valid or bogus" },
	[DNS_DNSKEYS] = { "dnskeys", DETAIL_TYPE_INTEGER, 0, "DNSKEY records of the zone" },
	[DNS_DS] = { "ds", DETAIL_TYPE_INTEGER, 0, "DS records of the zone at its parent" },
	[DNS_SIGNATURES_EXPIRE] = { "signatures_expire", DETAIL_TYPE_TIME, 0,
	    "the earliest expiry among the DNSKEY, NS and SOA sets' valid RRSIGs" },
	[DNS_FINDINGS] = { "findings", DETAIL_TYPE_LIST, 0,
	    "every reason found, in order (the result's reason is the first of the worst)" },
};

void
dns_detail_int(struct result *r, enum dns_detail f, int64_t v)
{
	detail_kind_set_int(r->details, &dns_fields[f], v);
}

void
dns_detail_str(struct result *r, enum dns_detail f, const char *s)
{
	detail_kind_set_str(r->details, &dns_fields[f], s);
}

void
dns_detail_time(struct result *r, enum dns_detail f, int64_t ms)
{
	detail_kind_set_time(r->details, &dns_fields[f], ms);
}

void
dns_detail_json(struct result *r, enum dns_detail f, json_t *v)
{
	detail_kind_set_json(r->details, &dns_fields[f], v);
}

/* Config keys. */

static void *
dns_conf_new(void)
{
	struct dns_conf *dc = xcalloc(1, sizeof(*dc));

	dc->min_remaining_ms = 86400000LL;
	return dc;
}

static void
dns_conf_free(void *arg)
{
	struct dns_conf *dc = arg;

	if (dc == NULL)
		return;
	free(dc->zone);
	free(dc->resolver);
	free(dc);
}

static void
key_zone(struct conf_kv *kv, struct conf_endpoint *ep)
{
	struct dns_conf *dc = ep->kind_conf;
	ldns_rdf *d = NULL;
	char *s = NULL;
	size_t n;

	if (conf_kv_str(kv, &s) != 0)
		return;
	for (char *p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen(s);
	if (n == 0 || n > 253 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-._") != n ||
	    strstr(s, "..") != NULL || s[0] == '.' ||
	    ldns_str2rdf_dname(&d, s) != LDNS_STATUS_OK) {
		conf_kv_err(kv, "zone: expected a domain name such as luxtrust.lu, found '%s'", s);
		free(s);
		ldns_rdf_deep_free(d);
		return;
	}
	ldns_rdf_deep_free(d);
	free(dc->zone);
	dc->zone = xasprintf("%s%s", s, s[n - 1] == '.' ? "" : ".");
	free(s);
}

/* Parses "ADDR", "ADDR:PORT" or "[V6]:PORT" (port 53 by default); 0 or -1. */
int
dns_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	long p = 53;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || (size_t)(rb - s - 1) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(rb - s - 1), s + 1);
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1] != '\0')
			return -1;
	} else if (strchr(s, ':') != NULL && strchr(s, ':') == strrchr(s, ':')) {
		const char *c = strchr(s, ':');

		if ((size_t)(c - s) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(c - s), s);
		port = c + 1;
	} else if (strlen(s) < sizeof(host))
		snprintf(host, sizeof(host), "%s", s);
	else
		return -1;
	if (port != NULL) {
		errno = 0;
		p = strtol(port, &end, 10);
		if (errno != 0 || end == port || *end != '\0' || p < 1 || p > 65535)
			return -1;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)p);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)p);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

static void
key_resolver(struct conf_kv *kv, struct conf_endpoint *ep)
{
	struct dns_conf *dc = ep->kind_conf;
	char *s = NULL;

	if (conf_kv_str(kv, &s) != 0)
		return;
	if (dns_parse_addr(s, &dc->resolver_sa, &dc->resolver_len) != 0) {
		conf_kv_err(kv, "resolver: expected ADDR[:PORT] with a numeric IPv4 or [IPv6] "
		    "address, such as 127.0.0.53:5353, found '%s'", s);
		free(s);
		return;
	}
	free(dc->resolver);
	dc->resolver = s;
}

static void
key_min_remaining(struct conf_kv *kv, struct conf_endpoint *ep)
{
	conf_kv_duration(kv, &((struct dns_conf *)ep->kind_conf)->min_remaining_ms);
}

static const struct conf_key dns_keys[] = {
	{ "zone", key_zone },
	{ "resolver", key_resolver },
	{ "expect.min_remaining", key_min_remaining },
};

static void
dns_conf_check(struct conf_kv *kv, struct conf_endpoint *ep)
{
	struct dns_conf *dc = ep->kind_conf;

	if (conf_kv_has(kv, "url"))
		conf_kv_err(kv, "endpoint %s: kind dns takes 'zone', not 'url'",
		    ep->id ? ep->id : "?");
	if (!conf_kv_has(kv, "zone"))
		conf_kv_err(kv, "endpoint %s: missing required key 'zone' (kind dns)",
		    ep->id ? ep->id : "?");
	if (dc != NULL && dc->zone != NULL && ep->url == NULL) {
		/* RFC 4501's dns: URI names the zone on pages and in exports. */
		ep->url = xasprintf("dns:%.*s", (int)strlen(dc->zone) - 1, dc->zone);
	}
}

static void
dns_settings(const struct conf_endpoint *ep, char *out, size_t len)
{
	const struct dns_conf *dc = ep->kind_conf;
	char d[32];

	if (dc == NULL)
		return;
	duration_format(dc->min_remaining_ms, d, sizeof(d));
	snprintf(out, len, " zone=%s%s%s min_remaining=%s", dc->zone ? dc->zone : "?",
	    dc->resolver ? " resolver=" : "", dc->resolver ? dc->resolver : "", d);
}

static const struct kind_info dns_info = {
	.label = N_("DNS zones"),
	.description = N_("DNS zone (RFC 1034, RFC 2182, RFC 4035): every name server of the zone answers for it with authority and the same SOA serial; at least two name servers on different networks; a signed zone's DNSKEY, NS and SOA signatures verify with its keys (and a DS at the parent matches one), with enough validity left."),
	.unavailable = N_("The domain's name servers cannot be asked: the names of the services under it may not resolve."),
	.stale = N_("The domain's DNSSEC signatures expire soon: unless they are renewed, validating resolvers will refuse its names."),
	.reasons = REASON_BIT(REASON_DNS_LAME) | REASON_BIT(REASON_DNS_INCONSISTENT) |
	    REASON_BIT(REASON_DNS_SINGLE_POINT) | REASON_BIT(REASON_DNSSEC_BOGUS) |
	    REASON_BIT(REASON_STALE),
	.keys = dns_keys,
	.n_keys = sizeof(dns_keys) / sizeof(dns_keys[0]),
	.conf_new = dns_conf_new,
	.conf_check = dns_conf_check,
	.conf_free = dns_conf_free,
	.settings = dns_settings,
	.no_url = true,
	.details = dns_fields,
	.n_details = DNS__MAX,
};

/* The probe. */

enum qrole { Q_NS, Q_ADDR, Q_SOA, Q_DS, Q_DNSKEY, Q_NSAUTH };

struct dns_probe;

/* One query: UDP, then TCP when the answer comes truncated. */
struct dnsq {
	struct dns_probe *p;
	enum qrole	 role;
	size_t		 idx;		/* Q_ADDR: NS name; Q_SOA: server */
	struct sockaddr_storage sa;
	socklen_t	 salen;
	ldns_rdf	*qname;		/* owned */
	ldns_rr_type	 qtype;
	uint16_t	 id;
	int		 fd;
	bool		 tcp, done;
	bool		 unroutable;	/* no route to the address's family from here */
	struct event	*ev;
	uint8_t		*out;		/* TCP: 2-byte length + the query; UDP: the query */
	size_t		 outlen, outoff;
	uint8_t		*in;		/* TCP: what came so far */
	size_t		 inlen;
	int64_t		 t0, t1, deadline;	/* monotonic ms: sent, ended, deadline */
	ldns_pkt	*ans;		/* owned until taken */
	char		*err;
};

struct dns_probe {
	const struct conf_endpoint *ep;
	const struct dns_conf *dc;
	struct event_base *base;
	void		(*done)(void *);
	void		*done_arg;
	struct result	*r;
	ldns_rdf	*zone;
	struct sockaddr_storage res;
	socklen_t	 reslen;
	uint16_t	 ns_port;		/* network order */
	struct dnsq	**q;
	size_t		 nq, pending;
	int		 step;
	ldns_rr_list	*names;			/* the NS names (owned) */
	struct sockaddr_storage *srv_sa;	/* parallel to obs.srv */
	struct dns_obs	 obs;
	int64_t		 t0;
	bool		 finished;
};

static void q_cb(evutil_socket_t fd, short what, void *arg);
static void next_step(struct dns_probe *p);

static void
q_close(struct dnsq *q)
{
	if (q->ev != NULL) {
		event_free(q->ev);
		q->ev = NULL;
	}
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
}

static void
q_free(struct dnsq *q)
{
	if (q == NULL)
		return;
	q_close(q);
	ldns_rdf_deep_free(q->qname);
	free(q->out);
	free(q->in);
	ldns_pkt_free(q->ans);
	free(q->err);
	free(q);
}

/* Ends q (answer in q->ans, or q->err); the step moves on when it was the last. */
static void
q_end(struct dnsq *q, const char *err)
{
	struct dns_probe *p = q->p;

	if (q->done)
		return;
	q->done = true;
	q->t1 = mono_ms();
	if (err != NULL && q->err == NULL)
		q->err = xstrdup(err);
	q_close(q);
	if (--p->pending == 0)
		next_step(p);
}

/* (Re)arms q's event for what with the time left before its deadline. */
static void
q_arm(struct dnsq *q, short what)
{
	int64_t left = q->deadline - mono_ms();
	struct timeval tv;

	if (left < 0)
		left = 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	if (q->ev != NULL)
		event_free(q->ev);
	q->ev = event_new(q->p->base, q->fd, what, q_cb, q);
	if (q->ev == NULL || event_add(q->ev, &tv) != 0) {
		/* Cannot wait: end from the loop anyway, through a bare timer. */
		if (q->ev != NULL)
			event_free(q->ev);
		q->ev = evtimer_new(q->p->base, q_cb, q);
		tv.tv_sec = 0;
		tv.tv_usec = 0;
		if (q->err == NULL)
			q->err = xstrdup("cannot wait for the answer");
		if (q->ev != NULL)
			evtimer_add(q->ev, &tv);
	}
}

/* Fails q from the loop (never beneath the caller): q_cb sees q->err. */
static void
q_fail_later(struct dnsq *q, const char *err)
{
	struct timeval zero = { 0, 0 };

	if (q->err == NULL)
		q->err = xstrdup(err);
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
	if (q->ev != NULL)
		event_free(q->ev);
	q->ev = evtimer_new(q->p->base, q_cb, q);
	if (q->ev != NULL)
		evtimer_add(q->ev, &zero);
}

static const char *
errno_text(int e)
{
	return e == ECONNREFUSED ? "connection refused" : e == ENETUNREACH ? "network unreachable" :
	    e == EHOSTUNREACH ? "host unreachable" : strerror(e);
}

/* Opens q's socket (UDP or TCP) and sends or starts connecting. */
static void
q_send(struct dnsq *q)
{
	int type = (q->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
	ssize_t n;

	if ((q->fd = socket(q->sa.ss_family, type, 0)) < 0 ||
	    (connect(q->fd, (struct sockaddr *)&q->sa, q->salen) != 0 &&
	    !(q->tcp && errno == EINPROGRESS))) {
		int e = errno;

		/* An IPv6 address from a host without IPv6: not the server's fault. */
		q->unroutable = q->sa.ss_family == AF_INET6 && (e == ENETUNREACH ||
		    e == EHOSTUNREACH || e == EADDRNOTAVAIL || e == EAFNOSUPPORT);
		q_fail_later(q, errno_text(e));
		return;
	}
	if (q->tcp) {
		q->outoff = 0;
		q_arm(q, EV_WRITE);
		return;
	}
	n = send(q->fd, q->out, q->outlen, 0);
	if (n < 0 || (size_t)n != q->outlen) {
		q_fail_later(q, n < 0 ? errno_text(errno) : "short send");
		return;
	}
	q_arm(q, EV_READ);
}

/* Is pkt the answer to q (id, QR, the question)? */
static bool
q_matches(const struct dnsq *q, const ldns_pkt *pkt)
{
	const ldns_rr *qr;

	if (ldns_pkt_id(pkt) != q->id || !ldns_pkt_qr(pkt))
		return false;
	if (ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1)
		return ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR;	/* FORMERR, REFUSED... */
	qr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	return ldns_rr_get_type(qr) == q->qtype &&
	    ldns_dname_compare(ldns_rr_owner(qr), q->qname) == 0;
}

/* A whole message came (UDP datagram or TCP frame): returns 1 when q ended or moved on. */
static int
q_message(struct dnsq *q, const uint8_t *buf, size_t len)
{
	ldns_pkt *pkt = NULL;

	if (ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK) {
		if (q->tcp) {
			q_end(q, "malformed answer");
			return 1;
		}
		return 0;		/* UDP: maybe a stray datagram; the real one may follow */
	}
	if (!q_matches(q, pkt)) {
		ldns_pkt_free(pkt);
		if (q->tcp) {
			q_end(q, "answer to another question");
			return 1;
		}
		return 0;
	}
	if (!q->tcp && ldns_pkt_tc(pkt)) {
		uint8_t *f;

		ldns_pkt_free(pkt);
		q_close(q);
		q->tcp = true;		/* RFC 7766: the same question again over TCP */
		f = xmalloc(q->outlen + 2);
		f[0] = (uint8_t)(q->outlen >> 8);
		f[1] = (uint8_t)q->outlen;
		memcpy(f + 2, q->out, q->outlen);
		free(q->out);
		q->out = f;
		q->outlen += 2;
		q_send(q);
		return 1;
	}
	q->ans = pkt;
	q_end(q, NULL);
	return 1;
}

static void
q_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dnsq *q = arg;
	uint8_t buf[65536];
	ssize_t n;

	(void)fd;
	if (q->err != NULL && q->fd < 0) {
		q_end(q, NULL);
		return;
	}
	if (what & EV_TIMEOUT) {
		q_end(q, q->tcp ? "timeout (TCP)" : "timeout");
		return;
	}
	if (q->tcp && (what & EV_WRITE)) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			q_end(q, errno_text(soerr != 0 ? soerr : errno));
			return;
		}
		n = send(q->fd, q->out + q->outoff, q->outlen - q->outoff, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			q_end(q, errno_text(errno));
			return;
		}
		if (n > 0)
			q->outoff += (size_t)n;
		q_arm(q, q->outoff < q->outlen ? EV_WRITE : EV_READ);
		return;
	}
	if (!q->tcp) {
		n = recv(q->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				q_arm(q, EV_READ);
			else
				q_end(q, errno_text(errno));
			return;
		}
		if (!q_message(q, buf, (size_t)n))
			q_arm(q, EV_READ);
		return;
	}
	if (q->in == NULL)
		q->in = xmalloc(65535 + 2);
	n = recv(q->fd, q->in + q->inlen, 65535 + 2 - q->inlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		q_arm(q, EV_READ);
		return;
	}
	if (n <= 0) {
		q_end(q, n == 0 ? "connection closed before the answer" : errno_text(errno));
		return;
	}
	q->inlen += (size_t)n;
	if (q->inlen >= 2 && q->inlen >= 2 + (((size_t)q->in[0] << 8) | q->in[1])) {
		q_message(q, q->in + 2, ((size_t)q->in[0] << 8) | q->in[1]);
		return;
	}
	q_arm(q, EV_READ);
}

/* Queues and sends "name type" to sa; rd: recursion desired (the resolver), else DO set. */
static struct dnsq *
ask(struct dns_probe *p, enum qrole role, size_t idx, const ldns_rdf *name, ldns_rr_type type,
    const struct sockaddr_storage *sa, socklen_t salen, bool rd)
{
	struct dnsq *q = xcalloc(1, sizeof(*q));
	ldns_pkt *pkt;

	q->p = p;
	q->role = role;
	q->idx = idx;
	q->fd = -1;
	q->qtype = type;
	q->qname = ldns_rdf_clone(name);
	memcpy(&q->sa, sa, sizeof(q->sa));
	q->salen = salen;
	q->t0 = mono_ms();
	q->deadline = q->t0 + p->ep->timeout_ms;
	p->q = xrealloc(p->q, (p->nq + 1) * sizeof(*p->q));
	p->q[p->nq++] = q;
	p->pending++;
	pkt = ldns_pkt_query_new(ldns_rdf_clone(name), type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
	if (pkt == NULL) {
		q_fail_later(q, "cannot build the query");
		return q;
	}
	ldns_pkt_set_random_id(pkt);
	q->id = ldns_pkt_id(pkt);
	ldns_pkt_set_cd(pkt, rd);	/* a validating resolver must not hide a bogus zone */
	ldns_pkt_set_edns_udp_size(pkt, DNS_EDNS_SIZE);
	ldns_pkt_set_edns_do(pkt, true);
	if (ldns_pkt2wire(&q->out, pkt, &q->outlen) != LDNS_STATUS_OK) {
		ldns_pkt_free(pkt);
		q_fail_later(q, "cannot build the query");
		return q;
	}
	ldns_pkt_free(pkt);
	q_send(q);
	return q;
}

/* Takes q's answer (or its error) out. */
static ldns_pkt *
take(struct dnsq *q, char **err)
{
	ldns_pkt *a = q->ans;

	q->ans = NULL;
	if (err != NULL) {
		free(*err);
		*err = a == NULL ? xstrdup(q->err ? q->err : "no answer") : NULL;
	}
	return a;
}

static char *
rdf_str(const ldns_rdf *d)
{
	char *s = ldns_rdf2str(d), *c = xstrdup(s != NULL ? s : "?");

	free(s);
	return c;
}

/* Step 2: the NS names' addresses are in; every address of every name is asked for the SOA. */
static void
collect_addrs(struct dns_probe *p)
{
	size_t n = ldns_rr_list_rr_count(p->names);
	size_t *count = xcalloc(n + 1, sizeof(*count));

	for (size_t i = 0; i < p->nq; i++) {
		struct dnsq *q = p->q[i];
		ldns_rr_list *a;

		if (q->role != Q_ADDR || q->ans == NULL)
			continue;
		a = dns_section_rrs(q->ans, LDNS_SECTION_ANSWER, NULL, q->qtype);
		for (size_t k = 0; k < ldns_rr_list_rr_count(a) && count[q->idx] < DNS_MAX_ADDRS; k++) {
			const ldns_rdf *d = ldns_rr_rdf(ldns_rr_list_rr(a, k), 0);
			struct sockaddr_storage ss;
			char txt[INET6_ADDRSTRLEN];
			struct dns_server *s;

			memset(&ss, 0, sizeof(ss));
			if (q->qtype == LDNS_RR_TYPE_A && ldns_rdf_size(d) == 4) {
				struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

				sin->sin_family = AF_INET;
				sin->sin_port = p->ns_port;
				memcpy(&sin->sin_addr, ldns_rdf_data(d), 4);
				inet_ntop(AF_INET, &sin->sin_addr, txt, sizeof(txt));
			} else if (q->qtype == LDNS_RR_TYPE_AAAA && ldns_rdf_size(d) == 16) {
				struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

				sin6->sin6_family = AF_INET6;
				sin6->sin6_port = p->ns_port;
				memcpy(&sin6->sin6_addr, ldns_rdf_data(d), 16);
				inet_ntop(AF_INET6, &sin6->sin6_addr, txt, sizeof(txt));
			} else
				continue;
			count[q->idx]++;
			p->obs.srv = xrealloc(p->obs.srv, (p->obs.nsrv + 1) * sizeof(*p->obs.srv));
			p->srv_sa = xrealloc(p->srv_sa, (p->obs.nsrv + 1) * sizeof(*p->srv_sa));
			s = &p->obs.srv[p->obs.nsrv];
			memset(s, 0, sizeof(*s));
			s->name = rdf_str(ldns_rr_rdf(ldns_rr_list_rr(p->names, q->idx), 0));
			s->addr = xstrdup(txt);
			p->srv_sa[p->obs.nsrv++] = ss;
		}
		ldns_rr_list_deep_free(a);
	}
	for (size_t i = 0; i < n; i++)
		if (count[i] == 0) {
			p->obs.noaddr = xrealloc(p->obs.noaddr,
			    (p->obs.nnoaddr + 1) * sizeof(*p->obs.noaddr));
			p->obs.noaddr[p->obs.nnoaddr++] =
			    rdf_str(ldns_rr_rdf(ldns_rr_list_rr(p->names, i), 0));
		}
	free(count);
}

static socklen_t
sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Judges what came and hands the result to the engine. */
static void
finish(struct dns_probe *p)
{
	p->finished = true;
	dns_evaluate(&p->obs, p->dc, now_ms(), p->r);
	p->r->timings[PHASE_TOTAL] = (double)(mono_ms() - p->t0);
	p->done(p->done_arg);	/* the last thing: the engine frees p from its own callback */
}

/* Called when every query of the current step has ended. */
static void
next_step(struct dns_probe *p)
{
	switch (p->step++) {
	case 0:		/* the NS set came: ask each name's addresses */
		p->obs.ns = take(p->q[0], &p->obs.ns_error);
		if (p->obs.ns == NULL ||
		    (p->names = dns_ns_names(p->obs.ns, p->zone)) == NULL) {
			finish(p);
			return;
		}
		while (ldns_rr_list_rr_count(p->names) > DNS_MAX_NAMES)
			ldns_rr_free(ldns_rr_list_pop_rr(p->names));
		for (size_t i = 0; i < ldns_rr_list_rr_count(p->names); i++) {
			const ldns_rdf *nm = ldns_rr_rdf(ldns_rr_list_rr(p->names, i), 0);

			ask(p, Q_ADDR, i, nm, LDNS_RR_TYPE_A, &p->res, p->reslen, true);
			ask(p, Q_ADDR, i, nm, LDNS_RR_TYPE_AAAA, &p->res, p->reslen, true);
		}
		return;
	case 1:		/* the addresses came: ask each for the SOA, the resolver for the DS */
		p->r->timings[PHASE_DNS] = (double)(mono_ms() - p->t0);
		collect_addrs(p);
		for (size_t i = 0; i < p->obs.nsrv; i++)
			ask(p, Q_SOA, i, p->zone, LDNS_RR_TYPE_SOA, &p->srv_sa[i],
			    sa_len(&p->srv_sa[i]), false);
		ask(p, Q_DS, 0, p->zone, LDNS_RR_TYPE_DS, &p->res, p->reslen, true);
		return;
	case 2:		/* the SOAs came: the first authoritative server for DNSKEY and NS */
		for (size_t i = 0; i < p->nq; i++) {
			struct dnsq *q = p->q[i];

			if (q->role == Q_SOA) {
				p->obs.srv[q->idx].rtt_ms = (double)(q->t1 - q->t0);
				p->obs.srv[q->idx].tcp = q->tcp;
				p->obs.srv[q->idx].unroutable = q->unroutable;
				p->obs.srv[q->idx].soa = take(q, &p->obs.srv[q->idx].error);
			} else if (q->role == Q_DS)
				p->obs.ds = take(q, NULL);
		}
		for (size_t i = 0; i < p->obs.nsrv; i++) {
			const ldns_pkt *a = p->obs.srv[i].soa;

			if (a != NULL && ldns_pkt_aa(a) &&
			    ldns_pkt_get_rcode(a) == LDNS_RCODE_NOERROR) {
				p->obs.keysrv = i;
				ask(p, Q_DNSKEY, i, p->zone, LDNS_RR_TYPE_DNSKEY, &p->srv_sa[i],
				    sa_len(&p->srv_sa[i]), false);
				ask(p, Q_NSAUTH, i, p->zone, LDNS_RR_TYPE_NS, &p->srv_sa[i],
				    sa_len(&p->srv_sa[i]), false);
				return;
			}
		}
		break;
	case 3:
		for (size_t i = 0; i < p->nq; i++) {
			if (p->q[i]->role == Q_DNSKEY)
				p->obs.dnskey = take(p->q[i], NULL);
			else if (p->q[i]->role == Q_NSAUTH)
				p->obs.nsauth = take(p->q[i], NULL);
		}
		break;
	default:
		break;
	}
	finish(p);
}

static void
dns_free_state(void *arg)
{
	struct dns_probe *p = arg;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nq; i++)
		q_free(p->q[i]);
	free(p->q);
	ldns_rdf_deep_free(p->zone);
	ldns_rr_list_deep_free(p->names);
	free(p->srv_sa);
	dns_obs_clear(&p->obs);
	free(p);
}

/* The first "nameserver" of /etc/resolv.conf (port 53); 0 or -1. */
static int
system_resolver(struct sockaddr_storage *ss, socklen_t *len)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512], addr[256], br[260];
	int rc = -1;

	if (f == NULL)
		return -1;
	while (rc != 0 && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " nameserver %255s", addr) != 1 || strchr(addr, '%') != NULL)
			continue;
		snprintf(br, sizeof(br), strchr(addr, ':') != NULL ? "[%s]" : "%s", addr);
		rc = dns_parse_addr(br, ss, len);
	}
	fclose(f);
	return rc;
}

static void *
dns_run(const struct conf_endpoint *ep, const struct probe_input *in, struct event_base *base,
    void (*done)(void *), void *done_arg, struct result *r)
{
	const struct dns_conf *dc = ep->kind_conf;
	struct dns_probe *p;

	(void)in;
	if (dc == NULL || dc->zone == NULL) {
		result_flag(r, REASON_INTERNAL, "dns endpoint without a zone");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->ep = ep;
	p->dc = dc;
	p->base = base;
	p->done = done;
	p->done_arg = done_arg;
	p->r = r;
	p->t0 = mono_ms();
	if (ldns_str2rdf_dname(&p->zone, dc->zone) != LDNS_STATUS_OK) {
		result_flag(r, REASON_INTERNAL, "dns endpoint with an invalid zone %s", dc->zone);
		dns_free_state(p);
		return NULL;
	}
	if (dc->resolver != NULL) {
		p->res = dc->resolver_sa;
		p->reslen = dc->resolver_len;
		p->ns_port = ((struct sockaddr_in *)&p->res)->sin_port;	/* same offset in v6 */
	} else if (system_resolver(&p->res, &p->reslen) == 0)
		p->ns_port = htons(53);
	else {
		result_flag(r, REASON_DNS, "no resolver: set resolver: or a nameserver in /etc/resolv.conf");
		dns_free_state(p);
		return NULL;
	}
	ask(p, Q_NS, 0, p->zone, LDNS_RR_TYPE_NS, &p->res, p->reslen, true);
	return p;
}

const struct probe_ops probe_dns_ops = {
	.name = "dns",
	.kind = KIND_DNS,
	.info = &dns_info,
	.run = dns_run,
	.free_state = dns_free_state,
};
