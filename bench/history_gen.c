/*
 * History generator for the site benchmark: writes realistic synthetic results through
 * the store API (store_add_results, batches of 10,000), and the config that lists the
 * same endpoints.
 *
 * Usage: history_gen DB CONFIG CERTDIR [DAYS [DENSE_DAYS [SPARSE_STEP_MIN]]]
 *   DB          the store (created; when it already holds this history, only the time
 *               since its last result is added, so a cached DB is topped up to now)
 *   CONFIG      the config written (providers, endpoints, maintenance windows, report)
 *   CERTDIR     directory with the example certificates (examples/certs)
 *   DAYS        days of history ending now (default 90)
 *   DENSE_DAYS  the most recent days at one result per minute (default DAYS); older days
 *               get one result per SPARSE_STEP_MIN minutes (default 5) from an endpoint
 *               of that interval, so daily/hourly rollups keep the same uptime and
 *               latency figures, with fewer raw results
 *
 * 200 endpoints over 10 providers (login, ocsp, crl, tsa), starts spread as the daemon
 * spreads them (sched_offset). Faults are a pure function of (endpoint, UTC day), so a
 * top-up continues the same story: provider-wide and endpoint incidents (2 min to 6 h,
 * flapping), isolated timeouts, slow (degraded) periods, monthly 2-hour maintenance
 * windows for three providers (down inside, flagged maintenance). About 0.5 % of results
 * fail. Prints one summary line on stdout.
 *
 *       history_gen --late STORE TIME_MS raw|verdict [ENDPOINT]
 *   stores one more result of the first endpoint (prov0/login-0; or of prov0/ENDPOINT,
 *   a login endpoint the history may not have) at TIME_MS into the
 *   existing STORE (a path or a postgresql:// URI), as a spool replayed late would: raw
 *   (a node's own observation: no rollup) or as a verdict (rollups and incident step).
 *   Its node is "late", so it never collides with a generated result. For the site
 *   cache's tests (tests/site_cache_itest.sh).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "daemon/sched.h"
#include "store/store.h"

#define PROVIDERS	10
#define PER_PROVIDER	20
#define ENDPOINTS	(PROVIDERS * PER_PROVIDER)
#define BATCH		10000
#define MIN_MS		60000LL
#define DAY_MS		86400000LL
#define TZ_NAME		"Europe/Luxembourg"
#define MAX_EV		8

enum ev_type { EV_DOWN, EV_SLOW };

struct ev {
	int64_t		 start, end;
	enum ev_type	 type;
	enum reason	 reason;
};

struct gen_ep {
	struct conf_endpoint	 dense, sparse;	/* same ids; interval 1 min / step */
	int64_t			 offset;	/* within the minute */
	int64_t			 last;		/* last stored result time, -1 = none */
	double			 base_ms;	/* typical total latency */
	int64_t			 day;		/* events computed for day and day - 1 */
	struct ev		 ev[2 * MAX_EV];
	int			 nev;
};

static struct conf_provider prov[PROVIDERS];
static struct gen_ep eps[ENDPOINTS];

int main(int, char **);

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Uniform [0, 1) from a seed and a counter. */
static double
urand(uint64_t seed, uint64_t n)
{
	return (double)(mix(seed * 1000003ULL + n) >> 11) / 9007199254740992.0;
}

static enum probe_kind
kind_of(int j)
{
	/* Per provider: 6 login (https), 6 ocsp, 4 crl, 4 tsa. */
	return j < 6 ? KIND_LOGIN : j < 12 ? KIND_OCSP : j < 16 ? KIND_CRL : KIND_TSA;
}

static const char *
kind_word(enum probe_kind k)
{
	return k == KIND_LOGIN ? "login" : k == KIND_OCSP ? "ocsp" : k == KIND_CRL ? "crl" : "tsa";
}

/* A down reason fitting the kind. */
static enum reason
down_reason(enum probe_kind k, double u)
{
	if (u < 0.45)
		return REASON_TIMEOUT;
	if (u < 0.65)
		return REASON_CONNECT;
	switch (k) {
	case KIND_LOGIN:
		return u < 0.9 ? REASON_HTTP_STATUS : REASON_TLS;
	case KIND_OCSP:
		return u < 0.85 ? REASON_HTTP_STATUS : u < 0.95 ? REASON_MALFORMED : REASON_SIGNATURE_INVALID;
	case KIND_CRL:
		return u < 0.85 ? REASON_HTTP_STATUS : REASON_STALE;
	default:
		return u < 0.85 ? REASON_HTTP_STATUS : REASON_REJECTED;
	}
}

