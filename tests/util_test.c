/*
 * Formatting helpers of core/util.c that replace printf on hot paths: they must write
 * exactly what snprintf writes (fixed_format vs "%.*f", rfc3339_format vs gmtime + "%04d-...").
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

#include "core/util.h"

/* A fixed pseudo-random sequence (xorshift64*), so a failure can be reproduced. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static void
check_fixed(double v, int decimals)
{
	char want[512], got[512];
	size_t n;

	snprintf(want, sizeof(want), "%.*f", decimals, v);
	n = fixed_format(v, decimals, got, sizeof(got));
	if (strcmp(want, got) != 0 || n != strlen(want))
		fail_msg("fixed_format(%.17g, %d) = \"%s\" (%zu), snprintf: \"%s\"", v, decimals,
		    got, n, want);
}

static void
fixed_format_matches_snprintf(void **state)
{
	static const double special[] = {
		0, -0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.5, 0.55, 0.65, 0.75, 0.85, 0.95,
		1.5, 2.5, 3.5, 0.125, 0.375, 0.0625, 0.005, 0.0005, 0.0015, 1.0005, 2.675,
		99.995, 99.95, 99.99, 99.999, 100, 4.45, 164, 84.05, 636.25, 1e-300, 5e-324,
		0.049999999999999996, 0.05000000000000001, 1e11, 999999999999.5, 1e12, 1e15,
		1e300, -1, -0.05, -2.5, 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 9.9999999999999995e-2,
		4503599627370495.5, 4503599627370497.0, 123456.789, 0.9999, 0.99995, 9.95,
	};

	(void)state;
	for (size_t i = 0; i < NELEM(special); i++)
		for (int d = 0; d <= 4; d++)
			check_fixed(special[i], d);
	/* Ties of every kind: k / 2^j at the scale of each decimals. */
	for (int64_t k = 0; k < 200000; k++)
		for (int d = 0; d <= 3; d++) {
			check_fixed((double)k / 16, d);
			check_fixed((double)k / 2000, d);
			check_fixed((double)k / 10 + 0.05, d);
		}
	/* Random values over the ranges the site prints: coordinates, percentages, ms. */
	for (int i = 0; i < 2000000; i++) {
		uint64_t r = next();
		double v;

		switch (i % 4) {
		case 0:	/* uniform in [0, 1000) */
			v = (double)(r >> 11) / 9007199254740992.0 * 1000;
			break;
		case 1:	/* uniform in [0, 100], like uptime */
			v = (double)(r >> 11) / 9007199254740992.0 * 100;
			break;
		case 2:	/* a short decimal plus noise of a few ulps */
			v = (double)(r % 10000000) / 1000;
			v = v + v * 2.220446049250313e-16 * (double)((int)(r >> 60) - 8);
			break;
		default:	/* any magnitude, any bits */
			memcpy(&v, &r, sizeof(v));
			break;
		}
		check_fixed(v, (int)((r >> 40) % 5));
	}
}

static void
fixed_format_short_output_truncates_like_snprintf(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(fixed_format(12345.678, 2, out, sizeof(out)), 7);
	assert_string_equal(out, "12345.6");
	assert_int_equal(fixed_format(1.25, 1, out, sizeof(out)), 3);
	assert_string_equal(out, "1.2");
}

static void
check_rfc3339(int64_t ms)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)t * 1000);
	struct tm tm;
	char want[64], got[64];

	gmtime_r(&t, &tm);
	snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	rfc3339_format(ms, got, sizeof(got));
	if (strcmp(want, got) != 0)
		fail_msg("rfc3339_format(%lld) = \"%s\", gmtime + snprintf: \"%s\"", (long long)ms,
		    got, want);
	snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	rfc3339_format_s(ms, got, sizeof(got));
	if (strcmp(want, got) != 0)
		fail_msg("rfc3339_format_s(%lld) = \"%s\", gmtime + snprintf: \"%s\"", (long long)ms,
		    got, want);
}

static void
rfc3339_format_matches_gmtime(void **state)
{
	static const int64_t special[] = {
		0, 1, 999, 1000, -1, -999, -1000, -1001, 951782400000LL /* 2000-02-29 */,
		951868800000LL, 4107542400000LL /* 2100-03-01 */, 1709164800000LL,
		1796086800123LL, 253402300799999LL, 253402300800000LL, 253402300800001LL,
		-62135596800000LL, 32503680000000LL, INT64_C(-86400000) * 366,
	};
	char small[10];

	(void)state;
	for (size_t i = 0; i < NELEM(special); i++)
		check_rfc3339(special[i]);
	/* every day from 1969 to 2401, at a varying time of day */
	for (int64_t d = -366; d < 157000; d++)
		check_rfc3339(d * 86400000 + (d * 7919321) % 86400000);
	for (int i = 0; i < 1000000; i++)
		check_rfc3339((int64_t)(next() % 253402300800000ULL));
	/* too small a buffer: truncated as snprintf does */
	rfc3339_format(1796086800123LL, small, sizeof(small));
	assert_string_equal(small, "2026-12-0");
	rfc3339_format_s(1796086800123LL, small, sizeof(small));
	assert_string_equal(small, "2026-12-0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_format_matches_snprintf),
		cmocka_unit_test(fixed_format_short_output_truncates_like_snprintf),
		cmocka_unit_test(rfc3339_format_matches_gmtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
