/*
 * trustwatch-testbed: a simulated trust-service provider with live fault switches.
 * Runs in the foreground until SIGTERM/SIGINT; see README.md, "The testbed".
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>

#include "core/util.h"
#include "testbed/testbed.h"

struct tb *tb;

static void
usage(FILE *f)
{
	fprintf(f, "usage: trustwatch-testbed --state DIR --write-config FILE [--providers N]\n"
	    "           [--timeline FILE] [--control-port P] [--base-port P]\n"
	    "           [--crl-every SECONDS] [--tsa-policy OID] [--keys p256|rsa2048]\n"
	    "           [--relying] [--addresses N] [--dns-port P]\n"
	    "Serves simulated identity and trust services on 127.0.0.1 until SIGTERM/SIGINT.\n"
	    "--keys: type of every key in DIR/pki: p256 (EC P-256, default) or rsa2048\n"
	    "  (RSA 2048, sha256WithRSAEncryption); a stored PKI of the other type is regenerated.\n"
	    "--relying: the config also declares relying services (SPEC §15) that sign in\n"
	    "  through p1 (MyGuichet, a school portal: depends_on p1) or p1/p2 (a bank: alternatives).\n"
	    "--addresses N: every service listens on 127.0.0.1 .. 127.0.0.N (N <= 8), one port;\n"
	    "  'p1/ocsp=down%%127.0.0.2' faults one listening address (SPEC §14 every address).\n"
	    "--dns-port: also serve the DNS test zones signed.tb.test and unsigned.tb.test on\n"
	    "  127.0.0.53, 127.0.0.54 and 127.0.1.53 at port P (0: any; DIR/dns.addr names it).\n"
	    "Faults: curl -d 'p1/ocsp=down' $(cat DIR/control.url); see README.md, \"The testbed\".\n");
}

static SSL_CTX *
tls_ctx(enum tb_cred_id id)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_use_certificate(ctx, tb->pki.c[id].cert) ||
	    !SSL_CTX_use_PrivateKey(ctx, tb->pki.c[id].key)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	fprintf(stderr, "trustwatch-testbed: signal %d, stopping\n", (int)sig);
	event_base_loopexit(tb->base, NULL);
}

static long
num_arg(const char *name, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "trustwatch-testbed: --%s: expected %ld..%ld, got \"%s\"\n", name,
		    min, max, s);
		exit(3);
	}
	return v;
}

static int
start(const char *state, int nprov, int base_port, int control_port, const char *timeline)
{
	char abs[PATH_MAX];
	int p, s;

	if (mkdir(state, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "trustwatch-testbed: %s: %s\n", state, strerror(errno));
		return -1;
	}
	if (realpath(state, abs) == NULL) {
		fprintf(stderr, "trustwatch-testbed: %s: %s\n", state, strerror(errno));
		return -1;
	}
	tb->state = xstrdup(abs);
	if (tb_pki_load_or_create(&tb->pki, tb->state) != 0)
		return -1;
	tb->tls_ok = tls_ctx(CRED_TLS);
	tb->tls_expired = tls_ctx(CRED_TLS_EXPIRED);
	tb->tls_expiring = tls_ctx(CRED_TLS_EXPIRING);
	if (tb->tls_ok == NULL || tb->tls_expired == NULL || tb->tls_expiring == NULL) {
		fprintf(stderr, "trustwatch-testbed: TLS setup failed\n");
		return -1;
	}
	tb->nprov = nprov;
	for (p = 0; p < nprov; p++) {
		struct tb_provider *pr = &tb->prov[p];

		pr->index = p + 1;
		pr->tsa_serial = (uint64_t)now_ms() << 8;	/* unique across restarts */
		snprintf(pr->id, sizeof(pr->id), "p%d", p + 1);
		for (s = 0; s < SVC__MAX; s++) {
			pr->svc[s] = xcalloc(1, sizeof(*pr->svc[s]));
			pr->svc[s]->prov = pr;
			pr->svc[s]->kind = (enum tb_svc)s;
			if (tb_svc_start(pr->svc[s], base_port ? base_port + p * 10 + s : 0) != 0)
				return -1;
		}
	}
	if (tb_posture_init() != 0) {
		fprintf(stderr, "trustwatch-testbed: TLS posture setup failed\n");
		return -1;
	}
	if (tb_crl_init() != 0 || tb_control_start(control_port) != 0)
		return -1;
	if (timeline != NULL && tb_timeline_load(timeline) != 0)
		return -1;
	return 0;
}

