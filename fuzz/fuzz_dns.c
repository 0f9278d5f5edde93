/*
 * libFuzzer target: dns_evaluate() on arbitrary answers. The input is a sequence of DNS
 * messages, each preceded by its 2-byte length (as on a TCP stream, RFC 1035 §4.2.2), taken
 * in order as: the resolver's NS answer, the SOA answers of three servers (two in one /24,
 * one elsewhere), the DNSKEY answer, the authoritative NS answer, the parent's DS answer.
 * A message ldns cannot parse counts as no answer. The zone is signed.tb.test (the
 * testbed's; fuzz/corpus/dns holds its real answers, captured with drill -w).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "core/util.h"
#include "fuzz/util.h"
#include "probe/dns.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_conf conf = { .zone = "signed.tb.test.", .min_remaining_ms = 86400000LL };
static int64_t at_ms;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	at_ms = fuzz_time("2026-12-06T19:00:00Z");
	return 0;
}

/* The next length-prefixed message as a packet, or NULL (unparseable or absent). */
static ldns_pkt *
next(const uint8_t **p, size_t *left)
{
	ldns_pkt *pkt = NULL;
	size_t n;

	if (*left < 2)
		return NULL;
	n = ((size_t)(*p)[0] << 8) | (*p)[1];
	*p += 2;
	*left -= 2;
	if (n > *left)
		n = *left;
	if (ldns_wire2pkt(&pkt, *p, n) != LDNS_STATUS_OK)
		pkt = NULL;
	*p += n;
	*left -= n;
	return pkt;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addr[3] = { "127.0.0.53", "127.0.0.54", "127.0.1.53" };
	struct dns_obs o;
	struct result r;

	memset(&o, 0, sizeof(o));
	o.ns = next(&data, &size);
	if (o.ns == NULL)
		o.ns_error = xstrdup("no answer");
	o.nsrv = 3;
	o.srv = xcalloc(3, sizeof(*o.srv));
	for (int i = 0; i < 3; i++) {
		o.srv[i].name = xasprintf("ns%d.signed.tb.test.", i + 1);
		o.srv[i].addr = xstrdup(addr[i]);
		if ((o.srv[i].soa = next(&data, &size)) == NULL)
			o.srv[i].error = xstrdup("timeout");
	}
	o.dnskey = next(&data, &size);
	o.nsauth = next(&data, &size);
	o.ds = next(&data, &size);
	result_init(&r, NULL, at_ms);
	dns_evaluate(&o, &conf, at_ms, &r);
	fuzz_show("dns", &r);
	result_clear(&r);
	dns_obs_clear(&o);
	return 0;
}
