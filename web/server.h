/*
 * The web server (SPEC §8): the published site, a live JSON API, Prometheus /metrics
 * and /healthz, from one hardened libevent evhttp server on the caller's event loop.
 * Read-only: it never writes to the store and never serves a path outside the site.
 */
#ifndef TW_WEB_SERVER_H
#define TW_WEB_SERVER_H

#include <stdint.h>

struct conf;
struct event_base;
struct store;
struct web;

/*
 * Listens on conf->web.listen ("HOST:PORT", "[V6]:PORT") and nowhere else, serving
 * conf->report.output and the store on base. conf and store are borrowed and must outlive
 * the server (or the next web_set_conf). Ignores SIGPIPE for the process, since a client
 * closing mid-response must not kill it. Logs one logfmt line per request to stderr at debug level.
 * Returns the server, or NULL with *err set (caller frees).
 */
struct web *web_start(struct event_base *base, const struct conf *conf, struct store *store,
    char **err);

/*
 * Swaps the configuration (a reload): the site directory, endpoints and intervals come
 * from conf from the next request on. The listening address is not changed (restart for
 * that). conf is borrowed until the next call or web_free; the old one may be freed now.
 */
void web_set_conf(struct web *, const struct conf *conf);

/* Figures only the daemon knows (`run` with web.listen), read on each /metrics scrape. */
struct web_daemon_stats {
	int64_t		 render_last_ok_ms;	/* last successful site render, -1 = none yet */
	uint64_t	 render_failures;	/* renders that failed since the start */
	uint64_t	 store_write_errors;	/* failed result writes since the start */
	int64_t		 spool_bytes;		/* size of STORE.spool, 0 when there is none */
};

/* Fills *out; called from the event loop. */
typedef void web_stats_fn(struct web_daemon_stats *out, void *arg);

/* Adds the daemon's figures to /metrics (fn NULL = none, as under `serve`). */
void web_set_stats(struct web *, web_stats_fn *fn, void *arg);

/* Closes the listener and every connection; web_free(NULL) is a no-op. */
void web_free(struct web *);

#endif
