/*
 * trustwatch probe: run every (or the selected) probe once, concurrently,
 * store the results and print them. Exit codes follow the Nagios plugin convention.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_record.h"
#include "../core/config.h"
#include "../core/storeurl.h"
#include "../core/util.h"
#include "../probe/engine.h"
#include "../report/json.h"
#include "../store/store.h"

#define PROBE_CONCURRENCY	64

enum probe_format { FORMAT_TEXT, FORMAT_JSON };

static void
probe_usage(FILE *f)
{
	fputs("usage: trustwatch probe [-c FILE] [--once] [--format text|json] [--only PROVIDER[/ENDPOINT]]...\n"
	    "Runs every (or the selected) probe once, concurrently, stores and prints the results.\n"
	    "Exit: 0 all up, 1 some degraded, 2 some down, 3 config/usage error or results not stored.\n", f);
}

/* Selects the endpoints named by --only (all when none). Returns the count, or -1. */
static int
select_endpoints(const struct conf *c, char **only, size_t n_only,
    const struct conf_endpoint ***out, size_t *n)
{
	*n = 0;
	*out = NULL;
	for (size_t i = 0; i < n_only; i++) {
		char *slash = strchr(only[i], '/');
		int found = 0;

		if (slash != NULL)
			*slash = '\0';
		for (size_t p = 0; p < c->n_providers; p++) {
			if (strcmp(c->providers[p].id, only[i]) != 0)
				continue;
			for (size_t e = 0; e < c->providers[p].n_endpoints; e++) {
				if (slash != NULL && strcmp(c->providers[p].endpoints[e].id, slash + 1) != 0)
					continue;
				found = 1;
			}
		}
		if (!found) {
			cli_warn("--only: no %s '%s%s%s' in the configuration",
			    slash ? "endpoint" : "provider", only[i], slash ? "/" : "",
			    slash ? slash + 1 : "");
			if (slash != NULL)
				*slash = '/';
			return -1;
		}
		if (slash != NULL)
			*slash = '/';
	}
	for (size_t p = 0; p < c->n_providers; p++) {
		for (size_t e = 0; e < c->providers[p].n_endpoints; e++) {
			const struct conf_endpoint *ep = &c->providers[p].endpoints[e];
			int want = n_only == 0;

			for (size_t i = 0; i < n_only && !want; i++) {
				size_t pl = strlen(ep->provider->id);

				if (strcmp(only[i], ep->provider->id) == 0 ||
				    (strncmp(only[i], ep->provider->id, pl) == 0 && only[i][pl] == '/' &&
				    strcmp(only[i] + pl + 1, ep->id) == 0))
					want = 1;
			}
			if (!want)
				continue;
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = ep;
		}
	}
	return (int)*n;
}

static json_t *
result_json(const struct result *r)
{
	char t[40];
	json_t *o = json_object(), *tm = json_object();

	rfc3339_format(r->time_ms, t, sizeof(t));
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "provider", json_string(r->ep->provider->id));
	json_object_set_new(o, "endpoint", json_string(r->ep->id));
	json_object_set_new(o, "kind", json_string(kind_names[r->ep->kind]));
	json_object_set_new(o, "status", json_string(status_names[r->status]));
	json_object_set_new(o, "reason", json_string(reason_names[r->reason]));
	json_object_set_new(o, "message", report_json_str(r->message));	/* remote text */
	for (int p = 0; p < PHASE__MAX; p++)
		json_object_set_new(tm, phase_names[p], r->timings[p] < 0 ? json_null() :
		    json_real((double)(int64_t)(r->timings[p] * 10 + 0.5) / 10));
	json_object_set_new(o, "timings", tm);
	json_object_set(o, "details", r->details);
	return o;
}

/* Replaces control characters so a hostile server cannot paint the operator's terminal. */
static void
print_sanitized(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void
print_text(const struct result *rs, size_t n)
{
	size_t w = 8, counts[STATUS__MAX] = { 0 };

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(rs[i].ep->provider->id) + 1 + strlen(rs[i].ep->id);

		if (l > w)
			w = l;
	}
	printf("%-8s  %-*s  %-17s  %9s  %s\n", "STATUS", (int)w, "ENDPOINT", "REASON", "TOTAL", "MESSAGE");
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		char name[300], total[32];

		snprintf(name, sizeof(name), "%s/%s", r->ep->provider->id, r->ep->id);
		if (r->timings[PHASE_TOTAL] >= 0)
			snprintf(total, sizeof(total), "%.1f ms", r->timings[PHASE_TOTAL]);
		else
			snprintf(total, sizeof(total), "-");
		printf("%-8s  %-*s  %-17s  %9s  ", status_names[r->status], (int)w, name,
		    reason_names[r->reason], total);
		if (r->message)
			print_sanitized(stdout, r->message);
		printf("\n");
		counts[r->status]++;
	}
	printf("%zu endpoint%s: %zu up, %zu degraded, %zu down\n", n, n == 1 ? "" : "s",
	    counts[STATUS_UP], counts[STATUS_DEGRADED], counts[STATUS_DOWN]);
}

