/*
 * Rollups: per endpoint and day (in the configured time zone) and per endpoint and
 * UTC hour, maintained as results are stored, so rendering costs endpoints × days,
 * never raw results. Latency is kept as a log-scale histogram (64 buckets, each 25%
 * wider than the last from 0.1 ms), stored sparsely; percentiles are the upper bound of
 * the bucket that reaches them (within 25%).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "../core/log.h"
#include "../core/tz.h"
#include "../core/util.h"

#define HIST_BASE	0.1
#define HIST_RATIO	1.25

struct rollup_acc {
	int64_t		 ep;
	bool		 daily;
	char		 day[11];
	int64_t		 hour;
	int64_t		 c[ROLLUP_COUNTERS];
	uint32_t	 hist[HIST_BUCKETS];
};

static int
hist_bucket(double ms)
{
	int i;

	if (ms <= HIST_BASE)
		return 0;
	i = (int)ceil(log(ms / HIST_BASE) / log(HIST_RATIO) - 1e-9);
	return i < 0 ? 0 : i >= HIST_BUCKETS ? HIST_BUCKETS - 1 : i;
}

static double
hist_upper(int i)
{
	return HIST_BASE * pow(HIST_RATIO, i);
}

/* Sparse encoding: (bucket byte, count as LEB128) per non-empty bucket. */
size_t
rollup_hist_encode(const uint32_t *h, unsigned char *out)
{
	size_t n = 0;

	for (int i = 0; i < HIST_BUCKETS; i++) {
		uint32_t v = h[i];

		if (v == 0)
			continue;
		out[n++] = (unsigned char)i;
		do {
			out[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			v >>= 7;
		} while (v != 0);
	}
	return n;
}

void
rollup_hist_decode_add(uint32_t *h, const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		int b = p[i++];
		uint32_t v = 0;
		int shift = 0;

		while (i < len) {
			unsigned char x = p[i++];

			if (shift < 32)
				v |= (uint32_t)(x & 0x7f) << shift;
			shift += 7;
			if (!(x & 0x80))
				break;
		}
		if (b < HIST_BUCKETS)
			h[b] += v;
	}
}

static double
hist_percentile(const uint32_t *h, double p)
{
	uint64_t total = 0, cum = 0, want;

	for (int i = 0; i < HIST_BUCKETS; i++)
		total += h[i];
	if (total == 0)
		return -1;
	want = (uint64_t)ceil(p * (double)total);
	if (want == 0)
		want = 1;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		cum += h[i];
		if (cum >= want)
			return hist_upper(i);
	}
	return hist_upper(HIST_BUCKETS - 1);
}

static struct rollup_acc *
acc_get(struct store *s, int64_t ep, bool daily, const char *day, int64_t hour)
{
	struct rollup_acc *a;

	for (size_t i = s->n_acc; i-- > 0; ) {
		a = &s->acc[i];
		if (a->ep == ep && a->daily == daily &&
		    (daily ? strcmp(a->day, day) == 0 : a->hour == hour))
			return a;
	}
	if (s->n_acc == s->cap_acc) {
		s->cap_acc = s->cap_acc ? s->cap_acc * 2 : 64;
		s->acc = xrealloc(s->acc, s->cap_acc * sizeof(*s->acc));
	}
	a = &s->acc[s->n_acc++];
	memset(a, 0, sizeof(*a));
	a->ep = ep;
	a->daily = daily;
	if (daily)
		snprintf(a->day, sizeof(a->day), "%s", day);
	a->hour = hour;
	return a;
}

static void
acc_add(struct rollup_acc *a, int64_t interval, const struct result *r, bool maint)
{
	a->c[0]++;
	if (maint) {
		a->c[4]++;
		a->c[8] += interval;
		return;
	}
	a->c[1 + r->status]++;
	a->c[5 + r->status] += interval;
	if (r->timings[PHASE_TOTAL] >= 0)
		a->hist[hist_bucket(r->timings[PHASE_TOTAL])]++;
}

void
st_rollup_add(struct store *s, int64_t ep_id, int64_t interval_ms, const struct result *r,
    bool maint)
{
	char day[16];
	int64_t hour = r->time_ms - ((r->time_ms % 3600000) + 3600000) % 3600000;

	tz_day(s->tz, r->time_ms, day, sizeof(day));
	acc_add(acc_get(s, ep_id, true, day, 0), interval_ms, r, maint);
	acc_add(acc_get(s, ep_id, false, NULL, hour), interval_ms, r, maint);
}

void
st_rollup_discard(struct store *s)
{
	s->n_acc = 0;
}

size_t
rollup_hist_merge(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen,
    unsigned char *out)
{
	uint32_t h[HIST_BUCKETS] = { 0 };

	rollup_hist_decode_add(h, a, alen);
	rollup_hist_decode_add(h, b, blen);
	return rollup_hist_encode(h, out);
}

