/*
 * The live JSON API (/api/v1/status, /api/v1/incidents) and /healthz, read from the
 * store on each request (not from the rendered files). JSON is built with jansson,
 * so remote text (messages) is always escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "web_int.h"
#include "../core/config.h"
#include "../core/util.h"
#include "../store/store.h"

#define API_DEFAULT_SINCE_MS	(90LL * 86400000)	/* incidents of the last 90 days */
#define HEALTH_MIN_WINDOW_MS	(5LL * 60000)

/* Sends o (taken) as application/json with code. */
static void
reply_json(struct web *w, struct evhttp_request *req, int code, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(7));
	struct evbuffer *b = evbuffer_new();

	json_decref(o);
	if (s == NULL || b == NULL) {
		free(s);
		if (b != NULL)
			evbuffer_free(b);
		web_reply_text(w, req, 500, "500 internal error\n");
		return;
	}
	evbuffer_add(b, s, strlen(s));
	evbuffer_add(b, "\n", 1);
	free(s);
	web_reply(w, req, code, "application/json", "no-store", b);
	evbuffer_free(b);
}

void
web_api_error(struct web *w, struct evhttp_request *req, int code, const char *msg)
{
	reply_json(w, req, code, json_pack("{s:s}", "error", msg));
}

static json_t *
time_or_null(int64_t ms)
{
	char t[40];

	if (ms < 0)
		return json_null();
	rfc3339_format(ms, t, sizeof(t));
	return json_string(t);
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* The configured endpoints, flattened, with whether the store has reported each. */
struct status_walk {
	const struct conf		 *conf;
	const struct conf_endpoint	**eps;
	bool				 *seen;
	size_t				  n;
	json_t				 *arr;
};

static int
status_row(const struct store_endpoint_state *e, void *arg)
{
	struct status_walk *sw = arg;
	const struct conf_endpoint *ep = conf_find(sw->conf, e->provider, e->endpoint);
	json_t *o, *tm;
	bool probed = e->last_time_ms >= 0;

	if (ep == NULL)
		return 0;		/* no longer configured */
	for (size_t i = 0; i < sw->n; i++)
		if (sw->eps[i] == ep)
			sw->seen[i] = true;
	tm = json_object();
	for (int p = 0; p < PHASE__MAX; p++)
		json_object_set_new(tm, phase_names[p], !probed || e->timings[p] < 0 ? json_null() :
		    json_real(e->timings[p]));
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:o}",
	    "provider", e->provider, "endpoint", e->endpoint, "kind", kind_names[ep->kind],
	    "status", probed ? json_string(status_names[e->status]) : json_null(),
	    "reason", probed ? json_string(reason_names[e->reason]) : json_null(),
	    "message", str_or_null(probed ? e->message : NULL),
	    "time", time_or_null(e->last_time_ms),
	    "maintenance", probed && e->maintenance,
	    "incident", e->open_incident > 0 ? json_integer(e->open_incident) : json_null(),
	    "timings", tm);
	json_array_append_new(sw->arr, o);
	return 0;
}

void
web_api_status(struct web *w, struct evhttp_request *req)
{
	const struct conf *c = web_conf(w);
	struct status_walk sw = { .conf = c, .arr = json_array() };
	char now[40];
	json_t *o;

	for (size_t i = 0; i < c->n_providers; i++)
		sw.n += c->providers[i].n_endpoints;
	sw.eps = xcalloc(sw.n + 1, sizeof(*sw.eps));
	sw.seen = xcalloc(sw.n + 1, sizeof(*sw.seen));
	sw.n = 0;
	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++)
			sw.eps[sw.n++] = &c->providers[i].endpoints[j];
	if (store_each_endpoint(web_store(w), NULL, status_row, &sw) != 0) {
		json_decref(sw.arr);
		web_api_error(w, req, 503, "the store does not answer");
		goto out;
	}
	for (size_t i = 0; i < sw.n; i++) {	/* configured, never probed */
		const struct conf_endpoint *ep = sw.eps[i];

		if (sw.seen[i])
			continue;
		json_array_append_new(sw.arr, json_pack("{s:s, s:s, s:s, s:n, s:n, s:n, s:n, s:b, s:n, s:n}",
		    "provider", ep->provider->id, "endpoint", ep->id, "kind", kind_names[ep->kind],
		    "status", "reason", "message", "time", "maintenance", 0, "incident", "timings"));
	}
	rfc3339_format(now_ms(), now, sizeof(now));
	o = json_pack("{s:s, s:o}", "generated", now, "endpoints", sw.arr);
	reply_json(w, req, 200, o);
out:
	free(sw.eps);
	free(sw.seen);
}

