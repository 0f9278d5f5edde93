/* trustwatch export: audit export of results, incidents or daily rollups to stdout. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../core/config.h"
#include "../core/tz.h"
#include "../core/util.h"
#include "../report/report.h"
#include "../store/store.h"

static void
export_usage(FILE *f)
{
	fputs("usage: trustwatch export [-c FILE] --format csv|json [--from T] [--to T]\n"
	    "                         [--provider P] [--what results|incidents|daily]\n"
	    "Writes the selected rows to stdout, streaming: CSV (RFC 4180, header row) or JSON\n"
	    "lines. T is an RFC 3339 time or a date YYYY-MM-DD in report.timezone; --from is\n"
	    "inclusive, --to exclusive (a --to date includes that whole day). Default: results.\n", f);
}

int
cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "provider", required_argument, NULL, 'p' },
		{ "what", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "config.yaml", *format = NULL, *from = NULL, *to = NULL, *what = "results";
	struct report_export x = { .from_ms = 0, .to_ms = INT64_MAX };
	struct conf *c;
	struct store *st;
	struct tz *zone;
	char *err = NULL;
	int ch, rc = EXIT_OK, w;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': format = optarg; break;
		case 'F': from = optarg; break;
		case 'T': to = optarg; break;
		case 'p': x.provider = optarg; break;
		case 'w': what = optarg; break;
		case 'h':
			export_usage(stdout);
			return EXIT_OK;
		default:
			export_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_warn("export: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (format == NULL || (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)) {
		cli_warn("export: --format csv or --format json is required");
		return EXIT_USAGE;
	}
	x.format = strcmp(format, "csv") == 0 ? REPORT_CSV : REPORT_JSON;
	for (w = 0; w < REPORT_WHAT__MAX; w++)
		if (strcmp(what, report_what_names[w]) == 0)
			break;
	if (w == REPORT_WHAT__MAX) {
		cli_warn("export: --what must be results, incidents or daily, not '%s'", what);
		return EXIT_USAGE;
	}
	x.what = (enum report_what)w;
	if ((c = cli_load_conf(path)) == NULL)
		return EXIT_USAGE;
	if ((zone = tz_load(c->report.timezone, &err)) == NULL) {
		cli_warn("export: report.%s", err);
		free(err);
		conf_free(c);
		return EXIT_USAGE;
	}
	x.tz = zone;
	x.progress = isatty(STDERR_FILENO);
	if ((from != NULL && report_parse_bound(from, x.tz, 0, &x.from_ms) != 0) ||
	    (to != NULL && report_parse_bound(to, x.tz, 1, &x.to_ms) != 0)) {
		cli_warn("export: '%s' is neither an RFC 3339 time nor a date YYYY-MM-DD",
		    from != NULL && report_parse_bound(from, x.tz, 0, &x.from_ms) != 0 ? from : to);
		tz_free(zone);
		conf_free(c);
		return EXIT_USAGE;
	}
	if (x.provider != NULL && conf_find_provider(c, x.provider) == NULL) {
		cli_warn("export: no provider '%s' in the configuration", x.provider);
		tz_free(zone);
		conf_free(c);
		return EXIT_USAGE;
	}
	if ((st = cli_open_store(c)) == NULL) {
		tz_free(zone);
		conf_free(c);
		return EXIT_RUNTIME;
	}
	if (report_export(st, &x, stdout, &err) != 0) {
		cli_warn("export: %s", err);
		free(err);
		rc = EXIT_RUNTIME;
	}
	store_close(st);
	tz_free(zone);
	conf_free(c);
	return rc;
}
