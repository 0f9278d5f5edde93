/* core/storeurl.c: PostgreSQL URIs are told from SQLite paths; no password survives redaction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/storeurl.h"
#include "core/util.h"

static void
uris_are_told_from_paths(void **state)
{
	(void)state;
	assert_true(store_url_is("postgresql://tw@db.example.lu/trustwatch"));
	assert_true(store_url_is("postgres://db/tw"));
	assert_true(store_url_is("postgresql:///tw?host=/run/postgresql"));
	assert_false(store_url_is("/var/lib/trustwatch/trustwatch.db"));
	assert_false(store_url_is("trustwatch.db"));
	assert_false(store_url_is(":memory:"));
	assert_false(store_url_is("postgresql:/x"));
	assert_false(store_url_is("mysql://db/tw"));
	assert_false(store_url_is(NULL));
}

/* What store_url_redacted makes of each input. */
static const struct redact {
	const char	*in;
	const char	*out;
} redact[] = {
	/* Nothing to hide: unchanged. */
	{ "", "" },
	{ "/var/lib/trustwatch/trustwatch.db", "/var/lib/trustwatch/trustwatch.db" },
	{ "postgresql://tw@db.example.lu/trustwatch", "postgresql://tw@db.example.lu/trustwatch" },
	{ "postgresql://db:5433/tw", "postgresql://db:5433/tw" },
	{ "postgresql://[::1]:5433/tw", "postgresql://[::1]:5433/tw" },
	{ "postgresql://", "postgresql://" },
	{ "user:pw@host is not a URI", "user:pw@host is not a URI" },
	/* A password in the user info. */
	{ "postgresql://tw:s3cret@db.example.lu/trustwatch",
	  "postgresql://tw:***@db.example.lu/trustwatch" },
	{ "postgres://tw:s3cret@db", "postgres://tw:***@db" },
	{ "POSTGRESQL://tw:s3cret@db/x", "POSTGRESQL://tw:***@db/x" },
	{ "postgresql://:s3cret@db/x", "postgresql://:***@db/x" },
	{ "postgresql://tw:s3c@ret@db/x", "postgresql://tw:***@db/x" },
	{ "postgresql://tw:s3cret@h1:5432,h2:5433/x", "postgresql://tw:***@h1:5432,h2:5433/x" },
	{ "postgresql://tw:%73ecret@db", "postgresql://tw:***@db" },
	/* A password parameter, in a query or a key=value string. */
	{ "postgresql://db/x?password=s3cret", "postgresql://db/x?password=***" },
	{ "postgresql://db/x?sslmode=require&password=s3cret&connect_timeout=5",
	  "postgresql://db/x?sslmode=require&password=***&connect_timeout=5" },
	{ "postgresql://tw:a@db/x?PassWord=b", "postgresql://tw:***@db/x?PassWord=***" },
	{ "host=db password=s3cret dbname=tw", "host=db password=*** dbname=tw" },
	{ "host=db password='s3 \\' cret' dbname=tw", "host=db password=*** dbname=tw" },
	{ "host=db old_password=x", "host=db old_password=x" },
	/* Inside a message, every URI is redacted; the text around is kept. */
	{ "postgresql://a:one@h/x: connection refused; also postgres://b:two@h2/y.",
	  "postgresql://a:***@h/x: connection refused; also postgres://b:***@h2/y." },
	{ "store='postgresql://a:one@h/x' error=\"boom\"", "store='postgresql://a:***@h/x' error=\"boom\"" },
};

static void
passwords_are_redacted_everything_else_kept(void **state)
{
	(void)state;
	assert_null(store_url_redacted(NULL));
	for (size_t i = 0; i < NELEM(redact); i++) {
		char *got = store_url_redacted(redact[i].in);

		if (strcmp(got, redact[i].out) != 0)
			fail_msg("store_url_redacted(\"%s\") = \"%s\", want \"%s\"", redact[i].in,
			    got, redact[i].out);
		assert_null(strstr(got, "s3"));
		assert_null(strstr(got, "one@"));
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uris_are_told_from_paths),
		cmocka_unit_test(passwords_are_redacted_everything_else_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
