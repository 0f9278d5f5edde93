/* trustwatch keygen: an Ed25519 signed-note key for the node's record (SPEC §12). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../core/util.h"
#include "../tlog/tlog.h"

static void
keygen_usage(FILE *f)
{
	fputs("usage: trustwatch keygen -o FILE [--name NAME]\n"
	    "Writes a new Ed25519 signer key for the record's checkpoints to FILE (mode 0600,\n"
	    "never over an existing file) and prints its verifier key NAME+HASH+BASE64, which\n"
	    "readers give to `trustwatch verify --vkey`. NAME defaults to the host name; use the\n"
	    "log's origin (HOST/NODE).\n", f);
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *name = NULL;
	char host[HOST_NAME_MAX + 1], *skey = NULL, *vkey = NULL, *err = NULL, *line;
	int ch, fd, rc = EXIT_RUNTIME;
	size_t len;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+o:n:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			keygen_usage(stdout);
			return EXIT_OK;
		default:
			keygen_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (out == NULL || optind != argc) {
		keygen_usage(stderr);
		return EXIT_USAGE;
	}
	if (name == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "trustwatch");
		host[sizeof(host) - 1] = '\0';
		name = host;
	}
	if (!tlog_name_ok(name)) {
		cli_warn("keygen: key name '%s' must be non-empty UTF-8 without spaces or '+'", name);
		return EXIT_USAGE;
	}
	if (tlog_keygen(name, &skey, &vkey, &err) != 0) {
		cli_warn("keygen: %s", err);
		free(err);
		return EXIT_RUNTIME;
	}
	if ((fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		cli_warn("keygen: %s: %s%s", out, strerror(errno),
		    errno == EEXIST ? " (refusing to overwrite a key)" : "");
		goto out;
	}
	line = xasprintf("%s\n", skey);
	len = strlen(line);
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		cli_warn("keygen: %s: %s", out, strerror(errno));
		close(fd);
		unlink(out);
		free(line);
		goto out;
	}
	free(line);
	if (close(fd) != 0) {
		cli_warn("keygen: %s: %s", out, strerror(errno));
		unlink(out);
		goto out;
	}
	printf("%s\n", vkey);
	rc = EXIT_OK;
out:
	if (skey != NULL)
		explicit_bzero(skey, strlen(skey));
	free(skey);
	free(vkey);
	return rc;
}
