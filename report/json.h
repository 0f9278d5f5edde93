/*
 * JSON for exports (one object per line, SPEC §7 fields) and the site's api/ documents.
 * Every string goes through html_utf8_clean first (jansson refuses invalid UTF-8);
 * documents are dumped with "/" escaped, so "</script>" can never appear in them.
 */
#ifndef TW_REPORT_JSON_H
#define TW_REPORT_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "../store/store.h"

/* A JSON string of s repaired to valid UTF-8, or null when s is NULL (new reference). */
json_t *report_json_str(const char *s);
/* RFC 3339 UTC time with ms, or null when ms < 0. */
json_t *report_json_time(int64_t ms);
/* A number rounded to decimals, or null when v < 0. */
json_t *report_json_num(double v, int decimals);

/* Rows with the SPEC §7 fields (incident reasons as an array of names). New references. */
json_t *report_json_result(const struct store_row *);
json_t *report_json_incident(const struct store_incident *);
json_t *report_json_daily(const struct store_rollup *);

/* Writes o compactly plus "\n" and releases it. Returns 0 or -1. */
int report_json_line(FILE *, json_t *o);
/* Dumps o (indented, ASCII only: U+2028/2029 escaped) into path and releases it; 0 or -1. */
int report_json_file(const char *path, json_t *o);

#endif
