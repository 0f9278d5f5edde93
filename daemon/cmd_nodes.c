/*
 * trustwatch nodes: the vantage nodes that write to the configured store (SPEC §11):
 * id, location, last heard, live, leader, results in the last 24 h.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../core/config.h"
#include "../core/util.h"
#include "../report/json.h"
#include "../report/vantage.h"
#include "../store/store.h"

static void
nodes_usage(FILE *f)
{
	fputs("usage: trustwatch nodes [-c FILE] [--format text|json]\n"
	    "Lists the vantage nodes that write to the configured store: id, location, when each\n"
	    "was last heard (RFC 3339 and how long ago), whether it is live (heard within 2 x the\n"
	    "shortest endpoint interval), whether it leads, and its results in the last 24 h.\n", f);
}

/* Replaces control characters so stored text cannot paint the operator's terminal. */
static void
print_sanitized(const char *s, int width)
{
	int n = 0;

	for (; s && *s; s++, n++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	for (; n < width; n++)
		putchar(' ');
}

static void
ago(int64_t ms, char *out, size_t outsz)
{
	if (ms < 0)
		snprintf(out, outsz, "in %llds", (long long)((-ms + 999) / 1000));
	else
		snprintf(out, outsz, "%llds ago", (long long)(ms / 1000));
}

static void
print_text(const struct report_vantage *v)
{
	int wid = 2, wloc = 8;

	for (size_t i = 0; i < v->n_nodes; i++) {
		int a = (int)strlen(v->nodes[i].id), b = (int)strlen(v->nodes[i].location);

		wid = a > wid ? a : wid;
		wloc = b > wloc ? (b > 40 ? 40 : b) : wloc;
	}
	printf("%-*s  %-*s  %-20s  %-12s  %-4s  %-6s  %s\n", wid, "ID", wloc, "LOCATION",
	    "LAST HEARD", "AGO", "LIVE", "LEADER", "RESULTS 24H");
	for (size_t i = 0; i < v->n_nodes; i++) {
		const struct report_node *n = &v->nodes[i];
		char when[40], a[32];

		rfc3339_format_s(n->last_seen_ms, when, sizeof(when));
		ago(v->now_ms - n->last_seen_ms, a, sizeof(a));
		print_sanitized(n->id, wid);
		fputs("  ", stdout);
		print_sanitized(n->location[0] ? n->location : "-", wloc);
		printf("  %-20s  %-12s  %-4s  %-6s  %" PRId64 "\n", when, a, n->live ? "yes" : "no",
		    n->leader ? "yes" : "no", n->results_24h);
	}
	printf("%zu of %zu node%s live (heard within %llds)\n", v->n_live, v->n_nodes,
	    v->n_nodes == 1 ? "" : "s", (long long)(v->live_ms / 1000));
}

int
cmd_nodes(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "config.yaml";
	bool json = false;
	struct conf *c;
	struct store *st;
	struct report_vantage v;
	int ch, rc = EXIT_OK;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0) {
				json = true;
			} else if (strcmp(optarg, "text") != 0) {
				cli_warn("nodes: --format takes text or json, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			nodes_usage(stdout);
			return EXIT_OK;
		default:
			nodes_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_warn("nodes: unexpected argument '%s'", argv[optind]);
		nodes_usage(stderr);
		return EXIT_USAGE;
	}
	if ((c = cli_load_conf(path)) == NULL)
		return EXIT_USAGE;
	if ((st = cli_open_store(c)) == NULL) {
		conf_free(c);
		return EXIT_RUNTIME;
	}
	if (report_vantage_collect(c, st, now_ms(), false, &v) != 0) {
		cli_warn("nodes: %s", store_error(st));
		rc = EXIT_RUNTIME;
	} else {
		if (json) {
			char *doc = report_json_nodes(&v);

			fputs(doc, stdout);
			free(doc);
		} else if (v.n_nodes == 0) {
			printf("no node has written to this store yet (a node records itself when "
			    "`trustwatch run` starts)\n");
		} else {
			print_text(&v);
		}
		report_vantage_free(&v);
	}
	store_close(st);
	conf_free(c);
	return rc;
}
