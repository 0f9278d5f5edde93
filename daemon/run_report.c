/*
 * Site rendering under run: every report.every, and soon after an incident opens or
 * resolves. Each render runs in a forked child with its own store connection, so a big
 * site never stalls probes; the parent only reaps it (SIGCHLD). At most one render runs;
 * a request during a render starts another when it ends.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <time.h>

#include <event2/event.h>

#include "run_int.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/storeurl.h"
#include "../core/util.h"
#include "../report/report.h"
#include "../store/store.h"

#define RUN_REPORT_STOP_MS	500	/* a render running at stop may finish this long */
#define RUN_REPORT_KILL_MS	1000	/* then it is ended; it may take this long to exit */

/* The child: renders from its own connection and exits 0 on success. */
static void __attribute__((noreturn))
render_child(const struct conf *c)
{
	char *err = NULL;
	struct store *st = store_open_at(conf_store_where(c), c->storage.password, false, &err);
	int rc = 1;

	if (st == NULL) {
		char *shown = store_url_redacted(err);

		log_error("report not rendered", "error=%s", log_q(shown));
		free(shown);
		_exit(1);
	}
	store_set_timezone(st, c->report.timezone);
	if (report_render(c, st, NULL, now_ms(), &err) != 0)
		log_error("report not rendered", "output=%s error=%s", log_q(c->report.output),
		    log_q(err));
	else
		rc = 0;
	store_close(st);
	_exit(rc);
}

void
run_report_start(struct run *R)
{
	pid_t pid;

	if (R->stopping || !R->lead)
		return;		/* only the leader renders (SPEC §11) */
	if (R->store_lost) {
		log_warn("report not rendered: the store file is gone, the site is kept as it is",
		    "%s", "");
		return;
	}
	if (R->report_pid > 0) {
		R->report_again = true;
		return;
	}
	R->report_again = false;
	fflush(stderr);
	if ((pid = fork()) < 0) {
		R->render_failures++;
		log_error("report not rendered", "error=%s", log_q(strerror(errno)));
		return;
	}
	if (pid == 0) {
		/* Default signal handling in the child: a SIGTERM to the group ends it. */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (R->lock_fd >= 0)
			close(R->lock_fd);	/* the parent still holds the store lock */
		/*
		 * With probe threads (workers) the forked image may hold a lock another thread
		 * held at the fork (OpenSSL's, libpq's): a fresh `trustwatch report` renders
		 * instead, from the same configuration file.
		 */
		if (R->cur->c->workers > 0) {
			execl("/proc/self/exe", "trustwatch", "report", "-c", R->path, (char *)NULL);
			log_error("report not rendered", "error=%s", log_q(strerror(errno)));
			_exit(1);
		}
		render_child(R->cur->c);
	}
	R->report_pid = pid;
	R->report_started_ms = mono_ms();
}

void
run_report_reap(struct run *R)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != R->report_pid)
			continue;
		R->report_pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			R->render_last_ok_ms = now_ms();
			log_info("report rendered", "output=%s ms=%lld",
			    log_q(R->cur->c->report.output),
			    (long long)(mono_ms() - R->report_started_ms));
		} else {
			R->render_failures++;
			log_warn("report render failed", "status=%d", status);
		}
		if (R->report_again && !R->stopping)
			run_report_start(R);
	}
}

void
run_report_check_incidents(struct run *R)
{
	uint64_t n = store_incident_changes(R->st);

	if (n != R->incidents_seen && R->lead) {
		log_debug("incident changed: re-rendering", "n=%llu",
		    (unsigned long long)(n - R->incidents_seen));
		R->incidents_seen = n;
		run_report_start(R);
	}
}

/*
 * Waits for a render in progress at stop until RUN_REPORT_STOP_MS after the stop signal
 * (it ran on during the probes' grace), then ends it (SIGTERM, and SIGCONT should it be
 * stopped) and waits at most RUN_REPORT_KILL_MS more for it to exit.
 * An ended render leaves the published site as it was (it writes a new tree and swaps it
 * in at the end); the next render removes the half-written tree.
 */
void
run_report_wait(struct run *R)
{
	int64_t start = R->stop_mono_ms > 0 ? R->stop_mono_ms : mono_ms();
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int64_t ended_at = 0;
	bool ended = false;
	int status;
	pid_t pid;

	while (R->report_pid > 0) {
		if ((pid = waitpid(R->report_pid, &status, WNOHANG)) == R->report_pid ||
		    (pid < 0 && errno != EINTR)) {
			if (pid > 0 && !ended)
				log_info("report render finished before stop", "status=%d", status);
			R->report_pid = 0;
			break;
		}
		if (!ended && mono_ms() - start >= RUN_REPORT_STOP_MS) {
			log_warn("stop: ending the report render still running",
			    "pid=%ld ms=%lld", (long)R->report_pid,
			    (long long)(mono_ms() - R->report_started_ms));
			kill(R->report_pid, SIGTERM);
			kill(R->report_pid, SIGCONT);
			ended = true;
			ended_at = mono_ms();
		} else if (ended && mono_ms() - ended_at >= RUN_REPORT_KILL_MS) {
			log_error("stop: the report render does not end, leaving it",
			    "pid=%ld", (long)R->report_pid);
			R->report_pid = 0;
			break;
		}
		nanosleep(&tick, NULL);
	}
}
