/* trustwatch report: render the static site from the store. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "../core/config.h"
#include "../core/util.h"
#include "../report/report.h"
#include "../store/store.h"

static void
report_usage(FILE *f)
{
	fputs("usage: trustwatch report [-c FILE] [-o DIR] [--at TIME]\n"
	    "Renders the static site (SPEC §6) from the store into DIR (default report.output),\n"
	    "replacing it atomically. DIR must be new, empty, or a site trustwatch rendered.\n"
	    "--at renders it as of TIME (RFC 3339) instead of now: the same store and TIME give\n"
	    "the same site, e.g. to compare a store with its copy after `store migrate`.\n"
	    "Exit 0, 3 on a config/usage error or a refused DIR, 1 on a runtime failure.\n", f);
}

int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "at", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "config.yaml", *out = NULL;
	struct conf *c;
	struct store *st;
	char *err = NULL;
	int ch, rc = EXIT_OK;
	int64_t at = now_ms();

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'a':
			if (rfc3339_parse(optarg, &at) != 0) {
				cli_warn("report: --at '%s' is not an RFC 3339 time", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			report_usage(stdout);
			return EXIT_OK;
		default:
			report_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_warn("report: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if ((c = cli_load_conf(path)) == NULL)
		return EXIT_USAGE;
	if ((st = cli_open_store(c)) == NULL) {
		conf_free(c);
		return EXIT_RUNTIME;
	}
	switch (report_render(c, st, out, at, &err)) {
	case 0:
		break;
	case REPORT_REFUSED:
		cli_warn("report: %s", err);
		rc = EXIT_USAGE;
		break;
	default:
		cli_warn("report: %s", err);
		rc = EXIT_RUNTIME;
	}
	free(err);
	store_close(st);
	conf_free(c);
	return rc;
}
