/*
 * The one JSON writer: exports (one object per line, SPEC §7 fields), the site's api/
 * documents and the live API. Every string goes through html_utf8_clean first (jansson
 * refuses invalid UTF-8, which would drop the field); output is ASCII only (U+2028/2029
 * escaped) with "/" escaped, so "</script>" can never appear in it.
 */
#ifndef TW_REPORT_JSON_H
#define TW_REPORT_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "../core/config.h"
#include "../store/store.h"

/* A JSON string of s repaired to valid UTF-8, or null when s is NULL (new reference). */
json_t *report_json_str(const char *s);
/* RFC 3339 UTC time with ms, or null when ms < 0. */
json_t *report_json_time(int64_t ms);
/* A number rounded to decimals, or null when v < 0. */
json_t *report_json_num(double v, int decimals);

/* Rows with the SPEC §7 fields (incident reasons as an array of names). New references. */
json_t *report_json_result(const struct store_row *);
/*
 * A result's record entry (SPEC §12): its export line without the newline, with its node
 * and address (null when ""). Caller frees. What the daemon hands store_set_record.
 */
char *report_json_entry(const struct store_row *, const char *node, const char *address);
json_t *report_json_incident(const struct store_incident *);
json_t *report_json_daily(const struct store_rollup *);

/*
 * The public record's two documents (SPEC §10): api/status.json and /api/v1/status, and
 * api/incidents.json and /api/v1/incidents, each written by one function below from plain
 * data, so the static files and the live API cannot differ in schema or escaping.
 * A new per-endpoint figure is one field in report_status_ep, one line in the collector
 * (report/api_data.c) and one in the writer.
 */
#define REPORT_WINDOWS	4	/* 24h, 7d, 30d, 90d */
extern const char *const report_window_keys[REPORT_WINDOWS];
extern const int64_t report_window_ms[REPORT_WINDOWS];

/* One configured endpoint's public state. Strings are borrowed unless said otherwise. */
struct report_status_ep {
	const char	*provider, *endpoint;	/* ids */
	const char	*kind;
	bool		 probed;		/* false: never probed, the rest is unset */
	int64_t		 last_ms;		/* time of the latest result */
	enum status	 status;
	enum reason	 reason;
	bool		 maintenance;
	char		*message;		/* owned by the report_status; NULL when none */
	double		 timings[PHASE__MAX];	/* ms, < 0 = not reached */
	int64_t		 open_incident;		/* 0 when none */
	int64_t		 since_ms;		/* start of the open incident, -1 when none */
	int64_t		 observed_since_ms;	/* first observation, -1 when none */
	struct store_rollup win[REPORT_WINDOWS];	/* strings unset */
	bool		 have_win[REPORT_WINDOWS];	/* the window holds results */
	/* Each address's latest (SPEC §14: details.addresses), owned; NULL with one address. */
	json_t		*addresses;
	/* The latest result's details (ocsp, crl, tsa, tl: for the qualified standing), owned. */
	json_t		*details;
};

/* A watched trusted list (a tl endpoint, not a LOTL) with its last verified issue. */
struct report_status_list {
	const struct conf_provider *provider;
	const char	*endpoint;		/* its id */
	json_t		*snap;			/* the tl kind's memory, owned */
};

/*
 * What a window honestly says (SPEC §10): uptime and degraded share of the observed time,
 * observed time, and coverage = observed / (window - maintenance); partial when the
 * observation began inside the window.
 */
struct report_window_fig {
	double		 uptime_pct;	/* < 0 when nothing observed */
	double		 degraded_pct;	/* < 0 when nothing observed */
	double		 coverage_pct;
	int64_t		 observed_ms;	/* up + degraded + down */
	int64_t		 down_ms;
	bool		 partial;
};
void report_window_figures(const struct store_rollup *, bool have, int64_t window_ms,
    int64_t observed_since_ms, int64_t now_ms, struct report_window_fig *);

/*
 * An endpoint's first observation: its oldest raw result, or the start of its oldest
 * daily rollup (local midnight in z, the zone the store cuts days in; NULL = UTC) when
 * that is older (pruned).
 */
int64_t report_observed_since(const struct store_endpoint_state *, const struct tz *z);

struct report_status_provider {
	const char		*id, *name;
	const struct conf_provider *conf;
	struct report_status_ep	*eps;		/* into report_status.eps */
	size_t			 n_eps;
};

struct report_vantage;

