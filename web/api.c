/*
 * The live JSON API (/api/v1/status, /api/v1/incidents) and /healthz, read from the
 * store on each request (not from the rendered files). The documents come from the one
 * JSON writer as the site's api/ files (report/json.h), so they share schema and escaping.
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
#include "../core/deps.h"
#include "../core/util.h"
#include "../report/json.h"
#include "../report/vantage.h"
#include "../store/store.h"

#define API_DEFAULT_SINCE_MS	(90LL * 86400000)	/* incidents of the last 90 days */
#define HEALTH_MIN_WINDOW_MS	(5LL * 60000)

/* Sends the JSON text s (taken) as application/json with code. */
static void
reply_text_json(struct web *w, struct evhttp_request *req, int code, char *s)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		free(s);
		web_reply_text(w, req, 500, "500 internal error\n");
		return;
	}
	evbuffer_add(b, s, strlen(s));
	free(s);
	web_reply(w, req, code, "application/json", "no-store", b);
	evbuffer_free(b);
}

void
web_api_error(struct web *w, struct evhttp_request *req, int code, const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", msg);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(o);
	if (s == NULL) {
		web_reply_text(w, req, 500, "500 internal error\n");
		return;
	}
	reply_text_json(w, req, code, xasprintf("%s\n", s));
	free(s);
}

/*
 * The uptime and latency windows of the last /api/v1/status that computed them: four rollup
 * sums per endpoint cost ~1 ms per endpoint, too much to hold the event loop for on every
 * request, and windows of a day or more barely move in a minute. The state is always live.
 */
struct web_api_cache {
	int64_t			 at_ms;
	struct report_status_ep	*eps;		/* only provider, endpoint (owned), win, have_win */
	size_t			 n;
};

void
web_api_cache_free(struct web_api_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free((char *)c->eps[i].provider);
		free((char *)c->eps[i].endpoint);
	}
	free(c->eps);
	free(c);
}

/* Copies the cached windows into st; false when the cache is stale or lacks an endpoint. */
static bool
windows_from_cache(const struct web_api_cache *c, int64_t now, struct report_status *st)
{
	if (c == NULL || now < c->at_ms || now - c->at_ms >= WEB_API_WINDOWS_MS)
		return false;
	for (size_t i = 0; i < st->n_eps; i++) {
		struct report_status_ep *e = &st->eps[i];
		size_t j = i;		/* same configuration, same order: found at once */

		if (j >= c->n || strcmp(c->eps[j].provider, e->provider) != 0 ||
		    strcmp(c->eps[j].endpoint, e->endpoint) != 0)
			for (j = 0; j < c->n; j++)
				if (strcmp(c->eps[j].provider, e->provider) == 0 &&
				    strcmp(c->eps[j].endpoint, e->endpoint) == 0)
					break;
		if (j == c->n)
			return false;		/* configured since (a reload) */
		memcpy(e->win, c->eps[j].win, sizeof(e->win));
		memcpy(e->have_win, c->eps[j].have_win, sizeof(e->have_win));
	}
	return true;
}

static struct web_api_cache *
windows_to_cache(const struct report_status *st, int64_t now)
{
	struct web_api_cache *c = xcalloc(1, sizeof(*c));

	c->at_ms = now;
	c->n = st->n_eps;
	c->eps = xcalloc(st->n_eps ? st->n_eps : 1, sizeof(*c->eps));
	for (size_t i = 0; i < st->n_eps; i++) {
		c->eps[i].provider = xstrdup(st->eps[i].provider);
		c->eps[i].endpoint = xstrdup(st->eps[i].endpoint);
		memcpy(c->eps[i].win, st->eps[i].win, sizeof(c->eps[i].win));
		memcpy(c->eps[i].have_win, st->eps[i].have_win, sizeof(c->eps[i].have_win));
	}
	return c;
}

void
web_api_status(struct web *w, struct evhttp_request *req)
{
	struct web_api_cache **cache = web_api_cache(w);
	struct report_status st;
	struct report_vantage v;
	int64_t now = now_ms();

	if (report_status_state(web_conf(w), web_store(w), now, &st) != 0) {
		web_api_error(w, req, 503, "the store does not answer");
		return;
	}
	if (!windows_from_cache(*cache, now, &st)) {
		if (report_status_windows(web_store(w), now, &st) != 0) {
			report_status_free(&st);
			web_api_error(w, req, 503, "the store does not answer");
			return;
		}
		web_api_cache_free(*cache);
		*cache = windows_to_cache(&st, now);
	}
	if (report_vantage_collect(web_conf(w), web_store(w), now, true, &v) != 0) {
		report_status_free(&st);
		web_api_error(w, req, 503, "the store does not answer");
		return;
	}
	st.vantage = &v;
	reply_text_json(w, req, 200, report_json_status(&st));
	report_status_free(&st);
	report_vantage_free(&v);
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
	int64_t now = now_ms(), since_ms = now - API_DEFAULT_SINCE_MS;
	struct report_incident *rows;
	size_t n;

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
	/* Every provider's, so that a cause outside provider is still named (SPEC §15). */
	if (report_incidents_collect(web_store(w), NULL, since_ms, &rows, &n) != 0) {
		evhttp_clear_headers(&q);
		web_api_error(w, req, 503, "the store does not answer");
		return;
	}
	report_incidents_link(web_conf(w), rows, n);
	report_incidents_keep(rows, &n, provider);
	evhttp_clear_headers(&q);
	reply_text_json(w, req, 200, report_json_incidents(now, rows, n));
	report_incidents_free(rows, n);
}

/* /api/v1/dependencies: the configuration's dependency graph measured (SPEC §15). */
void
web_api_dependencies(struct web *w, struct evhttp_request *req)
{
	struct deps *d = deps_new(web_conf(w));

	reply_text_json(w, req, 200, report_json_dependencies(web_conf(w), d, now_ms()));
	deps_free(d);
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
