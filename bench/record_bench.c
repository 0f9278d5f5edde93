/*
 * The record's cost (SPEC §12): CPU per result of logging (the export line, its leaf hash,
 * the edge, the log row, in the result's own transaction) measured as store ingest with and
 * without store_set_record, and CPU per signed checkpoint.
 * Usage: record_bench [N] [BATCH]   (default 100,000 results over 200 endpoints, batches of 512
 * as the daemon writes them; SQLite file in /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "report/json.h"
#include "store/store.h"
#include "tlog/tlog.h"

#define ENDPOINTS	200

int main(int, char **);

static double
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static char *
entry(const struct store_row *r, const char *node, const char *address, void *arg)
{
	(void)arg;
	return report_json_entry(r, node, address);
}

static size_t entry_bytes;

static int
count_bytes(int64_t idx, const char *e, size_t len, void *arg)
{
	(void)idx; (void)e; (void)arg;
	entry_bytes += len;
	return 0;
}

/* Stores n results in batches; returns CPU µs spent in store_add_results. */
static double
ingest(struct conf_endpoint *eps, long n, long batch, bool record, const char *dir)
{
	char *path = xasprintf("%s/%s.db", dir, record ? "record" : "plain"), *err = NULL;
	struct result *rs = xcalloc((size_t)batch, sizeof(*rs));
	struct store_item *items = xcalloc((size_t)batch, sizeof(*items));
	struct store *s = store_open(path, &err);
	int64_t base = 1796086800000LL;
	double spent = 0;

	if (s == NULL) {
		fprintf(stderr, "record_bench: %s\n", err);
		exit(1);
	}
	if (record) {
		store_set_record(s, "n1", entry, NULL);
		entry_bytes = 0;
	}
	srand(42);
	for (long done = 0; done < n; ) {
		long k = n - done < batch ? n - done : batch;
		double t0;

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
		t0 = cpu_us();
		if (store_add_results(s, items, (size_t)k) != 0) {
			fprintf(stderr, "record_bench: %s\n", store_error(s));
			exit(1);
		}
		spent += cpu_us() - t0;
		for (long i = 0; i < k; i++)
			result_clear(&rs[i]);
		done += k;
	}
	if (record)
		store_each_log_entry(s, "n1", 0, INT64_MAX, count_bytes, NULL);
	store_close(s);
	unlink(path);
	{
		char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);

		unlink(wal);
		unlink(shm);
		free(wal);
		free(shm);
	}
	free(path);
	free(rs);
	free(items);
	return spent;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, batch = argc > 2 ? atol(argv[2]) : 512;
	char dir[] = "/tmp/tw-record-bench.XXXXXX", *skey, *vkey, *err = NULL, *note;
	struct conf_provider prov[10];
	struct conf_endpoint *eps = xcalloc(ENDPOINTS, sizeof(*eps));
	struct tlog_signer signer;
	struct tlog_edge e;
	struct tlog_hash h;
	double plain, rec, t0, sign;
	int reps = 2000;

	if (mkdtemp(dir) == NULL || n < 1 || batch < 1)
		return 1;
	for (int i = 0; i < 10; i++) {
		prov[i].id = xasprintf("provider-%d", i);
		prov[i].name = prov[i].id;
	}
	for (int i = 0; i < ENDPOINTS; i++) {
		eps[i].id = xasprintf("endpoint-%d", i);
		eps[i].provider = &prov[i % 10];
		eps[i].kind = (enum probe_kind)(i % KIND__MAX);
		eps[i].interval_ms = 60000;
	}
	/* the order is alternated once to spread the page cache's warm-up */
	plain = ingest(eps, n, batch, false, dir);
	rec = ingest(eps, n, batch, true, dir);
	plain = (plain + ingest(eps, n, batch, false, dir)) / 2;
	rec = (rec + ingest(eps, n, batch, true, dir)) / 2;
	rmdir(dir);
	printf("store ingest, %ld results in batches of %ld (SQLite): %.1f us CPU/result without "
	    "record, %.1f us with: logging costs %.1f us CPU/result (+%.0f%% of the store write)\n",
	    n, batch, plain / (double)n, rec / (double)n, (rec - plain) / (double)n,
	    100.0 * (rec - plain) / plain);
	printf("log entries: %.0f bytes/result on average (the export JSON line)\n",
	    (double)entry_bytes / (double)n);
	if (tlog_keygen("bench.example/n1", &skey, &vkey, &err) != 0 ||
	    tlog_signer_parse(skey, &signer, &err) != 0) {
		fprintf(stderr, "record_bench: %s\n", err);
		return 1;
	}
	tlog_edge_init(&e);
	memset(&h, 7, sizeof(h));
	for (int i = 0; i < 1000; i++)
		tlog_edge_append(&e, &h);
	t0 = cpu_us();
	for (int i = 0; i < reps; i++) {
		if ((note = tlog_checkpoint_sign("bench.example/n1", &e, &signer, &err)) == NULL) {
			fprintf(stderr, "record_bench: %s\n", err);
			return 1;
		}
		free(note);
	}
	sign = (cpu_us() - t0) / reps;
	printf("logging vs a probe cycle: %.1f us per result is <= 5%% of a probe's CPU when the "
	    "probe costs >= %.0f us (bench/probe_bench.sh: about 100 us for a plain HTTP check, "
	    "170-440 us for OCSP, CRL and TSA, 830-1220 us for an HTTPS login)\n",
	    (rec - plain) / (double)n, 20.0 * (rec - plain) / (double)n);
	printf("checkpoint: %.1f us CPU to sign (Ed25519 signed note; plus one store row and one "
	    "RFC 3161 request per TSA, on the event loop)\n", sign);
	tlog_signer_clear(&signer);
	free(skey);
	free(vkey);
	return 0;
}
