/*
 * Fault switches: "PROVIDER/SERVICE=FAULT[=PARAM]" (either side may be `*`), `=ok` heals,
 * and the scripted timeline ("at 30s p1/ocsp=down for 60s").
 */
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
};

const char *const tb_fault_names[F__MAX] = {
	[F_DOWN] = "down", [F_HANG] = "hang", [F_SLOW] = "slow", [F_HTTP] = "http",
	[F_GARBAGE] = "garbage", [F_HUGE] = "huge", [F_BAD_SIGNATURE] = "bad_signature",
	[F_WRONG_SIGNER] = "wrong_signer", [F_STALE] = "stale", [F_EXPIRED] = "expired",
	[F_REVOKED] = "revoked", [F_UNKNOWN] = "unknown", [F_NONCE_WRONG] = "nonce_wrong",
	[F_NONCE_MISSING] = "nonce_missing", [F_TSA_REJECT] = "tsa_reject",
	[F_CLOCK_SKEW] = "clock_skew", [F_WRONG_POLICY] = "wrong_policy",
	[F_CRL_NUMBER_REGRESS] = "crl_number_regress", [F_TLS_EXPIRED] = "tls_expired",
	[F_TLS_EXPIRING] = "tls_expiring",
};

#define B(s) (1u << (s))
#define ALL ((1u << SVC__MAX) - 1)
#define WEB (B(SVC_LOGIN) | B(SVC_OIDC) | B(SVC_SAML))
#define SIGNED (B(SVC_OCSP) | B(SVC_CRL) | B(SVC_TSA))

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
	[F_STALE] = { B(SVC_OCSP) | B(SVC_CRL), false, 0, 0, 0 },
	[F_EXPIRED] = { B(SVC_OCSP) | B(SVC_CRL) | B(SVC_SAML), false, 0, 0, 0 },
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

/* Switches one fault (or heals, clear = true) on every matching service. */
static int
fault_change(const char *spec, bool clear, char *err, size_t errsz)
{
	char prov[32], svcname[32];
	const char *slash, *eq;
	int f = -1, p, s, hits = 0;
	long param = 0;

	while (isspace((unsigned char)*spec))
		spec++;
	if (strcmp(spec, "ok") == 0)
		spec = "*/*=ok";
	slash = strchr(spec, '/');
	eq = slash != NULL ? strchr(slash, '=') : NULL;
	if (slash == NULL || eq == NULL || slash - spec >= (long)sizeof(prov) ||
	    eq - slash - 1 >= (long)sizeof(svcname)) {
		errf(err, errsz, "expected PROVIDER/SERVICE=FAULT, got \"%s\"", spec);
		return -1;
	}
	snprintf(prov, sizeof(prov), "%.*s", (int)(slash - spec), spec);
	snprintf(svcname, sizeof(svcname), "%.*s", (int)(eq - slash - 1), slash + 1);
	if (parse_fault(eq + 1, &f, &param, err, errsz) != 0)
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
			if (f < 0) {
				for (int i = 0; i < F__MAX; i++)
					heal(svc, i);
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
	return fault_change(spec, false, err, errsz);
}

void
tb_fault_list(struct evbuffer *out)
{
	int p, s, f;

	for (p = 0; p < tb->nprov; p++)
		for (s = 0; s < SVC__MAX; s++)
			for (f = 0; f < F__MAX; f++) {
				struct tb_service *svc = tb->prov[p].svc[s];

				if (!svc->on[f])
					continue;
				evbuffer_add_printf(out, "%s/%s=%s", tb->prov[p].id, tb_svc_names[s],
				    tb_fault_names[f]);
				if (meta[f].has_param)
					evbuffer_add_printf(out, "=%ld", svc->param[f]);
				evbuffer_add_printf(out, "\n");
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
			int fault;
			long param;

			if (eq == NULL || strchr(spec, '/') == NULL ||
			    parse_fault(eq + 1, &fault, &param, err, sizeof(err)) != 0) {
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
