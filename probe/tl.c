/*
 * Kind tl (SPEC §13): an ETSI TS 119 612 trusted list fetched by GET and evaluated by
 * tl_evaluate. Everything the rest of trustwatch knows about the kind is on its row:
 * config keys, detail fields, presentation strings, the memory and the signers_from peer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "probe.h"
#include "tl.h"
#include "tl_int.h"
#include "../core/util.h"

#define N_(s)	(s)	/* an English msgid, translated by report/po */

/* The tl fields beyond the shared next_update, signer, signer_not_after and events (core/details.h). */
enum tl_detail {
	TL_SEQUENCE,
	TL_ISSUED,
	TL_TERRITORY,
	TL_TSPS,
	TL_SERVICES,
	TL_POINTERS,
	TL_FINDINGS,
	TL__MAX
};

static const struct detail_field tl_fields[TL__MAX] = {
	[TL_SEQUENCE] = { "sequence", DETAIL_TYPE_INTEGER, 0, "TSLSequenceNumber of the list" },
	[TL_ISSUED] = { "issued", DETAIL_TYPE_TIME, 0, "ListIssueDateTime of the list" },
	[TL_TERRITORY] = { "territory", DETAIL_TYPE_STRING, 0, "SchemeTerritory (EU for the LOTL)" },
	[TL_TSPS] = { "tsps", DETAIL_TYPE_INTEGER, 0, "trust service providers listed" },
	[TL_SERVICES] = { "services", DETAIL_TYPE_INTEGER, 0, "services listed, any status" },
	[TL_POINTERS] = { "pointers", DETAIL_TYPE_INTEGER, 0,
	    "XML trusted lists the LOTL points to (lotl: true)" },
	[TL_FINDINGS] = { "findings", DETAIL_TYPE_LIST, 0,
	    "every reason found, in order (the result's reason is the first of the worst)" },
};

void
tl_details_basic(struct result *r, int64_t seq, int64_t issued, int64_t next,
    const char *territory, const xmlNode *root)
{
	const xmlNode *list = tl_child(root, "TrustServiceProviderList");
	int64_t tsps = 0, svcs = 0;

	for (xmlNode *t = list != NULL ? list->children : NULL; t != NULL; t = t->next) {
		const xmlNode *s = tl_child(t, "TSPServices");

		if (t->type != XML_ELEMENT_NODE)
			continue;
		tsps++;
		for (xmlNode *v = s != NULL ? s->children : NULL; v != NULL; v = v->next)
			svcs += v->type == XML_ELEMENT_NODE;
	}
	detail_kind_set_int(r->details, &tl_fields[TL_SEQUENCE], seq);
	detail_kind_set_time(r->details, &tl_fields[TL_ISSUED], issued);
	detail_set_time(r->details, DETAIL_NEXT_UPDATE, next);
	detail_kind_set_str(r->details, &tl_fields[TL_TERRITORY], territory);
	detail_kind_set_int(r->details, &tl_fields[TL_TSPS], tsps);
	detail_kind_set_int(r->details, &tl_fields[TL_SERVICES], svcs);
}

void
tl_details_signer(struct result *r, X509 *x)
{
	char *dn = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
	int64_t ms;

	if (dn != NULL)
		detail_set_str(r->details, DETAIL_SIGNER, dn);
	OPENSSL_free(dn);
	if (probe_asn1_time_ms(X509_get0_notAfter(x), &ms) == 0)
		detail_set_time(r->details, DETAIL_SIGNER_NOT_AFTER, ms);
}

void
tl_details_findings(struct result *r, json_t *findings)
{
	if (json_array_size(findings) > 0)
		detail_kind_set_json(r->details, &tl_fields[TL_FINDINGS], findings);
}

void
tl_details_services(struct result *r, const json_t *snap)
{
	json_t *p = json_object_get(snap, "pointers");

	if (p != NULL)
		detail_kind_set_int(r->details, &tl_fields[TL_POINTERS], (int64_t)json_array_size(p));
}

void
tl_details_events(struct result *r, json_t *events)
{
	/* Events between sequence numbers (SPEC §13): added, removed, status_changed,
	 * supply_points_changed; kept in the history. */
	if (json_array_size(events) > 0 && detail_set_list(r->details, DETAIL_EVENTS, events) == 0)
		r->keep_details = true;
}

/* Config keys. */

static void *
tl_conf_new(void)
{
	struct tl_conf *tc = xcalloc(1, sizeof(*tc));

	tc->min_remaining_ms = 7 * 86400000LL;
	return tc;
}

static void
tl_conf_free(void *arg)
{
	struct tl_conf *tc = arg;

	if (tc == NULL)
		return;
	free(tc->signers_path);
	sk_X509_pop_free(tc->signers, X509_free);
	free(tc->signers_from);
	free(tc);
}

static void
key_signers(struct conf_kv *kv, struct conf_endpoint *ep)
{
	struct tl_conf *tc = ep->kind_conf;

	conf_kv_certs(kv, &tc->signers_path, &tc->signers);
}

static void
key_signers_from(struct conf_kv *kv, struct conf_endpoint *ep)
{
	struct tl_conf *tc = ep->kind_conf;

	free(tc->signers_from);
	tc->signers_from = NULL;
	conf_kv_str(kv, &tc->signers_from);
}

static void
key_lotl(struct conf_kv *kv, struct conf_endpoint *ep)
{
	conf_kv_bool(kv, &((struct tl_conf *)ep->kind_conf)->lotl);
}

