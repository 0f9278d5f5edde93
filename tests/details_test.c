/*
 * Detail fields: the table in core/details.c is the one definition of each key, its setters
 * and getters keep to its types, and no other module or document disagrees with it.
 * Run from the source tree (tests/run.sh does), or with TW_ROOT set to it.
 * `details_test --readme` prints the README rows the table implies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/details.h"
#include "core/util.h"

static void
every_field_has_a_unique_key_a_type_kinds_and_a_meaning(void **state)
{
	(void)state;
	for (int i = 0; i < DETAIL__MAX; i++) {
		const struct detail_field *f = &detail_fields[i];

		assert_non_null(f->key);
		assert_non_null(f->meaning);
		assert_true(f->meaning[0] != '\0' && strchr(f->meaning, '|') == NULL);
		assert_true(f->type < DETAIL_TYPE__MAX);
		assert_true(f->kinds != 0 && f->kinds < (1u << KIND__MAX));
		for (int j = 0; j < i; j++)
			if (strcmp(detail_fields[j].key, f->key) == 0)
				fail_msg("detail key \"%s\" appears twice", f->key);
	}
}

/* Returns d as compact JSON with sorted keys; caller frees. */
static char *
dump(const json_t *d)
{
	char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(s);
	return s;
}

static void
setters_write_the_json_the_probes_always_wrote(void **state)
{
	json_t *d = json_object();
	char *s;

	(void)state;
	assert_int_equal(detail_set_str(d, DETAIL_NUMBER, "4711"), 0);
	assert_int_equal(detail_set_int(d, DETAIL_TLS_DAYS_LEFT, -3), 0);
	assert_int_equal(detail_set_bool(d, DETAIL_QUALIFIED, true), 0);
	assert_int_equal(detail_set_time(d, DETAIL_NEXT_UPDATE, 1797494400123LL), 0);
	assert_int_equal(detail_set_time_ms(d, DETAIL_GEN_TIME, 1797494400123LL), 0);
	assert_int_equal(detail_set_strn(d, DETAIL_SIGNER, "CN=TSA,O=X", 6), 0);
	assert_int_equal(detail_set_str(d, DETAIL_RESPONSE_STATUS, "tryLater"), 0);
	s = dump(d);
	assert_string_equal(s, "{\"gen_time\":\"2026-12-17T08:00:00.123Z\","
	    "\"next_update\":\"2026-12-17T08:00:00Z\",\"number\":\"4711\",\"qualified\":true,"
	    "\"response_status\":\"tryLater\",\"signer\":\"CN=TSA\",\"tls_days_left\":-3}");
	free(s);
	/* A response status without a name is recorded as its number. */
	assert_int_equal(detail_set_int(d, DETAIL_RESPONSE_STATUS, 4), 0);
	assert_int_equal(json_integer_value(json_object_get(d, "response_status")), 4);
	json_decref(d);
}

