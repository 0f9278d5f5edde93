/*
 * trustwatch verify (SPEC §12): checks a published record, log/NODE/ for every node, from a
 * site directory or URL: every checkpoint's signature, every entry against the tree, the hash
 * tiles, consistency between the published checkpoints in order, and the RFC 3161 tokens.
 * Stops at the first mismatch and names it (an entry index or a checkpoint size).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "verify.h"
#include "verify_fetch.h"
#include "../core/config.h"
#include "../core/util.h"
#include "../tlog/tlog.h"


static void
verify_usage(FILE *f)
{
	fputs("usage: trustwatch verify [--vkey KEY]... [--since FILE]... [-c CONFIG] SITE_DIR|URL\n"
	    "Checks the record a site publishes under log/NODE/ for every node: each checkpoint's\n"
	    "signature, every entry against the Merkle tree (all leaf hashes recomputed from the\n"
	    "entry bundles), the hash tiles, consistency between all published checkpoints in\n"
	    "order, and each RFC 3161 time-stamp token over the signed checkpoint.\n"
	    "  --vkey KEY   the node's verifier key NAME+HASH+BASE64, obtained independently of\n"
	    "               the site (repeat for several nodes); without it the published vkey\n"
	    "               file is used, which only proves the log is consistent with itself\n"
	    "  --since FILE a checkpoint saved earlier (a copy of log/NODE/checkpoint): the log\n"
	    "               of its origin must still contain that tree (nothing was rewritten)\n"
	    "  -c CONFIG    chain each time-stamp token to the trust file of a tsa endpoint of\n"
	    "               CONFIG; without it a token is checked against the certificate it\n"
	    "               carries\n"
	    "Prints the first mismatch. Exit 0 verified, 2 mismatch, 3 usage, 1 could not read.\n",
	    f);
}

/* Reads a checkpoint the reader kept (a signed note); its signature is checked per node. */
static int
load_since(struct verify_opts *vo, const char *path)
{
	struct verify_since *s;
	struct tlog_note n;
	char *why = NULL;

	vo->since = xrealloc(vo->since, (vo->n_since + 1) * sizeof(*vo->since));
	s = &vo->since[vo->n_since];
	memset(s, 0, sizeof(*s));
	if (file_read(path, 64u << 10, &s->note, &s->len) != 0) {
		cli_warn("verify: --since %s: %s", path, file_strerror(errno));
		return -1;
	}
	if (tlog_note_parse((char *)s->note, s->len, &n, &why) != 0 ||
	    tlog_checkpoint_parse(n.text, n.text_len, &s->c, &why) != 0) {
		cli_warn("verify: --since %s: %s", path, why ? why : "not a signed checkpoint");
		free(why);
		tlog_note_clear(&n);
		free(s->note);
		return -1;
	}
	tlog_note_clear(&n);
	s->path = xstrdup(path);
	vo->n_since++;
	return 0;
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vkey", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_opts vo = { 0 };
	const char *config = NULL;
	struct conf *c = NULL;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+k:c:s:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			vo.vkeys = xrealloc(vo.vkeys, (vo.n_vkeys + 1) * sizeof(*vo.vkeys));
			if (tlog_verifier_parse(optarg, &vo.vkeys[vo.n_vkeys], NULL) != 0 ||
			    vo.vkeys[vo.n_vkeys].alg != TLOG_ALG_ED25519) {
				cli_warn("verify: --vkey %s: not an Ed25519 verifier key "
				    "NAME+HASH+BASE64", optarg);
				verify_opts_clear(&vo);
				return EXIT_USAGE;
			}
			vo.n_vkeys++;
			break;
		case 'c':
			config = optarg;
			break;
		case 's':
			if (load_since(&vo, optarg) != 0) {
				verify_opts_clear(&vo);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			verify_usage(stdout);
			verify_opts_clear(&vo);
			return EXIT_OK;
		default:
			verify_usage(stderr);
			verify_opts_clear(&vo);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		verify_usage(stderr);
		verify_opts_clear(&vo);
		return EXIT_USAGE;
	}
	if (config != NULL) {
		if ((c = cli_load_conf(config)) == NULL) {
			verify_opts_clear(&vo);
			return EXIT_USAGE;
		}
		vo.trust = X509_STORE_new();
		for (size_t p = 0; p < c->n_providers; p++)
			for (size_t e = 0; e < c->providers[p].n_endpoints; e++) {
				const struct conf_endpoint *ep = &c->providers[p].endpoints[e];

				if (ep->kind != KIND_TSA || ep->trust == NULL)
					continue;
				for (int i = 0; i < sk_X509_num(ep->trust); i++)
					X509_STORE_add_cert(vo.trust, sk_X509_value(ep->trust, i));
				vo.n_trust_files++;
			}
		conf_free(c);
		if (vo.n_trust_files == 0) {
			cli_warn("verify: %s has no tsa endpoint with a trust file", config);
			verify_opts_clear(&vo);
			return EXIT_USAGE;
		}
	}
	rc = verify_site(argv[optind], &vo, stdout);
	for (size_t i = 0; rc == EXIT_OK && i < vo.n_since; i++)
		if (!vo.since[i].matched) {
			printf("MISMATCH: --since %s: the site publishes no log with origin %s\n",
			    vo.since[i].path, vo.since[i].c.origin);
			rc = EXIT_MISMATCH;
		}
	verify_opts_clear(&vo);
	return rc;
}
