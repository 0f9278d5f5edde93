/* The logical schema every backend keeps (backend.h be_tables), used by `store migrate`. */
#include "backend.h"

#define ROLLUP_COLS_LIST "checks", "up", "degraded", "down", "maintenance", "up_ms", \
	"degraded_ms", "down_ms", "maintenance_ms", "latency"

const struct be_table be_tables[BE_T__MAX] = {
	[BE_T_META] = { "meta", 2, 1, { "key", "value" } },
	[BE_T_ENDPOINTS] = { "endpoints", 16, 1, { "id", "provider", "endpoint", "kind",
	    "last_time", "last_code", "last_message", "last_details", "crl_number",
	    "bad_streak", "good_streak", "bad_since", "good_since", "streak_reasons",
	    "streak_worst", "open_incident" } },
	[BE_T_INCIDENTS] = { "incidents", 11, 1, { "id", "ep", "start", "end", "worst",
	    "reasons", "message", "notified_open", "notified_resolved", "reminders",
	    "last_mail" } },
	[BE_T_NOTES] = { "incident_notes", 4, 1, { "id", "incident", "t", "text" } },
	[BE_T_RESULTS] = { "results", 12, 4, { "ep", "t", "node", "address", "code", "dns",
	    "conn", "tls", "ttfb", "total", "msg", "details" } },
	[BE_T_DAILY] = { "daily", 12, 2, { "ep", "day", ROLLUP_COLS_LIST } },
	[BE_T_HOURLY] = { "hourly", 12, 2, { "ep", "hour", ROLLUP_COLS_LIST } },
	[BE_T_OUTBOX] = { "outbox", 12, 1, { "id", "created", "incident", "event",
	    "recipients", "subject", "body", "attempts", "next_attempt", "sent", "failed",
	    "last_error" } },
	[BE_T_NODES] = { "nodes", 6, 1, { "id", "location", "last_seen", "started", "leader",
	    "results_24h" } },
	[BE_T_LOG] = { "log", 3, 2, { "node", "idx", "entry" } },
	[BE_T_LOG_STATE] = { "log_state", 2, 1, { "node", "edge" } },
	[BE_T_CHECKPOINTS] = { "checkpoints", 4, 2, { "node", "tree_size", "t", "note" } },
	[BE_T_LOG_TOKENS] = { "log_tokens", 4, 3, { "node", "tree_size", "label", "der" } },
	[BE_T_CONFORMANCE] = { "conformance", 7, 3, { "ep", "month", "rule", "checks",
	    "violations", "first", "last" } },
};
_Static_assert(BE_T__MAX == STORE_TABLES, "store.h STORE_TABLES");
