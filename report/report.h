/*
 * The published site (SPEC §6) and the audit exports (SPEC §7), read from the store.
 * report/ never includes probe/; it reads the config and the store only.
 */
#ifndef TW_REPORT_H
#define TW_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct conf;
struct store;
struct tz;

/*
 * Renders the whole site for conf from st as of now_ms into outdir (NULL =
 * conf->report.output): every page is written into a temporary directory beside outdir,
 * which then replaces outdir atomically (a web server never sees a half-written site).
 * Times and days are in report.timezone (loaded here; the process time zone is never used
 * nor changed); st's days are set to be cut in it (store_set_timezone).
 * outdir must pass report_output_check (else REPORT_REFUSED, nothing touched); the site gets
 * the .trustwatch-site marker, and partial renders a killed render left beside outdir go.
 * Returns 0, or -1 with *err set (caller frees); on error outdir is left as it was.
 */
int report_render(const struct conf *, struct store *st, const char *outdir, int64_t now_ms,
    char **err);

/* report_render and report_output_check: outdir is not trustwatch's to replace. */
#define REPORT_REFUSED	(-2)
/*
 * May a site be rendered into outdir (SPEC §9)? It may when it does not exist, or is a
 * directory holding the .trustwatch-site marker of an earlier render, or an empty directory,
 * and conf_output_problem() has nothing against it. Touches nothing.
 * Returns 0; REPORT_REFUSED with *err set (caller frees); -1 with *err when it cannot tell.
 */
int report_output_check(const struct conf *, const char *outdir, char **err);

enum report_what {
	REPORT_RESULTS,
	REPORT_INCIDENTS,
	REPORT_DAILY,
	REPORT_WHAT__MAX
};
extern const char *const report_what_names[REPORT_WHAT__MAX];

enum report_format {
	REPORT_CSV,
	REPORT_JSON,
	REPORT_FORMAT__MAX
};

struct report_export {
	enum report_what	 what;
	enum report_format	 format;
	int64_t			 from_ms;	/* inclusive; 0 = beginning */
	int64_t			 to_ms;		/* exclusive; INT64_MAX = no end */
	const char		*provider;	/* NULL = all */
	const struct tz		*tz;		/* days of the daily export; NULL = UTC (borrowed) */
	bool			 progress;	/* row counts on stderr (set when it is a terminal) */
};

/*
 * Streams the rows selected by x to f (CSV with its SPEC §7 header, or JSON lines):
 * constant memory whatever the number of rows. Returns 0, or -1 with *err set.
 */
int report_export(struct store *, const struct report_export *x, FILE *f, char **err);

/*
 * Parses an export bound: an RFC 3339 time, or a date YYYY-MM-DD meaning the start of
 * that day in the zone (NULL = UTC); with end_of_day set, a date means the start of the next
 * day (so --to 2026-12-31 includes the 31st). Returns 0 or -1.
 */
int report_parse_bound(const char *s, const struct tz *, int end_of_day, int64_t *ms);

/*
 * Whether the render writes a gzip copy PATH.gz beside the site file path (HTML, CSS, JSON,
 * CSV, Atom, SVG): the one list the render and the web server share.
 */
bool report_gzipped(const char *path);

#endif