static int64_t
duration_ms(double u, double v)
{
	if (u < 0.70)
		return (int64_t)((2 + v * 13) * MIN_MS);
	if (u < 0.95)
		return (int64_t)((15 + v * 75) * MIN_MS);
	return (int64_t)((120 + v * 240) * MIN_MS);
}

/* Appends the events starting on UTC day d for endpoint i (provider-wide ones included). */
static void
events_of_day(int i, int64_t d, struct ev *out, int *n)
{
	int p = i / PER_PROVIDER;
	uint64_t ps = mix(((uint64_t)p << 40) ^ (uint64_t)d ^ 0x5157ULL);
	uint64_t es = mix(((uint64_t)i << 40) ^ (uint64_t)d ^ 0xe9ULL);
	enum probe_kind k = eps[i].dense.kind;

	/* Provider-wide outage (every endpoint of the provider): 4 % of days. */
	if (urand(ps, 0) < 0.04 && *n < MAX_EV) {
		int64_t s = d * DAY_MS + (int64_t)(urand(ps, 1) * DAY_MS);

		out[(*n)++] = (struct ev){ s, s + duration_ms(urand(ps, 2), urand(ps, 3)), EV_DOWN,
		    urand(ps, 4) < 0.6 ? REASON_TIMEOUT : REASON_CONNECT };
	}
	/* Endpoint incident: 16 % of days. */
	if (urand(es, 0) < 0.16 && *n < MAX_EV) {
		int64_t s = d * DAY_MS + (int64_t)(urand(es, 1) * DAY_MS);

		out[(*n)++] = (struct ev){ s, s + duration_ms(urand(es, 2), urand(es, 3)), EV_DOWN,
		    down_reason(k, urand(es, 4)) };
	}
	/* Slow period (degraded), 30 min to 3 h: 3 % of days. */
	if (urand(es, 5) < 0.03 && *n < MAX_EV) {
		int64_t s = d * DAY_MS + (int64_t)(urand(es, 6) * DAY_MS);

		out[(*n)++] = (struct ev){ s, s + (int64_t)((30 + urand(es, 7) * 150) * MIN_MS),
		    EV_SLOW, REASON_SLOW };
	}
}

/* Monthly maintenance: providers 0, 3, 6, on day 5 + p of each UTC month, 01:00-03:00Z. */
static int
maint_window(int p, int y, int mo, int64_t *s, int64_t *e)
{
	struct tm tm = { 0 };

	if (p % 3 != 0 || p > 6)
		return 0;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = 5 + p;
	tm.tm_hour = 1;
	*s = (int64_t)timegm(&tm) * 1000;
	*e = *s + 2 * 3600000LL;
	return 1;
}

static int
in_maintenance(int p, int64_t t)
{
	time_t tt = (time_t)(t / 1000);
	struct tm tm;
	int64_t s, e;

	gmtime_r(&tt, &tm);
	return maint_window(p, tm.tm_year + 1900, tm.tm_mon + 1, &s, &e) && t >= s && t < e;
}

static void
load_events(int i, int64_t d)
{
	struct gen_ep *g = &eps[i];

	g->nev = 0;
	events_of_day(i, d - 1, g->ev, &g->nev);
	events_of_day(i, d, g->ev, &g->nev);
	g->day = d;
}

