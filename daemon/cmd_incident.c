/* trustwatch incident: list incidents, add operator notes shown on the incident pages. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../core/config.h"
#include "../core/util.h"
#include "../store/store.h"

static void
incident_usage(FILE *f)
{
	fputs("usage: trustwatch incident [-c FILE] list\n"
	    "       trustwatch incident [-c FILE] note ID TEXT\n"
	    "Lists incidents, or adds an operator note to incident ID (shown on its page at the\n"
	    "next render). An unknown ID is exit 3.\n", f);
}

/* Replaces control characters so stored text cannot paint the operator's terminal. */
static void
print_sanitized(const char *s)
{
	for (; s && *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static int
print_incident_row(const struct store_incident *in, void *arg)
{
	char name[256], start[40], end[40] = "-", dur[32] = "-";

	(void)arg;
	snprintf(name, sizeof(name), "%s/%s", in->provider, in->endpoint);
	rfc3339_format_s(in->start_ms, start, sizeof(start));
	if (in->end_ms >= 0) {
		rfc3339_format_s(in->end_ms, end, sizeof(end));
		duration_format((in->end_ms - in->start_ms) / 1000 * 1000, dur, sizeof(dur));
	}
	printf("%-6" PRId64 "  %-8s  ", in->id, in->end_ms < 0 ? "open" : "resolved");
	print_sanitized(name);
	printf("  %s  %s  %s  %s  ", start, end, dur, in->worst ? in->worst : "-");
	print_sanitized(in->reasons);
	putchar('\n');
	return 0;
}

static int
note_count(const struct store_note *n, void *arg)
{
	(void)n;
	(*(int *)arg)++;
	return 0;
}

int
cmd_incident(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "config.yaml";
	struct conf *c;
	struct store *st;
	char *endp;
	int ch, rc = EXIT_OK;
	long long id = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			incident_usage(stdout);
			return EXIT_OK;
		default:
			incident_usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		/* fine */
	} else if (argc == 3 && strcmp(argv[0], "note") == 0) {
		errno = 0;
		id = strtoll(argv[1], &endp, 10);
		if (errno != 0 || *endp != '\0' || endp == argv[1] || id <= 0) {
			cli_warn("incident: '%s' is not an incident id", argv[1]);
			return EXIT_USAGE;
		}
		if (argv[2][0] == '\0') {
			cli_warn("incident: the note is empty");
			return EXIT_USAGE;
		}
	} else {
		incident_usage(stderr);
		return EXIT_USAGE;
	}
	if ((c = cli_load_conf(path)) == NULL)
		return EXIT_USAGE;
	if ((st = cli_open_store(c)) == NULL) {
		conf_free(c);
		return EXIT_RUNTIME;
	}
	if (id == 0) {
		printf("%-6s  %-8s  %s\n", "ID", "STATE", "ENDPOINT  START  END  DURATION  WORST  REASONS");
		if (store_each_incident(st, NULL, 0, print_incident_row, NULL) != 0) {
			cli_warn("incident: %s", store_error(st));
			rc = EXIT_RUNTIME;
		}
	} else {
		switch (store_add_note(st, id, now_ms(), argv[2])) {
		case 0: {
			int n = 0;

			store_each_note(st, id, note_count, &n);
			printf("note added to incident %lld (%d note%s)\n", id, n, n == 1 ? "" : "s");
			break;
		}
		case 1:
			cli_warn("incident: no incident %lld", id);
			rc = EXIT_USAGE;
			break;
		default:
			cli_warn("incident: %s", store_error(st));
			rc = EXIT_RUNTIME;
		}
	}
	store_close(st);
	conf_free(c);
	return rc;
}
