/*
 * Fault switches: "PROVIDER/SERVICE=FAULT[=PARAM][@ADDR]" (either side may be `*`), `=ok`
 * heals, and the scripted timeline ("at 30s p1/ocsp=down for 60s").
 * With "@ADDR" a fault applies only to clients whose peer address is ADDR; `=ok@ADDR`
 * heals those only; a plain `=ok` heals every fault of the service, qualified or not.
 * With "%ADDR" a fault applies only to the requests that reach the service on its
 * listening address ADDR (--addresses: 127.0.0.1 .. 127.0.0.N, SPEC §14 tests); `down%ADDR`
 * stops listening on that address only (connection refused there). `=ok%ADDR` heals it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "core/util.h"
#include "testbed/testbed.h"

const char *const tb_svc_names[SVC__MAX] = {
	[SVC_LOGIN] = "login", [SVC_OIDC] = "oidc", [SVC_SAML] = "saml",
	[SVC_OCSP] = "ocsp", [SVC_CRL] = "crl", [SVC_TSA] = "tsa",
	[SVC_TL] = "tl",
};

const char *const tb_fault_names[F__MAX] = {
	[F_DOWN] = "down", [F_HANG] = "hang", [F_SLOW] = "slow", [F_HTTP] = "http",
	[F_GARBAGE] = "garbage", [F_HUGE] = "huge", [F_BAD_SIGNATURE] = "bad_signature",
	[F_WRONG_SIGNER] = "wrong_signer", [F_STALE] = "stale", [F_EXPIRED] = "expired",
	[F_REVOKED] = "revoked", [F_UNKNOWN] = "unknown", [F_NONCE_WRONG] = "nonce_wrong",
	[F_NONCE_MISSING] = "nonce_missing", [F_TSA_REJECT] = "tsa_reject",
	[F_CLOCK_SKEW] = "clock_skew", [F_WRONG_POLICY] = "wrong_policy",
	[F_CRL_NUMBER_REGRESS] = "crl_number_regress", [F_TLS_EXPIRED] = "tls_expired",
	[F_TLS_EXPIRING] = "tls_expiring", [F_TLS_CHAIN] = "tls_chain",
	[F_TLS_LEGACY] = "tls_legacy", [F_TLS_NO_INTERMEDIATE] = "tls_no_intermediate",
	[F_TLS_REVOKED] = "tls_revoked", [F_CRL_DISAGREE] = "crl_disagree",
	[F_UNISSUED_GOOD] = "unissued_good", [F_LONG_VALIDITY] = "long_validity",
	[F_COARSE_ACCURACY] = "coarse_accuracy", [F_WITHDRAWN] = "withdrawn",
	[F_SEQUENCE_REGRESS] = "sequence_regress",
};

#define B(s) (1u << (s))
#define ALL ((1u << SVC__MAX) - 1)
#define WEB (B(SVC_LOGIN) | B(SVC_OIDC) | B(SVC_SAML))
#define SIGNED (B(SVC_OCSP) | B(SVC_CRL) | B(SVC_TSA) | B(SVC_TL))

/* Which services each fault applies to, and its parameter (0 = none) with its default. */
static const struct {
	unsigned	 svcs;
	bool		 has_param;
	long		 def, min, max;
} meta[F__MAX] = {
	[F_DOWN] = { ALL, false, 0, 0, 0 },
	[F_HANG] = { ALL, false, 0, 0, 0 },
	[F_SLOW] = { ALL, true, 3000, 0, 600000 },
	[F_HTTP] = { ALL, true, 503, 100, 599 },
	[F_GARBAGE] = { ALL, false, 0, 0, 0 },
	[F_HUGE] = { ALL, true, 11, 1, 1024 },
	[F_BAD_SIGNATURE] = { SIGNED, false, 0, 0, 0 },
	[F_WRONG_SIGNER] = { SIGNED, false, 0, 0, 0 },
	[F_STALE] = { B(SVC_OCSP) | B(SVC_CRL) | B(SVC_TL), false, 0, 0, 0 },
	[F_EXPIRED] = { B(SVC_OCSP) | B(SVC_CRL) | B(SVC_SAML) | B(SVC_TL), false, 0, 0, 0 },
	[F_REVOKED] = { B(SVC_OCSP), false, 0, 0, 0 },
	[F_UNKNOWN] = { B(SVC_OCSP), false, 0, 0, 0 },
	[F_NONCE_WRONG] = { B(SVC_OCSP) | B(SVC_TSA), false, 0, 0, 0 },
	[F_NONCE_MISSING] = { B(SVC_OCSP) | B(SVC_TSA), false, 0, 0, 0 },
	[F_TSA_REJECT] = { B(SVC_TSA), false, 0, 0, 0 },
	[F_CLOCK_SKEW] = { SIGNED, true, 3600, -315360000L, 315360000L },
	[F_WRONG_POLICY] = { B(SVC_TSA), false, 0, 0, 0 },
	[F_CRL_NUMBER_REGRESS] = { B(SVC_CRL), false, 0, 0, 0 },
	[F_TLS_EXPIRED] = { WEB, false, 0, 0, 0 },
	[F_TLS_EXPIRING] = { WEB, false, 0, 0, 0 },
	[F_TLS_CHAIN] = { WEB, false, 0, 0, 0 },
	[F_TLS_LEGACY] = { WEB, false, 0, 0, 0 },
	[F_TLS_NO_INTERMEDIATE] = { WEB, false, 0, 0, 0 },
	[F_TLS_REVOKED] = { WEB, false, 0, 0, 0 },
	[F_CRL_DISAGREE] = { B(SVC_OCSP), true, 0, -315360000L, 315360000L },
	[F_UNISSUED_GOOD] = { B(SVC_OCSP), false, 0, 0, 0 },
	[F_LONG_VALIDITY] = { B(SVC_OCSP) | B(SVC_CRL), true, 14, 1, 3650 },
	[F_COARSE_ACCURACY] = { B(SVC_TSA), true, 2, 1, 3600 },
	[F_WITHDRAWN] = { B(SVC_TL), false, 0, 0, 0 },
	[F_SEQUENCE_REGRESS] = { B(SVC_TL), false, 0, 0, 0 },
};