static void
stop(void)
{
	int p, s;

	tb_timeline_free();
	tb_crl_fini();
	for (p = 0; p < tb->nprov; p++)
		for (s = 0; s < SVC__MAX; s++)
			tb_svc_release(tb->prov[p].svc[s]);
	for (p = 0; p < tb->nprov; p++)
		for (s = 0; s < SVC__MAX; s++)
			tb_svc_free(tb->prov[p].svc[s]);
	tb_control_free();
	tb_dns_free();
	SSL_CTX_free(tb->tls_ok);
	SSL_CTX_free(tb->tls_expired);
	SSL_CTX_free(tb->tls_expiring);
	tb_posture_fini();
	tb_pki_free(&tb->pki);
	free(tb->state);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "write-config", required_argument, NULL, 'w' },
		{ "providers", required_argument, NULL, 'n' },
		{ "timeline", required_argument, NULL, 't' },
		{ "control-port", required_argument, NULL, 'c' },
		{ "base-port", required_argument, NULL, 'b' },
		{ "crl-every", required_argument, NULL, 'e' },
		{ "tsa-policy", required_argument, NULL, 'p' },
		{ "keys", required_argument, NULL, 'k' },
		{ "relying", no_argument, NULL, 'r' },
		{ "addresses", required_argument, NULL, 'a' },
		{ "dns-port", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct tb state;
	const char *dir = NULL, *config = NULL, *timeline = NULL;
	int ch, nprov = 1, base_port = 0, control_port = 0, dns_port = -1, rc = 1;
	struct event *sigint = NULL, *sigterm = NULL;
	struct event_config *evcfg;
	ASN1_OBJECT *oid;

	tb = &state;
	tb->crl_every_ms = 60000;
	tb->tsa_policy = "1.3.6.1.4.1.99999.1.1";
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': dir = optarg; break;
		case 'w': config = optarg; break;
		case 'n': nprov = (int)num_arg("providers", optarg, 1, TB_MAX_PROVIDERS); break;
		case 't': timeline = optarg; break;
		case 'c': control_port = (int)num_arg("control-port", optarg, 0, 65535); break;
		case 'b': base_port = (int)num_arg("base-port", optarg, 1, 65535 - 10 *
		    TB_MAX_PROVIDERS); break;
		case 'e': tb->crl_every_ms = 1000 * num_arg("crl-every", optarg, 1, 86400); break;
		case 'p': tb->tsa_policy = optarg; break;
		case 'r': tb->relying = true; break;
		case 'a': tb->naddrs = (int)num_arg("addresses", optarg, 1, TB_MAX_ADDRS); break;
		case 'd': dns_port = (int)num_arg("dns-port", optarg, 0, 65535); break;
		case 'k':
			if (strcmp(optarg, "p256") == 0)
				tb->pki.keys = TB_KEYS_P256;
			else if (strcmp(optarg, "rsa2048") == 0)
				tb->pki.keys = TB_KEYS_RSA2048;
			else {
				fprintf(stderr, "trustwatch-testbed: --keys: expected p256 or "
				    "rsa2048, got \"%s\"\n", optarg);
				return 3;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 3;
		}
	}
	if (dir == NULL || config == NULL || optind != argc) {
		usage(stderr);
		return 3;
	}
	if ((oid = OBJ_txt2obj(tb->tsa_policy, 1)) == NULL) {
		fprintf(stderr, "trustwatch-testbed: --tsa-policy: not an OID: %s\n",
		    tb->tsa_policy);
		return 3;
	}
	ASN1_OBJECT_free(oid);
	signal(SIGPIPE, SIG_IGN);
	/* A stale config must never be mistaken for this run's. */
	if (unlink(config) != 0 && errno != ENOENT)
		fprintf(stderr, "trustwatch-testbed: %s: %s\n", config, strerror(errno));
	tb->started_ms = mono_ms();
	/* Precise timers: slow=MS must not answer a few ms early (coarse monotonic clock). */
	if ((evcfg = event_config_new()) == NULL)
		return 1;
	event_config_set_flag(evcfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	tb->base = event_base_new_with_config(evcfg);
	event_config_free(evcfg);
	if (tb->base == NULL)
		return 1;
	if (start(dir, nprov, base_port, control_port, timeline) != 0 ||
	    (dns_port >= 0 && tb_dns_start(dns_port) != 0) ||
	    tb_config_write(config) != 0)
		goto out;
	sigint = evsignal_new(tb->base, SIGINT, on_signal, NULL);
	sigterm = evsignal_new(tb->base, SIGTERM, on_signal, NULL);
	if (sigint == NULL || sigterm == NULL || event_add(sigint, NULL) != 0 ||
	    event_add(sigterm, NULL) != 0)
		goto out;
	fprintf(stderr, "trustwatch-testbed: %d provider(s) up in %lld ms (%s keys); config %s; "
	    "control http://127.0.0.1:%d/\n", nprov, (long long)(mono_ms() - tb->started_ms),
	    tb_keys_names[tb->pki.keys], config, tb->control_port);
	event_base_dispatch(tb->base);
	rc = 0;
out:
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	stop();
	event_base_free(tb->base);
	libevent_global_shutdown();
	return rc;
}
