/*
 * One daemon per store: an exclusive flock on STORE.lock, held for the life of the
 * process (the lock file holds the holder's pid, for the message of the next one).
 * The lock file itself is never removed: removing it would let two daemons lock two files.
 * The pid file is written atomically and removed only by the process it names.
 */
#include <sys/file.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "run_int.h"
#include "../core/log.h"
#include "../core/util.h"

/* The pid written in the file open at fd, or -1. */
static long
read_pid_fd(int fd)
{
	char b[32];
	ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return -1;
	b[n] = '\0';
	pid = strtol(b, &end, 10);
	return end != b && (*end == '\n' || *end == '\0') && pid > 0 ? pid : -1;
}

int
run_lock_store(struct run *R, const char *store_path)
{
	char *path, pid[32];
	int fd, n;

	R->lock_fd = -1;
	if (strcmp(store_path, ":memory:") == 0)
		return 0;
	path = xasprintf("%s.lock", store_path);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		log_error("cannot open the store lock", "lock=%s error=%s", log_q(path),
		    log_q(strerror(errno)));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		long holder = read_pid_fd(fd);

		if (e == EWOULDBLOCK) {
			cli_warn("store %s is in use by pid %ld", store_path, holder);
			log_error("not started: another daemon uses the store", "store=%s pid=%ld"
			    " lock=%s", log_q(store_path), holder, log_q(path));
		} else
			log_error("cannot lock the store", "lock=%s error=%s", log_q(path),
			    log_q(strerror(e)));
		close(fd);
		free(path);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn("cannot write our pid into the store lock", "lock=%s error=%s",
		    log_q(path), log_q(strerror(errno)));
	R->lock_fd = fd;
	free(path);
	return 0;
}

int
run_pid_file_write(const char *path)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int rc = -1;

	if (f != NULL) {
		fprintf(f, "%ld\n", (long)getpid());
		if (fclose(f) == 0 && rename(tmp, path) == 0)
			rc = 0;
	}
	if (rc != 0) {
		log_error("cannot write the pid file", "path=%s error=%s", log_q(path),
		    log_q(strerror(errno)));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

void
run_pid_file_remove(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long pid;

	if (fd < 0) {
		log_warn("pid file already gone", "path=%s error=%s", log_q(path),
		    log_q(strerror(errno)));
		return;
	}
	pid = read_pid_fd(fd);
	close(fd);
	if (pid != (long)getpid()) {
		log_warn("pid file left alone: another process wrote it", "path=%s pid=%ld",
		    log_q(path), pid);
		return;
	}
	if (unlink(path) != 0)
		log_warn("cannot remove the pid file", "path=%s error=%s", log_q(path),
		    log_q(strerror(errno)));
}
