/* Pure parts of the site: escaping, UTF-8 repair, CSV quoting, .po parsing, local formats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/tz.h"
#include "core/util.h"
#include "report/csv.h"
#include "report/html.h"
#include "report/i18n.h"
#include "report/json.h"
#include "report/svg.h"

#define HOSTILE	"<script>alert(\"x\")</script> ' & ]]> \xE2\x80\xA8 \xFF\xC0\xAF end"

static char *
text_of(void (*fn)(struct buf *, const char *), const char *s)
{
	struct buf b = { 0 };

	buf_append(&b, "", 0);
	fn(&b, s);
	return (char *)b.data;
}

static void
html_text_escapes_markup_and_quotes(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "<b>", "&lt;b&gt;" },
		{ "a & b", "a &amp; b" },
		{ "\"'", "&quot;&#39;" },
		{ "]]>", "]]&gt;" },
		{ "x\xE2\x80\xA8y\xE2\x80\xA9z", "x&#x2028;y&#x2029;z" },
		{ "caf\xC3\xA9", "caf\xC3\xA9" },
		{ "\xFF", "\xEF\xBF\xBD" },
		{ "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD" },		/* overlong '/' */
		{ "\xED\xA0\x80", "\xEF\xBF\xBD" },			/* surrogate */
		{ "a\x01" "b", "a\xEF\xBF\xBD" "b" },
		{ "tab\tnl\n", "tab\tnl\n" },
		{ "\xE2\x82", "\xEF\xBF\xBD" },			/* truncated sequence */
		{ NULL, "" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *t = text_of(html_text, cases[i].in), *a = text_of(html_attr, cases[i].in);

		assert_string_equal(t, cases[i].out);
		assert_string_equal(a, cases[i].out);
		free(t);
		free(a);
	}
}

static void
hostile_text_is_inert_in_html_and_valid_utf8(void **state)
{
	char *t = text_of(html_text, HOSTILE);

	(void)state;
	assert_null(strchr(t, '<'));
	assert_null(strchr(t, '>'));
	assert_null(strchr(t, '"'));
	assert_null(strchr(t, '\''));
	assert_null(strstr(t, "\xE2\x80\xA8"));
	assert_true(html_utf8_is_clean(t));
	free(t);
}

static void
json_in_html_cannot_close_a_script(void **state)
{
	char *j = text_of(html_json_string, HOSTILE);
	json_t *back;

	(void)state;
	assert_null(strstr(j, "</"));
	assert_null(strchr(j, '<'));
	assert_null(strstr(j, "\xE2\x80\xA8"));
	back = json_loads(j, JSON_DECODE_ANY, NULL);
	assert_non_null(back);
	assert_non_null(strstr(json_string_value(back), "<script>alert(\"x\")</script>"));
	json_decref(back);
	free(j);
}

static void
json_rows_repair_invalid_utf8_and_escape_slashes(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *back;

	(void)state;
	{
		json_t *o = json_object();

		json_object_set_new(o, "m", report_json_str(HOSTILE));
		assert_int_equal(report_json_line(f, o), 0);
	}
	fclose(f);
	assert_null(strstr(text, "</"));
	back = json_loads(text, 0, NULL);
	assert_non_null(back);
	assert_true(html_utf8_is_clean(json_string_value(json_object_get(back, "m"))));
	assert_non_null(strstr(json_string_value(json_object_get(back, "m")), "</script>"));
	json_decref(back);
	free(text);
}

/* A random JSON value, nested up to depth, from the generator state *seed. */
static json_t *
random_json(unsigned *seed, int depth)
{
	static const char *const strs[] = {
		"", "plain", "q\"b\\s/l", "ctl \x01\x1f\x7f", "\b\f\n\r\t</script>",
		"\xc3\xa9t\xc3\xa9 \xe2\x80\xa8 \xe2\x80\xa9 \xef\xbf\xbd", "\xf0\x9f\x94\x92 \xf4\x8f\xbf\xbf",
	};
	static const double reals[] = {
		0.0, -0.0, 0.1, 1.0, 16.5, 123456789.0, 1234567890123.0, 1e-7, 2.5e-300, 1e300,
		-3.75, 99.999, 0.30000000000000004, 1e10, 1e21,
	};
	json_t *o;
	unsigned k;

	*seed = *seed * 1103515245u + 12345u;
	k = (*seed >> 8) % (depth > 0 ? 9 : 7);
	switch (k) {
	case 0: return json_string(strs[(*seed >> 12) % NELEM(strs)]);
	case 1: return json_integer((json_int_t)(*seed >> 3) - (1 << 28));
	case 2: return json_real(reals[(*seed >> 12) % NELEM(reals)] *
	    ((*seed >> 20) % 3 == 0 ? (double)((*seed >> 22) % 1000) / 7.0 : 1.0));
	case 3: return json_true();
	case 4: return json_false();
	case 5: return json_null();
	case 6: return json_stringn("nul\0inside", 11);
	case 7:
		o = json_array();
		for (unsigned i = 0, n = (*seed >> 14) % 4; i < n; i++)
			json_array_append_new(o, random_json(seed, depth - 1));
		return o;
	default:
		o = json_object();
		for (unsigned i = 0, n = (*seed >> 14) % 5; i < n; i++) {
			char key[16];

			snprintf(key, sizeof(key), "%s%u", i % 2 ? "k/" : "\xc3\xa9", (*seed >> 4) % 7);
			json_object_set_new(o, key, random_json(seed, depth - 1));
		}
		return o;
	}
}