static void
setters_refuse_a_field_of_another_type(void **state)
{
	json_t *d = json_object(), *a = json_array();

	(void)state;
	assert_int_equal(detail_set_int(d, DETAIL_NUMBER, 5), -1);
	assert_int_equal(detail_set_str(d, DETAIL_TLS_DAYS_LEFT, "12"), -1);
	assert_int_equal(detail_set_bool(d, DETAIL_CERT_STATUS, true), -1);
	assert_int_equal(detail_set_str(d, DETAIL_NEXT_UPDATE, "2026-12-17T08:00:00Z"), -1);
	assert_int_equal(detail_set_time(d, DETAIL_ENTRIES, 0), -1);
	assert_int_equal(detail_set_time_ms(d, DETAIL_SIGNER, 0), -1);
	assert_int_equal(detail_set_strn(d, DETAIL_QUALIFIED, "true", 4), -1);
	assert_int_equal(detail_set_bool(d, DETAIL_RESPONSE_STATUS, false), -1);
	assert_int_equal(detail_set_time(d, DETAIL_RESPONSE_STATUS, 0), -1);
	/* Nor a value that cannot be stored, a field that does not exist, or a non-object. */
	assert_int_equal(detail_set_str(d, DETAIL_SIGNER, NULL), -1);
	assert_int_equal(detail_set_str(d, DETAIL_SIGNER, "\xff\xfe"), -1);
	assert_int_equal(detail_set_int(d, DETAIL__MAX, 1), -1);
	assert_int_equal(detail_set_int(d, (enum detail)-1, 1), -1);
	assert_int_equal(detail_set_int(NULL, DETAIL_SIZE, 1), -1);
	assert_int_equal(detail_set_int(a, DETAIL_SIZE, 1), -1);
	assert_int_equal(json_object_size(d), 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	json_decref(d);
}

static void
getters_read_a_value_of_the_wrong_type_as_absent(void **state)
{
	json_error_t err;
	json_t *d = json_loads("{\"number\":5,\"tls_days_left\":\"12\",\"next_update\":\"soon\","
	    "\"signer_not_after\":17,\"qualified\":1,\"entries\":2.5,\"response_status\":true,"
	    "\"this_update\":\"2026-12-17T08:00:00Z\",\"size\":1024,\"cert_status\":\"good\"}",
	    0, &err);
	int64_t v = 99;
	bool b = false;

	(void)state;
	assert_non_null(d);
	assert_null(detail_get_str(d, DETAIL_NUMBER));
	assert_int_equal(detail_get_int(d, DETAIL_TLS_DAYS_LEFT, &v), -1);
	assert_int_equal(detail_get_time(d, DETAIL_NEXT_UPDATE, &v), -1);
	assert_int_equal(detail_get_time(d, DETAIL_SIGNER_NOT_AFTER, &v), -1);
	assert_int_equal(detail_get_bool(d, DETAIL_QUALIFIED, &b), -1);
	assert_int_equal(detail_get_int(d, DETAIL_ENTRIES, &v), -1);
	assert_null(detail_get_str(d, DETAIL_RESPONSE_STATUS));
	assert_int_equal(detail_get_int(d, DETAIL_RESPONSE_STATUS, &v), -1);
	/* A getter of another type than the field's reads nothing either. */
	assert_int_equal(detail_get_int(d, DETAIL_THIS_UPDATE, &v), -1);
	assert_null(detail_get_str(d, DETAIL_THIS_UPDATE));
	assert_null(detail_get_str(d, DETAIL_SIZE));
	assert_int_equal(detail_get_int(d, DETAIL_CERT_STATUS, &v), -1);
	/* Missing fields, a NULL object and an unknown field are absent. */
	assert_null(detail_get_str(d, DETAIL_SIGNER));
	assert_int_equal(detail_get_int(NULL, DETAIL_SIZE, &v), -1);
	assert_int_equal(detail_get_int(d, DETAIL__MAX, &v), -1);
	assert_int_equal(v, 99);
	assert_false(b);
	/* The well-typed ones read. */
	assert_int_equal(detail_get_time(d, DETAIL_THIS_UPDATE, &v), 0);
	assert_int_equal(v, 1797494400000LL);
	assert_int_equal(detail_get_int(d, DETAIL_SIZE, &v), 0);
	assert_int_equal(v, 1024);
	assert_string_equal(detail_get_str(d, DETAIL_CERT_STATUS), "good");
	json_decref(d);
}

/*
 * String literals that spell a detail key but are something else, each with its file.
 * Everything else that spells one, outside core/details.c, is a key scattered again.
 */
static const struct {
	const char *file, *literal, *what;
} not_details[] = {
	{ "core/config.c", "\"number\"", "the YAML value a count must be" },
	{ "core/config_endpoint.c", "\"method\"", "the ocsp config key" },
	{ "core/config_endpoint.c", "\"nonce\"", "the ocsp config key" },
	{ "core/config_endpoint.c", "\"policy\"", "the tsa config key" },
	{ "core/config_endpoint.c", "\"addresses\"", "the endpoint config key (SPEC §14)" },
	{ "core/result.c", "\"http_status\"", "the reason name" },
	{ "probe/oidc.c", "\"keys\"", "the JWK Set member" },
	{ "report/json.c", "\"qualified\"", "the status document's key (SPEC §13)" },
	{ "probe/oidc.h", "\"keys\"", "the JWK Set member, in a comment" },
};

static bool
allowed(const char *file, const char *literal)
{
	for (size_t i = 0; i < sizeof(not_details) / sizeof(not_details[0]); i++)
		if (strcmp(not_details[i].file, file) == 0 &&
		    strcmp(not_details[i].literal, literal) == 0)
			return true;
	return false;
}

/* Returns the contents of path (NUL-terminated); caller frees. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s (run from the source tree or set TW_ROOT)", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_append(&b, "", 0);
	return (char *)b.data;
}

/* Counts the detail key literals in rel (a path under root) that are not allowed. */
static int
scan_file(const char *root, const char *rel)
{
	char *path = xasprintf("%s/%s", root, rel), *text = slurp(path);
	char lit[80];
	int bad = 0;

	for (int i = 0; i < DETAIL__MAX; i++) {
		snprintf(lit, sizeof(lit), "\"%s\"", detail_fields[i].key);
		if (strstr(text, lit) != NULL && !allowed(rel, lit)) {
			print_error("%s spells the detail key %s: use DETAIL_* from core/details.h\n",
			    rel, lit);
			bad++;
		}
	}
	free(text);
	free(path);
	return bad;
}

static void
no_module_spells_a_detail_key(void **state)
{
	static const char *const dirs[] = { "core", "probe", "store", "daemon", "report",
	    "alert", "web" };
	const char *root = getenv("TW_ROOT") != NULL ? getenv("TW_ROOT") : ".";
	int bad = 0, files = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *dir = xasprintf("%s/%s", root, dirs[i]);
		DIR *dp = opendir(dir);
		struct dirent *de;

		assert_non_null(dp);
		while ((de = readdir(dp)) != NULL) {
			size_t n = strlen(de->d_name);
			char *rel;

			if (n < 3 || de->d_name[n - 2] != '.' ||
			    (de->d_name[n - 1] != 'c' && de->d_name[n - 1] != 'h'))
				continue;
			rel = xasprintf("%s/%s", dirs[i], de->d_name);
			if (strcmp(rel, "core/details.c") != 0) {
				bad += scan_file(root, rel);
				files++;
			}
			free(rel);
		}
		closedir(dp);
		free(dir);
	}
	bad += scan_file(root, "main.c");
	assert_true(files > 50);
	assert_int_equal(bad, 0);
}