int
st_rollup_flush(struct store *s)
{
	struct be_rollup *d;
	unsigned char *blobs;
	int rc = 0;

	if (s->n_acc == 0)
		return 0;
	d = xcalloc(s->n_acc, sizeof(*d));
	blobs = xmalloc(s->n_acc * HIST_MAX_BYTES);
	for (size_t i = 0; i < s->n_acc; i++) {
		const struct rollup_acc *a = &s->acc[i];

		d[i].ep = a->ep;
		d[i].daily = a->daily;
		memcpy(d[i].day, a->day, sizeof(d[i].day));
		d[i].hour_ms = a->hour;
		memcpy(d[i].c, a->c, sizeof(d[i].c));
		d[i].hist = blobs + i * HIST_MAX_BYTES;
		d[i].hist_len = rollup_hist_encode(a->hist, blobs + i * HIST_MAX_BYTES);
		if (d[i].hist_len == 0)
			d[i].hist = NULL;
	}
	if (s->ops->rollup_add(s->be, d, s->n_acc) != 0)
		rc = st_fail(s, "writing a rollup");
	free(d);
	free(blobs);
	s->n_acc = 0;
	return rc;
}

void
store_set_timezone(struct store *s, const char *tz)
{
	char *err = NULL;

	tz_free(s->tz);
	if ((s->tz = tz_load(tz, &err)) == NULL) {
		log_error("store: days are cut in UTC", "error=%s", log_q(err));
		free(err);
	}
}

const struct tz *
store_timezone(const struct store *s)
{
	return s->tz;
}

/* Fills out's figures from counters c[0..8] and a decoded histogram. */
static void
figures(struct store_rollup *out, const int64_t *c, const uint32_t *hist)
{
	int64_t observed;

	out->checks = c[0];
	out->up = c[1];
	out->degraded = c[2];
	out->down = c[3];
	out->maintenance = c[4];
	out->up_ms = c[5];
	out->degraded_ms = c[6];
	out->down_ms = c[7];
	out->maintenance_ms = c[8];
	observed = c[5] + c[6] + c[7];
	out->uptime_pct = observed > 0 ? 100.0 * (double)(c[5] + c[6]) / (double)observed : -1;
	out->p50_ms = hist_percentile(hist, 0.50);
	out->p95_ms = hist_percentile(hist, 0.95);
	out->p99_ms = hist_percentile(hist, 0.99);
}

void
rollup_figures(struct store_rollup *out, const int64_t *c, const unsigned char *hist,
    size_t hist_len)
{
	uint32_t h[HIST_BUCKETS] = { 0 };

	if (hist != NULL)
		rollup_hist_decode_add(h, hist, hist_len);
	figures(out, c, h);
}

struct each_rollup {
	int	(*fn)(const struct store_rollup *, void *);
	void	*arg;
};

static int
each_rollup_fn(const struct be_rollup *b, void *arg)
{
	struct each_rollup *e = arg;
	struct store_rollup r;

	memset(&r, 0, sizeof(r));
	r.provider = b->provider;
	r.endpoint = b->endpoint;
	r.kind = b->kind;
	if (b->daily)
		r.day = b->day;
	else
		r.hour_ms = b->hour_ms;
	rollup_figures(&r, b->c, b->hist, b->hist_len);
	return e->fn(&r, e->arg);
}

int
store_each_daily(struct store *s, const char *from_day, const char *to_day, const char *provider,
    int (*fn)(const struct store_rollup *, void *), void *arg)
{
	struct each_rollup e = { fn, arg };

	if (s->ops->each_rollup(s->be, true, from_day, to_day, 0, 0, provider, NULL,
	    each_rollup_fn, &e) != 0)
		return st_fail(s, "reading daily rollups");
	return 0;
}

int
store_each_hourly(struct store *s, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_rollup *, void *), void *arg)
{
	struct each_rollup e = { fn, arg };

	if (s->ops->each_rollup(s->be, false, NULL, NULL, from_ms, to_ms, provider, NULL,
	    each_rollup_fn, &e) != 0)
		return st_fail(s, "reading hourly rollups");
	return 0;
}

struct uptime_sum {
	int64_t		 c[ROLLUP_COUNTERS];
	uint32_t	 hist[HIST_BUCKETS];
};

static int
uptime_fn(const struct be_rollup *b, void *arg)
{
	struct uptime_sum *u = arg;

	for (int i = 0; i < ROLLUP_COUNTERS; i++)
		u->c[i] += b->c[i];
	if (b->hist != NULL)
		rollup_hist_decode_add(u->hist, b->hist, b->hist_len);
	return 0;
}