/* report_json_dump writes what jansson writes with the same flags, byte for byte. */
static void
json_dump_is_jansson_byte_for_byte(void **state)
{
	unsigned seed = 2026;
	char *want, *got;
	json_t *o;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		o = json_object();
		for (int i = 0; i < 4; i++) {
			char key[8];

			snprintf(key, sizeof(key), "f%d", i);
			json_object_set_new(o, key, random_json(&seed, 3));
		}
		want = json_dumps(o, JSON_COMPACT | REPORT_JSON_DUMP_FLAGS);
		got = report_json_dump(o);
		assert_non_null(want);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(want);
		free(got);
		json_decref(o);
	}
}

static void
tpl_escapes_the_template_but_not_the_fragments(void **state)
{
	struct buf b = { 0 };
	const char *args[] = { "<a href=\"x\">X</a>", "2" };

	(void)state;
	html_tpl(&b, "{1} & {2} {3} {x", args, 2);
	assert_string_equal((char *)b.data, "<a href=\"x\">X</a> &amp; 2 {3} {x");
	buf_free(&b);
}

static char *
csv_of(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	csv_field(f, "a", true);
	csv_field(f, s, false);
	csv_end(f);
	fclose(f);
	return text;
}

static void
csv_quotes_per_rfc4180(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "a,plain\r\n" },
		{ "x,y", "a,\"x,y\"\r\n" },
		{ "say \"hi\"", "a,\"say \"\"hi\"\"\"\r\n" },
		{ "two\nlines", "a,\"two\nlines\"\r\n" },
		{ "cr\r", "a,\"cr\r\"\r\n" },
		{ "", "a,\r\n" },
		{ NULL, "a,\r\n" },
		{ "bad\xFF", "a,bad\xEF\xBF\xBD\r\n" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *t = csv_of(cases[i].in);

		assert_string_equal(t, cases[i].out);
		free(t);
	}
}

static void
svg_titles_are_escaped(void **state)
{
	struct svg_day d[2] = { { .pct = 100, .title = "<script>" }, { .pct = -1, .title = "]]>" } };
	struct buf b = { 0 };

	(void)state;
	svg_uptime_bars(&b, d, 2, "\"label\"", NULL);
	assert_null(strstr((char *)b.data, "<script>"));
	assert_non_null(strstr((char *)b.data, "<title>&lt;script&gt;</title>"));
	assert_non_null(strstr((char *)b.data, "]]&gt;"));
	assert_non_null(strstr((char *)b.data, "aria-label=\"&quot;label&quot;\""));
	buf_free(&b);
}

static const char po[] =
	"# comment\n"
	"msgid \"\"\n"
	"msgstr \"\"\n"
	"\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
	"\n"
	"msgid \"Status\"\n"
	"msgstr \"\xC3\x89tat\"\n"
	"\n"
	"#, fuzzy\n"
	"msgid \"Down\"\n"
	"msgstr \"Fuzzy\"\n"
	"\n"
	"msgid \"Two \"\n"
	"\"lines \\\"q\\\"\"\n"
	"msgstr \"\"\n"
	"\"Deux \"\n"
	"\"lignes\\n\"\n"
	"msgid \"Untranslated\"\n"
	"msgstr \"\"\n";

static void
po_parser_reads_entries_and_skips_fuzzy_and_empty(void **state)
{
	char *err = NULL;
	struct i18n *c = i18n_parse("fr", po, strlen(po), &err);

	(void)state;
	assert_non_null(c);
	assert_string_equal(i18n_get(c, "Status"), "\xC3\x89tat");
	assert_string_equal(i18n_get(c, "Two lines \"q\""), "Deux lignes\n");
	assert_string_equal(i18n_get(c, "Down"), "Down");
	assert_string_equal(i18n_get(c, "Untranslated"), "Untranslated");
	assert_int_equal(i18n_misses(c), 2);
	assert_string_equal(i18n_first_miss(c), "Down");
	i18n_free(c);
	i18n_free(NULL);
}

