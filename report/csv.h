/*
 * RFC 4180 CSV: CRLF line ends, fields with comma, quote, CR or LF quoted, quotes
 * doubled, text repaired to valid UTF-8 (html_utf8_clean). Header rows per SPEC §7.
 */
#ifndef TW_CSV_H
#define TW_CSV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../store/store.h"

/* v1 columns first, in order; v2 columns appended (SPEC §10). */
#define CSV_RESULTS_HEADER	"time,provider,endpoint,kind,status,reason,total_ms,message," \
	"maintenance,dns_ms,connect_ms,tls_ms,ttfb_ms,node,address"
#define CSV_INCIDENTS_HEADER	"id,provider,endpoint,start,end,duration_s,worst_status,reasons"
#define CSV_DAILY_HEADER \
	"date,provider,endpoint,checks,up,degraded,down,maintenance,uptime_pct,p50_ms,p95_ms," \
	"observed_s,up_s,degraded_s,down_s"

/* Writes one field (NULL = empty), preceded by a comma unless first. */
void csv_field(FILE *, const char *s, bool first);
/* Ends the row with CRLF. */
void csv_end(FILE *);
/* Writes header (a constant above) as a row. */
void csv_header(FILE *, const char *header);

/* Writes one row of each kind, fields as SPEC §7. */
void csv_result(FILE *, const struct store_row *);
void csv_incident(FILE *, const struct store_incident *);
void csv_daily(FILE *, const struct store_rollup *);

#endif
