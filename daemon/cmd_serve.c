/*
 * trustwatch serve: the site, the live API and /metrics on web.listen, until SIGTERM or
 * SIGINT (exit 0); SIGHUP reloads the configuration (the listening address is kept).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cli.h"
#include "../core/log.h"
#include "../core/config.h"
#include "../core/storeurl.h"
#include "../core/util.h"
#include "../store/store.h"
#include "../web/server.h"

struct serve {
	struct event_base	*base;
	struct web		*web;
	const char		*path;
	struct conf		*conf;
};

static void
serve_usage(FILE *f)
{
	fputs("usage: trustwatch serve [-c FILE]\n"
	    "Serves the site (report.output), the live JSON API (/api/v1/status,\n"
	    "/api/v1/incidents), Prometheus /metrics and /healthz on web.listen.\n"
	    "SIGTERM/SIGINT stop it (exit 0); SIGHUP reloads the configuration.\n", f);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct serve *s = arg;

	(void)what;
	log_info("stopping", "component=web signal=%d", (int)sig);
	event_base_loopexit(s->base, NULL);
}

static void
on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct serve *s = arg;
	struct conf *c;

	(void)sig;
	(void)what;
	if ((c = cli_load_conf(s->path)) == NULL) {
		log_error("reload failed, keeping the previous configuration", "component=web config=%s",
		    log_q(s->path));
		return;
	}
	web_set_conf(s->web, c);
	conf_free(s->conf);
	s->conf = c;
	log_info("configuration reloaded", "component=web config=%s", log_q(s->path));
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve s = { .path = "config.yaml" };
	struct event *ev[3] = { NULL, NULL, NULL };
	struct store *st = NULL;
	char *err = NULL;
	int ch, rc = EXIT_USAGE;
	const char *lv = getenv("TRUSTWATCH_LOG_LEVEL");

	if (lv != NULL && log_level_from_name(lv) >= 0)
		log_set_level((enum log_level)log_level_from_name(lv));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			s.path = optarg;
			break;
		case 'h':
			serve_usage(stdout);
			return EXIT_OK;
		default:
			serve_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_warn("serve: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if ((s.conf = cli_load_conf(s.path)) == NULL)
		return EXIT_USAGE;
	if (s.conf->web.listen == NULL) {
		cli_warn("%s: web.listen is not set; nothing to serve", s.path);
		goto out;
	}
	rc = EXIT_RUNTIME;
	if ((st = store_open_at(conf_store_where(s.conf), s.conf->storage.password, true,
	    &err)) == NULL) {
		char *shown = store_url_redacted(err);

		cli_warn("%s", shown);
		free(shown);
		goto out;
	}
	if ((s.base = event_base_new()) == NULL) {
		cli_warn("serve: cannot create the event loop");
		goto out;
	}
	if ((s.web = web_start(s.base, s.conf, st, &err)) == NULL) {
		log_error("cannot serve", "component=web error=%s", log_q(err));
		goto out;
	}
	ev[0] = evsignal_new(s.base, SIGTERM, on_stop, &s);
	ev[1] = evsignal_new(s.base, SIGINT, on_stop, &s);
	ev[2] = evsignal_new(s.base, SIGHUP, on_reload, &s);
	for (size_t i = 0; i < NELEM(ev); i++)
		if (ev[i] == NULL || evsignal_add(ev[i], NULL) != 0) {
			log_error("cannot install signal handlers", "component=web%s", "");
			goto out;
		}
	log_info("listening", "component=web listen=%s site=%s", log_q(s.conf->web.listen),
	    log_q(s.conf->report.output));
	if (event_base_dispatch(s.base) != 0) {
		log_error("the event loop failed", "component=web%s", "");
		goto out;
	}
	rc = EXIT_OK;
out:
	for (size_t i = 0; i < NELEM(ev); i++)
		if (ev[i] != NULL)
			event_free(ev[i]);
	web_free(s.web);
	if (s.base != NULL)
		event_base_free(s.base);
	store_close(st);
	conf_free(s.conf);
	free(err);
	return rc;
}
