/*
 * The store: every result, incident, note, rollup and queued alert.
 * Operations only; no SQL crosses this interface (sqlite.c is the only file that
 * includes sqlite3.h, so another backend can sit beside it).
 */
#ifndef TW_STORE_H
#define TW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/result.h"

struct store;

#define STORE_SCHEMA_VERSION	1

/*
 * Opens (creating and migrating as needed) the database at path (":memory:" allowed).
 * Returns the store, or NULL with *err set (caller frees).
 */
struct store *store_open(const char *path, char **err);
void store_close(struct store *);	/* store_close(NULL) is a no-op */

/* Last error text of the store (borrowed, valid until the next call). */
const char *store_error(const struct store *);

/* The schema version of the open database. */
int store_schema_version(struct store *);

/*
 * Returns the stable id of provider/endpoint, creating it on first use
 * (ids survive config reloads and renames of other endpoints). -1 on error.
 */
int64_t store_endpoint_id(struct store *, const char *provider, const char *endpoint,
    const char *kind);

/* One result to store; r->ep must be set (provider and endpoint ids come from it). */
struct store_item {
	const struct result	*r;
	bool			 maintenance;	/* inside a maintenance window */
};

/*
 * Stores n results in one transaction (all or nothing), keeping each endpoint's latest
 * details and CRL number, and feeding each result to its endpoint's incident
 * (opened, updated, resolved in the same transaction, so a crash never duplicates or
 * loses one). Returns 0, or -1 (nothing stored; store_error says why).
 */
int store_add_results(struct store *, const struct store_item *items, size_t n);

/* The last CRL number stored for provider/endpoint (decimal, caller frees), or NULL. */
char *store_last_crl_number(struct store *, const char *provider, const char *endpoint);

/* A stored result, as read back. Strings are borrowed until the next row or the end. */
struct store_row {
	int64_t		 time_ms;
	const char	*provider;
	const char	*endpoint;
	const char	*kind;
	enum status	 status;
	enum reason	 reason;
	bool		 maintenance;
	double		 timings[PHASE__MAX];	/* ms; < 0 = null */
	const char	*message;		/* NULL when none */
	const char	*details;		/* JSON text, NULL when none */
};

/*
 * Calls fn for each result with from_ms <= time < to_ms (provider NULL = all), ordered
 * by provider, endpoint, time; streams (constant memory). fn returns non-zero to stop.
 * Returns 0, or -1 on error.
 */
int store_each_result(struct store *, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_row *, void *), void *arg);

/* Sets the incident thresholds (SPEC §5; defaults 3 and 2) applied by store_add_results. */
void store_set_incident_policy(struct store *, int open_after, int close_after);

/* An incident, as read back. Strings are borrowed until the next row or the end. */
struct store_incident {
	int64_t		 id;
	const char	*provider;
	const char	*endpoint;
	const char	*kind;
	int64_t		 start_ms;
	int64_t		 end_ms;	/* -1 while open */
	const char	*worst;		/* status name */
	const char	*reasons;	/* reason names joined with ';' */
	const char	*message;	/* the message of the result that opened it, or NULL */
};

/*
 * Calls fn for each incident (provider NULL = all) open at or after since_ms, oldest first.
 * fn returns non-zero to stop. Returns 0, or -1 on error.
 */
int store_each_incident(struct store *, const char *provider, int64_t since_ms,
    int (*fn)(const struct store_incident *, void *), void *arg);

/* Number of stored results (for tests and the benchmark). -1 on error. */
int64_t store_count_results(struct store *);

/* Runs PRAGMA integrity_check; returns 0 when ok. */
int store_integrity_check(struct store *);

#endif
