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

#include "sqlite_int.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/util.h"

#define HIST_BUCKETS	64
#define HIST_BASE	0.1
#define HIST_RATIO	1.25

struct rollup_acc {
	int64_t		 ep;
	bool		 daily;
	char		 day[11];
	int64_t		 hour;
	int64_t		 c[9];		/* checks up degraded down maint up_ms degraded_ms down_ms maint_ms */
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
static size_t
hist_encode(const uint32_t *h, unsigned char *out)
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

static void
hist_decode_add(uint32_t *h, const unsigned char *p, size_t len)
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
sq_rollup_add(struct store *s, int64_t ep_id, int64_t interval_ms, const struct result *r,
    bool maint)
{
	char day[16];
	int64_t hour = r->time_ms - ((r->time_ms % 3600000) + 3600000) % 3600000;

	tz_day(s->tz, r->time_ms, day, sizeof(day));
	acc_add(acc_get(s, ep_id, true, day, 0), interval_ms, r, maint);
	acc_add(acc_get(s, ep_id, false, NULL, hour), interval_ms, r, maint);
}

void
sq_rollup_discard(struct store *s)
{
	s->n_acc = 0;
}

static int
flush_one(struct store *s, sqlite3_stmt *sel, sqlite3_stmt *put, const struct rollup_acc *a)
{
	uint32_t hist[HIST_BUCKETS];
	int64_t c[9];
	unsigned char blob[HIST_BUCKETS * 6];
	size_t blen;
	int rc;

	memcpy(hist, a->hist, sizeof(hist));
	memcpy(c, a->c, sizeof(c));
	sqlite3_reset(sel);
	sqlite3_bind_int64(sel, 1, a->ep);
	if (a->daily)
		sqlite3_bind_text(sel, 2, a->day, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(sel, 2, a->hour);
	if ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		for (int i = 0; i < 9; i++)
			c[i] += sqlite3_column_int64(sel, i);
		if (sqlite3_column_type(sel, 9) == SQLITE_BLOB)
			hist_decode_add(hist, sqlite3_column_blob(sel, 9),
			    (size_t)sqlite3_column_bytes(sel, 9));
	} else if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading a rollup");
		return -1;
	}
	sqlite3_reset(sel);
	blen = hist_encode(hist, blob);
	sqlite3_reset(put);
	sqlite3_bind_int64(put, 1, a->ep);
	if (a->daily)
		sqlite3_bind_text(put, 2, a->day, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(put, 2, a->hour);
	for (int i = 0; i < 9; i++)
		sqlite3_bind_int64(put, 3 + i, c[i]);
	if (blen > 0)
		sqlite3_bind_blob(put, 12, blob, (int)blen, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(put, 12);
	rc = sqlite3_step(put);
	sqlite3_reset(put);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "writing a rollup");
		return -1;
	}
	return 0;
}

#define ROLLUP_COLS "checks, up, degraded, down, maintenance, up_ms, degraded_ms, down_ms, maintenance_ms, latency"