int
cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "format", required_argument, NULL, 'f' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "config.yaml";
	enum probe_format format = FORMAT_TEXT;
	char **only = NULL;
	size_t n_only = 0, n = 0;
	const struct conf_endpoint **eps = NULL;
	struct probe_input *inputs = NULL;
	struct store_item *items = NULL;
	size_t n_items = 0;
	struct result *rs = NULL;
	struct conf *c = NULL;
	struct store *st = NULL;
	int ch, rc = EXIT_USAGE, worst = STATUS_UP, raw = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:f:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case '1':
			break;		/* probe always runs once; run is the daemon */
		case 'f':
			if (strcmp(optarg, "text") == 0)
				format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				format = FORMAT_JSON;
			else {
				cli_warn("probe: --format must be text or json, not '%s'", optarg);
				goto out;
			}
			break;
		case 'o':
			only = xrealloc(only, (n_only + 1) * sizeof(*only));
			only[n_only++] = optarg;
			break;
		case 'h':
			probe_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			probe_usage(stderr);
			goto out;
		}
	}
	if (optind < argc) {
		cli_warn("probe: unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((c = cli_load_conf(path)) == NULL)
		goto out;
	if (select_endpoints(c, only, n_only, &eps, &n) < 0)
		goto out;
	if ((st = cli_open_store(c)) == NULL)
		goto out;
	if (probe_global_init() != 0) {
		cli_warn("probe: cannot initialise the HTTP transport");
		rc = EXIT_USAGE;
		goto out;
	}
	inputs = xcalloc(n, sizeof(*inputs));
	for (size_t i = 0; i < n; i++) {
		const struct probe_ops *ops = probe_ops_for(eps[i]->kind);
		const char *pp, *pe;

		if (ops->memory)
			inputs[i].memory = store_kind_memory(st, eps[i]->provider->id,
			    eps[i]->id);
		if (ops->peer != NULL && ops->peer(eps[i], &pp, &pe))
			inputs[i].peer_memory = store_kind_memory(st, pp, pe);
	}
	rs = xcalloc(n, sizeof(*rs));
	if (probe_run_once(eps, inputs, n, PROBE_CONCURRENCY, rs) != 0) {
		cli_warn("probe: cannot start the probes");
		goto out;
	}
	/*
	 * With PostgreSQL, while a `run` node leads, this is one more raw observation (the
	 * leader's quorum verdicts feed incidents). When no node leads, this process is the only
	 * node at work: its results are the verdict, stored as with SQLite.
	 */
	if (c->storage.url != NULL && (raw = store_try_leader(st)) < 0) {
		cli_warn("probe: %s", store_error(st));
		raw = 1;
	} else if (c->storage.url != NULL)
		raw = raw != 1;
	/* Each endpoint's result, then every address's own (SPEC §14), stored raw. */
	for (size_t i = 0; i < n; i++)
		n_items += 1 + rs[i].n_addrs;
	items = xcalloc(n_items, sizeof(*items));
	for (size_t i = 0, k = 0; i < n; i++) {
		items[k].r = &rs[i];
		items[k].maintenance = conf_in_maintenance(c, eps[i], rs[i].time_ms);
		items[k].node = c->node.id;
		items[k].raw = raw != 0;
		if ((int)rs[i].status > worst && !items[k].maintenance)
			worst = (int)rs[i].status;
		k++;
		for (size_t a = 0; a < rs[i].n_addrs; a++, k++) {
			items[k] = items[k - 1 - a];
			items[k].r = &rs[i].addrs[a];
			items[k].address = rs[i].addrs[a].address;
			items[k].raw = true;
		}
	}
	if (format == FORMAT_JSON) {
		for (size_t i = 0; i < n; i++)
			report_json_line(stdout, result_json(&rs[i]));	/* the one JSON writer */
	} else
		print_text(rs, n);
	fflush(stdout);
	run_record_attach(st, c);
	if (store_add_results(st, items, n_items) != 0) {
		char *where = store_url_redacted(conf_store_where(c)),
		    *why = store_url_redacted(store_error(st));

		cli_warn("%s: results not stored: %s", where, why);
		free(where);
		free(why);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = worst == STATUS_UP ? EXIT_OK : worst == STATUS_DEGRADED ? 1 : 2;
out:
	for (size_t i = 0; inputs != NULL && i < n; i++) {
		free((char *)inputs[i].memory);
		free((char *)inputs[i].peer_memory);
	}
	for (size_t i = 0; rs != NULL && i < n; i++)
		result_clear(&rs[i]);
	free(inputs);
	free(rs);
	free(items);
	free(eps);
	free(only);
	store_close(st);
	conf_free(c);
	return rc;
}
