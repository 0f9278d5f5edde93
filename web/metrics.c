/*
 * /metrics in the Prometheus text exposition format 0.0.4, every endpoint series labelled
 * provider, endpoint, kind (README "Metrics"). Read from the store on each scrape:
 * the latest result of each configured endpoint, the daily rollups for the counters and
 * the alert outbox; the daemon's own figures come from web_daemon_stats.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "server.h"
#include "web_int.h"
#include "../core/config.h"
#include "../core/util.h"
#include "../store/store.h"

#ifndef TW_COMMIT
#define TW_COMMIT	"unknown"	/* the Makefile sets it from git describe */
#endif
#ifndef TW_VERSION
#define TW_VERSION	"unknown"
#endif

enum cert {
	CERT_TLS,
	CERT_OCSP_SIGNER,
	CERT_CRL_NEXT_UPDATE,
	CERT_TSA,
	CERTX__MAX
};
static const char *const cert_names[CERTX__MAX] = {
	[CERT_TLS] = "tls",
	[CERT_OCSP_SIGNER] = "ocsp_signer",
	[CERT_CRL_NEXT_UPDATE] = "crl_next_update",
	[CERT_TSA] = "tsa",
};

/* The counters, by status, in trustwatch_probe_total's status label. */
enum count { COUNT_UP, COUNT_DEGRADED, COUNT_DOWN, COUNT_MAINTENANCE, COUNT__MAX };
static const char *const count_names[COUNT__MAX] = { "up", "degraded", "down", "maintenance" };

/* What one configured endpoint contributes to the scrape. */
struct mx_ep {
	const struct conf_endpoint *ep;		/* borrowed from the config */
	bool		 probed;
	enum status	 status;
	int64_t		 last_ms;
	double		 timings[PHASE__MAX];
	bool		 incident_open;
	int64_t		 expiry_s[CERTX__MAX];	/* 0 = unknown */
	bool		 have_offset;
	double		 tsa_offset_s;		/* genTime - local time at the probe */
	int64_t		 counts[COUNT__MAX];
};

struct mx {
	struct mx_ep	*eps;
	size_t		 n;
	size_t		 last;	/* rollup rows come grouped: where the previous one matched */
};

void
web_metrics_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_append(out, "\\\\", 2);
		else if (*s == '"')
			buf_append(out, "\\\"", 2);
		else if (*s == '\n')
			buf_append(out, "\\n", 2);
		else
			buf_append(out, s, 1);
	}
}

static struct mx_ep *
mx_find(struct mx *m, const char *provider, const char *endpoint)
{
	for (size_t k = 0; k < m->n; k++) {
		size_t i = (m->last + k) % m->n;

		if (strcmp(m->eps[i].ep->provider->id, provider) == 0 &&
		    strcmp(m->eps[i].ep->id, endpoint) == 0) {
			m->last = i;
			return &m->eps[i];
		}
	}
	return NULL;
}

/* Reads a time detail into seconds; leaves *out alone when absent or unparsable. */
static void
detail_seconds(const json_t *d, enum detail f, int64_t *out)
{
	int64_t ms;

	if (detail_get_time(d, f, &ms) == 0)
		*out = ms / 1000;
}

static int
mx_endpoint(const struct store_endpoint_state *e, void *arg)
{
	struct mx_ep *x = mx_find(arg, e->provider, e->endpoint);
	json_t *d;

	if (x == NULL || e->last_time_ms < 0)
		return 0;
	x->probed = true;
	x->status = e->status;
	x->last_ms = e->last_time_ms;
	memcpy(x->timings, e->timings, sizeof(x->timings));
	x->incident_open = e->open_incident > 0;
	if (e->details == NULL || (d = json_loads(e->details, 0, NULL)) == NULL)
		return 0;
	detail_seconds(d, DETAIL_TLS_NOT_AFTER, &x->expiry_s[CERT_TLS]);
	if (x->ep->kind == KIND_OCSP)
		detail_seconds(d, DETAIL_SIGNER_NOT_AFTER, &x->expiry_s[CERT_OCSP_SIGNER]);
	if (x->ep->kind == KIND_CRL)
		detail_seconds(d, DETAIL_NEXT_UPDATE, &x->expiry_s[CERT_CRL_NEXT_UPDATE]);
	if (x->ep->kind == KIND_TSA) {
		int64_t gen_ms;

		detail_seconds(d, DETAIL_SIGNER_NOT_AFTER, &x->expiry_s[CERT_TSA]);
		if (detail_get_time(d, DETAIL_GEN_TIME, &gen_ms) == 0) {
			x->have_offset = true;
			x->tsa_offset_s = (double)(gen_ms - e->last_time_ms) / 1000.0;
		}
	}
	json_decref(d);
	return 0;
}