/* One timeout spike does not flatten a week of 50 ms hours: the axis follows the bulk. */
static void
latency_axis_ignores_a_single_spike(void **state)
{
	struct svg_point pts[168];

	(void)state;
	for (int i = 0; i < 168; i++)
		pts[i] = (struct svg_point){ .p50 = 40, .p95 = 60 };
	assert_true(svg_latency_ymax(pts, 168) == 100);
	assert_false(svg_latency_clipped(pts, 168));
	pts[80].p95 = 10000;
	assert_true(svg_latency_ymax(pts, 168) == 100);
	assert_true(svg_latency_clipped(pts, 168));
	/* A slow week is a slow week: no clipping when the bulk is high too. */
	for (int i = 0; i < 168; i++)
		pts[i].p95 = 3000 + i;
	assert_true(svg_latency_ymax(pts, 168) == 5000);
	assert_false(svg_latency_clipped(pts, 168));
}

static void
po_plural_entries_follow_each_languages_rule(void **state)
{
	static const char po_pl[] =
		"msgid \"{1} day left\"\n"
		"msgid_plural \"{1} days left\"\n"
		"msgstr[0] \"{1} jour restant\"\n"
		"msgstr[1] \"{1} jours restants\"\n";
	char *err = NULL;
	struct i18n *fr = i18n_parse("fr", po_pl, strlen(po_pl), &err);
	struct i18n *de = i18n_parse("de", po_pl, strlen(po_pl), &err);
	struct i18n *en = i18n_load("en", &err);

	(void)state;
	assert_non_null(fr);
	assert_non_null(de);
	assert_string_equal(i18n_nget(fr, "{1} day left", "{1} days left", 0), "{1} jour restant");
	assert_string_equal(i18n_nget(fr, "{1} day left", "{1} days left", 1), "{1} jour restant");
	assert_string_equal(i18n_nget(fr, "{1} day left", "{1} days left", 2), "{1} jours restants");
	assert_string_equal(i18n_nget(de, "{1} day left", "{1} days left", 0), "{1} jours restants");
	assert_string_equal(i18n_nget(en, "{1} day left", "{1} days left", 1), "{1} day left");
	assert_string_equal(i18n_nget(en, "{1} day left", "{1} days left", 3), "{1} days left");
	assert_int_equal(i18n_misses(fr), 0);
	assert_string_equal(i18n_nget(fr, "{1} hour", "{1} hours", 5), "{1} hours");
	assert_int_equal(i18n_misses(fr), 1);
	i18n_free(fr);
	i18n_free(de);
	i18n_free(en);
}

static void
po_parser_refuses_what_it_does_not_understand(void **state)
{
	static const char *const bad[] = {
		"msgctxt \"x\"\nmsgid \"a\"\nmsgstr \"b\"\n",
		"msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"b\"\n",
		"msgid \"a\"\nmsgid_plural \"as\"\nmsgstr \"b\"\n",
		"msgid \"a\"\nmsgstr[0] \"b\"\nmsgstr[1] \"c\"\n",
		"msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"b\"\nmsgstr[1] \"c\"\nmsgstr[2] \"d\"\n",
		"msgid \"a\\q\"\nmsgstr \"b\"\n",
		"msgid \"a\nmsgstr \"b\"\n",
		"msgstr \"b\"\n",
		"msgid \"a\"\nmsgstr \"b\"\nmsgid \"a\"\nmsgstr \"c\"\n",
		"msgid \"a\"\n",
	};

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		char *err = NULL;
		struct i18n *c = i18n_parse("fr", bad[i], strlen(bad[i]), &err);

		assert_null(c);
		assert_non_null(err);
		free(err);
	}
}

static void
shipped_catalogs_load_and_translate(void **state)
{
	static const char *const langs[] = { "fr", "de" };

	(void)state;
	for (size_t i = 0; i < NELEM(langs); i++) {
		char *err = NULL;
		struct i18n *c = i18n_load(langs[i], &err);

		if (c == NULL)
			fail_msg("%s", err);
		assert_string_not_equal(i18n_get(c, "All systems operational"), "All systems operational");
		assert_int_equal(i18n_misses(c), 0);
		i18n_free(c);
	}
}

static struct i18n *
lang(const char *code)
{
	char *err = NULL;
	struct i18n *c = i18n_load(code, &err);

	if (c == NULL)
		fail_msg("%s", err);
	return c;
}