static void __attribute__((format(printf, 3, 4)))
errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

static void
heal(struct tb_service *svc, int f)
{
	if (!svc->on[f])
		return;
	svc->on[f] = false;
	svc->param[f] = 0;
	if (f == F_DOWN)
		tb_svc_listen(svc);
	else if (f == F_HANG)
		tb_svc_release(svc);
}

static void
set(struct tb_service *svc, int f, long param)
{
	svc->on[f] = true;
	svc->param[f] = param;
	if (f == F_DOWN)
		tb_svc_unlisten(svc);
}

/* Parses "NAME[=PARAM]" into a fault number (-1 = ok) and its parameter. */
static int
parse_fault(const char *s, int *f, long *param, char *err, size_t errsz)
{
	const char *eq = strchr(s, '=');
	size_t n = eq != NULL ? (size_t)(eq - s) : strlen(s);
	char *end;
	int i;

	if (n == 2 && strncmp(s, "ok", 2) == 0 && eq == NULL) {
		*f = -1;
		return 0;
	}
	for (i = 0; i < F__MAX; i++)
		if (strlen(tb_fault_names[i]) == n && strncmp(s, tb_fault_names[i], n) == 0)
			break;
	if (i == F__MAX) {
		errf(err, errsz, "unknown fault \"%.*s\"", (int)n, s);
		return -1;
	}
	*f = i;
	*param = meta[i].def;
	if (eq == NULL)
		return 0;
	if (!meta[i].has_param) {
		errf(err, errsz, "fault %s takes no value", tb_fault_names[i]);
		return -1;
	}
	errno = 0;
	*param = strtol(eq + 1, &end, 10);
	if (i == F_SLOW && (*end == 'm' || *end == 's')) {
		int64_t ms;

		if (duration_parse(eq + 1, &ms) != 0) {
			errf(err, errsz, "bad duration \"%s\"", eq + 1);
			return -1;
		}
		*param = (long)ms;
	} else if (errno != 0 || end == eq + 1 || *end != '\0' || *param < meta[i].min ||
	    *param > meta[i].max) {
		errf(err, errsz, "bad value for %s: \"%s\" (%ld..%ld)", tb_fault_names[i], eq + 1,
		    meta[i].min, meta[i].max);
		return -1;
	}
	return 0;
}

