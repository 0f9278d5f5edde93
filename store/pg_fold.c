/*
 * PostgreSQL backend: folding results_recent into results_packed (pg_int.h).
 *
 * A live daemon's batch holds one result per endpoint: it goes to results_recent, one
 * row per result, partitioned by UTC hour. Once an hour has ended (PG_FOLD_GRACE_MS
 * later), any writer (after a batch commits, pg_fold_due) folds it, one transaction per
 * slice of the hour (its rows of 200 endpoint ids: about a fifth of a second for a daemon
 * whose commit waits for it), one folder at a time (a try-lock: the others go on):
 *   1. WITH d AS (DELETE FROM results_recent WHERE t0 = h AND ep in the slice RETURNING *)
 *      INSERT INTO
 *      results_packed (PG_PACK_FROM d): one statement, so one snapshot: exactly the
 *      rows it deletes are packed. A row that a writer commits meanwhile (a late result,
 *      a spool replay of that hour) is not deleted: it stays in recent, and the next round
 *      folds it into an extra packed row of that hour. Readers see the old state or the
 *      new one (the view results is the union of both tables), never both, never neither.
 *   2. Once the hour's partition holds no row, it is dropped (its dead tuples with it; no
 *      vacuum involved): under the partitions lock (exclusive; writers that write to an
 *      hour that has ended hold it shared until their batch ends, pg_write.c), the tables
 *      locked (a short lock_timeout: a long read holding them makes us try next round),
 *      and empty once locked. A reader's statement takes its snapshot after it has locked
 *      the tables it reads (READ COMMITTED, as every reader of ours): it either held the
 *      partition (we wait) or sees the fold's commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

static int
hn_cmp(const void *x, const void *y)
{
	const int64_t *a = x, *c = y;

	return *a < *c ? -1 : *a > *c;
}

/* Ends the fold's own transaction: commit (ok) or rollback. 0 or -1. */
static int
end_tx(struct store_be *b, bool ok)
{
	PGresult *r = PQexec(b->conn, ok ? "COMMIT" : "ROLLBACK");
	int rc = 0;

	if (ok && (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT") != 0)) {
		pg_err(b, "folding results", r);
		rc = -1;
	}
	PQclear(r);
	b->in_tx = false;
	b->tx_failed = false;
	return ok ? rc : -1;
}

static int
begin_tx(struct store_be *b)
{
	if (pg_cmd(b, "folding results", "BEGIN", NULL) < 0)
		return -1;
	b->in_tx = true;
	b->tx_failed = false;
	return 0;
}

/* Runs sql in the fold's transaction; returns its first value as a boolean, or -1. */
static int
q_bool(struct store_be *b, const char *sql, struct pg_params *p)
{
	PGresult *r = pg_q(b, "folding results", sql, p);
	int v;

	if (r == NULL)
		return -1;
	v = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return v;
}

/*
 * Step 1 for hour hn: folds the rows of the next PG_FOLD_EPS endpoint ids from *from on
 * (a slice: a daemon's batch, on its event loop, waits for one slice at most, ~0.2 s),
 * moves *from past them.
 * 1 a slice folded, 2 none left from *from, 0 another folder is at work, -1.
 */
#define PG_FOLD_EPS	200
static int
fold_hour(struct store_be *b, int64_t hn, int64_t *from)
{
	struct pg_params p = { 0 };
	int64_t month = pg_part_month(hn * PG_HOUR_MS), lo;
	char sql[96];
	PGresult *r;
	int v;

	if (pg_partitions_ensure(b, &month, 1) != 0 || begin_tx(b) != 0)
		return -1;
	pg_params_int(&p, PG_LOCK_FOLD);
	if ((v = q_bool(b, "SELECT pg_try_advisory_xact_lock($1::integer,"
	    " hashtext(current_schema()))", &p)) != 1)
		return end_tx(b, false) < 0 && v < 0 ? -1 : 0;
	snprintf(sql, sizeof(sql), "SELECT min(ep) FROM recent_%lld WHERE ep >= $1",
	    (long long)hn);
	p.n = 0;
	pg_params_int(&p, *from);
	if ((r = pg_q(b, "folding results", sql, &p)) == NULL)
		return end_tx(b, false);
	v = PQgetisnull(r, 0, 0);
	lo = pg_int(r, 0, 0, 0);
	PQclear(r);
	if (v)
		return end_tx(b, true) < 0 ? -1 : 2;
	p.n = 0;
	pg_params_int(&p, hn * PG_HOUR_MS);
	pg_params_int(&p, lo);
	pg_params_int(&p, lo + PG_FOLD_EPS);
	if (pg_cmd(b, "folding results", "SELECT set_config('statement_timeout', '0', true)",
	    NULL) < 0 || pg_cmd(b, "folding results", "WITH d AS (DELETE FROM results_recent"
	    " WHERE t0 = $1 AND ep >= $2 AND ep < $3 RETURNING *) " PG_PACK_FROM("d"), &p) < 0)
		return end_tx(b, false);
	if (end_tx(b, true) < 0)
		return -1;
	*from = lo + PG_FOLD_EPS;
	return 1;
}

/* Step 2 for hour hn: 1 dropped, 0 kept (rows came in, or it is busy), -1. */
static int
drop_hour(struct store_be *b, int64_t hn)
{
	struct pg_params p = { 0 };
	char sql[96];
	int v;

	if (begin_tx(b) != 0)
		return -1;
	pg_params_int(&p, PG_LOCK_PARTITIONS);
	if ((v = q_bool(b, "SELECT pg_try_advisory_xact_lock($1)", &p)) != 1)
		return end_tx(b, false) < 0 && v < 0 ? -1 : 0;
	snprintf(sql, sizeof(sql), "LOCK TABLE recent_%lld IN ACCESS EXCLUSIVE MODE",
	    (long long)hn);
	if (pg_cmd(b, "folding results", "SELECT set_config('lock_timeout', '500ms', true)",
	    NULL) < 0 || pg_cmd(b, "folding results",
	    "LOCK TABLE ONLY results_recent IN ACCESS EXCLUSIVE MODE", NULL) < 0 ||
	    pg_cmd(b, "folding results", sql, NULL) < 0) {
		/* Busy (a lock timeout): next round. */
		end_tx(b, false);
		return 0;
	}
	snprintf(sql, sizeof(sql), "SELECT EXISTS (SELECT 1 FROM recent_%lld)", (long long)hn);
	if ((v = q_bool(b, sql, NULL)) != 0)
		return end_tx(b, false) < 0 && v < 0 ? -1 : 0;
	snprintf(sql, sizeof(sql), "DROP TABLE recent_%lld", (long long)hn);
	if (pg_cmd(b, "folding results", sql, NULL) < 0)
		return end_tx(b, false);
	if (end_tx(b, true) < 0)
		return -1;
	pg_partitions_dropped(b, -1 - hn);
	return 1;
}

/*
 * Compacts result_days (pg.c v7): its delta rows into one per day (none for a day summing
 * to 0) in one statement, so exactly the rows it deletes are summed (a delta committed
 * meanwhile stays for the next time). One folder at a time. 0 (or busy), or -1.
 */
static int
days_compact(struct store_be *b)
{
	struct pg_params p = { 0 };
	int v;

	if (begin_tx(b) != 0)
		return -1;
	pg_params_int(&p, PG_LOCK_FOLD);
	if ((v = q_bool(b, "SELECT pg_try_advisory_xact_lock($1::integer,"
	    " hashtext(current_schema()))", &p)) != 1)
		return end_tx(b, false) < 0 && v < 0 ? -1 : 0;
	if (pg_cmd(b, "folding results", "WITH d AS (DELETE FROM result_days RETURNING day, n)"
	    " INSERT INTO result_days SELECT day, sum(n) FROM d GROUP BY day HAVING sum(n) <> 0"
	    " ORDER BY day", NULL) < 0)
		return end_tx(b, false);
	return end_tx(b, true);
}

int
pg_fold(struct store_be *b, int64_t now, int max_steps)
{
	int64_t *hours = NULL, ahead[3];
	size_t n = 0;
	int rc = 0, steps = 0;
	bool busy = false, dropped = false;
	PGresult *r;

	/* Never inside a batch, nor while our reader holds the tables (we would wait for it). */
	if (b->in_tx || b->rdepth > 0)
		return 1;
	if (pg_ready(b) != 0 || (r = pg_q(b, "folding results", "SELECT c.relname FROM"
	    " pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
	    " WHERE i.inhparent = 'results_recent'::regclass", NULL)) == NULL)
		return -1;
	hours = xcalloc((size_t)PQntuples(r) + 1, sizeof(*hours));
	for (int i = 0; i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0);
		long long hn;
		int len = 0;

		if (sscanf(name, "recent_%lld%n", &hn, &len) == 1 && name[len] == '\0' && hn >= 0 &&
		    (hn + 1) * PG_HOUR_MS + PG_FOLD_GRACE_MS <= now)
			hours[n++] = hn;
	}
	PQclear(r);
	qsort(hours, n, sizeof(*hours), hn_cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		int64_t from = 0;
		int v = 0;

		/* Slice by slice; a late row below a slice done is left for the next round. */
		while ((max_steps <= 0 || steps < max_steps) &&
		    (v = fold_hour(b, hours[i], &from)) == 1)
			steps++;
		if (max_steps > 0 && steps >= max_steps) {
			rc = 1;
			break;
		}
		steps++;
		if (v < 0)
			rc = -1;
		else if (v == 0)
			rc = 1;			/* another folder: later */
		else if (!busy && (v = drop_hour(b, hours[i])) < 0)
			rc = -1;
		else if (v == 0)
			busy = true;		/* not dropped now: next round (folding goes on) */
		else if (v == 1)
			dropped = true;		/* drop_hour's 1 (fold_hour's last is 2) */
	}
	free(hours);
	/* Once an hour: the deltas of result_days summed per day. */
	if (rc >= 0 && dropped && days_compact(b) < 0)
		rc = -1;
	if (rc == 0 && busy)
		rc = 1;
	/*
	 * The coming hours' partitions, so that writers rarely need the DDL; not waiting
	 * long for readers (the DDL locks results_recent): a writer makes them otherwise.
	 */
	ahead[0] = pg_part_hour(now);
	ahead[1] = ahead[0] - 1;
	ahead[2] = ahead[0] - 2;
	if (rc >= 0 && begin_tx(b) == 0) {
		bool ok = pg_cmd(b, "folding results", "SELECT set_config('lock_timeout',"
		    " '500ms', true)", NULL) >= 0 && pg_partitions_ensure(b, ahead, 3) == 0;

		end_tx(b, ok);
		b->n_new = 0;		/* known once a writer has met them */
	}
	return rc;
}

void
pg_fold_due(struct store_be *b)
{
	int64_t now = pg_now(b);
	int rc;

	if (now < b->fold_next || b->in_tx || b->rdepth > 0)
		return;
	/* One slice per call (a writer's batch waits for it); the rest at the next commits. */
	rc = pg_fold(b, now, 1);
	if (rc == 0)
		b->fold_next = now - now % PG_HOUR_MS + PG_HOUR_MS + PG_FOLD_GRACE_MS;
	else
		b->fold_next = now + (rc > 0 ? 1000 : 60000);
}
