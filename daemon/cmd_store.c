/* trustwatch store migrate: copies a SQLite history into the configured (PostgreSQL) store. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../core/config.h"
#include "../core/storeurl.h"
#include "../core/util.h"
#include "../store/store.h"

static void
store_usage(FILE *f)
{
	fputs("usage: trustwatch store [-c FILE] migrate --from FILE.db\n"
	    "Copies the SQLite store FILE.db (results, incidents, notes, rollups, outbox) into\n"
	    "the store the configuration names with storage.url. Run it again after an\n"
	    "interruption: it resumes where it stopped. Ends with each table's row counts in\n"
	    "both stores; exit 1 when they differ.\n", f);
}

static void
progress(const char *table, int64_t done, int64_t total, void *arg)
{
	(void)arg;
	fprintf(stderr, "\rmigrate: %-14s %" PRId64 "/%" PRId64 " (%d%%)   ", table, done, total,
	    total > 0 ? (int)(done * 100 / total) : 100);
	if (done >= total)
		fputc('\n', stderr);
}

int
cmd_store(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_migrate_count counts[STORE_TABLES];
	const char *path = "config.yaml", *from = NULL;
	struct store *dst, *src;
	struct conf *c;
	char *err = NULL;
	int ch, rc = EXIT_OK;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'h':
			store_usage(stdout);
			return EXIT_OK;
		default:
			store_usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	/* --from may also follow the subcommand. */
	if (argc >= 1 && strcmp(argv[0], "migrate") == 0) {
		optind = 1;
		while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
			if (ch == 'f')
				from = optarg;
			else if (ch == 'c')
				path = optarg;
			else {
				store_usage(stderr);
				return EXIT_USAGE;
			}
		}
		argc -= optind;
		if (argc != 0) {
			store_usage(stderr);
			return EXIT_USAGE;
		}
	} else {
		store_usage(stderr);
		return EXIT_USAGE;
	}
	if (from == NULL) {
		cli_warn("store migrate: --from FILE.db is required");
		return EXIT_USAGE;
	}
	if ((c = cli_load_conf(path)) == NULL)
		return EXIT_USAGE;
	if ((src = store_open_existing(from, &err)) == NULL) {
		cli_warn("store migrate: %s", err);
		free(err);
		conf_free(c);
		return EXIT_USAGE;
	}
	if (strcmp(store_backend_name(src), "sqlite") != 0) {
		cli_warn("store migrate: --from names a SQLite file, not %s", from);
		store_close(src);
		conf_free(c);
		return EXIT_USAGE;
	}
	if ((dst = cli_open_store(c)) == NULL) {
		store_close(src);
		conf_free(c);
		return EXIT_RUNTIME;
	}
	if (strcmp(store_backend_name(dst), "postgresql") != 0) {
		cli_warn("store migrate: %s: the configured store is not PostgreSQL (set storage.url)",
		    path);
		rc = EXIT_USAGE;
		goto out;
	}
	if (store_migrate(dst, src, isatty(STDERR_FILENO) ? progress : NULL, NULL, counts) != 0) {
		char *why = store_url_redacted(store_error(dst));

		cli_warn("store migrate: %s (run it again to resume)", why);
		free(why);
		rc = EXIT_RUNTIME;
		goto out;
	}
	printf("%-16s %12s %12s\n", "TABLE", "SOURCE", "TARGET");
	for (int i = 0; i < STORE_TABLES; i++) {
		printf("%-16s %12" PRId64 " %12" PRId64 "%s\n", counts[i].table, counts[i].source,
		    counts[i].target, counts[i].source == counts[i].target ? "" : "  MISMATCH");
		if (counts[i].source != counts[i].target)
			rc = EXIT_RUNTIME;
	}
	if (rc != EXIT_OK)
		cli_warn("store migrate: the row counts differ");
out:
	store_close(dst);
	store_close(src);
	conf_free(c);
	return rc;
}
