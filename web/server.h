/*
 * The web server (SPEC §8): the published site, a live JSON API, Prometheus /metrics
 * and /healthz, from one hardened libevent evhttp server on the caller's event loop.
 * Read-only: it never writes to the store and never serves a path outside the site.
 */
#ifndef TW_WEB_SERVER_H
#define TW_WEB_SERVER_H

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

/* Closes the listener and every connection; web_free(NULL) is a no-op. */
void web_free(struct web *);

#endif