/*
 * Parses "NAME[=PARAM][@ADDR]": the fault as parse_fault does, and the client address in
 * addr (canonical text; "" = every client).
 */
static int
parse_switch(const char *s, int *f, long *param, char addr[TB_KEYLEN], char *err,
    size_t errsz)
{
	const char *at = strchr(s, '@'), *pc = strchr(s, TB_KEY_LOCAL);
	unsigned char bin[sizeof(struct in6_addr)];
	char name[64];
	int af;

	addr[0] = '\0';
	if (at == NULL && pc != NULL) {
		/* "%ADDR": a listening address, kept as "%" + canonical text */
		if ((size_t)(pc - s) >= sizeof(name)) {
			errf(err, errsz, "unknown fault \"%.*s\"", (int)(pc - s), s);
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(pc - s), s);
		af = strchr(pc + 1, ':') != NULL ? AF_INET6 : AF_INET;
		addr[0] = TB_KEY_LOCAL;
		if (inet_pton(af, pc + 1, bin) != 1 ||
		    inet_ntop(af, bin, addr + 1, INET6_ADDRSTRLEN) == NULL) {
			addr[0] = '\0';
			errf(err, errsz, "bad listening address \"%.*s\" after %% (expected an IPv4 "
			    "or IPv6 address, e.g. p1/ocsp=down%%127.0.0.2)", 64, pc + 1);
			return -1;
		}
		return parse_fault(name, f, param, err, errsz);
	}
	if (at == NULL)
		return parse_fault(s, f, param, err, errsz);
	if ((size_t)(at - s) >= sizeof(name)) {
		errf(err, errsz, "unknown fault \"%.*s\"", (int)(at - s), s);
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(at - s), s);
	af = strchr(at + 1, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, at + 1, bin) == 1 && af == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin)) {
		memmove(bin, bin + 12, 4);	/* ::ffff:a.b.c.d is the IPv4 client a.b.c.d */
		af = AF_INET;
	} else if (inet_pton(af, at + 1, bin) != 1)
		af = AF_UNSPEC;
	if (af == AF_UNSPEC || inet_ntop(af, bin, addr, INET6_ADDRSTRLEN) == NULL) {
		addr[0] = '\0';
		errf(err, errsz, "bad client address \"%.*s\" after @ (expected an IPv4 or IPv6 "
		    "address, e.g. p1/ocsp=down@127.0.0.3)", 64, at + 1);
		return -1;
	}
	return parse_fault(name, f, param, err, errsz);
}

static struct tb_only *
only_find(struct tb_service *svc, const char *addr)
{
	struct tb_only *o;

	for (o = svc->only; o != NULL && strcmp(o->addr, addr) != 0; o = o->next)
		;
	return o;
}