struct report_status {
	const char		*title;		/* NULL: none */
	const char		*timezone;	/* IANA name */
	int64_t			 generated_ms;
	struct report_status_provider *providers;
	size_t			 n_providers;
	struct report_status_ep	*eps;		/* every endpoint, in configuration order */
	size_t			 n_eps;
	const struct conf_maintenance *maintenance;	/* borrowed from the config */
	size_t			 n_maintenance;
	struct report_status_list *lists;	/* for each provider's qualified standing */
	size_t			 n_lists;
	/*
	 * The vantage nodes and each endpoint's per-node view (report/vantage.h), borrowed;
	 * NULL writes no node and no minority.
	 */
	const struct report_vantage *vantage;
};

/*
 * One incident as published. Strings are borrowed from the caller's data, or owned by the
 * rows when report_incidents_collect made them (freed by report_incidents_free).
 */
struct report_note {
	int64_t		 time_ms;
	const char	*text;
};
struct report_incident {
	struct store_incident	 in;
	const struct report_note *notes;
	size_t			 n_notes;
	/* SPEC §15 correlation, set by report_incidents_link (else 0/NULL) */
	int64_t			 caused_by;	/* the likely cause's id, 0 = none */
	const char		*caused_by_provider;	/* borrowed from the config */
	int64_t			 caused_by_start_ms;
	int64_t			*caused;	/* ids of the incidents it probably caused; owned,
						   freed by report_incidents_unlink */
	size_t			 n_caused;
};

/*
 * Fills st from the store for every endpoint of conf at now (conf strings borrowed, so
 * conf must outlive st). Returns 0, or -1 on a store error (st is then empty).
 * Free with report_status_free.
 */
int report_status_collect(const struct conf *, struct store *, int64_t now, struct report_status *st);
/*
 * The two halves of report_status_collect: the current state (one pass over the store's
 * endpoint states and open incidents; windows left empty), and the uptime/latency windows
 * (four rollup sums per endpoint: the costly part, which a caller may reuse for a while).
 * report_status_windows returns 0 or -1 and leaves st to be freed by the caller.
 */
int report_status_state(const struct conf *, struct store *, int64_t now, struct report_status *st);
int report_status_windows(struct store *, int64_t now, struct report_status *st);
void report_status_free(struct report_status *);	/* NULL and an empty st are fine */

/*
 * The incidents of provider (NULL = all) open at or after since_ms, newest first, with their
 * notes, into *rows (caller frees with report_incidents_free). Returns 0 or -1.
 */
int report_incidents_collect(struct store *, const char *provider, int64_t since_ms,
    struct report_incident **rows, size_t *n);
void report_incidents_free(struct report_incident *rows, size_t n);

/*
 * The documents, as one line of JSON plus "\n" (caller frees): ASCII only (U+2028/2029
 * escaped), "/" escaped (no "</script>"), every string repaired to valid UTF-8 first, so no
 * text makes a field or a row vanish. Never NULL.
 */
char *report_json_status(const struct report_status *);
char *report_json_incidents(int64_t generated_ms, const struct report_incident *rows, size_t n);

/*
 * api/nodes.json and /api/v1/nodes: the vantage nodes (id, location, last heard, live,
 * leader, results in the last 24 h), as one line of JSON plus "\n" (caller frees).
 */
char *report_json_nodes(const struct report_vantage *);

/*
 * SPEC §15: links each row to its likely cause among rows and each cause to its effects
 * (core/deps.h deps_link over c's dependencies). report_incidents_unlink frees the links;
 * report_incidents_free does too.
 */
void report_incidents_link(const struct conf *c, struct report_incident *rows, size_t n);
void report_incidents_unlink(struct report_incident *rows, size_t n);
/* Keeps only the rows of provider (NULL = all), freeing the others; *n is updated. */
void report_incidents_keep(struct report_incident *rows, size_t *n, const char *provider);

/*
 * api/dependencies.json and /api/v1/dependencies (SPEC §15): providers[] (every provider
 * something depends on: dependants, spof_for) and services[] (every provider with
 * depends_on or alternatives: those lists, paths, single_points_of_failure), as one line of
 * JSON plus "\n" (caller frees). d is deps_new(c); NULL gives empty lists.
 */
struct deps;
char *report_json_dependencies(const struct conf *c, const struct deps *d, int64_t generated_ms);

/* Writes o compactly (escaped as the documents are) plus "\n" and releases it; 0 or -1. */
int report_json_line(FILE *, json_t *o);

/* Every JSON trustwatch writes: ASCII only (U+2028/2029 escaped) and "/" escaped. */
#define REPORT_JSON_PRECISION	10
#define REPORT_JSON_DUMP_FLAGS	(JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH | \
				 JSON_REAL_PRECISION(REPORT_JSON_PRECISION))

/*
 * Returns json_dumps(o, JSON_COMPACT | REPORT_JSON_DUMP_FLAGS), the same bytes, written
 * directly (json_dump.c); NULL where json_dumps returns NULL. Caller frees.
 */
char	*report_json_dump(const json_t *o);

#endif