/* Fills r for endpoint i at t; returns whether it is inside a maintenance window. */
static int
make_result(struct result *r, int i, int64_t t, int sparse)
{
	struct gen_ep *g = &eps[i];
	int64_t d = t / DAY_MS, minute = t / MIN_MS;
	uint64_t seed = mix(((uint64_t)i << 44) ^ (uint64_t)minute);
	double u = urand(seed, 0), lat, hour, diurnal;
	enum probe_kind k = g->dense.kind;
	const struct ev *down = NULL, *slow = NULL;
	int maint = in_maintenance(i / PER_PROVIDER, t);

	if (g->day != d)
		load_events(i, d);
	for (int e = 0; e < g->nev; e++)
		if (t >= g->ev[e].start && t < g->ev[e].end) {
			if (g->ev[e].type == EV_DOWN && down == NULL)
				down = &g->ev[e];
			else if (g->ev[e].type == EV_SLOW)
				slow = &g->ev[e];
		}
	result_init(r, sparse ? &g->sparse : &g->dense, t);
	/* Latency: per-endpoint base, busier in European office hours, log-normal noise. */
	hour = (double)(t % DAY_MS) / 3600000.0;
	diurnal = 1.0 + 0.3 * exp(-((hour - 11.0) * (hour - 11.0)) / 18.0);
	lat = g->base_ms * diurnal * exp(0.25 * (urand(seed, 1) + urand(seed, 2) +
	    urand(seed, 3) - 1.5) * 2.0);
	if (urand(seed, 4) < 0.01)
		lat *= 3 + 5 * urand(seed, 5);	/* spike */
	if (slow != NULL)
		lat = 2000 + 3000 * urand(seed, 6);
	r->timings[PHASE_DNS] = 0.2 + 2.0 * urand(seed, 7);
	r->timings[PHASE_CONNECT] = r->timings[PHASE_DNS] + 0.05 * lat;
	r->timings[PHASE_TLS] = k == KIND_LOGIN ? r->timings[PHASE_CONNECT] + 0.25 * lat : -1;
	r->timings[PHASE_TTFB] = 0.9 * lat;
	r->timings[PHASE_TOTAL] = lat;
	if (maint)
		result_flag(r, REASON_CONNECT, "connection refused");
	else if (down != NULL && u < 0.92) {
		switch (down->reason) {
		case REASON_TIMEOUT:
			r->timings[PHASE_TTFB] = -1;
			r->timings[PHASE_TOTAL] = 10000;
			result_flag(r, REASON_TIMEOUT, "timed out after 10 s");
			break;
		case REASON_CONNECT:
			r->timings[PHASE_TLS] = r->timings[PHASE_TTFB] = -1;
			r->timings[PHASE_TOTAL] = r->timings[PHASE_CONNECT];
			result_flag(r, REASON_CONNECT, "connect to 192.0.2.%d:443: connection refused",
			    i % 250 + 1);
			break;
		case REASON_HTTP_STATUS:
			result_flag(r, REASON_HTTP_STATUS, "HTTP status 503, expected 200");
			break;
		default:
			result_flag(r, down->reason, "%s check failed (synthetic)",
			    reason_names[down->reason]);
			break;
		}
	} else if (urand(seed, 8) < 0.0007) {
		r->timings[PHASE_TTFB] = -1;
		r->timings[PHASE_TOTAL] = 10000;
		result_flag(r, REASON_TIMEOUT, "timed out after 10 s");
	} else if (lat >= 2000)
		result_flag(r, REASON_SLOW, "took %.0f ms (degraded after 2 s)", lat);
	return maint;
}

static int
on_endpoint(const struct store_endpoint_state *s, void *arg)
{
	(void)arg;
	for (int i = 0; i < ENDPOINTS; i++)
		if (strcmp(s->provider, eps[i].dense.provider->id) == 0 &&
		    strcmp(s->endpoint, eps[i].dense.id) == 0) {
			eps[i].last = s->last_time_ms;
			break;
		}
	return 0;
}

static int
write_config(const char *path, const char *db, const char *certs, int64_t from, int64_t to)
{
	FILE *f = fopen(path, "w");
	time_t tf = (time_t)(from / 1000), tt = (time_t)(to / 1000);
	struct tm a, b;

	if (f == NULL)
		return -1;
	gmtime_r(&tf, &a);
	gmtime_r(&tt, &b);
	fprintf(f, "# Written by bench/history_gen: %d endpoints over %d providers.\n"
	    "storage: { path: \"%s\", retention: 400d }\n"
	    "defaults: { interval: 60s, timeout: 10s, degraded_after: 2s }\n"
	    "incidents: { open_after: 3, close_after: 2 }\n"
	    "report:\n  title: trustwatch site benchmark\n  timezone: " TZ_NAME "\n"
	    "  languages: [en, fr, de]\n  base_url: https://status.example.lu/\n",
	    ENDPOINTS, PROVIDERS, db);
	fprintf(f, "maintenance:\n");
	for (int y = a.tm_year + 1900, mo = a.tm_mon + 1;
	    y < b.tm_year + 1900 || (y == b.tm_year + 1900 && mo <= b.tm_mon + 1); ) {
		for (int p = 0; p < PROVIDERS; p++) {
			int64_t s, e;
			char s1[32], s2[32];
			time_t ts, te;
			struct tm x;

			if (!maint_window(p, y, mo, &s, &e))
				continue;
			ts = (time_t)(s / 1000);
			te = (time_t)(e / 1000);
			strftime(s1, sizeof(s1), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&ts, &x));
			strftime(s2, sizeof(s2), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&te, &x));
			fprintf(f, "  - { provider: %s, start: %s, end: %s, note: \"Monthly HSM "
			    "maintenance\" }\n", prov[p].id, s1, s2);
		}
		if (++mo > 12) {
			mo = 1;
			y++;
		}
	}
	fprintf(f, "providers:\n");
	for (int p = 0; p < PROVIDERS; p++) {
		fprintf(f, "  - id: %s\n    name: \"%s\"\n    endpoints:\n", prov[p].id, prov[p].name);
		for (int j = 0; j < PER_PROVIDER; j++) {
			const struct conf_endpoint *e = &eps[p * PER_PROVIDER + j].dense;

			switch (e->kind) {
			case KIND_LOGIN:
				fprintf(f, "      - { id: %s, kind: login, url: \"https://login%d.%s.example/\","
				    " expect: { status: 200 } }\n", e->id, j, prov[p].id);
				break;
			case KIND_OCSP:
				fprintf(f, "      - { id: %s, kind: ocsp, url: \"http://ocsp%d.%s.example/\","
				    " issuer: \"%s/luxtrust-global-qualified-ca-3.pem\","
				    " certificate: \"%s/luxtrust-qca3-sample-leaf.pem\" }\n",
				    e->id, j, prov[p].id, certs, certs);
				break;
			case KIND_CRL:
				fprintf(f, "      - { id: %s, kind: crl, url: \"http://crl.%s.example/ca%d.crl\","
				    " issuer: \"%s/luxtrust-global-root-2.pem\" }\n", e->id, prov[p].id, j, certs);
				break;
			default:
				fprintf(f, "      - { id: %s, kind: tsa, url: \"http://tsa%d.%s.example/\","
				    " trust: \"%s/luxtrust-tsa-global-timestamping-ca.pem\" }\n",
				    e->id, j, prov[p].id, certs);
				break;
			}
		}
	}
	return fclose(f);
}

