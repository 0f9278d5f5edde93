/*
 * trustwatch run: the daemon. Wires the stages: scheduler -> probe engine -> batched
 * store writes (incidents follow in the same transaction) -> alert outbox -> SMTP,
 * plus the periodic site render and the web server, on one libevent loop.
 */
#ifndef TW_RUN_H
#define TW_RUN_H

struct run_opts {
	const char	*config_path;
	const char	*pid_file;	/* NULL = none */
};

/*
 * Runs the daemon until SIGTERM or SIGINT. SIGHUP reloads the config.
 * Returns the process exit code: 0 after a clean stop, 3 when the config cannot be
 * loaded at start, 1 on a runtime failure (store in use by another daemon, store, event
 * loop, pid file, a result neither stored nor spooled, the store file deleted).
 */
int run_main(const struct run_opts *);

#endif
