/* trustwatch check: validate the configuration and summarise it. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../core/config.h"
#include "../core/storeurl.h"
#include "../report/report.h"
#include "../store/store.h"

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("trustwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct conf *
cli_load_conf(const char *path)
{
	struct conf_errors errs;
	struct conf *c = conf_load(path, &errs);

	for (size_t i = 0; i < errs.n; i++)
		cli_warn("%s", errs.msg[i]);
	if (c == NULL)
		cli_warn("%s: %zu error%s", path, errs.n, errs.n == 1 ? "" : "s");
	conf_errors_free(&errs);
	return c;
}

struct store *
cli_open_store(const struct conf *c)
{
	char *err = NULL, *shown;
	struct store *st = store_open_at(conf_store_where(c), c->storage.password, true, &err);

	if (st == NULL) {
		shown = store_url_redacted(err);
		cli_warn("%s", shown);
		free(shown);
		free(err);
		return NULL;
	}
	store_set_incident_policy(st, c->incidents.open_after, c->incidents.close_after);
	store_set_timezone(st, c->report.timezone);
	return st;
}

static void
check_usage(FILE *f)
{
	fputs("usage: trustwatch check [-c FILE]\n"
	    "Validates the configuration: schema, the files it names, certificates, and that\n"
	    "report.output may hold the site (new, empty, or a site trustwatch rendered).\n"
	    "Exit 0 when valid, 3 with every error otherwise.\n", f);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "config.yaml";
	struct conf *c;
	size_t kinds[KIND__MAX] = { 0 }, total = 0;
	char *err = NULL, *shown;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return EXIT_OK;
		default:
			check_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_warn("check: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if ((c = cli_load_conf(path)) == NULL)
		return EXIT_USAGE;
	if (report_output_check(c, c->report.output, &err) != 0) {
		if (c->report.output_line > 0)
			cli_warn("%s:%d:%d: output: %s", path, c->report.output_line,
			    c->report.output_col, err);
		else
			cli_warn("%s: report.output (default): %s", path, err);
		cli_warn("%s: 1 error", path);
		free(err);
		conf_free(c);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++) {
			kinds[c->providers[i].endpoints[j].kind]++;
			total++;
		}
	printf("%s: ok — %zu provider%s, %zu endpoint%s (", path, c->n_providers,
	    c->n_providers == 1 ? "" : "s", total, total == 1 ? "" : "s");
	for (int k = 0, first = 1; k < KIND__MAX; k++) {
		if (kinds[k] == 0)
			continue;
		printf("%s%zu %s", first ? "" : ", ", kinds[k], kind_names[k]);
		first = 0;
	}
	printf(")\n");
	for (size_t i = 0; i < c->n_providers; i++) {
		const struct conf_provider *p = &c->providers[i];

		printf("  %-16s %s:", p->id, p->name);
		for (size_t j = 0; j < p->n_endpoints; j++)
			printf(" %s(%s)", p->endpoints[j].id, kind_names[p->endpoints[j].kind]);
		printf("\n");
	}
	shown = store_url_redacted(conf_store_where(c));
	printf("  store %s; site %s; alerts %s; web %s\n", shown, c->report.output,
	    c->alerts.enabled ? "on" : "off", c->web.listen ? c->web.listen : "off");
	if (c->storage.url != NULL)
		printf("  local files %s.lock, .spool, .site-cache\n", c->storage.path);
	free(shown);
	conf_free(c);
	return EXIT_OK;
}
