/*
 * PostgreSQL backend: operator alerts in the outbox (SPEC §11: a vantage node silent, and
 * heard again). They belong to no incident, so their rows have a NULL incident, which the
 * table's UNIQUE (incident, event) does not cover; instead the check and the insert run
 * under a transaction-level advisory lock, so two nodes that both believe they lead (the
 * moment of a handover) still queue one row per key. No schema change: the outbox's columns
 * already allow it.
 */
#include <stdlib.h>

#include "pg_int.h"
#include "../core/util.h"

int
pg_outbox_insert_keyed(struct store_be *b, const char *event_key, const char *recipients,
    const char *subject, const char *body, int64_t now_ms)
{
	struct pg_params l = { 0 }, p = { 0 };
	int64_t n;

	pg_params_int(&l, PG_LOCK_OUTBOX_KEYED);
	if (pg_cmd(b, "queuing an operator alert", "SELECT pg_advisory_xact_lock($1)", &l) < 0)
		return -1;
	pg_params_int(&p, now_ms);
	pg_params_text(&p, event_key);
	pg_params_text(&p, recipients);
	pg_params_text(&p, subject);
	pg_params_text(&p, body);
	n = pg_cmd(b, "queuing an operator alert", "INSERT INTO outbox (created, incident, event,"
	    " recipients, subject, body, next_attempt) SELECT $1, NULL, $2, $3, $4, $5, $1"
	    " WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE incident IS NULL AND event = $2)", &p);
	return n < 0 ? -1 : n == 1;
}

int
pg_outbox_find_keyed(struct store_be *b, const char *needle, char **key)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int found;

	*key = NULL;
	pg_params_text(&p, needle);
	if ((r = pg_q(b, "reading the operator alerts", "SELECT event FROM outbox"
	    " WHERE incident IS NULL AND strpos(event, $1) > 0 ORDER BY id DESC LIMIT 1",
	    &p)) == NULL)
		return -1;
	found = PQntuples(r) > 0;
	if (found)
		*key = xstrdup(pg_str(r, 0, 0));
	PQclear(r);
	return found;
}
