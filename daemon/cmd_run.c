/* trustwatch run: parses the options and hands over to the daemon (run.c). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "run.h"

static void
run_usage(FILE *f)
{
	fputs("usage: trustwatch run [-c FILE] [--pid-file FILE]\n"
	    "Runs the daemon: probes every endpoint on its interval, stores the results, opens and\n"
	    "resolves incidents, mails alerts. Logs logfmt lines on stderr.\n"
	    "SIGTERM/SIGINT stop it cleanly (exit 0; 1 when a result was lost or the store file\n"
	    "was deleted); SIGHUP reloads the configuration. One daemon per store (STORE.lock).\n"
	    "Environment: TRUSTWATCH_LOG_LEVEL=debug|info|warn|error (default info),\n"
	    "TRUSTWATCH_MAIL_RETRY_MS (first mail retry delay, default 30000; for tests),\n"
	    "TRUSTWATCH_SPOOL_AFTER (results waiting in memory before STORE.spool, default 10000).\n", f);
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o = { "config.yaml", NULL };
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'p':
			o.pid_file = optarg;
			break;
		case 'h':
			run_usage(stdout);
			return EXIT_OK;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_warn("run: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return run_main(&o);
}
