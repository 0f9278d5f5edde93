/*
 * tlog_gen: writes a node's published record with tlog_publish() for tests and benchmarks.
 * usage: tlog_gen SITE_DIR NODE COUNT SIZES SKEY_FILE [TSR_DIR]
 *   COUNT entries (export-like JSON lines, deterministic), a checkpoint signed with the
 *   signer key in SKEY_FILE at each size of the comma-separated SIZES (ascending, the last
 *   at most COUNT); TSR_DIR/SIZE.tsr, when present, is published as that checkpoint's token.
 * TLOG_GEN_VARIANT=TEXT in the environment changes every entry (another history, same key).
 * TLOG_GEN_COSIGN=SKEY_FILE co-signs every checkpoint with that `trustwatch keygen` key as a
 * vantage node does (C2SP tlog-cosignature: the key under algorithm 0x04, time 1796000000 + i).
 * Prints the cost: CPU per logged entry (leaf hash + right-edge append), per checkpoint
 * (root + signature), and the publication's time and bytes per entry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/util.h"
#include "tlog/tlog.h"

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *variant = "";

static void
entry_text(uint64_t i, char *out, size_t outsz)
{
	snprintf(out, outsz, "{%s\"provider\":\"luxtrust\",\"endpoint\":\"ocsp\",\"node\":\"n1\","
	    "\"time\":\"2026-12-01T%02u:%02u:%02uZ\",\"status\":\"%s\",\"reason\":\"ok\","
	    "\"seq\":%" PRIu64 "}", variant, (unsigned)(i / 3600 % 24), (unsigned)(i / 60 % 60),
	    (unsigned)(i % 60), i % 97 == 0 ? "down" : "up", i);
}

struct gen {
	char		 buf[512];
};

static int
entry_cb(void *arg, uint64_t index, const unsigned char **data, size_t *len, char **err)
{
	struct gen *g = arg;

	(void)err;
	entry_text(index, g->buf, sizeof(g->buf));
	*data = (const unsigned char *)g->buf;
	*len = strlen(g->buf);
	return 0;
}

static uint64_t
du(const char *dir)
{
	char *cmd = xasprintf("du -sb '%s' 2>/dev/null", dir);
	FILE *p = popen(cmd, "r");
	unsigned long long n = 0;

	free(cmd);
	if (p != NULL) {
		if (fscanf(p, "%llu", &n) != 1)
			n = 0;
		pclose(p);
	}
	return n;
}

int
main(int argc, char **argv)
{
	uint64_t count, sizes[256];
	size_t n_sizes = 0;
	struct tlog_signed_checkpoint cps[256];
	struct tlog_tsr tsrs[256];
	char *notes[256], *vkey, *err = NULL, *s, *origin;
	struct tlog_signer signer;
	struct tlog_edge edge;
	struct gen g;
	struct tlog_source src = { .entry = entry_cb, .arg = &g };
	double t0, t_log, t_cp = 0, t_pub;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: tlog_gen SITE_DIR NODE COUNT SIZES SKEY_FILE [TSR_DIR]\n");
		return 3;
	}
	if (getenv("TLOG_GEN_VARIANT") != NULL)
		variant = xasprintf("\"variant\":\"%s\",", getenv("TLOG_GEN_VARIANT"));
	count = strtoull(argv[3], NULL, 10);
	for (s = strtok(argv[4], ","); s != NULL && n_sizes < 256; s = strtok(NULL, ","))
		sizes[n_sizes++] = strtoull(s, NULL, 10);
	if (n_sizes == 0 || sizes[n_sizes - 1] > count) {
		fprintf(stderr, "tlog_gen: SIZES must be ascending and at most COUNT\n");
		return 3;
	}
	if (tlog_signer_load(argv[5], &signer, &err) != 0) {
		fprintf(stderr, "tlog_gen: %s\n", err);
		return 1;
	}
	vkey = tlog_signer_vkey(&signer);
	origin = xasprintf("example.test/%s", argv[2]);

	/* What a node does per result (leaf hash, edge append) and per checkpoint. */
	tlog_edge_init(&edge);
	t0 = cpu_s();
	for (uint64_t i = 0, c = 0; i < count; i++) {
		struct tlog_hash h;

		entry_text(i, g.buf, sizeof(g.buf));
		tlog_leaf_hash(g.buf, strlen(g.buf), &h);
		tlog_edge_append(&edge, &h);
		while (c < n_sizes && sizes[c] == edge.size) {
			double c0 = cpu_s();

			notes[c] = tlog_checkpoint_sign(origin, &edge, &signer, NULL);
			t_cp += cpu_s() - c0;
			c++;
		}
	}
	t_log = cpu_s() - t0 - t_cp;
	if (getenv("TLOG_GEN_COSIGN") != NULL) {
		struct tlog_signer w;

		if (tlog_signer_load(getenv("TLOG_GEN_COSIGN"), &w, &err) != 0) {
			fprintf(stderr, "tlog_gen: TLOG_GEN_COSIGN: %s\n", err);
			return 1;
		}
		w.v.alg = TLOG_ALG_COSIG_V1;
		w.v.hash = tlog_key_hash(w.v.name, TLOG_ALG_COSIG_V1, w.v.pub);
		for (size_t c = 0; c < n_sizes; c++) {
			char *cs = tlog_cosig_sign(notes[c], strlen(notes[c]), &w, 1796000000 + c, &err);

			if (cs == NULL) {
				fprintf(stderr, "tlog_gen: co-signing: %s\n", err);
				return 1;
			}
			free(notes[c]);
			notes[c] = cs;
		}
		tlog_signer_clear(&w);
	}
	for (size_t c = 0; c < n_sizes; c++) {
		cps[c] = (struct tlog_signed_checkpoint){ .note = notes[c], .len = strlen(notes[c]) };
		if (argc == 7) {
			char *p = xasprintf("%s/%" PRIu64 ".tsr", argv[6], sizes[c]);
			unsigned char *der;
			size_t dlen;

			if (file_read(p, 1 << 20, &der, &dlen) == 0) {
				tsrs[c] = (struct tlog_tsr){ .der = der, .len = dlen };
				cps[c].tsr = &tsrs[c];
				cps[c].n_tsr = 1;
			}
			free(p);
		}
	}
	src.checkpoints = cps;
	src.n_checkpoints = n_sizes;
	src.vkey = vkey;
	t0 = cpu_s();
	if (tlog_publish(argv[1], argv[2], &src, &err) != 0) {
		fprintf(stderr, "tlog_gen: %s\n", err);
		return 1;
	}
	t_pub = cpu_s() - t0;
	{
		char *base = xasprintf("%s/log/%s", argv[1], argv[2]);
		uint64_t bytes = du(base);

		printf("tlog_gen: %" PRIu64 " entries: %.2f us CPU per entry logged (leaf hash + edge), "
		    "%.2f ms per checkpoint (root + Ed25519), publish %.1f ms, %.1f published bytes "
		    "per entry\n", count, count ? t_log * 1e6 / (double)count : 0.0,
		    t_cp * 1e3 / (double)n_sizes, t_pub * 1e3,
		    sizes[n_sizes - 1] ? (double)bytes / (double)sizes[n_sizes - 1] : 0.0);
		free(base);
	}
	printf("vkey %s\n", vkey);
	for (size_t c = 0; c < n_sizes; c++) {
		free(notes[c]);
		if (cps[c].n_tsr)
			free((void *)tsrs[c].der);
	}
	free(vkey);
	free(origin);
	tlog_signer_clear(&signer);
	return 0;
}
