/* trustwatch: subcommand dispatch only. */
#include <stdio.h>
#include <string.h>

#include "daemon/cli.h"

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*what;
} commands[] = {
	{ "check", cmd_check, "validate the configuration (exit 0 or 3)" },
	{ "probe", cmd_probe, "run every (or the selected) probe once, store and print the results" },
	{ "run", cmd_run, "the daemon: scheduled probes, incidents, alert mail; SIGHUP reloads" },
	{ "serve", cmd_serve, "serve the site, the live JSON API and Prometheus /metrics on web.listen" },
	{ "report", cmd_report, "render the static status site from the store (atomically)" },
	{ "export", cmd_export, "audit export of results, incidents or daily uptime (CSV or JSON lines)" },
	{ "incident", cmd_incident, "list incidents; add an operator note to one" },
	{ "keygen", cmd_keygen, "keygen -o FILE: a new Ed25519 key for the record; prints its verifier key" },
	{ "verify", cmd_verify, "verify the published record of a site directory or URL (SPEC 12)" },
	{ "nodes", cmd_nodes, "list the vantage nodes: id, location, last heard, live, leader (SPEC 11)" },
	{ "store", cmd_store, "store migrate --from FILE.db: copy a SQLite history into PostgreSQL" },
	{ "discover", cmd_discover, "discover --tl FILE|URL --signers PEM|--lotl FILE|URL: a providers: section from a trusted list (SPEC 13)" },
};

static void
usage(FILE *f)
{
	fputs("usage: trustwatch COMMAND [-c FILE] [options]\n"
	    "       trustwatch --help | --version\n\n"
	    "Watches identity and trust-service providers (login, OCSP, CRL, TSA) and\n"
	    "publishes how they really behave.\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fputs("\n'trustwatch COMMAND --help' describes a command's options.\n", f);
}

int main(int, char **);

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("trustwatch %s\n", TW_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "trustwatch: unknown command '%s' (try 'trustwatch --help')\n", argv[1]);
	return EXIT_USAGE;
}