static int
incident_row(const struct store_incident *in, void *arg)
{
	json_t *reasons = json_array(), *o;
	const char *p = in->reasons ? in->reasons : "";

	while (*p) {
		size_t l = strcspn(p, ";");

		if (l > 0)
			json_array_append_new(reasons, json_stringn(p, l));
		p += l + (p[l] == ';');
	}
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o}",
	    "id", (json_int_t)in->id, "provider", in->provider, "endpoint", in->endpoint,
	    "kind", in->kind ? in->kind : "", "start", time_or_null(in->start_ms),
	    "end", time_or_null(in->end_ms),
	    "duration_s", in->end_ms >= 0 ? json_integer((in->end_ms - in->start_ms) / 1000) : json_null(),
	    "worst", in->worst ? in->worst : "", "reasons", reasons,
	    "message", str_or_null(in->message));
	json_array_append_new(arg, o);
	return 0;
}

static bool
valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

void
web_api_incidents(struct web *w, struct evhttp_request *req)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	const char *since = NULL, *provider = NULL;
	struct evkeyvalq q;
	struct evkeyval *kv;
	int64_t since_ms = now_ms() - API_DEFAULT_SINCE_MS;
	json_t *arr;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		evhttp_clear_headers(&q);
		web_api_error(w, req, 400, "malformed query string");
		return;
	}
	TAILQ_FOREACH(kv, &q, next) {
		const char **slot = strcmp(kv->key, "since") == 0 ? &since :
		    strcmp(kv->key, "provider") == 0 ? &provider : NULL;

		if (slot == NULL || *slot != NULL) {
			evhttp_clear_headers(&q);
			web_api_error(w, req, 400, slot == NULL ?
			    "unknown query parameter (known: since, provider)" :
			    "a query parameter is repeated");
			return;
		}
		*slot = kv->value;
	}
	if (since != NULL && rfc3339_parse(since, &since_ms) != 0) {
		evhttp_clear_headers(&q);
		web_api_error(w, req, 400, "since: not an RFC 3339 time (e.g. 2026-12-01T00:00:00Z)");
		return;
	}
	if (provider != NULL && !valid_id(provider)) {
		evhttp_clear_headers(&q);
		web_api_error(w, req, 400, "provider: not a provider id ([a-z0-9-]+)");
		return;
	}
	arr = json_array();
	if (store_each_incident(web_store(w), provider, since_ms, incident_row, arr) != 0) {
		json_decref(arr);
		evhttp_clear_headers(&q);
		web_api_error(w, req, 503, "the store does not answer");
		return;
	}
	evhttp_clear_headers(&q);
	reply_json(w, req, 200, json_pack("{s:o}", "incidents", arr));
}

int64_t
web_health_window_ms(const struct conf *c)
{
	int64_t min = -1;

	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++) {
			int64_t iv = c->providers[i].endpoints[j].interval_ms;

			if (min < 0 || iv < min)
				min = iv;
		}
	return min < 0 || 3 * min < HEALTH_MIN_WINDOW_MS ? HEALTH_MIN_WINDOW_MS : 3 * min;
}

struct health_walk {
	const struct conf	*conf;
	int64_t			 latest;
};

static int
health_row(const struct store_endpoint_state *e, void *arg)
{
	struct health_walk *hw = arg;

	if (conf_find(hw->conf, e->provider, e->endpoint) != NULL && e->last_time_ms > hw->latest)
		hw->latest = e->last_time_ms;
	return 0;
}

int
web_health(const struct conf *c, struct store *st, int64_t now, char *why, size_t whysz)
{
	struct health_walk hw = { c, -1 };
	int64_t window = web_health_window_ms(c);

	if (store_each_endpoint(st, NULL, health_row, &hw) != 0) {
		snprintf(why, whysz, "the store does not answer");
		return -1;
	}
	if (hw.latest < 0) {
		snprintf(why, whysz, "no probe results yet");
		return -1;
	}
	if (now - hw.latest > window) {
		snprintf(why, whysz, "the latest probe result is %lld s old (limit %lld s)",
		    (long long)((now - hw.latest) / 1000), (long long)(window / 1000));
		return -1;
	}
	snprintf(why, whysz, "ok");
	return 0;
}

void
web_healthz(struct web *w, struct evhttp_request *req)
{
	char why[160], text[200];

	if (web_health(web_conf(w), web_store(w), now_ms(), why, sizeof(why)) == 0) {
		web_reply_text(w, req, 200, "ok\n");
		return;
	}
	snprintf(text, sizeof(text), "unhealthy: %s\n", why);
	web_reply_text(w, req, 503, text);
}
