/*
 * Inputs that crashed a fuzzer (scripts/fuzz.sh), replayed as regression tests.
 * Each case names the target that found it and what went wrong; the same bytes are also
 * checked in as seeds under fuzz/corpus/TARGET/regress-*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

struct config_case {
	const char	*yaml;
	const char	*want_error;	/* substring of one error; NULL = loads */
};

/* Loads c->yaml from a temporary file; the loader must answer, never crash. */
static void
run_config_case(void **state)
{
	const struct config_case *c = *state;
	char path[] = "/tmp/tw-fuzz-regress.XXXXXX";
	struct conf_errors errs = { 0 };
	struct conf *conf;
	int fd, found = 0;

	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, c->yaml, strlen(c->yaml)), (ssize_t)strlen(c->yaml));
	close(fd);
	conf = conf_load(path, &errs);
	unlink(path);
	if (c->want_error == NULL) {
		assert_non_null(conf);
		assert_int_equal(errs.n, 0);
	} else {
		assert_null(conf);
		for (size_t i = 0; i < errs.n; i++)
			found |= strstr(errs.msg[i], c->want_error) != NULL;
		if (!found)
			fail_msg("no error contains \"%s\" (%zu errors, first: %s)", c->want_error,
			    errs.n, errs.n ? errs.msg[0] : "none");
	}
	conf_free(conf);
	conf_errors_free(&errs);
}

#define CONFIG(n, ...) { .name = #n, .test_func = run_config_case, \
	.initial_state = &(struct config_case){ __VA_ARGS__ } }

static const struct CMUnitTest tests[] = {
	/* fuzz_config: an endpoint that is not a mapping kept a NULL id, and the duplicate-id
	 * check of the next endpoint passed it to strcmp (SIGSEGV). */
	CONFIG(config_with_a_scalar_endpoint_before_another_is_an_error_not_a_crash,
	    .yaml = "providers:\n  - id: p\n    endpoints:\n      - oops\n"
	    "      - { id: b, kind: login, url: \"http://x/\" }\n",
	    .want_error = "expected a mapping with id, kind and url"),
	CONFIG(config_with_a_list_endpoint_between_two_is_an_error_not_a_crash,
	    .yaml = "providers:\n  - id: p\n    endpoints:\n"
	    "      - { id: a, kind: login, url: \"http://x/\" }\n      - [1, 2]\n"
	    "      - { id: b, kind: login, url: \"http://x/\" }\n",
	    .want_error = "expected a mapping with id, kind and url"),
};

int
main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