int
sq_rollup_flush(struct store *s)
{
	static const char *const sql[2][2] = {
		{ "SELECT " ROLLUP_COLS " FROM hourly WHERE ep = ?1 AND hour = ?2",
		  "INSERT OR REPLACE INTO hourly (ep, hour, " ROLLUP_COLS ") VALUES"
		  " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" },
		{ "SELECT " ROLLUP_COLS " FROM daily WHERE ep = ?1 AND day = ?2",
		  "INSERT OR REPLACE INTO daily (ep, day, " ROLLUP_COLS ") VALUES"
		  " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" },
	};
	sqlite3_stmt *st[2][2] = { { NULL, NULL }, { NULL, NULL } };
	int rc = 0;

	for (int d = 0; d < 2; d++)
		for (int k = 0; k < 2; k++)
			if (sqlite3_prepare_v3(s->db, sql[d][k], -1, SQLITE_PREPARE_PERSISTENT,
			    &st[d][k], NULL) != SQLITE_OK) {
				sq_set_err(s, "preparing rollups");
				rc = -1;
			}
	for (size_t i = 0; rc == 0 && i < s->n_acc; i++) {
		const struct rollup_acc *a = &s->acc[i];

		rc = flush_one(s, st[a->daily][0], st[a->daily][1], a);
	}
	for (int d = 0; d < 2; d++)
		for (int k = 0; k < 2; k++)
			sqlite3_finalize(st[d][k]);
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

/* Fills out's figures from counters c[0..8] and a histogram. */
static void
rollup_figures(struct store_rollup *out, const int64_t *c, const uint32_t *hist)
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

static int
each_rollup(struct store *s, bool daily, sqlite3_stmt *st,
    int (*fn)(const struct store_rollup *, void *), void *arg)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_rollup r;
		int64_t c[9];
		uint32_t hist[HIST_BUCKETS] = { 0 };

		memset(&r, 0, sizeof(r));
		r.provider = (const char *)sqlite3_column_text(st, 0);
		r.endpoint = (const char *)sqlite3_column_text(st, 1);
		r.kind = (const char *)sqlite3_column_text(st, 2);
		if (daily)
			r.day = (const char *)sqlite3_column_text(st, 3);
		else
			r.hour_ms = sqlite3_column_int64(st, 3);
		for (int i = 0; i < 9; i++)
			c[i] = sqlite3_column_int64(st, 4 + i);
		if (sqlite3_column_type(st, 13) == SQLITE_BLOB)
			hist_decode_add(hist, sqlite3_column_blob(st, 13),
			    (size_t)sqlite3_column_bytes(st, 13));
		rollup_figures(&r, c, hist);
		if (fn(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading rollups");
		return -1;
	}
	return 0;
}

int
store_each_daily(struct store *s, const char *from_day, const char *to_day, const char *provider,
    int (*fn)(const struct store_rollup *, void *), void *arg)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT e.provider, e.endpoint, e.kind, d.day, "
	    "d.checks, d.up, d.degraded, d.down, d.maintenance, d.up_ms, d.degraded_ms,"
	    " d.down_ms, d.maintenance_ms, d.latency FROM endpoints e JOIN daily d ON d.ep = e.id"
	    " WHERE d.day >= ?1 AND d.day <= ?2 AND (?3 IS NULL OR e.provider = ?3)"
	    " ORDER BY e.provider, e.endpoint, d.day", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying daily rollups");
		return -1;
	}
	sqlite3_bind_text(st, 1, from_day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to_day, -1, SQLITE_STATIC);
	if (provider != NULL)
		sqlite3_bind_text(st, 3, provider, -1, SQLITE_STATIC);
	return each_rollup(s, true, st, fn, arg);
}

int
store_each_hourly(struct store *s, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_rollup *, void *), void *arg)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT e.provider, e.endpoint, e.kind, h.hour, "
	    "h.checks, h.up, h.degraded, h.down, h.maintenance, h.up_ms, h.degraded_ms,"
	    " h.down_ms, h.maintenance_ms, h.latency FROM endpoints e JOIN hourly h ON h.ep = e.id"
	    " WHERE h.hour >= ?1 AND h.hour < ?2 AND (?3 IS NULL OR e.provider = ?3)"
	    " ORDER BY e.provider, e.endpoint, h.hour", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying hourly rollups");
		return -1;
	}
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	if (provider != NULL)
		sqlite3_bind_text(st, 3, provider, -1, SQLITE_STATIC);
	return each_rollup(s, false, st, fn, arg);
}

int
store_uptime(struct store *s, const char *provider, const char *endpoint, int64_t from_ms,
    int64_t to_ms, struct store_rollup *out)
{
	sqlite3_stmt *st;
	int64_t c[9] = { 0 };
	uint32_t hist[HIST_BUCKETS] = { 0 };
	int64_t from_hour = from_ms - ((from_ms % 3600000) + 3600000) % 3600000;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(s->db, "SELECT h.checks, h.up, h.degraded, h.down, h.maintenance,"
	    " h.up_ms, h.degraded_ms, h.down_ms, h.maintenance_ms, h.latency"
	    " FROM endpoints e JOIN hourly h ON h.ep = e.id"
	    " WHERE e.provider = ?1 AND e.endpoint = ?2 AND h.hour >= ?3 AND h.hour < ?4",
	    -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying uptime");
		return -1;
	}
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, from_hour);
	sqlite3_bind_int64(st, 4, to_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 9; i++)
			c[i] += sqlite3_column_int64(st, i);
		if (sqlite3_column_type(st, 9) == SQLITE_BLOB)
			hist_decode_add(hist, sqlite3_column_blob(st, 9),
			    (size_t)sqlite3_column_bytes(st, 9));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading uptime");
		return -1;
	}
	rollup_figures(out, c, hist);
	return 0;
}
