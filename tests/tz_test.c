/*
 * core/tz.c: offsets and local times read from the installed TZif files, by arithmetic
 * alone (expected values from Python's zoneinfo on the same tzdata), and the process time
 * zone never touched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/tz.h"

struct offset_case {
	const char	*zone;
	int64_t		 utc_s;
	int		 off;
	const char	*abbrev;
	const char	*local;		/* "YYYY-MM-DD HH:MM:SS" */
	int		 isdst;
};

static void
check(const struct offset_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *err = NULL, local[64];
		struct tz *z = tz_load(c[i].zone, &err);
		const char *abbrev = NULL;
		struct tm tm;
		int off;

		if (z == NULL)
			fail_msg("%s: %s", c[i].zone, err);
		off = tz_offset_s(z, c[i].utc_s, &abbrev);
		tz_tm(z, c[i].utc_s * 1000 + 999, &tm);
		snprintf(local, sizeof(local), "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (off != c[i].off || strcmp(abbrev, c[i].abbrev) != 0 ||
		    strcmp(local, c[i].local) != 0 || tm.tm_gmtoff != c[i].off ||
		    strcmp(tm.tm_zone, c[i].abbrev) != 0 || tm.tm_isdst != c[i].isdst)
			fail_msg("%s at %lld: %d %s %s dst=%d, expected %d %s %s dst=%d", c[i].zone,
			    (long long)c[i].utc_s, off, abbrev, local, tm.tm_isdst, c[i].off,
			    c[i].abbrev, c[i].local, c[i].isdst);
		tz_free(z);
	}
}

static void
luxembourg_2026_changes_skip_and_repeat_an_hour(void **state)
{
	static const struct offset_case c[] = {
		{ "Europe/Luxembourg", 1774745999, 3600, "CET", "2026-03-29 01:59:59", 0 },
		{ "Europe/Luxembourg", 1774746000, 7200, "CEST", "2026-03-29 03:00:00", 1 },
		{ "Europe/Luxembourg", 1792888200, 7200, "CEST", "2026-10-25 02:30:00", 1 },
		{ "Europe/Luxembourg", 1792889999, 7200, "CEST", "2026-10-25 02:59:59", 1 },
		{ "Europe/Luxembourg", 1792890000, 3600, "CET", "2026-10-25 02:00:00", 0 },
		{ "Europe/Luxembourg", 1792891800, 3600, "CET", "2026-10-25 02:30:00", 0 },
		{ "Europe/Luxembourg", 1797490800, 3600, "CET", "2026-12-17 08:00:00", 0 },
	};

	(void)state;
	check(c, sizeof(c) / sizeof(c[0]));
}

static void
after_2037_the_footer_rule_applies(void **state)
{
	static const struct offset_case c[] = {
		{ "Europe/Luxembourg", 2216249999, 3600, "CET", "2040-03-25 01:59:59", 0 },
		{ "Europe/Luxembourg", 2216250000, 7200, "CEST", "2040-03-25 03:00:00", 1 },
		{ "Europe/Luxembourg", 2234998799, 7200, "CEST", "2040-10-28 02:59:59", 1 },
		{ "Europe/Luxembourg", 2234998800, 3600, "CET", "2040-10-28 02:00:00", 0 },
		{ "Pacific/Chatham", 2524608000, 49500, "+1345", "2050-01-01 13:45:00", 1 },
	};

	(void)state;
	check(c, sizeof(c) / sizeof(c[0]));
}

static void
fractional_offsets_and_history(void **state)
{
	static const struct offset_case c[] = {
		{ "Asia/Kolkata", 1797494400, 19800, "IST", "2026-12-17 13:30:00", 0 },
		{ "Asia/Kolkata", -2208988800, 19270, "MMT", "1900-01-01 05:21:10", 0 },
		{ "Asia/Kolkata", -839030400, 23400, "+0630", "1943-06-01 06:30:00", 1 },
		{ "America/Sao_Paulo", 1767225600, -10800, "-03", "2025-12-31 21:00:00", 0 },
	};

	(void)state;
	check(c, sizeof(c) / sizeof(c[0]));
}

static void
southern_hemisphere_and_half_hour_dst(void **state)
{
	static const struct offset_case c[] = {
		{ "Australia/Lord_Howe", 1775314799, 39600, "+11", "2026-04-05 01:59:59", 1 },
		{ "Australia/Lord_Howe", 1775314800, 37800, "+1030", "2026-04-05 01:30:00", 0 },
		{ "Australia/Lord_Howe", 1791041399, 37800, "+1030", "2026-10-04 01:59:59", 0 },
		{ "Australia/Lord_Howe", 1791041400, 39600, "+11", "2026-10-04 02:30:00", 1 },
		{ "Australia/Sydney", 1782864000, 36000, "AEST", "2026-07-01 10:00:00", 0 },
		{ "Australia/Sydney", 1796083200, 39600, "AEDT", "2026-12-01 11:00:00", 1 },
		{ "Australia/Sydney", 2368051200, 39600, "AEDT", "2045-01-15 11:00:00", 1 },
	};

	(void)state;
	check(c, sizeof(c) / sizeof(c[0]));
}

