/*
 * Where a redirect of trustwatch's own HTTPS client goes (probe/https.c, https_url_join):
 * RFC 3986 §5.4's examples that apply to a Location, and the references a hostile or
 * sloppy server sends. The exchange itself is tested in engine_test.c (OVER_BOTH),
 * tlsverify_itest.sh and hostile_itest.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe/https.h"

struct join_case {
	const char	*base, *loc, *want;	/* want NULL: refused */
};

static void
run_cases(const struct join_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *got = https_url_join(c[i].base, c[i].loc);

		if (c[i].want == NULL ? got != NULL : got == NULL || strcmp(got, c[i].want) != 0)
			fail_msg("%s + %s: got %s, want %s", c[i].base, c[i].loc,
			    got != NULL ? got : "(refused)", c[i].want != NULL ? c[i].want : "(refused)");
		free(got);
	}
}

/* RFC 3986 §5.4.1 and §5.4.2, base http://a/b/c/d;p?q (fragments dropped: never sent). */
static void
rfc3986_examples_resolve_as_the_rfc_says(void **st)
{
	static const char *const base = "http://a/b/c/d;p?q";
	static const struct join_case c[] = {
		{ base, "g", "http://a/b/c/g" },
		{ base, "./g", "http://a/b/c/g" },
		{ base, "g/", "http://a/b/c/g/" },
		{ base, "/g", "http://a/g" },
		{ base, "//g", "http://g" },
		{ base, "?y", "http://a/b/c/d;p?y" },
		{ base, "g?y", "http://a/b/c/g?y" },
		{ base, "#s", "http://a/b/c/d;p?q" },
		{ base, "g#s", "http://a/b/c/g" },
		{ base, ";x", "http://a/b/c/;x" },
		{ base, ".", "http://a/b/c/" },
		{ base, "./", "http://a/b/c/" },
		{ base, "..", "http://a/b/" },
		{ base, "../", "http://a/b/" },
		{ base, "../g", "http://a/b/g" },
		{ base, "../..", "http://a/" },
		{ base, "../../g", "http://a/g" },
		{ base, "../../../g", "http://a/g" },
		{ base, "/./g", "http://a/g" },
		{ base, "/../g", "http://a/g" },
		{ base, "g.", "http://a/b/c/g." },
		{ base, "..g", "http://a/b/c/..g" },
		{ base, "./../g", "http://a/b/g" },
		{ base, "g/./h", "http://a/b/c/g/h" },
		{ base, "g/../h", "http://a/b/c/h" },
		{ base, "g;x=1/../y", "http://a/b/c/y" },
	};

	(void)st;
	run_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
absolute_and_hostile_locations(void **st)
{
	static const struct join_case c[] = {
		{ "https://idp.example:8443/a/b", "https://other.example/x?y#z",
		    "https://other.example/x?y" },
		{ "https://idp.example/a", "HTTP://Other.example/", "HTTP://Other.example/" },
		{ "https://idp.example:8443/a/b", "/c d", "https://idp.example:8443/c%20d" },
		{ "https://idp.example", "x", "https://idp.example/x" },
		{ "https://idp.example", "?q", "https://idp.example/?q" },
		{ "https://[::1]:8443/a/b", "c", "https://[::1]:8443/a/c" },
		{ "https://idp.example/a", "//cdn.example:444/p", "https://cdn.example:444/p" },
		{ "https://idp.example/a", "ftp://idp.example/x", NULL },
		{ "https://idp.example/a", "file:///etc/passwd", NULL },
		{ "https://idp.example/a", "javascript:alert(1)", NULL },
		{ "https://idp.example/a", "https:no-slashes", NULL },
		{ "https://idp.example/a", "/x\r\nSet-Cookie: a=b", NULL },
		{ "https://idp.example/a", "/x\ty", NULL },
	};

	(void)st;
	run_cases(c, sizeof(c) / sizeof(c[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3986_examples_resolve_as_the_rfc_says),
		cmocka_unit_test(absolute_and_hostile_locations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