static void
key_min_remaining(struct conf_kv *kv, struct conf_endpoint *ep)
{
	conf_kv_duration(kv, &((struct tl_conf *)ep->kind_conf)->min_remaining_ms);
}

static const struct conf_key tl_keys[] = {
	{ "signers", key_signers },
	{ "signers_from", key_signers_from },
	{ "lotl", key_lotl },
	{ "expect.min_remaining", key_min_remaining },
};

static void
tl_conf_check(struct conf_kv *kv, struct conf_endpoint *ep)
{
	bool s = conf_kv_has(kv, "signers"), f = conf_kv_has(kv, "signers_from");

	if (s == f)
		conf_kv_err(kv, "endpoint %s: kind tl needs exactly one of 'signers' and 'signers_from'",
		    ep->id ? ep->id : "?");
}

static void
tl_settings(const struct conf_endpoint *ep, char *out, size_t len)
{
	const struct tl_conf *tc = ep->kind_conf;
	char d[32];

	if (tc == NULL)
		return;
	duration_format(tc->min_remaining_ms, d, sizeof(d));
	snprintf(out, len, "%s%s%s min_remaining=%s", tc->lotl ? " lotl" : "",
	    tc->signers_from ? " signers_from=" : "", tc->signers_from ? tc->signers_from : "", d);
}

static const struct kind_info tl_info = {
	.label = N_("Trusted lists"),
	.signer_label = N_("Trusted list signer certificate"),
	.next_update_label = N_("Trusted list next update"),
	.description = N_("Trusted list (ETSI TS 119 612): parsed safely; exactly one signature covering the whole list, by a key the configuration or the EU list of trusted lists accepts; the next update not past nor too close, the sequence number never going backwards. Changes to the listed services are recorded."),
	.unavailable = N_("The trusted list cannot be obtained: validators that rely on it cannot tell which services are qualified."),
	.untrustworthy = N_("The trusted list cannot be trusted: it is not signed by a key its scheme operator announced, so validators must not use it."),
	.stale = N_("The trusted list is about to pass its next update date: validators will soon refuse it."),
	.expired = N_("The trusted list is past its next update date: validators must treat every service it lists as unknown."),
	.clock_skew = N_("The trusted list is dated in the future: validators will refuse it."),
	.regressed = N_("The trusted list went backwards: an older issue replaced a newer one, so recent withdrawals may be undone."),
	.reasons = REASON_BIT(REASON_SIGNATURE_INVALID) | REASON_BIT(REASON_UNTRUSTED) |
	    REASON_BIT(REASON_STALE) | REASON_BIT(REASON_EXPIRED) |
	    REASON_BIT(REASON_CLOCK_SKEW) | REASON_BIT(REASON_REGRESSED),
	.keys = tl_keys,
	.n_keys = sizeof(tl_keys) / sizeof(tl_keys[0]),
	.conf_new = tl_conf_new,
	.conf_check = tl_conf_check,
	.conf_free = tl_conf_free,
	.settings = tl_settings,
	.events = true,
	.details = tl_fields,
	.n_details = TL__MAX,
};

/* The probe. */

struct tl_state {
	char		*memory, *peer_memory;	/* owned copies of the input */
};

static void
tl_free_state(void *arg)
{
	struct tl_state *st = arg;

	if (st == NULL)
		return;
	free(st->memory);
	free(st->peer_memory);
	free(st);
}

static void *
tl_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	struct tl_state *st;

	memset(req, 0, sizeof(*req));
	if (ep->url == NULL || ep->kind_conf == NULL) {
		result_flag(r, REASON_INTERNAL, "tl endpoint needs url and signers");
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->memory = xstrdup(in != NULL ? in->memory : NULL);
	st->peer_memory = xstrdup(in != NULL ? in->peer_memory : NULL);
	req->url = xstrdup(ep->url);
	req->accept = "application/vnd.etsi.tsl+xml, application/xml, text/xml";
	return st;
}

static int
tl_finish(void *arg, const struct conf_endpoint *ep, const struct probe_response *resp,
    int64_t now, struct probe_request *next, struct result *r)
{
	struct tl_state *st = arg;

	(void)next;
	if (!probe_check_http(resp, 0, r))
		return 0;
	tl_evaluate(resp->body, resp->len, ep->kind_conf, st ? st->memory : NULL,
	    st ? st->peer_memory : NULL, now, r);
	return 0;
}

/* signers_from: "PROVIDER/ENDPOINT", or "ENDPOINT" of the same provider. */
static int
tl_peer(const struct conf_endpoint *ep, const char **provider, const char **endpoint)
{
	const struct tl_conf *tc = ep->kind_conf;
	static _Thread_local char pbuf[256];
	const char *slash;

	if (tc == NULL || tc->signers_from == NULL)
		return 0;
	if ((slash = strchr(tc->signers_from, '/')) == NULL) {
		*provider = ep->provider->id;
		*endpoint = tc->signers_from;
		return 1;
	}
	snprintf(pbuf, sizeof(pbuf), "%.*s", (int)(slash - tc->signers_from), tc->signers_from);
	*provider = pbuf;
	*endpoint = slash + 1;
	return 1;
}

const struct probe_ops probe_tl_ops = {
	.name = "tl",
	.kind = KIND_TL,
	.memory = true,
	.peer = tl_peer,
	.info = &tl_info,
	.start = tl_start,
	.finish = tl_finish,
	.free_state = tl_free_state,
};
