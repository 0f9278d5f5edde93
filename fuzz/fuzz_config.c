/*
 * libFuzzer target: conf_load() on arbitrary YAML. The input is written to a file in a
 * private temporary directory holding links to examples/ and to the real-world fixtures
 * (as rw/), so certificate paths in seeds resolve and the loader gets past file checks.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/util.h"
#include "fuzz/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/tw-fuzz-config.XXXXXX";
static char *path;

static void
cleanup(void)
{
	char *p;

	unlink(path);
	p = xasprintf("%s/examples", dir);
	unlink(p);
	free(p);
	p = xasprintf("%s/rw", dir);
	unlink(p);
	free(p);
	rmdir(dir);
	free(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *target, *link, *rel;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	rel = fuzz_path("examples");
	target = realpath(rel, NULL);
	free(rel);
	link = xasprintf("%s/examples", dir);
	if (target == NULL || symlink(target, link) != 0)
		abort();
	free(target);
	free(link);
	rel = fuzz_path(FUZZ_RW);
	target = realpath(rel, NULL);
	free(rel);
	link = xasprintf("%s/rw", dir);
	if (target == NULL || symlink(target, link) != 0)
		abort();
	free(target);
	free(link);
	path = xasprintf("%s/config.yaml", dir);
	/* Variables a config may name (password_env and friends). */
	setenv("TRUSTWATCH_SMTP_USER", "fuzz", 1);
	setenv("TRUSTWATCH_SMTP_PASSWORD", "fuzz", 1);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors errs = { 0 };
	struct conf *c;
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	c = conf_load(path, &errs);
	if ((c == NULL) == (errs.n == 0))
		abort();	/* the contract: NULL exactly when there are errors */
	conf_free(c);
	conf_errors_free(&errs);
	return 0;
}