static void
only_remove(struct tb_service *svc, struct tb_only *o)
{
	struct tb_only **pp;

	for (pp = &svc->only; *pp != NULL; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	if (o->fs.on[F_HANG])
		tb_svc_release_from(svc, o->addr);
	free(o);
}

/* Switches fault f (-1: every fault) for addr on svc: on, or off when clear. */
static int
only_change(struct tb_service *svc, const char *addr, int f, long param, bool clear,
    char *err, size_t errsz)
{
	struct tb_only *o = only_find(svc, addr);
	size_t n = 0;
	bool any = false;

	if (clear || f < 0) {
		if (o == NULL)
			return 0;
		if (f < 0) {
			only_remove(svc, o);
			return 0;
		}
		o->fs.on[f] = false;
		o->fs.param[f] = 0;
		if (f == F_HANG)
			tb_svc_release_from(svc, addr);
		for (int i = 0; i < F__MAX; i++)
			any |= o->fs.on[i];
		if (!any)
			only_remove(svc, o);
		return 0;
	}
	if (o == NULL) {
		for (struct tb_only *q = svc->only; q != NULL; q = q->next)
			n++;
		if (n >= TB_MAX_ONLY) {
			errf(err, errsz, "too many client addresses with their own faults on %s/%s "
			    "(at most %d)", svc->prov->id, tb_svc_names[svc->kind], TB_MAX_ONLY);
			return -1;
		}
		o = xcalloc(1, sizeof(*o));
		snprintf(o->addr, sizeof(o->addr), "%s", addr);
		o->next = svc->only;
		svc->only = o;
	}
	o->fs.on[f] = true;
	o->fs.param[f] = param;
	return 0;
}

/* Switches one fault (or heals, clear = true) on every matching service. */
static int
fault_change(const char *spec, bool clear, char *err, size_t errsz)
{
	char prov[32], svcname[32], addr[TB_KEYLEN], okall[80];
	const char *slash, *eq;
	int f = -1, p, s, hits = 0;
	long param = 0;

	while (isspace((unsigned char)*spec))
		spec++;
	if (strcmp(spec, "ok") == 0)
		spec = "*/*=ok";
	else if ((strncmp(spec, "ok@", 3) == 0 || strncmp(spec, "ok%", 3) == 0) &&
	    strlen(spec) < sizeof(okall) - 6) {
		snprintf(okall, sizeof(okall), "*/*=%s", spec);
		spec = okall;
	}
	slash = strchr(spec, '/');
	eq = slash != NULL ? strchr(slash, '=') : NULL;
	if (slash == NULL || eq == NULL || slash - spec >= (long)sizeof(prov) ||
	    eq - slash - 1 >= (long)sizeof(svcname)) {
		errf(err, errsz, "expected PROVIDER/SERVICE=FAULT, got \"%s\"", spec);
		return -1;
	}
	snprintf(prov, sizeof(prov), "%.*s", (int)(slash - spec), spec);
	snprintf(svcname, sizeof(svcname), "%.*s", (int)(eq - slash - 1), slash + 1);
	if (parse_switch(eq + 1, &f, &param, addr, err, errsz) != 0)
		return -1;
	for (p = 0; p < tb->nprov; p++) {
		if (strcmp(prov, "*") != 0 && strcmp(prov, tb->prov[p].id) != 0)
			continue;
		for (s = 0; s < SVC__MAX; s++) {
			struct tb_service *svc = tb->prov[p].svc[s];
			bool any = strcmp(svcname, "*") == 0;

			if (!any && strcmp(svcname, tb_svc_names[s]) != 0)
				continue;
			if (f >= 0 && !(meta[f].svcs & B(s))) {
				if (any)
					continue;
				errf(err, errsz, "fault %s does not apply to %s", tb_fault_names[f],
				    tb_svc_names[s]);
				return -1;
			}
			hits++;
			if (addr[0] != '\0') {
				if (only_change(svc, addr, f, param, clear, err, errsz) != 0)
					return -1;
				if (addr[0] == TB_KEY_LOCAL)
					tb_svc_listen(svc);	/* down%ADDR: that listener */
			} else if (f < 0) {
				for (int i = 0; i < F__MAX; i++)
					heal(svc, i);
				while (svc->only != NULL)
					only_remove(svc, svc->only);
				tb_svc_listen(svc);
			} else if (clear)
				heal(svc, f);
			else
				set(svc, f, param);
		}
	}
	if (hits == 0) {
		errf(err, errsz, "no service matches \"%s/%s\"", prov, svcname);
		return -1;
	}
	fprintf(stderr, "trustwatch-testbed: [+%.1fs] %s%s\n",
	    (double)(mono_ms() - tb->started_ms) / 1000.0, clear ? "cleared " : "", spec);
	return 0;
}

int
tb_fault_apply(const char *spec, char *err, size_t errsz)
{
	if (strncmp(spec, "dns=", 4) == 0)
		return tb_dns_fault(spec + 4, err, errsz);	/* testbed/dns.c */
	if (strcmp(spec, "ok") == 0)
		tb_dns_heal();					/* a bare ok heals everything */
	return fault_change(spec, false, err, errsz);
}

static void
list_set(struct evbuffer *out, const struct tb_service *svc, const bool *on, const long *param,
    const char *addr)
{
	for (int f = 0; f < F__MAX; f++) {
		if (!on[f])
			continue;
		evbuffer_add_printf(out, "%s/%s=%s", svc->prov->id, tb_svc_names[svc->kind],
		    tb_fault_names[f]);
		if (meta[f].has_param)
			evbuffer_add_printf(out, "=%ld", param[f]);
		evbuffer_add_printf(out, "%s%s\n", addr == NULL || addr[0] == TB_KEY_LOCAL ? "" : "@",
		    addr != NULL ? addr : "");
	}
}

void
tb_fault_list(struct evbuffer *out)
{
	for (int p = 0; p < tb->nprov; p++)
		for (int s = 0; s < SVC__MAX; s++) {
			const struct tb_service *svc = tb->prov[p].svc[s];

			list_set(out, svc, svc->on, svc->param, NULL);
			for (const struct tb_only *o = svc->only; o != NULL; o = o->next)
				list_set(out, svc, o->fs.on, o->fs.param, o->addr);
		}
	tb_dns_fault_list(out);
}

void
tb_fault_enter(struct tb_service *svc, const char *addr, struct tb_faultset *saved)
{
	const struct tb_only *o = addr != NULL ? only_find(svc, addr) : NULL;

	memcpy(saved->on, svc->on, sizeof(saved->on));
	memcpy(saved->param, svc->param, sizeof(saved->param));
	if (o == NULL)
		return;
	for (int f = 0; f < F__MAX; f++)
		if (o->fs.on[f]) {
			svc->on[f] = true;
			svc->param[f] = o->fs.param[f];
		}
}

void
tb_fault_add_local(struct tb_service *svc, const char *local)
{
	char key[TB_KEYLEN];
	const struct tb_only *o;

	if (local == NULL || svc->only == NULL)
		return;
	snprintf(key, sizeof(key), "%c%s", TB_KEY_LOCAL, local);
	if ((o = only_find(svc, key)) == NULL)
		return;
	for (int f = 0; f < F__MAX; f++)
		if (o->fs.on[f]) {
			svc->on[f] = true;
			svc->param[f] = o->fs.param[f];
		}
}

bool
tb_fault_for_local(const struct tb_service *svc, const char *local, int f)
{
	char key[TB_KEYLEN];

	if (local == NULL)
		return false;
	snprintf(key, sizeof(key), "%c%s", TB_KEY_LOCAL, local);
	return tb_fault_for(svc, key, f);
}

void
tb_fault_leave(struct tb_service *svc, const struct tb_faultset *saved)
{
	memcpy(svc->on, saved->on, sizeof(svc->on));
	memcpy(svc->param, saved->param, sizeof(svc->param));
}

bool
tb_fault_for(const struct tb_service *svc, const char *addr, int f)
{
	const struct tb_only *o;

	if (svc->on[f])
		return true;
	if (addr == NULL)
		return false;
	for (o = svc->only; o != NULL && strcmp(o->addr, addr) != 0; o = o->next)
		;
	return o != NULL && o->fs.on[f];
}

void
tb_client_seen(struct tb_service *svc, const char *addr)
{
	struct tb_client *c, **pp;
	size_t n = 0;

	for (pp = &svc->clients; (c = *pp) != NULL; pp = &c->next, n++)
		if (strcmp(c->addr, addr) == 0) {
			c->requests++;
			return;
		}
	if (n >= TB_MAX_CLIENTS)
		return;
	c = xcalloc(1, sizeof(*c));
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->requests = 1;
	*pp = c;
}

void
tb_client_list(struct evbuffer *out)
{
	for (int p = 0; p < tb->nprov; p++)
		for (int s = 0; s < SVC__MAX; s++) {
			const struct tb_service *svc = tb->prov[p].svc[s];

			for (const struct tb_client *c = svc->clients; c != NULL; c = c->next)
				evbuffer_add_printf(out, "%s/%s %s %llu\n", tb->prov[p].id,
				    tb_svc_names[s], c->addr, (unsigned long long)c->requests);
		}
}

void
tb_fault_free(struct tb_service *svc)
{
	struct tb_only *o;
	struct tb_client *c;

	while ((o = svc->only) != NULL) {
		svc->only = o->next;
		free(o);
	}
	while ((c = svc->clients) != NULL) {
		svc->clients = c->next;
		free(c);
	}
}

/* The timeline: one timer per line, and one more for each "for DURATION". */
struct tl_event {
	struct tl_event	*next;
	struct event	*ev;
	char		*spec;
	bool		 clear;
};

static struct tl_event *timeline;

static void
tl_fire(evutil_socket_t fd, short what, void *arg)
{
	struct tl_event *e = arg;
	char err[256];

	(void)fd;
	(void)what;
	if (fault_change(e->spec, e->clear, err, sizeof(err)) != 0)
		fprintf(stderr, "trustwatch-testbed: timeline: %s\n", err);
}

static void
tl_add(const char *spec, int64_t at_ms, bool clear)
{
	struct tl_event *e = xcalloc(1, sizeof(*e));
	struct timeval tv = { at_ms / 1000, (at_ms % 1000) * 1000 };

	e->spec = xstrdup(spec);
	e->clear = clear;
	e->ev = evtimer_new(tb->base, tl_fire, e);
	evtimer_add(e->ev, &tv);
	e->next = timeline;
	timeline = e;
}

int
tb_timeline_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], at[64], spec[256], forword[16], dur[64], err[256], extra[8];
	int lineno = 0, n;
	int64_t at_ms, for_ms = 0;
	if (f == NULL) {
		fprintf(stderr, "trustwatch-testbed: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		n = sscanf(line, " at %63s %255s %15s %63s %7s", at, spec, forword, dur, extra);
		if (n <= 0 && strspn(line, " \t\r\n") == strlen(line))
			continue;
		if ((n != 2 && n != 4) || (n == 4 && strcmp(forword, "for") != 0) ||
		    duration_parse(at, &at_ms) != 0 ||
		    (n == 4 && duration_parse(dur, &for_ms) != 0)) {
			fprintf(stderr, "trustwatch-testbed: %s:%d: expected "
			    "\"at DURATION PROVIDER/SERVICE=FAULT [for DURATION]\"\n", path, lineno);
			fclose(f);
			return -1;
		}
		/* Validate now, so a typo fails at start rather than minutes later. */
		{
			const char *eq = strchr(spec, '=');
			char addr[TB_KEYLEN];
			int fault;
			long param;

			if (eq == NULL || strchr(spec, '/') == NULL ||
			    parse_switch(eq + 1, &fault, &param, addr, err, sizeof(err)) != 0) {
				fprintf(stderr, "trustwatch-testbed: %s:%d: %s\n", path, lineno,
				    eq == NULL ? "expected PROVIDER/SERVICE=FAULT" : err);
				fclose(f);
				return -1;
			}
		}
		tl_add(spec, at_ms, false);
		if (n == 4)
			tl_add(spec, at_ms + for_ms, true);
	}
	fclose(f);
	return 0;
}

void
tb_timeline_free(void)
{
	struct tl_event *e;

	while ((e = timeline) != NULL) {
		timeline = e->next;
		event_free(e->ev);
		free(e->spec);
		free(e);
	}
}
