/*
 * Store benchmark: bytes per stored result (including indexes) and batched ingest rate.
 * Usage: store_bench [N [WHERE]]   (default 1,000,000 results over 200 endpoints, 1-minute
 * spacing, into a new SQLite file; WHERE = a postgresql:// URL of an empty database measures
 * the same ingest through the store core on PostgreSQL: bench/pg_bench.c gives its bytes)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "store/store.h"

#define ENDPOINTS	200
#define BATCH		10000

int main(int, char **);

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	char dir[] = "/tmp/tw-store-bench.XXXXXX", *path, *err = NULL;
	struct conf_provider prov[10];
	struct conf_endpoint *eps = xcalloc(ENDPOINTS, sizeof(*eps));
	struct result *rs = xcalloc(BATCH, sizeof(*rs));
	struct store_item *items = xcalloc(BATCH, sizeof(*items));
	struct store *s;
	struct stat sb;
	int64_t t0, t1, base = 1796086800000LL;

	if (mkdtemp(dir) == NULL)
		return 1;
	path = xasprintf("%s/bench.db", dir);
	for (int i = 0; i < 10; i++) {
		prov[i].id = xasprintf("provider-%d", i);
		prov[i].name = prov[i].id;
	}
	for (int i = 0; i < ENDPOINTS; i++) {
		eps[i].id = xasprintf("endpoint-%d", i);
		eps[i].provider = &prov[i % 10];
		eps[i].kind = (enum probe_kind)(i % KIND__MAX);
	}
	if (argc > 2)
		path = xstrdup(argv[2]);
	if ((s = store_open(path, &err)) == NULL) {
		fprintf(stderr, "store_bench: %s\n", err);
		return 1;
	}
	srand(42);
	t0 = mono_ms();
	for (long done = 0; done < n; ) {
		long k = n - done < BATCH ? n - done : BATCH;

		for (long i = 0; i < k; i++) {
			long g = done + i;

			result_init(&rs[i], &eps[g % ENDPOINTS], base + (g / ENDPOINTS) * 60000 + g % 1000);
			rs[i].timings[PHASE_DNS] = (rand() % 20) / 10.0;
			rs[i].timings[PHASE_CONNECT] = 0.3 + (rand() % 50) / 10.0;
			rs[i].timings[PHASE_TLS] = eps[g % ENDPOINTS].kind == KIND_LOGIN ? 5 + rand() % 40 : -1;
			rs[i].timings[PHASE_TTFB] = 10 + rand() % 200;
			rs[i].timings[PHASE_TOTAL] = rs[i].timings[PHASE_TTFB] + rand() % 20;
			if (rand() % 100 == 0)
				result_flag(&rs[i], REASON_TIMEOUT, "timed out after 10 s");
			items[i].r = &rs[i];
		}
		if (store_add_results(s, items, (size_t)k) != 0) {
			fprintf(stderr, "store_bench: %s\n", store_error(s));
			return 1;
		}
		for (long i = 0; i < k; i++)
			result_clear(&rs[i]);
		done += k;
	}
	t1 = mono_ms();
	store_close(s);
	if (argc > 2) {
		printf("store (%s, through the store core): %ld results, ingest %.0f results/s\n",
		    argv[2], n, (double)n * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1));
		rmdir(dir);
		return 0;
	}
	if (stat(path, &sb) != 0)
		return 1;
	printf("store: %ld results, %.1f bytes/result (file %lld bytes, indexes included), "
	    "ingest %.0f results/s\n", n, (double)sb.st_size / (double)n, (long long)sb.st_size,
	    (double)n * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1));
	unlink(path);
	{
		char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);

		unlink(wal);
		unlink(shm);
		free(wal);
		free(shm);
	}
	rmdir(dir);
	return 0;
}