/* Writes field f's README row: | `key` | type | kinds | meaning | */
static void
readme_row(enum detail f, char *out, size_t outsz)
{
	const struct detail_field *d = &detail_fields[f];
	char kinds[64] = "";

	if (d->kinds == (1u << KIND__MAX) - 1)
		snprintf(kinds, sizeof(kinds), "all");
	else
		for (int k = 0; k < KIND__MAX; k++)
			if (d->kinds & (1u << k))
				snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds),
				    "%s%s", kinds[0] ? ", " : "", kind_names[k]);
	snprintf(out, outsz, "| `%s` | %s | %s | %s |", d->key, detail_type_names[d->type],
	    kinds, d->meaning);
}

static void
readme_lists_every_field_as_the_table_defines_it(void **state)
{
	const char *root = getenv("TW_ROOT") != NULL ? getenv("TW_ROOT") : ".";
	char *path = xasprintf("%s/README.md", root), *text = slurp(path);
	char row[512];
	int bad = 0;

	(void)state;
	for (int i = 0; i < DETAIL__MAX; i++) {
		readme_row((enum detail)i, row, sizeof(row));
		if (strstr(text, row) == NULL) {
			print_error("README.md lacks the row (details_test --readme prints them):\n"
			    "%s\n", row);
			bad++;
		}
	}
	free(text);
	free(path);
	assert_int_equal(bad, 0);
}

/* details_dump writes exactly what json_dumps(COMPACT | SORT_KEYS) writes. */
static void
details_dump_is_jansson_byte_for_byte(void **state)
{
	static const char *const strs[] = {
		"", "plain", "quote \" and back\\slash", "ctl \x01\x02\x1f\x7f end",
		"\b\f\n\r\t", "slash / and <tag>", "utf-8 \xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x94\x92",
		"C = LU, O = LuxTrust S.A., CN = LuxTrust Global Qualified CA 3",
	};
	static const char *const keys[] = {
		"b", "a", "zeta", "a_b", "a-b", "A", "aa", "\xc3\xa9", "key \"q\"", "k\n",
	};
	unsigned seed = 12345;
	char *want, *got;
	json_t *d;

	(void)state;
	for (int round = 0; round < 500; round++) {
		d = json_object();
		for (int i = 0, n = (int)(seed % 9); i < n; i++) {
			json_t *v;

			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 8) % 6) {
			case 0: v = json_string(strs[(seed >> 12) % NELEM(strs)]); break;
			case 1: v = json_integer((json_int_t)(seed >> 4) - (1 << 27)); break;
			case 2: v = json_true(); break;
			case 3: v = json_false(); break;
			case 4: v = json_null(); break;
			default: v = json_integer(INT64_MIN + (json_int_t)round); break;
			}
			json_object_set_new(d, keys[(seed >> 16) % NELEM(keys)], v);
		}
		/* Now and then a value only jansson writes: a real, a list. */
		if (round % 50 == 7)
			json_object_set_new(d, "r", json_real(0.1 * round));
		if (round % 50 == 9)
			json_object_set_new(d, "l", json_pack("[si]", "x", 1));
		want = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
		got = details_dump(d);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(want);
		free(got);
		json_decref(d);
		seed = seed * 1103515245u + 12345u;
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_field_has_a_unique_key_a_type_kinds_and_a_meaning),
		cmocka_unit_test(details_dump_is_jansson_byte_for_byte),
		cmocka_unit_test(setters_write_the_json_the_probes_always_wrote),
		cmocka_unit_test(setters_refuse_a_field_of_another_type),
		cmocka_unit_test(getters_read_a_value_of_the_wrong_type_as_absent),
		cmocka_unit_test(no_module_spells_a_detail_key),
		cmocka_unit_test(readme_lists_every_field_as_the_table_defines_it),
	};

	if (argc == 2 && strcmp(argv[1], "--readme") == 0) {
		char row[512];

		printf("| Field | Type | Kinds | Meaning |\n|---|---|---|---|\n");
		for (int i = 0; i < DETAIL__MAX; i++) {
			readme_row((enum detail)i, row, sizeof(row));
			printf("%s\n", row);
		}
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