static int
mx_daily(const struct store_rollup *r, void *arg)
{
	struct mx_ep *x = mx_find(arg, r->provider, r->endpoint);

	if (x != NULL) {
		x->counts[COUNT_UP] += r->up;
		x->counts[COUNT_DEGRADED] += r->degraded;
		x->counts[COUNT_DOWN] += r->down;
		x->counts[COUNT_MAINTENANCE] += r->maintenance;
	}
	return 0;
}

static void
family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Starts a sample: name{provider="…",endpoint="…",kind="…" — the caller closes the braces. */
static void
sample(struct buf *out, const char *name, const struct mx_ep *x)
{
	buf_printf(out, "%s{provider=\"", name);
	web_metrics_escape(out, x->ep->provider->id);
	buf_append(out, "\",endpoint=\"", 12);
	web_metrics_escape(out, x->ep->id);
	buf_append(out, "\",kind=\"", 8);
	web_metrics_escape(out, kind_names[x->ep->kind]);
	buf_append(out, "\"", 1);
}

/* The process and its outbox: build, alert queue, and the daemon's figures when given. */
static void
emit_self(struct buf *out, const struct store_outbox_stats ob[2],
    const struct web_daemon_stats *d, int64_t now)
{
	static const char *const channels[2] = { "mail", "webhook" };

	family(out, "trustwatch_build_info", "gauge",
	    "Always 1: the version and the git commit the binary was built from.");
	buf_printf(out, "trustwatch_build_info{version=\"");
	web_metrics_escape(out, TW_VERSION);
	buf_printf(out, "\",commit=\"");
	web_metrics_escape(out, TW_COMMIT);
	buf_printf(out, "\"} 1\n");
	family(out, "trustwatch_alert_queue_length", "gauge",
	    "Alerts waiting in the outbox (not delivered, not given up).");
	for (int c = 0; c < 2; c++)
		buf_printf(out, "trustwatch_alert_queue_length{channel=\"%s\"} %" PRId64 "\n",
		    channels[c], ob[c].queued);
	family(out, "trustwatch_alert_oldest_undelivered_age_seconds", "gauge",
	    "Age of the oldest alert waiting in the outbox, 0 when none waits.");
	for (int c = 0; c < 2; c++)
		buf_printf(out, "trustwatch_alert_oldest_undelivered_age_seconds{channel=\"%s\"} %.3f\n",
		    channels[c], ob[c].oldest_queued_ms < 0 || now < ob[c].oldest_queued_ms ? 0.0 :
		    (double)(now - ob[c].oldest_queued_ms) / 1000.0);
	family(out, "trustwatch_alert_delivery_failures_total", "counter",
	    "Delivery attempts that failed (each is retried with backoff).");
	for (int c = 0; c < 2; c++)
		buf_printf(out, "trustwatch_alert_delivery_failures_total{channel=\"%s\"} %" PRId64 "\n",
		    channels[c], ob[c].failed_attempts);
	family(out, "trustwatch_alert_given_up_total", "counter",
	    "Alerts given up after 24 h of failed attempts.");
	for (int c = 0; c < 2; c++)
		buf_printf(out, "trustwatch_alert_given_up_total{channel=\"%s\"} %" PRId64 "\n",
		    channels[c], ob[c].given_up);
	if (d == NULL)
		return;
	family(out, "trustwatch_render_last_success_timestamp_seconds", "gauge",
	    "Unix time of the last successful site render by this daemon (0 = none yet).");
	buf_printf(out, "trustwatch_render_last_success_timestamp_seconds %.3f\n",
	    d->render_last_ok_ms < 0 ? 0.0 : (double)d->render_last_ok_ms / 1000.0);
	family(out, "trustwatch_render_failures_total", "counter",
	    "Site renders that failed since the daemon started.");
	buf_printf(out, "trustwatch_render_failures_total %" PRIu64 "\n", d->render_failures);
	family(out, "trustwatch_store_write_errors_total", "counter",
	    "Failed writes of results to the store since the daemon started (they wait and are retried).");
	buf_printf(out, "trustwatch_store_write_errors_total %" PRIu64 "\n", d->store_write_errors);
	family(out, "trustwatch_spool_bytes", "gauge",
	    "Size of STORE.spool, where results wait while the store is locked (0 = none).");
	buf_printf(out, "trustwatch_spool_bytes %" PRId64 "\n", d->spool_bytes);
}

static void
emit(struct buf *out, const struct mx *m)
{
	family(out, "trustwatch_up", "gauge",
	    "Latest probe status: 1 up, 0.5 degraded, 0 down.");
	for (size_t i = 0; i < m->n; i++) {
		const struct mx_ep *x = &m->eps[i];

		if (!x->probed)
			continue;
		sample(out, "trustwatch_up", x);
		buf_printf(out, "} %s\n", x->status == STATUS_UP ? "1" :
		    x->status == STATUS_DEGRADED ? "0.5" : "0");
	}
	family(out, "trustwatch_probe_duration_seconds", "gauge",
	    "Phase durations of the latest probe (phases not reached are omitted).");
	for (size_t i = 0; i < m->n; i++)
		for (int p = 0; p < PHASE__MAX && m->eps[i].probed; p++) {
			if (m->eps[i].timings[p] < 0)
				continue;
			sample(out, "trustwatch_probe_duration_seconds", &m->eps[i]);
			buf_printf(out, ",phase=\"%s\"} %.6f\n", phase_names[p],
			    m->eps[i].timings[p] / 1000.0);
		}
	family(out, "trustwatch_incident_open", "gauge",
	    "1 while the endpoint has an open incident, else 0.");
	for (size_t i = 0; i < m->n; i++) {
		sample(out, "trustwatch_incident_open", &m->eps[i]);
		buf_printf(out, "} %d\n", m->eps[i].incident_open ? 1 : 0);
	}
	family(out, "trustwatch_cert_expiry_timestamp_seconds", "gauge",
	    "Unix time when a certificate (tls, ocsp_signer, tsa) expires or a CRL's nextUpdate falls, from the latest probe.");
	for (size_t i = 0; i < m->n; i++)
		for (int c = 0; c < CERTX__MAX; c++) {
			if (m->eps[i].expiry_s[c] == 0)
				continue;
			sample(out, "trustwatch_cert_expiry_timestamp_seconds", &m->eps[i]);
			buf_printf(out, ",cert=\"%s\"} %" PRId64 "\n", cert_names[c],
			    m->eps[i].expiry_s[c]);
		}
	family(out, "trustwatch_last_probe_timestamp_seconds", "gauge",
	    "Unix time of the latest stored probe result.");
	for (size_t i = 0; i < m->n; i++) {
		if (!m->eps[i].probed)
			continue;
		sample(out, "trustwatch_last_probe_timestamp_seconds", &m->eps[i]);
		buf_printf(out, "} %.3f\n", (double)m->eps[i].last_ms / 1000.0);
	}
	family(out, "trustwatch_tsa_clock_offset_seconds", "gauge",
	    "TSA genTime minus the local clock when the latest probe started (includes up to one round trip).");
	for (size_t i = 0; i < m->n; i++) {
		if (!m->eps[i].probed || !m->eps[i].have_offset)
			continue;
		sample(out, "trustwatch_tsa_clock_offset_seconds", &m->eps[i]);
		buf_printf(out, "} %.3f\n", m->eps[i].tsa_offset_s);
	}
	family(out, "trustwatch_probe_total", "counter",
	    "Stored probe results by status (maintenance: inside a maintenance window).");
	for (size_t i = 0; i < m->n; i++)
		for (int c = 0; c < COUNT__MAX; c++) {
			sample(out, "trustwatch_probe_total", &m->eps[i]);
			buf_printf(out, ",status=\"%s\"} %" PRId64 "\n", count_names[c],
			    m->eps[i].counts[c]);
		}
}

int
web_metrics_render(const struct conf *c, struct store *st, const struct web_daemon_stats *d,
    int64_t now, struct buf *out)
{
	struct mx m = { 0 };
	struct store_outbox_stats ob[2];
	int rc = -1;

	for (size_t i = 0; i < c->n_providers; i++)
		m.n += c->providers[i].n_endpoints;
	m.eps = xcalloc(m.n + 1, sizeof(*m.eps));
	m.n = 0;
	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++)
			m.eps[m.n++].ep = &c->providers[i].endpoints[j];
	if (m.n > 0 && (store_each_endpoint(st, NULL, mx_endpoint, &m) != 0 ||
	    store_each_daily(st, "0000-01-01", "9999-12-31", NULL, mx_daily, &m) != 0))
		goto out;
	if (store_outbox_stats(st, false, &ob[0]) != 0 || store_outbox_stats(st, true, &ob[1]) != 0)
		goto out;
	emit_self(out, ob, d, now);
	emit(out, &m);
	if (web_metrics_nodes(c, st, now, out) != 0)
		goto out;
	rc = 0;
out:
	free(m.eps);
	return rc;
}

void
web_metrics(struct web *w, struct evhttp_request *req)
{
	struct buf b = { 0 };
	struct evbuffer *body;
	struct web_daemon_stats d;
	bool have = web_daemon_stats(w, &d);

	if (web_metrics_render(web_conf(w), web_store(w), have ? &d : NULL, now_ms(), &b) != 0) {
		buf_free(&b);
		web_reply_text(w, req, 503, "503 the store does not answer\n");
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		buf_free(&b);
		web_reply_text(w, req, 500, "500 internal error\n");
		return;
	}
	evbuffer_add(body, b.data, b.len);
	buf_free(&b);
	web_reply(w, req, 200, "text/plain; version=0.0.4; charset=utf-8", "no-store", body);
	evbuffer_free(body);
}