/* --late: see the top of the file. */
static int
store_late(const char *where, const char *when, const char *mode, const char *endpoint)
{
	struct result r;
	struct store_item it = { .r = &r, .node = "late", .replay = true };
	struct store *s;
	char *err = NULL, *end = NULL;
	long long t = strtoll(when, &end, 10);

	if (end == when || *end != '\0' || t <= 0 ||
	    (strcmp(mode, "raw") != 0 && strcmp(mode, "verdict") != 0)) {
		fprintf(stderr, "history_gen: --late STORE TIME_MS raw|verdict [ENDPOINT]\n");
		return 2;
	}
	it.raw = strcmp(mode, "raw") == 0;
	for (int p = 0; p < PROVIDERS; p++)
		prov[p].id = xasprintf("prov%d", p);
	eps[0].dense.id = endpoint != NULL ? xstrdup(endpoint) :
	    xasprintf("%s-%d", kind_word(kind_of(0)), 0);
	eps[0].dense.provider = &prov[0];
	eps[0].dense.kind = kind_of(0);
	eps[0].dense.interval_ms = MIN_MS;
	eps[0].sparse = eps[0].dense;
	eps[0].base_ms = 100;
	if ((s = store_open(where, &err)) == NULL) {
		fprintf(stderr, "history_gen: %s\n", err);
		return 1;
	}
	store_set_timezone(s, TZ_NAME);
	it.maintenance = make_result(&r, 0, (int64_t)t, 0);
	if (store_add_results(s, &it, 1) != 0) {
		fprintf(stderr, "history_gen: %s\n", store_error(s));
		store_close(s);
		return 1;
	}
	result_clear(&r);
	store_close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *db, *cfg, *certs;
	int days, dense_days, step;
	int64_t end, start, dense_from, resume, t0, t1, n = 0, nb = 0, sparse_n = 0;
	struct result *rs;
	struct store_item *items;
	struct store *s;
	char *err = NULL;
	struct stat sb;
	int existing = 0;

	if ((argc == 5 || argc == 6) && strcmp(argv[1], "--late") == 0)
		return store_late(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (argc < 4) {
		fprintf(stderr, "usage: history_gen DB CONFIG CERTDIR [DAYS [DENSE_DAYS [STEP_MIN]]]\n");
		return 2;
	}
	db = argv[1];
	cfg = argv[2];
	certs = argv[3];
	days = argc > 4 ? atoi(argv[4]) : 90;
	dense_days = argc > 5 ? atoi(argv[5]) : days;
	step = argc > 6 ? atoi(argv[6]) : 5;
	if (days < 1 || dense_days < 0 || step < 1)
		return 2;
	for (int p = 0; p < PROVIDERS; p++) {
		static const char *names[PROVIDERS] = { "LuxTrust", "Certigna", "Belgium eID",
		    "InfoCert", "D-Trust", "Sectigo QCA", "Buypass", "Digidentity", "Namirial",
		    "SwissSign" };

		prov[p].id = xasprintf("prov%d", p);
		prov[p].name = (char *)names[p];
	}
	for (int i = 0; i < ENDPOINTS; i++) {
		struct gen_ep *g = &eps[i];
		int j = i % PER_PROVIDER;
		enum probe_kind k = kind_of(j);

		g->dense.id = xasprintf("%s-%d", kind_word(k), j);
		g->dense.provider = &prov[i / PER_PROVIDER];
		g->dense.kind = k;
		g->dense.interval_ms = MIN_MS;
		g->sparse = g->dense;
		g->sparse.interval_ms = step * MIN_MS;
		g->offset = sched_offset(g->dense.provider->id, g->dense.id, MIN_MS);
		g->last = -1;
		g->day = -1;
		g->base_ms = (k == KIND_LOGIN ? 140 : k == KIND_OCSP ? 35 : k == KIND_CRL ? 60 : 90) *
		    (0.6 + urand(0xb45e, (uint64_t)i));
	}
	end = now_ms() / MIN_MS * MIN_MS;
	start = end - (int64_t)days * DAY_MS;
	dense_from = end - (int64_t)dense_days * DAY_MS;
	if ((s = store_open(db, &err)) == NULL) {
		fprintf(stderr, "history_gen: %s\n", err);
		return 1;
	}
	store_set_timezone(s, TZ_NAME);
	store_set_incident_policy(s, 3, 2);
	if (store_each_endpoint(s, NULL, on_endpoint, NULL) != 0) {
		fprintf(stderr, "history_gen: %s\n", store_error(s));
		return 1;
	}
	resume = INT64_MAX;
	for (int i = 0; i < ENDPOINTS; i++)
		if (eps[i].last >= 0) {
			existing++;
			if (eps[i].last < resume)
				resume = eps[i].last;
		}
	if (existing > 0 && existing < ENDPOINTS) {
		fprintf(stderr, "history_gen: %s holds another history; delete it\n", db);
		return 1;
	}
	if (existing > 0)
		start = resume / MIN_MS * MIN_MS;
	if (write_config(cfg, db, certs, start - (existing ? 90 * DAY_MS : 0), end) != 0) {
		fprintf(stderr, "history_gen: cannot write %s\n", cfg);
		return 1;
	}
	rs = xcalloc(BATCH, sizeof(*rs));
	items = xcalloc(BATCH, sizeof(*items));
	t0 = mono_ms();
	for (int64_t m = start; m < end; m += MIN_MS) {
		int sparse = m < dense_from;

		if (sparse && (m / MIN_MS) % step != 0)
			continue;
		for (int i = 0; i < ENDPOINTS; i++) {
			int64_t t = m + eps[i].offset;

			if (t <= eps[i].last || t >= end)
				continue;
			items[nb].maintenance = make_result(&rs[nb], i, t, sparse);
			items[nb].r = &rs[nb];
			nb++;
			sparse_n += sparse;
			if (nb == BATCH) {
				if (store_add_results(s, items, (size_t)nb) != 0) {
					fprintf(stderr, "history_gen: %s\n", store_error(s));
					return 1;
				}
				for (int64_t b = 0; b < nb; b++)
					result_clear(&rs[b]);
				n += nb;
				nb = 0;
			}
		}
	}
	if (nb > 0) {
		if (store_add_results(s, items, (size_t)nb) != 0) {
			fprintf(stderr, "history_gen: %s\n", store_error(s));
			return 1;
		}
		for (int64_t b = 0; b < nb; b++)
			result_clear(&rs[b]);
		n += nb;
	}
	t1 = mono_ms();
	{
		int64_t total = store_count_results(s);

		store_close(s);
		if (stat(db, &sb) != 0)
			sb.st_size = 0;
		printf("history: %s %lld results in %.1f s (%.0f results/s, batches of %d); "
		    "store now %lld results, %lld MB\n", existing ? "added" : "generated",
		    (long long)n, (double)(t1 - t0) / 1000.0,
		    (double)n * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1), BATCH,
		    (long long)total, (long long)(sb.st_size >> 20));
		if (!existing)
			printf("history: %d endpoints x %d days; last %d days at 1 result/min, "
			    "older days at 1 per %d min (%lld sparse results)\n", ENDPOINTS, days,
			    dense_days < days ? dense_days : days, step, (long long)sparse_n);
	}
	free(rs);
	free(items);
	return 0;
}