int
store_uptime(struct store *s, const char *provider, const char *endpoint, int64_t from_ms,
    int64_t to_ms, struct store_rollup *out)
{
	struct uptime_sum u;
	int64_t from_hour = from_ms - ((from_ms % 3600000) + 3600000) % 3600000;

	memset(&u, 0, sizeof(u));
	memset(out, 0, sizeof(*out));
	if (s->ops->each_rollup(s->be, false, NULL, NULL, from_hour, to_ms, provider, endpoint,
	    uptime_fn, &u) != 0)
		return st_fail(s, "reading uptime");
	figures(out, u.c, u.hist);
	return 0;
}

/* store_uptime_windows: endpoints by name, the sums of the endpoint being read */
struct win_key {
	const char	*provider, *endpoint;
	size_t		 i;		/* index into the caller's arrays */
};

struct win_sums {
	const struct win_key *keys;
	size_t		 n, nwin;
	const int64_t	*from_hour;	/* per window */
	struct store_rollup *out;
	int64_t		 ep;		/* the endpoint being summed (its rows come together), -1 */
	const struct win_key *cur;	/* it, NULL when not asked for */
	struct uptime_sum *sum;		/* per window */
};

static int
cmp_win_key(const void *a, const void *b)
{
	const struct win_key *x = a, *y = b;
	int c = strcmp(x->provider, y->provider);

	return c != 0 ? c : strcmp(x->endpoint, y->endpoint);
}

static void
win_flush(struct win_sums *u)
{
	if (u->cur != NULL)
		for (size_t w = 0; w < u->nwin; w++)
			figures(&u->out[u->cur->i * u->nwin + w], u->sum[w].c, u->sum[w].hist);
	memset(u->sum, 0, u->nwin * sizeof(*u->sum));
	u->cur = NULL;
}

static int
win_fn(const struct be_rollup *b, void *arg)
{
	struct win_sums *u = arg;
	uint32_t h[HIST_BUCKETS];

	if (b->ep != u->ep) {
		struct win_key k = { .provider = b->provider, .endpoint = b->endpoint };

		win_flush(u);
		u->ep = b->ep;
		u->cur = bsearch(&k, u->keys, u->n, sizeof(*u->keys), cmp_win_key);
	}
	if (u->cur == NULL)
		return 0;
	if (b->hist != NULL) {
		memset(h, 0, sizeof(h));
		rollup_hist_decode_add(h, b->hist, b->hist_len);
	}
	for (size_t w = 0; w < u->nwin; w++) {
		if (b->hour_ms < u->from_hour[w])
			continue;
		for (int i = 0; i < ROLLUP_COUNTERS; i++)
			u->sum[w].c[i] += b->c[i];
		if (b->hist != NULL)
			for (int i = 0; i < HIST_BUCKETS; i++)
				u->sum[w].hist[i] += h[i];
	}
	return 0;
}

int
store_uptime_windows(struct store *s, const char *const *providers,
    const char *const *endpoints, size_t n, const int64_t *from_ms, size_t nwin,
    int64_t to_ms, struct store_rollup *out)
{
	struct win_key *keys = xcalloc(n ? n : 1, sizeof(*keys));
	int64_t *from_hour = xcalloc(nwin ? nwin : 1, sizeof(*from_hour)), first = INT64_MAX;
	struct uptime_sum *sum = xcalloc(nwin ? nwin : 1, sizeof(*sum));
	struct win_sums u = { .keys = keys, .n = n, .nwin = nwin, .from_hour = from_hour,
	    .out = out, .ep = -1, .sum = sum };
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		keys[i] = (struct win_key){ providers[i], endpoints[i], i };
		for (size_t w = 0; w < nwin; w++) {
			memset(&out[i * nwin + w], 0, sizeof(*out));
			figures(&out[i * nwin + w], sum[0].c, sum[0].hist);	/* zeros: none */
		}
	}
	if (n > 1)
		qsort(keys, n, sizeof(*keys), cmp_win_key);
	for (size_t w = 0; w < nwin; w++) {
		from_hour[w] = from_ms[w] - ((from_ms[w] % 3600000) + 3600000) % 3600000;
		if (from_hour[w] < first)
			first = from_hour[w];
	}
	if (n > 0 && nwin > 0) {
		/* The hours between two windows' starts may come summed, as one row. */
		if ((s->ops->each_rollup_spans != NULL ?
		    s->ops->each_rollup_spans(s->be, first, to_ms, from_hour, nwin, win_fn, &u) :
		    s->ops->each_rollup(s->be, false, NULL, NULL, first, to_ms, NULL, NULL, win_fn,
		    &u)) != 0)
			rc = st_fail(s, "reading uptime");
		else
			win_flush(&u);
	}
	free(keys);
	free(from_hour);
	free(sum);
	return rc;
}