static void
utc_and_null_are_utc(void **state)
{
	static const char *const names[] = { NULL, "", "UTC", "Etc/UTC" };
	const char *abbrev;
	char day[16];
	struct tm tm;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *err = NULL;
		struct tz *z = tz_load(names[i], &err);

		assert_non_null(z);
		assert_null(err);
		assert_int_equal(tz_offset_s(z, 1797490800, &abbrev), 0);
		assert_string_equal(abbrev, "UTC");
		tz_free(z);
	}
	assert_int_equal(tz_offset_s(NULL, 1797490800, &abbrev), 0);
	assert_string_equal(abbrev, "UTC");
	assert_string_equal(tz_name(NULL), "UTC");
	tz_tm(NULL, -1, &tm);		/* floored: the last second of 1969 */
	assert_int_equal(tm.tm_year, 69);
	assert_int_equal(tm.tm_yday, 364);
	assert_int_equal(tm.tm_wday, 3);
	assert_int_equal(tm.tm_sec, 59);
	tz_day(NULL, 1797490800000LL, day, sizeof(day));
	assert_string_equal(day, "2026-12-17");
	tz_free(NULL);
}

static void
days_and_midnights(void **state)
{
	char *err = NULL, day[16];
	struct tz *lu = tz_load("Europe/Luxembourg", &err), *lh = tz_load("Australia/Lord_Howe", &err);

	(void)state;
	assert_non_null(lu);
	assert_non_null(lh);
	tz_day(lu, 1797461999000LL, day, sizeof(day));		/* 2026-12-16T22:59:59Z */
	assert_string_equal(day, "2026-12-16");
	tz_day(lu, 1797462000000LL, day, sizeof(day));
	assert_string_equal(day, "2026-12-17");
	assert_int_equal(tz_midnight_ms(lu, 2026, 12, 17), 1797462000000LL);
	assert_int_equal(tz_midnight_ms(NULL, 2026, 12, 17), 1797465600000LL);
	/* normalised: the 32nd of December, the 13th month and the 0th */
	assert_int_equal(tz_midnight_ms(lu, 2026, 12, 32), tz_midnight_ms(lu, 2027, 1, 1));
	assert_int_equal(tz_midnight_ms(lu, 2026, 13, 1), tz_midnight_ms(lu, 2027, 1, 1));
	assert_int_equal(tz_midnight_ms(lu, 2026, 0, 1), tz_midnight_ms(lu, 2025, 12, 1));
	/* the days of both changes are 23 and 25 hours long */
	assert_int_equal(tz_midnight_ms(lu, 2026, 3, 30) - tz_midnight_ms(lu, 2026, 3, 29),
	    23 * 3600000LL);
	assert_int_equal(tz_midnight_ms(lu, 2026, 10, 26) - tz_midnight_ms(lu, 2026, 10, 25),
	    25 * 3600000LL);
	assert_int_equal(tz_midnight_ms(lh, 2026, 4, 6) - tz_midnight_ms(lh, 2026, 4, 5),
	    24 * 3600000LL + 1800000LL);
	for (int64_t d = -800000; d < 800000; d += 997) {
		int y, m, dd;

		tz_civil_from_days(d, &y, &m, &dd);
		assert_int_equal(tz_days_from_civil(y, m, dd), d);
	}
	tz_free(lu);
	tz_free(lh);
}

static void
bad_names_are_refused_with_a_reason(void **state)
{
	static const struct {
		const char	*name;
		const char	*says;
	} c[] = {
		{ "../etc/passwd", "not an IANA name" },
		{ "Europe/../../etc/passwd", "not an IANA name" },
		{ "/usr/share/zoneinfo/UTC", "not an IANA name" },
		{ "Nope/Nowhere", "unknown" },
		{ "Europe", "not a regular file" },
		{ "zone.tab", "not a TZif file" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *err = NULL;

		assert_null(tz_load(c[i].name, &err));
		assert_non_null(err);
		if (strstr(err, c[i].says) == NULL || strstr(err, c[i].name) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", c[i].name, err, c[i].says);
		free(err);
	}
}

static void
loading_and_using_a_zone_leaves_TZ_alone(void **state)
{
	char *err = NULL;
	struct tz *z;
	struct tm tm;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	z = tz_load("Europe/Luxembourg", &err);
	tz_tm(z, 1797490800000LL, &tm);
	assert_int_equal(tm.tm_hour, 8);
	assert_string_equal(getenv("TZ"), "America/New_York");
	tz_free(z);
	unsetenv("TZ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(luxembourg_2026_changes_skip_and_repeat_an_hour),
		cmocka_unit_test(after_2037_the_footer_rule_applies),
		cmocka_unit_test(fractional_offsets_and_history),
		cmocka_unit_test(southern_hemisphere_and_half_hour_dst),
		cmocka_unit_test(utc_and_null_are_utc),
		cmocka_unit_test(days_and_midnights),
		cmocka_unit_test(bad_names_are_refused_with_a_reason),
		cmocka_unit_test(loading_and_using_a_zone_leaves_TZ_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
