/*
 * Time zones as values: an IANA zone read from its TZif file, and local time computed from
 * it by arithmetic alone. Never reads or sets the process time zone (TZ).
 * A NULL struct tz * means UTC everywhere.
 */
#ifndef TW_TZ_H
#define TW_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct tz;

/*
 * Loads the zone name (NULL, "" or "UTC" = UTC) from /usr/share/zoneinfo/NAME: TZif
 * versions 1 to 3, the 64-bit data of version 2 and later, and the POSIX TZ footer rule
 * for times after the last transition. Names with "..", absolute names and files that are
 * not regular are refused. Returns the zone (caller frees with tz_free), or NULL with
 * *err set (caller frees).
 */
struct tz *tz_load(const char *name, char **err);
void tz_free(struct tz *);			/* tz_free(NULL) is a no-op */

/* The zone's name as loaded ("UTC" for NULL); borrowed from the zone. */
const char *tz_name(const struct tz *);

/*
 * Returns the offset east of UTC, in seconds, of local time at utc_s (epoch seconds);
 * sets *abbrev (when abbrev is not NULL) to the zone abbreviation then ("CET"), borrowed.
 */
int tz_offset_s(const struct tz *, int64_t utc_s, const char **abbrev);

/*
 * Fills out with the local broken-down time of utc_ms (floored to the second), as the C
 * library's local time would: every field, tm_isdst, tm_gmtoff and tm_zone (borrowed from the zone).
 */
void tz_tm(const struct tz *, int64_t utc_ms, struct tm *out);

/* Writes the local date of utc_ms ("YYYY-MM-DD") into out (>= 11 bytes). */
void tz_day(const struct tz *, int64_t utc_ms, char *out, size_t outsz);

/*
 * Returns the epoch ms of the first instant of local day y-m-d (midnight, or the end of
 * the gap when midnight is skipped). m and d may be out of range: 2026-13-01 is
 * 2027-01-01, 2026-12-32 is 2027-01-01, as the C library normalises them.
 */
int64_t tz_midnight_ms(const struct tz *, int y, int m, int d);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31). */
int64_t tz_days_from_civil(int y, int m, int d);
/* The date of days since 1970-01-01. */
void tz_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