static void
dates_numbers_and_durations_follow_each_language(void **state)
{
	struct i18n *en = lang("en"), *fr = lang("fr"), *de = lang("de");
	char *err = NULL;
	struct tz *tz = tz_load("Europe/Luxembourg", &err);
	int64_t t;
	char s[64];

	(void)state;
	assert_non_null(tz);
	assert_int_equal(rfc3339_parse("2026-12-17T07:00:00Z", &t), 0);	/* 08:00 CET */
	i18n_datetime(en, tz, t, s, sizeof(s));
	assert_string_equal(s, "2026-12-17 08:00");
	i18n_datetime(fr, tz, t, s, sizeof(s));
	assert_string_equal(s, "17/12/2026 08:00");
	i18n_datetime(de, tz, t, s, sizeof(s));
	assert_string_equal(s, "17.12.2026 08:00");
	assert_int_equal(rfc3339_parse("2026-07-01T06:30:00Z", &t), 0);	/* 08:30 CEST */
	i18n_datetime(de, tz, t, s, sizeof(s));
	assert_string_equal(s, "01.07.2026 08:30");
	i18n_datetime_zone(en, tz, t + 5000, s, sizeof(s));
	assert_string_equal(s, "2026-07-01 08:30:05 CEST");
	i18n_datetime_zone(en, NULL, t, s, sizeof(s));
	assert_string_equal(s, "2026-07-01 06:30:00 UTC");
	i18n_day(fr, "2026-03-05", s, sizeof(s));
	assert_string_equal(s, "05/03/2026");
	i18n_number(en, 12.345, 1, s, sizeof(s));
	assert_string_equal(s, "12.3");
	i18n_number(fr, 12.345, 1, s, sizeof(s));
	assert_string_equal(s, "12,3");
	i18n_percent(en, 99.999, s, sizeof(s));
	assert_string_equal(s, "99.99%");
	i18n_percent(en, 100, s, sizeof(s));
	assert_string_equal(s, "100%");
	i18n_percent(fr, 99.5, s, sizeof(s));
	assert_string_equal(s, "99,50\xE2\x80\xAF%");
	i18n_percent(de, 50, s, sizeof(s));
	assert_string_equal(s, "50,00\xC2\xA0%");
	i18n_percent(de, -1, s, sizeof(s));
	assert_string_equal(s, "\xE2\x80\x93");
	i18n_month(fr, 2026, 12, s, sizeof(s));
	assert_string_equal(s, "d\xC3\xA9" "cembre 2026");
	i18n_month(de, 2026, 3, s, sizeof(s));
	assert_string_equal(s, "M\xC3\xA4rz 2026");
	i18n_duration(en, (26 * 3600 + 5) * 1000LL, s, sizeof(s));
	assert_string_equal(s, "1\xC2\xA0" "d 2\xC2\xA0h");
	i18n_duration(fr, 3 * 60000 + 4000, s, sizeof(s));
	assert_string_equal(s, "3\xC2\xA0min 4\xC2\xA0s");
	tz_free(tz);
	i18n_free(en);
	i18n_free(fr);
	i18n_free(de);
}

static void
subst_replaces_numbered_placeholders(void **state)
{
	char out[64];
	const char *args[] = { "A", "B" };

	(void)state;
	assert_string_equal(i18n_subst("{2} then {1} {3}", args, 2, out, sizeof(out)), "B then A {3}");
	assert_string_equal(i18n_subst("{1}{1}{1}", args, 1, out, 3), "AA");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(html_text_escapes_markup_and_quotes),
		cmocka_unit_test(hostile_text_is_inert_in_html_and_valid_utf8),
		cmocka_unit_test(json_in_html_cannot_close_a_script),
		cmocka_unit_test(json_rows_repair_invalid_utf8_and_escape_slashes),
		cmocka_unit_test(tpl_escapes_the_template_but_not_the_fragments),
		cmocka_unit_test(csv_quotes_per_rfc4180),
		cmocka_unit_test(svg_titles_are_escaped),
		cmocka_unit_test(po_parser_reads_entries_and_skips_fuzzy_and_empty),
		cmocka_unit_test(latency_axis_ignores_a_single_spike),
		cmocka_unit_test(po_plural_entries_follow_each_languages_rule),
		cmocka_unit_test(po_parser_refuses_what_it_does_not_understand),
		cmocka_unit_test(shipped_catalogs_load_and_translate),
		cmocka_unit_test(dates_numbers_and_durations_follow_each_language),
		cmocka_unit_test(subst_replaces_numbered_placeholders),
		cmocka_unit_test(json_dump_is_jansson_byte_for_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
