/*
 * The rendered site and the exports, from a temporary store filled through
 * store_add_results: files, overall state, incident page, CSV, Atom, JSON, and hostile
 * text (script tags, quotes, "]]>", U+2028, invalid UTF-8) inert in every output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "core/config.h"
#include "core/result.h"
#include "core/tz.h"
#include "core/util.h"
#include "report/html.h"
#include "report/report.h"
#include "store/store.h"
#include "tests/support/store_where.h"

#define HOSTILE	"<script>alert(\"x\")</script> ' & ]]> \xE2\x80\xA8 \xFF\xC0 end"
#define DAY	86400000LL
#define STARTS(s, p)	assert_int_equal(strncmp((s), (p), strlen(p)), 0)
#define NOW	1797494400000LL		/* 2026-12-17T08:00:00Z */

static struct conf_dep p2_needs[1] = { { .id = "p1", .line = 1, .col = 1 } };
static struct conf_provider provs[2] = {
	{ .id = "p1", .name = "Lux<script>Trust\"'" HOSTILE },
	{ .id = "p2", .name = "Time & Co", .depends_on = p2_needs, .n_depends_on = 1 },
};
static struct conf_endpoint eps1[2] = {
	{ .id = "login", .kind = KIND_LOGIN, .url = "https://login.example/?a=<b>&c=\"d\"",
	  .interval_ms = 300000, .provider = &provs[0] },
	{ .id = "ocsp", .kind = KIND_OCSP, .url = "http://ocsp.example/", .interval_ms = 300000,
	  .provider = &provs[0] },
};
static struct conf_endpoint eps2[1] = {
	{ .id = "tsa", .kind = KIND_TSA, .url = "http://tsa.example/", .interval_ms = 300000,
	  .provider = &provs[1] },
};
static char *langs[] = { "en", "fr", "de" };
static struct conf conf = {
	.storage = { .retention_ms = 400 * DAY },
	.incidents = { .open_after = 3, .close_after = 2 },
	.report = { .title = "Status </title><script>" HOSTILE, .base_url = "https://status.example/",
	    .timezone = "Europe/Luxembourg", .languages = langs, .n_languages = 3 },
	.providers = provs,
	.n_providers = 2,
};

struct fixture {
	char		 dir[64];
	char		*site;
	struct store	*st;
};

static void
add(struct store *st, const struct conf_endpoint *ep, int64_t t, enum reason reason,
    const char *msg, double total)
{
	struct result r;
	struct store_item it = { .r = &r };

	result_init(&r, ep, t);
	if (reason != REASON_OK)
		result_flag(&r, reason, "%s", msg);
	for (int p = 0; p < PHASE__MAX; p++)
		r.timings[p] = total / (PHASE__MAX - p);
	if (ep->kind == KIND_LOGIN)
		json_object_set_new(r.details, "tls_days_left", json_integer(9));
	if (ep->kind == KIND_OCSP)
		json_object_set_new(r.details, "next_update", json_string("2026-12-20T00:00:00Z"));
	assert_int_equal(store_add_results(st, &it, 1), 0);
	result_clear(&r);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *err = NULL, *db;

	provs[0].endpoints = eps1;
	provs[0].n_endpoints = 2;
	provs[1].endpoints = eps2;
	provs[1].n_endpoints = 1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/tw-report-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	db = xasprintf("%s/t.db", f->dir);
	conf.storage.path = db;		/* the site cache goes beside it */
	f->site = xasprintf("%s/site", f->dir);
	f->st = test_store_open(db, &err);
	assert_non_null(f->st);
	store_set_timezone(f->st, conf.report.timezone);
	/* Three days of results every 5 minutes; p1/ocsp fails for 25 minutes two days ago. */
	for (int64_t t = NOW - 3 * DAY; t < NOW; t += 300000) {
		int64_t k = (t - (NOW - 2 * DAY)) / 300000;

		add(f->st, &eps1[0], t, REASON_OK, NULL, 40 + (double)(t / 300000 % 7));
		if (k >= 0 && k < 5)
			add(f->st, &eps1[1], t, REASON_SIGNATURE_INVALID, HOSTILE, 12);
		else
			add(f->st, &eps1[1], t, REASON_OK, NULL, 10);
		/* p2/tsa goes down for good 30 minutes before now. */
		if (t >= NOW - 1800000)
			add(f->st, &eps2[0], t, REASON_REJECTED, "granted? no: \"rejection\"", 30);
		else
			add(f->st, &eps2[0], t, REASON_OK, NULL, 25);
	}
	assert_int_equal(store_add_note(f->st, 1, NOW - DAY, "Root cause: HSM " HOSTILE "\nline 2"), 0);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	free(conf.storage.path);
	conf.storage.path = NULL;
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->site);
	free(f);
	return 0;
}

static char *
slurp(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	unsigned char *data = NULL;
	size_t len;

	if (file_read(path, 64u << 20, &data, &len) != 0)
		fail_msg("%s: missing", path);
	free(path);
	return (char *)data;
}

static void
render(struct fixture *f)
{
	char *err = NULL;

	setenv("TRUSTWATCH_I18N_STRICT", "1", 1);
	if (report_render(&conf, f->st, f->site, NOW, &err) != 0)
		fail_msg("render: %s", err);
}

/* The zone is a value: a render never reads nor changes the process TZ. */
static void
rendering_leaves_the_process_time_zone_alone(void **state)
{
	struct fixture *f = *state;
	char *index;

	setenv("TZ", "America/New_York", 1);
	render(f);
	assert_string_equal(getenv("TZ"), "America/New_York");
	index = slurp(f->site, "index.html");
	assert_non_null(strstr(index, "2026-12-17 09:00"));	/* NOW in Europe/Luxembourg */
	free(index);
	unsetenv("TZ");
	render(f);
	assert_null(getenv("TZ"));
}

static void
site_has_every_page_in_every_language(void **state)
{
	struct fixture *f = *state;
	static const char *const pages[] = {
		"index.html", "providers/p1.html", "providers/p2.html", "incidents.html",
		"incidents/1.html", "incidents/2.html", "sla.html", "methodology.html",
	};
	static const char *const root_only[] = {
		"assets/style.css", "feed.atom", "api/status.json", "api/incidents.json",
		"exports/daily.csv", "exports/results-2026-12.csv",
	};

	render(f);
	for (size_t i = 0; i < NELEM(pages); i++) {
		for (int l = -1; l < 3; l++) {
			char *rel = l < 0 ? xstrdup(pages[i]) : xasprintf("%s/%s", langs[l], pages[i]);
			char *html = slurp(f->site, rel);
			char *want = xasprintf("<html lang=\"%s\">", l < 0 ? "en" : langs[l]);

			assert_non_null(strstr(html, want));
			assert_non_null(strstr(html, "assets/style.css"));
			free(want);
			free(html);
			free(rel);
		}
	}
	for (size_t i = 0; i < NELEM(root_only); i++)
		free(slurp(f->site, root_only[i]));
}

static void
index_says_first_what_is_down_and_since_when(void **state)
{
	struct fixture *f = *state;
	char *en, *fr, *de, *first;

	render(f);
	en = slurp(f->site, "index.html");
	fr = slurp(f->site, "fr/index.html");
	de = slurp(f->site, "de/index.html");
	assert_non_null(strstr(en, "Some services are not working"));
	/* The overall state comes before any provider section. */
	first = strstr(en, "class=\"overall");
	assert_non_null(first);
	assert_true(first < strstr(en, "class=\"provider\""));
	assert_non_null(strstr(en, "Time &amp; Co / tsa</a> is down since <time datetime=\"2026-12-17T07:30:00Z\">2026-12-17 08:30:00 CET</time>"));
	assert_non_null(strstr(fr, "est en panne depuis le <time datetime=\"2026-12-17T07:30:00Z\">17/12/2026 08:30:00 CET</time>"));
	assert_non_null(strstr(de, "ist seit <time datetime=\"2026-12-17T07:30:00Z\">17.12.2026 08:30:00 CET</time> ausgefallen"));
	/* Status is text and symbol, not colour alone. */
	assert_non_null(strstr(en, "<span aria-hidden=\"true\">\xE2\x9C\x95</span> Down</span>"));
	assert_non_null(strstr(fr, "hreflang=\"de\""));
	free(en);
	free(fr);
	free(de);
}

/* The incident page names its endpoint, its URL and what was verified; open ones say for how long. */
static void
incident_page_links_its_endpoint_and_says_how_long_it_has_been_open(void **state)
{
	struct fixture *f = *state;
	char *html;

	render(f);
	html = slurp(f->site, "incidents/2.html");
	assert_non_null(strstr(html, "<a href=\"../providers/p2.html#ep-tsa\">Time &amp; Co / tsa</a> <code class=\"url\">http://tsa.example/</code>"));
	assert_non_null(strstr(html, "Time-stamping authority: requests a time-stamp"));
	assert_non_null(strstr(html, "ongoing, for 30\xC2\xA0min"));
	free(html);
}

static ino_t
ino_at(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	free(path);
	return sb.st_ino;
}

/* Adds results for minutes [from, to) after NOW - DAY: 3 fail, 2 pass in every 5 (an incident). */
static void
add_incidents(struct store *st, struct conf_endpoint *ep, int from, int to)
{
	struct result *r = xcalloc((size_t)(to - from), sizeof(*r));
	struct store_item *it = xcalloc((size_t)(to - from), sizeof(*it));

	for (int i = from; i < to; i++) {
		result_init(&r[i - from], ep, NOW - DAY + i * 60000LL);
		if (i % 5 < 3)
			result_flag(&r[i - from], REASON_STALE, "%s", i % 5 == 0 ? "old, first" : "old, later");
		it[i - from] = (struct store_item){ .r = &r[i - from] };
	}
	assert_int_equal(store_add_results(st, it, (size_t)(to - from)), 0);
	for (int i = 0; i < to - from; i++)
		result_clear(&r[i]);
	free(r);
	free(it);
}

/*
 * Incident list pages after the first that differ from the previous site's only by the
 * render time are that file again (hard link, with its .gz): not written or compressed
 * anew. The first page is written at every render; a page whose incidents moved is too.
 */
static void
older_incident_list_pages_are_the_previous_files_until_they_change(void **state)
{
	struct conf_provider pv = { .id = "p", .name = "P" };
	struct conf_endpoint ep = { .id = "e", .kind = KIND_CRL, .url = "http://crl.example/",
	    .interval_ms = 60000, .provider = &pv };
	struct conf one = conf;
	struct store *st;
	char *err = NULL, *db, *site, *a, *b, *at;
	char dir[] = "/tmp/tw-report-same.XXXXXX";
	ino_t p2, p3, p2gz, p1;

	(void)state;
	pv.endpoints = &ep;
	pv.n_endpoints = 1;
	one.providers = &pv;
	one.n_providers = 1;
	assert_non_null(mkdtemp(dir));
	db = xasprintf("%s/t.db", dir);
	site = xasprintf("%s/site", dir);
	one.storage.path = db;
	st = test_store_open(db, &err);
	assert_non_null(st);
	store_set_incident_policy(st, 3, 2);
	add_incidents(st, &ep, 0, 600);		/* 120 incidents: 3 list pages */
	if (report_render(&one, st, site, NOW, &err) != 0)
		fail_msg("render: %s", err);
	p1 = ino_at(site, "incidents.html");
	p2 = ino_at(site, "incidents-2.html");
	p2gz = ino_at(site, "incidents-2.html.gz");
	p3 = ino_at(site, "de/incidents-3.html");
	a = slurp(site, "incidents-2.html");
	if (report_render(&one, st, site, NOW + 3 * 3600000LL, &err) != 0)
		fail_msg("render: %s", err);
	assert_true(ino_at(site, "incidents-2.html") == p2);
	assert_true(ino_at(site, "incidents-2.html.gz") == p2gz);
	assert_true(ino_at(site, "de/incidents-3.html") == p3);
	assert_true(ino_at(site, "incidents.html") != p1);
	b = slurp(site, "incidents-2.html");
	assert_string_equal(a, b);		/* the footer of the render that wrote it */
	free(b);
	b = slurp(site, "incidents.html");
	assert_non_null(strstr(b, "12:00"));	/* page 1: this render's (08:00Z + 3 h, in Luxembourg) */
	free(b);
	/* The same page written afresh differs from it by the time alone. */
	b = xasprintf("%s/fresh", dir);
	if (report_render(&one, st, b, NOW + 3 * 3600000LL, &err) != 0)
		fail_msg("render: %s", err);
	at = slurp(b, "incidents-2.html");
	free(b);
	assert_non_null(strstr(at, "12:00"));
	assert_non_null(strstr(a, "09:00"));
	assert_memory_equal(a, at, (size_t)(strstr(a, "</main>\n<footer>") - a));
	free(at);
	/* Ten newer incidents move every older one a row down: page 2 is written anew. */
	add_incidents(st, &ep, 600, 650);
	if (report_render(&one, st, site, NOW + 4 * 3600000LL, &err) != 0)
		fail_msg("render: %s", err);
	assert_true(ino_at(site, "incidents-2.html") != p2);
	assert_true(ino_at(site, "incidents-2.html.gz") != p2gz);
	b = slurp(site, "incidents-2.html");
	assert_non_null(strstr(b, "13:00"));
	assert_string_not_equal(a, b);
	free(b);
	free(a);
	store_close(st);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(db);
	free(site);
}

/* 120 incidents: 50 per list page, newest first, linked both ways; the feed has the latest 50. */
static void
incident_list_has_50_per_page_and_the_feed_the_latest_50(void **state)
{
	struct conf_provider pv = { .id = "p", .name = "P" };
	struct conf_endpoint ep = { .id = "e", .kind = KIND_CRL, .url = "http://crl.example/",
	    .interval_ms = 60000, .provider = &pv };
	struct conf one = conf;
	enum { N = 120 };
	struct store *st;
	char *err = NULL, *db, *site, *html, *atom, *q;
	char dir[] = "/tmp/tw-report-inc.XXXXXX";
	size_t rows = 0, entries = 0;
	struct stat sb;

	(void)state;
	pv.endpoints = &ep;
	pv.n_endpoints = 1;
	one.providers = &pv;
	one.n_providers = 1;
	assert_non_null(mkdtemp(dir));
	db = xasprintf("%s/t.db", dir);
	site = xasprintf("%s/site", dir);
	one.storage.path = db;
	st = test_store_open(db, &err);
	assert_non_null(st);
	store_set_incident_policy(st, 3, 2);
	add_incidents(st, &ep, 0, N * 5);
	setenv("TRUSTWATCH_I18N_STRICT", "1", 1);
	if (report_render(&one, st, site, NOW, &err) != 0)
		fail_msg("render: %s", err);
	html = slurp(site, "incidents.html");
	for (q = html; (q = strstr(q, "<tr><td><a href=\"incidents/")) != NULL; q++)
		rows++;
	assert_int_equal(rows, 50);
	assert_non_null(strstr(html, "incidents/120.html"));
	assert_null(strstr(html, "incidents/70.html\""));
	assert_non_null(strstr(html, "<a href=\"incidents-2.html\" rel=\"next\">"));
	assert_non_null(strstr(html, "Page 1 of 3"));
	free(html);
	html = slurp(site, "fr/incidents-3.html");
	rows = 0;
	for (q = html; (q = strstr(q, "<tr><td><a href=\"incidents/")) != NULL; q++)
		rows++;
	assert_int_equal(rows, 20);
	assert_non_null(strstr(html, "incidents/1.html"));
	assert_non_null(strstr(html, "<a href=\"incidents-2.html\" rel=\"prev\">"));
	free(html);
	/* The first message is the one at the incident's start, as the timeline's first line. */
	html = slurp(site, "incidents/7.html");
	assert_non_null(strstr(html, "First message</dt><dd><q>old, first</q>"));
	free(html);
	html = xasprintf("%s/incidents-4.html", site);
	assert_int_not_equal(stat(html, &sb), 0);
	free(html);
	atom = slurp(site, "feed.atom");
	for (q = atom; (q = strstr(q, "<entry>")) != NULL; q++)
		entries++;
	assert_int_equal(entries, 50);
	assert_non_null(strstr(atom, "#120 "));
	assert_null(strstr(atom, "#70 "));
	free(atom);
	store_close(st);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(db);
	free(site);
}

/* A window longer than the observation says since when; never 90 days from 3. */
static void
windows_longer_than_the_observation_say_since_when(void **state)
{
	struct fixture *f = *state;
	char *en, *pv, *row;

	render(f);
	en = slurp(f->site, "index.html");
	row = strstr(en, "#ep-tsa\">tsa</a>");
	assert_non_null(row);
	/* 24 hours: a plain figure; 7/30/90 days: since the first result, 14 December. */
	assert_non_null(strstr(row, "</td><td>97.91%</td><td>"));
	assert_non_null(strstr(row, "% <small>since 2026-12-14</small></td><td>"));
	pv = slurp(f->site, "fr/providers/p1.html");
	assert_non_null(strstr(pv, "<small>depuis le 14/12/2026</small>"));
	free(pv);
	free(en);
}

/* sla.html says how much of each month was observed, how long it was down, how many incidents. */
static void
sla_marks_partial_months_with_observed_time_downtime_and_incidents(void **state)
{
	struct fixture *f = *state;
	char *html, *row;

	render(f);
	html = slurp(f->site, "sla.html");
	row = strstr(html, " / ocsp</th>");
	assert_non_null(row);
#define NB "\xC2\xA0"
	assert_non_null(strstr(row, "<small class=\"partial\">partial: observed 3" NB "d 0" NB "h of 16"
	    NB "d 9" NB "h<br>down 25" NB "min 0" NB "s<br>1 incident</small>"));
#undef NB
	free(html);
	html = slurp(f->site, "de/sla.html");
	assert_non_null(strstr(html, "1 St\xC3\xB6rung</small>"));
	free(html);
}

/* The API says since when each endpoint is observed, and per window how much of it was. */
static void
api_status_has_observed_since_and_honest_windows(void **state)
{
	struct fixture *f = *state;
	char *path = NULL;
	json_t *j, *ep = NULL, *w;
	size_t i;

	render(f);
	path = xasprintf("%s/api/status.json", f->site);
	j = json_load_file(path, 0, NULL);
	free(path);
	assert_non_null(j);
	json_array_foreach(json_object_get(json_array_get(json_object_get(j, "providers"), 1),
	    "endpoints"), i, w)
		if (strcmp(json_string_value(json_object_get(w, "endpoint")), "tsa") == 0)
			ep = w;
	assert_non_null(ep);
	assert_string_equal(json_string_value(json_object_get(ep, "observed_since")),
	    "2026-12-14T08:00:00.000Z");
	w = json_object_get(json_object_get(ep, "windows"), "24h");
	assert_false(json_is_true(json_object_get(w, "partial")));
	assert_int_equal(json_integer_value(json_object_get(w, "observed_s")), 86400);
	assert_true(json_real_value(json_object_get(w, "coverage_pct")) == 100);
	assert_true(json_number_value(json_object_get(w, "uptime_pct")) > 97.9);
	assert_true(json_number_value(json_object_get(w, "degraded_pct")) == 0);
	w = json_object_get(json_object_get(ep, "windows"), "90d");
	assert_true(json_is_true(json_object_get(w, "partial")));
	assert_int_equal(json_integer_value(json_object_get(w, "observed_s")), 3 * 86400);
	assert_true(json_real_value(json_object_get(w, "coverage_pct")) < 3.4);
	json_decref(j);
}

/* One row per provider first; then each provider in a <details>, open only when not up. */
static void
index_shows_every_provider_at_a_glance_and_opens_only_what_is_not_operational(void **state)
{
	struct fixture *f = *state;
	char *en, *pv, *glance, *row, *d1, *d2;

	render(f);
	en = slurp(f->site, "index.html");
	glance = strstr(en, "<table class=\"glance\">");
	assert_non_null(glance);
	assert_non_null(strstr(glance, "<th scope=\"col\">OCSP</th>"));
	row = strstr(glance, "<a href=\"#p-p2\">Time &amp; Co</a></th>");
	assert_non_null(row);
	/* p2 has a tsa endpoint only: its login/ocsp/crl cells say there is none, tsa is down. */
	assert_non_null(strstr(row, "<td><span class=\"na\">\xE2\x80\x93</span></td><td><span class=\"na\">"));
	assert_non_null(strstr(row, "\xE2\x9C\x95</span> Down</span></td><td><a href=\"incidents/"));
	d1 = strstr(en, "<details class=\"provider\" id=\"p-p1\">");
	d2 = strstr(en, "<details class=\"provider\" id=\"p-p2\" open>");
	assert_non_null(d1);
	assert_non_null(d2);
	assert_true(glance < d1 && d1 < d2);
	free(en);
	{
		struct conf_maintenance m[2] = {
			{ .provider = "p1", .start_ms = NOW - 3600000, .end_ms = NOW + 3600000,
			  .note = "HSM" },
			{ .provider = "p2", .start_ms = NOW + DAY, .end_ms = NOW + DAY + 3600000 },
		};

		conf.maintenance = m;
		conf.n_maintenance = 2;
		render(f);
		conf.maintenance = NULL;
		conf.n_maintenance = 0;
	}
	en = slurp(f->site, "index.html");
	/* Maintenance under way is marked as such; a later window is not. */
	d1 = strstr(en, "In progress:</strong> Lux&lt;script&gt;");
	assert_non_null(d1);
	assert_null(strstr(d1 + 1, "In progress:"));
	/* The API and the feed say it too. */
	pv = slurp(f->site, "api/status.json");
	assert_non_null(strstr(pv, "\"maintenance\":[{\"provider\":\"p1\""));
	assert_non_null(strstr(pv, "\"note\":\"HSM\",\"in_progress\":true}"));
	assert_non_null(strstr(pv, "\"in_progress\":false}]"));
	free(pv);
	pv = slurp(f->site, "feed.atom");
	assert_non_null(strstr(pv, "Planned maintenance: Lux&lt;script&gt;"));
	assert_non_null(strstr(pv, "(in progress)</title>"));
	assert_non_null(strstr(pv, "Planned maintenance: Time &amp; Co (announced)</title>"));
	free(pv);
	/* The 90-day bars live on the provider pages. */
	assert_null(strstr(en, "<svg class=\"bars\""));
	pv = slurp(f->site, "providers/p1.html");
	assert_non_null(strstr(pv, "<svg class=\"bars\""));
	assert_non_null(strstr(pv, "<title>2026-12-15: uptime "));
	free(pv);
	free(en);
}

/* 200 endpoints in groups: the index stays small and lists every provider in its group. */
static void
index_of_200_endpoints_in_groups_stays_under_250_kb(void **state)
{
	enum { NP = 40, NE = 5 };
	static const char *const groups[] = { "Qualified trust services", "Citizen logins", "Banks" };
	struct conf_provider *pv = xcalloc(NP, sizeof(*pv));
	struct conf big = conf;
	struct store *st;
	char *err = NULL, *db, *site, *html, *prev = NULL;
	struct stat sb;
	char dir[] = "/tmp/tw-report-big.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	db = xasprintf("%s/t.db", dir);
	site = xasprintf("%s/site", dir);
	big.storage.path = db;
	big.providers = pv;
	big.n_providers = NP;
	st = test_store_open(db, &err);
	assert_non_null(st);
	for (int i = 0; i < NP; i++) {
		pv[i].id = xasprintf("provider-%02d", i);
		pv[i].name = xasprintf("Provider number %d", i);
		pv[i].group = (char *)groups[i % 3];
		pv[i].n_endpoints = NE;
		pv[i].endpoints = xcalloc(NE, sizeof(*pv[i].endpoints));
		for (int j = 0; j < NE; j++) {
			struct conf_endpoint *ep = &pv[i].endpoints[j];

			ep->id = xasprintf("endpoint-%d", j);
			ep->kind = (enum probe_kind)(j % (KIND_TSA + 1));	/* the four kinds: 6 columns */
			ep->url = "https://example.invalid/";
			ep->interval_ms = 3600000;
			ep->provider = &pv[i];
			struct result r[48];
			struct store_item it[48];

			for (int k = 0; k < 48; k++) {
				int64_t t = NOW - 2 * DAY + k * 3600000LL;

				result_init(&r[k], ep, t);
				if (i == 7 && t > NOW - 4 * 3600000)
					result_flag(&r[k], REASON_TIMEOUT, "timed out");
				r[k].timings[PHASE_TOTAL] = 50;
				it[k] = (struct store_item){ .r = &r[k] };
			}
			assert_int_equal(store_add_results(st, it, 48), 0);
			for (int k = 0; k < 48; k++)
				result_clear(&r[k]);
		}
	}
	setenv("TRUSTWATCH_I18N_STRICT", "1", 1);
	if (report_render(&big, st, site, NOW, &err) != 0)
		fail_msg("render: %s", err);
	free(prev);
	prev = xasprintf("%s/index.html", site);
	assert_int_equal(stat(prev, &sb), 0);
	print_message("index.html of %d endpoints: %lld bytes\n", NP * NE, (long long)sb.st_size);
	assert_true(sb.st_size <= 250 * 1024);
	html = slurp(site, "index.html");
	/* Groups in config order, each provider in its group's part of the table. */
	assert_true(strstr(html, "colgroup\" colspan=\"6\">Qualified trust services<") <
	    strstr(html, "colgroup\" colspan=\"6\">Citizen logins<"));
	assert_true(strstr(html, "<a href=\"#p-provider-03\">") < strstr(html, "<a href=\"#p-provider-01\">"));
	for (int i = 0; i < NP; i++) {
		char *want = xasprintf("<a href=\"#p-%s\">", pv[i].id);

		assert_non_null(strstr(html, want));
		free(want);
	}
	assert_non_null(strstr(html, "id=\"p-provider-07\" open>"));
	assert_non_null(strstr(html, "id=\"p-provider-08\">"));
	free(html);
	free(prev);
	store_close(st);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	for (int i = 0; i < NP; i++) {
		for (int j = 0; j < NE; j++)
			free(pv[i].endpoints[j].id);
		free(pv[i].endpoints);
		free(pv[i].id);
		free(pv[i].name);
	}
	free(pv);
	free(db);
	free(site);
}

static void
incident_page_has_timeline_duration_and_escaped_notes(void **state)
{
	struct fixture *f = *state;
	char *html;

	render(f);
	html = slurp(f->site, "incidents/1.html");
	assert_non_null(strstr(html, "<code>signature_invalid</code>"));
	assert_non_null(strstr(html, "Root cause: HSM &lt;script&gt;"));
	assert_non_null(strstr(html, "25\xC2\xA0min 0\xC2\xA0s"));
	assert_non_null(strstr(html, "resolved"));
	free(html);
	html = slurp(f->site, "de/incidents/2.html");
	assert_non_null(strstr(html, "andauernd"));
	free(html);
}

/* Plain words come first, in the page's language; the code and message stay for experts. */
static void
pages_explain_each_reason_in_plain_words_before_the_code(void **state)
{
	struct fixture *f = *state;
	char *en, *fr, *inc, *meth, *a, *b;

	render(f);
	en = slurp(f->site, "index.html");
	fr = slurp(f->site, "fr/providers/p2.html");
	inc = slurp(f->site, "de/incidents/1.html");
	meth = slurp(f->site, "methodology.html");
	a = strstr(en, "No time-stamps can be obtained: electronic signatures");
	b = strstr(en, "<code>rejected</code>");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	a = strstr(fr, "Aucun horodatage ne peut \xC3\xAAtre obtenu");
	b = strstr(fr, "<code>rejected</code>");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_null(strstr(fr, "No time-stamps can be obtained"));
	assert_non_null(strstr(inc, "Den Antworten zum Zertifikatsstatus ist nicht zu trauen"));
	/* The glossary explains every reason a kind can end with. */
	assert_non_null(strstr(meth, "id=\"reasons\""));
	assert_non_null(strstr(meth, "<code>regressed</code>"));
	assert_non_null(strstr(meth, "The revocation list went backwards"));
	free(en);
	free(fr);
	free(inc);
	free(meth);
}

static void
provider_page_has_latency_certificates_and_last_results(void **state)
{
	struct fixture *f = *state;
	char *html;

	render(f);
	html = slurp(f->site, "providers/p1.html");
	assert_non_null(strstr(html, "<svg class=\"latency\""));
	assert_non_null(strstr(html, "TLS server certificate"));
	assert_non_null(strstr(html, "9 days left"));
	assert_non_null(strstr(html, "OCSP response next update"));
	assert_non_null(strstr(html, "Latest results"));
	assert_non_null(strstr(html, "https://login.example/?a=&lt;b&gt;&amp;c=&quot;d&quot;"));
	free(html);
}

/* The bars: a key, 30 days for narrow screens, every day reachable without hovering. */
static void
provider_page_bars_have_a_legend_a_30_day_view_and_a_day_table(void **state)
{
	struct fixture *f = *state;
	char *html, *d30, *q;
	int bars = 0;

	render(f);
	html = slurp(f->site, "fr/providers/p1.html");
	assert_non_null(strstr(html, "<ul class=\"legend\"><li><span class=\"sw b-full\" aria-hidden=\"true\"></span> 99,95 % ou plus</li>"));
	/* Bar classes never reuse the status names (.up/.down style the status labels). */
	assert_null(strstr(html, "<g class=\"up\""));
	assert_non_null(strstr(html, "<g class=\"b-full\""));
	d30 = strstr(html, "<div class=\"d30\">");
	assert_non_null(d30);
	for (q = d30; (q = strstr(q, "<rect x=")) != NULL && q < strstr(d30, "</svg>"); q++)
		bars++;
	assert_int_equal(bars, 30);
	assert_non_null(strstr(html, "<details class=\"days\"><summary>Jour par jour</summary>"));
	assert_non_null(strstr(html, "<tr><td>15/12/2026</td><td>"));
	/* p1/ocsp failed for 25 minutes on 15 December: below 100 % that day, one incident. */
	assert_non_null(strstr(html, "</td><td>1</td></tr>"));
	free(html);
}

/* A precompressed copy holds exactly the bytes of the file beside it. */
static void
gz_equals_its_file(const char *gzpath)
{
	char *plain = xstrdup(gzpath);
	unsigned char *want, got[1 << 16];
	size_t len, have = 0;
	gzFile z;
	int n;

	plain[strlen(plain) - 3] = '\0';
	if (file_read(plain, 64u << 20, &want, &len) != 0)
		fail_msg("%s: no file beside it", gzpath);
	z = gzopen(gzpath, "rb");
	assert_non_null(z);
	while ((n = gzread(z, got, sizeof(got))) > 0) {
		if (have + (size_t)n > len || memcmp(want + have, got, (size_t)n) != 0)
			fail_msg("%s: differs from %s", gzpath, plain);
		have += (size_t)n;
	}
	assert_int_equal(n, 0);
	assert_int_equal(have, len);
	gzclose(z);
	free(want);
	free(plain);
}

/* Checks PATH.gz holds PATH's bytes; returns the .gz path (caller frees). */
static char *
gz_check_path(const char *path)
{
	char *gz = xasprintf("%s.gz", path);

	gz_equals_its_file(gz);
	return gz;
}

static int
check_inert(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	unsigned char *data;
	size_t len;
	const char *ext = strrchr(path, '.');

	(void)sb; (void)ftw;
	if (flag != FTW_F)
		return 0;
	if (ext && strcmp(ext, ".gz") == 0) {
		gz_equals_its_file(path);
		return 0;
	}
	if (file_read(path, 64u << 20, &data, &len) != 0)
		return 1;
	if (!html_utf8_is_clean((char *)data))
		fail_msg("%s: not clean UTF-8", path);
	if (ext && (strcmp(ext, ".html") == 0 || strcmp(ext, ".atom") == 0) &&
	    strstr((char *)data, "<script") != NULL)
		fail_msg("%s: has a <script", path);
	if (ext && (strcmp(ext, ".html") == 0 || strcmp(ext, ".atom") == 0 || strcmp(ext, ".json") == 0)) {
		if (strstr((char *)data, "\xE2\x80\xA8") != NULL)
			fail_msg("%s: has a raw U+2028", path);
	}
	if (ext && strcmp(ext, ".json") == 0 && strstr((char *)data, "</") != NULL)
		fail_msg("%s: has </", path);
	free(data);
	return 0;
}

static void
hostile_text_is_inert_in_every_file(void **state)
{
	struct fixture *f = *state;
	char *cmd, *csv, *p;
	json_t *j;

	render(f);
	assert_int_equal(nftw(f->site, check_inert, 16, FTW_PHYS), 0);
	/* Atom is well-formed XML. */
	cmd = xasprintf("xmllint --noout '%s/feed.atom'", f->site);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/* JSON parses back, hostile text intact as data. */
	cmd = xasprintf("%s/api/status.json", f->site);
	j = json_load_file(cmd, 0, NULL);
	free(cmd);
	assert_non_null(j);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "providers"), 0), "name")), "<script>"));
	assert_string_equal(json_string_value(json_object_get(j, "status")), "down");
	json_decref(j);
	cmd = xasprintf("%s/api/incidents.json", f->site);
	j = json_load_file(cmd, 0, NULL);
	free(cmd);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "incidents")), 2);
	json_decref(j);
	/* CSV: the SPEC header, CRLF, the hostile message quoted with doubled quotes. */
	csv = slurp(f->site, "exports/results-2026-12.csv");
	STARTS(csv, "time,provider,endpoint,kind,status,reason,total_ms,message,maintenance,dns_ms,connect_ms,tls_ms,ttfb_ms,node,address\r\n");
	p = strstr(csv, ",signature_invalid,12.0,\"<script>alert(\"\"x\"\")</script> ' & ]]> \xE2\x80\xA8 \xEF\xBF\xBD\xEF\xBF\xBD end\",0,2.4,3.0,4.0,6.0,,\r\n");
	assert_non_null(p);
	free(csv);
	csv = slurp(f->site, "exports/daily.csv");
	STARTS(csv, "date,provider,endpoint,checks,up,degraded,down,maintenance,uptime_pct,p50_ms,p95_ms,observed_s,up_s,degraded_s,down_s\r\n");
	free(csv);
}

static void
rendering_again_replaces_the_site_atomically(void **state)
{
	struct fixture *f = *state;
	char *cmd;
	struct stat sb;

	render(f);
	assert_int_equal(stat(f->site, &sb), 0);
	render(f);
	/* No temporary or old directory is left beside the site. */
	cmd = xasprintf("test -z \"$(ls -A '%s' | grep -v -e '^site$' -e '^t.db')\"", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(slurp(f->site, "index.html"));
}

static char *
export(struct fixture *f, enum report_what what, enum report_format fmt, const char *provider)
{
	struct report_export x = { .what = what, .format = fmt, .from_ms = 0, .to_ms = INT64_MAX,
	    .provider = provider, .tz = store_timezone(f->st) };
	char *text = NULL, *err = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (report_export(f->st, &x, out, &err) != 0)
		fail_msg("export: %s", err);
	fclose(out);
	return text;
}

static void
exports_stream_csv_and_json_lines(void **state)
{
	struct fixture *f = *state;
	char *t, *line, *save = NULL;
	int n = 0;

	t = export(f, REPORT_INCIDENTS, REPORT_CSV, NULL);
	STARTS(t, "id,provider,endpoint,start,end,duration_s,worst_status,reasons\r\n");
	assert_non_null(strstr(t, "\r\n1,p1,ocsp,2026-12-15T08:00:00.000Z,2026-12-15T08:25:00.000Z,1500,down,signature_invalid\r\n"));
	assert_non_null(strstr(t, "\r\n2,p2,tsa,2026-12-17T07:30:00.000Z,,,down,rejected\r\n"));
	free(t);
	t = export(f, REPORT_RESULTS, REPORT_JSON, "p2");
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		json_t *j = json_loads(line, 0, NULL);

		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "provider")), "p2");
		assert_non_null(json_object_get(j, "total_ms"));
		json_decref(j);
	}
	assert_int_equal(n, 3 * 288);
	free(t);
	t = export(f, REPORT_DAILY, REPORT_JSON, "p1");
	assert_non_null(strstr(t, "\"date\":\"2026-12-15\",\"provider\":\"p1\",\"endpoint\":\"ocsp\""));
	free(t);
}

static void
export_bounds_accept_times_and_local_dates(void **state)
{
	int64_t ms;
	char *err = NULL;
	struct tz *lu = tz_load("Europe/Luxembourg", &err), *utc = tz_load("UTC", &err);

	(void)state;
	assert_non_null(lu);
	assert_non_null(utc);
	assert_int_equal(report_parse_bound("2026-12-17T08:00:00Z", NULL, 0, &ms), 0);
	assert_int_equal(ms, NOW);
	assert_int_equal(report_parse_bound("2026-12-17", lu, 0, &ms), 0);
	assert_int_equal(ms, NOW - 9 * 3600000LL);
	assert_int_equal(report_parse_bound("2026-12-17", utc, 1, &ms), 0);
	assert_int_equal(ms, NOW - 8 * 3600000LL + DAY);
	assert_int_equal(report_parse_bound("2026-12-31", lu, 1, &ms), 0);	/* to the 31st inclusive */
	assert_int_equal(ms, tz_midnight_ms(lu, 2027, 1, 1));
	assert_int_equal(report_parse_bound("2026-13-01", NULL, 0, &ms), -1);
	assert_int_equal(report_parse_bound("yesterday", NULL, 0, &ms), -1);
	tz_free(lu);
	tz_free(utc);
}

/* The sorted lines of a file, as one string: the multiset of its rows. */
static char *
sorted_lines(const char *dir, const char *rel)
{
	char *cmd = xasprintf("sort '%s/%s'", dir, rel), *text = NULL;
	FILE *p = popen(cmd, "r");
	size_t len = 0, n;
	char buf[4096];

	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		text = xrealloc(text, len + n + 1);
		memcpy(text + len, buf, n);
		len += n;
	}
	assert_int_equal(pclose(p), 0);
	free(cmd);
	if (text == NULL)
		text = xstrdup("");
	text[len] = '\0';
	return text;
}

/* The inode of the cached chunk of UTC day (one only), or 0 when none. */
static ino_t
chunk_ino(struct fixture *f, const char *day)
{
	char *dir = xasprintf("%s/t.db.site-cache", f->dir), *prefix = xasprintf("results-%s-", day);
	DIR *d = opendir(dir);
	struct dirent *e;
	ino_t ino = 0;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 &&
		    strstr(e->d_name, ".csv.z") == NULL) {	/* not its deflated segment */
			ino = e->d_ino;
			n++;
		}
	closedir(d);
	assert_true(n <= 1);
	free(dir);
	free(prefix);
	return ino;
}

static void
month_csv_from_cached_days_equals_a_full_rewrite(void **state)
{
	struct fixture *f = *state;
	char *fresh = xasprintf("%s/fresh", f->dir), *err = NULL, *a, *b;
	ino_t d14, d15;

	render(f);
	/* Completed days are cached beside the site, today is not. */
	d14 = chunk_ino(f, "2026-12-14");
	d15 = chunk_ino(f, "2026-12-15");
	assert_true(d14 != 0 && d15 != 0 && chunk_ino(f, "2026-12-16") != 0);
	assert_true(chunk_ino(f, "2026-12-17") == 0);
	/* New results: today, a late one for a completed day, and one under the key of a
	 * stored one, which never replaces it (results are append-only). */
	add(f->st, &eps2[0], NOW - 60000, REASON_REJECTED, "late \"today\"", 31);
	add(f->st, &eps2[0], NOW - 2 * DAY + 60000, REASON_OK, NULL, 26);
	add(f->st, &eps1[0], NOW - 2 * DAY + 300000, REASON_TIMEOUT, "replaced, \"now\"", 99);
	render(f);
	/* The untouched day's chunk is reused as is, the changed one is written again. */
	assert_true(chunk_ino(f, "2026-12-14") == d14);
	assert_true(chunk_ino(f, "2026-12-15") != 0);
	if (report_render(&conf, f->st, fresh, NOW, &err) != 0)
		fail_msg("render: %s", err);
	a = sorted_lines(f->site, "exports/results-2026-12.csv");
	b = sorted_lines(fresh, "exports/results-2026-12.csv");
	assert_non_null(strstr(a, "late \"\"today\"\""));
	assert_null(strstr(a, "replaced, \"\"now\"\""));
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* Same header first, same size. */
	a = slurp(f->site, "exports/results-2026-12.csv");
	b = slurp(fresh, "exports/results-2026-12.csv");
	STARTS(a, "time,provider,endpoint,kind,status,reason,total_ms,message,maintenance,dns_ms,connect_ms,tls_ms,ttfb_ms,node,address\r\n");
	assert_int_equal(strlen(a), strlen(b));
	free(a);
	free(b);
	free(fresh);
}

/*
 * Puts a marker into the previous site's page, just before its footer: a new file renamed
 * over it, so the render cache's copy (the same inode until then) keeps the rendered bytes.
 */
static void
tamper(struct fixture *f, const char *rel)
{
	char *text = slurp(f->site, rel), *foot = strstr(text, "</main>\n<footer>\n");
	char *path = xasprintf("%s/%s", f->site, rel), *tmp = xasprintf("%s.tmp", path);
	FILE *out = fopen(tmp, "w");

	assert_non_null(foot);
	assert_non_null(out);
	fwrite(text, 1, (size_t)(foot - text), out);
	fputs("<!--reused-->", out);
	fputs(foot, out);
	fclose(out);
	assert_int_equal(rename(tmp, path), 0);
	free(tmp);
	free(path);
	free(text);
}

static bool
reused(struct fixture *f, const char *rel)
{
	char *text = slurp(f->site, rel);
	bool r = strstr(text, "<!--reused-->") != NULL;

	free(text);
	return r;
}

static void
render_at(struct fixture *f, const char *dir, int64_t now)
{
	char *err = NULL;

	if (report_render(&conf, f->st, dir ? dir : f->site, now, &err) != 0)
		fail_msg("render: %s", err);
}

/* Every text file has a gzip copy beside it; an unchanged page's copy is linked, not redone. */
static void
text_files_have_gzip_copies_linked_when_unchanged(void **state)
{
	struct fixture *f = *state;
	static const char *const files[] = {
		"index.html.gz", "fr/sla.html.gz", "assets/style.css.gz", "api/status.json.gz",
		"exports/daily.csv.gz", "exports/results-2026-12.csv.gz", "feed.atom.gz",
		"incidents/1.html.gz",
	};
	struct stat a, b;
	char *path;

	render(f);
	for (size_t i = 0; i < NELEM(files); i++) {
		path = xasprintf("%s/%s", f->site, files[i]);
		if (stat(path, &a) != 0)
			fail_msg("%s: missing", path);
		free(path);
	}
	path = xasprintf("%s/incidents/1.html.gz", f->site);
	assert_int_equal(stat(path, &a), 0);
	render_at(f, NULL, NOW + 60000);
	assert_int_equal(stat(path, &b), 0);
	assert_true(a.st_ino == b.st_ino);	/* resolved incident page: reused with its copy */
	free(path);
	path = xasprintf("%s/index.html.gz", f->site);
	gz_equals_its_file(path);
	free(path);
}

/* A closed month's CSV is written once: a cold render links the cached copy, a late import rewrites it. */
static void
closed_month_csv_is_not_rewritten_on_a_cold_render(void **state)
{
	struct conf one = conf;
	struct conf_provider pv = { .id = "p", .name = "P" };
	struct conf_endpoint ep = { .id = "e", .kind = KIND_CRL, .url = "http://crl.example/",
	    .interval_ms = 3600000, .provider = &pv };
	char dir[] = "/tmp/tw-report-month.XXXXXX";
	char *db, *site, *csv, *err = NULL, *text;
	struct store *st;
	struct stat a, b, c;

	(void)state;
	pv.endpoints = &ep;
	pv.n_endpoints = 1;
	one.providers = &pv;
	one.n_providers = 1;
	assert_non_null(mkdtemp(dir));
	db = xasprintf("%s/t.db", dir);
	site = xasprintf("%s/site", dir);
	csv = xasprintf("%s/exports/results-2026-11.csv", site);
	one.storage.path = db;
	st = test_store_open(db, &err);
	assert_non_null(st);
	for (int64_t t = NOW - 35 * DAY; t < NOW - 33 * DAY; t += 3600000)	/* 12-13 Nov */
		add(st, &ep, t, REASON_OK, NULL, 10);
	add(st, &ep, NOW - DAY, REASON_OK, NULL, 10);
	setenv("TRUSTWATCH_I18N_STRICT", "1", 1);
	assert_int_equal(report_render(&one, st, site, NOW, &err), 0);
	assert_int_equal(stat(csv, &a), 0);
	nftw(site, rm_entry, 16, FTW_DEPTH | FTW_PHYS);		/* no previous site: cold */
	assert_int_equal(report_render(&one, st, site, NOW + 60000, &err), 0);
	assert_int_equal(stat(csv, &b), 0);
	assert_true(a.st_ino == b.st_ino);
	free(gz_check_path(csv));
	/* A late result for 12 November: another key, the month written again with it. */
	add(st, &ep, NOW - 35 * DAY + 1800000, REASON_TIMEOUT, "late import", 10);
	nftw(site, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	assert_int_equal(report_render(&one, st, site, NOW + 120000, &err), 0);
	assert_int_equal(stat(csv, &c), 0);
	assert_true(c.st_ino != a.st_ino);
	text = slurp(site, "exports/results-2026-11.csv");
	assert_non_null(strstr(text, "late import"));
	free(text);
	free(gz_check_path(csv));
	store_close(st);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(db);
	free(site);
	free(csv);
}

static void
resolved_incident_pages_are_reused_until_something_changes(void **state)
{
	struct fixture *f = *state;
	char *fresh = xasprintf("%s/fresh", f->dir), *a, *b, *title = conf.report.title;
	static const char *const pages[] = { "incidents/1.html", "fr/incidents/1.html",
	    "de/incidents/1.html", "en/incidents/1.html" };

	render(f);
	for (size_t i = 0; i < NELEM(pages); i++)
		tamper(f, pages[i]);
	tamper(f, "incidents/2.html");	/* still open: always rendered */
	render_at(f, NULL, NOW + 60000);
	for (size_t i = 0; i < NELEM(pages); i++)
		assert_true(reused(f, pages[i]));
	assert_false(reused(f, "incidents/2.html"));
	/*
	 * Apart from the marker, the same bytes as a fresh render up to the footer, which
	 * keeps the "Generated" time of the render that wrote the page.
	 */
	render_at(f, fresh, NOW + 60000);
	for (size_t i = 0; i < NELEM(pages); i++) {
		char *m;

		a = slurp(f->site, pages[i]);
		b = slurp(fresh, pages[i]);
		m = strstr(a, "<!--reused-->");
		memmove(m, m + strlen("<!--reused-->"), strlen(m + strlen("<!--reused-->")) + 1);
		assert_non_null(m = strstr(a, "</main>\n<footer>\n"));
		*m = '\0';
		assert_non_null(m = strstr(b, "</main>\n<footer>\n"));
		*m = '\0';
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	/* A note: rendered again. */
	assert_int_equal(store_add_note(f->st, 1, NOW - 3 * DAY, "backdated note"), 0);
	render_at(f, NULL, NOW + 120000);
	assert_false(reused(f, "incidents/1.html"));
	a = slurp(f->site, "de/incidents/1.html");
	assert_non_null(strstr(a, "backdated note"));
	free(a);
	/* Reused again, until a late result lands in the incident's window. */
	tamper(f, "incidents/1.html");
	render_at(f, NULL, NOW + 180000);
	assert_true(reused(f, "incidents/1.html"));
	add(f->st, &eps1[1], NOW - 2 * DAY + 60000, REASON_TIMEOUT, "late", 50);
	render_at(f, NULL, NOW + 240000);
	assert_false(reused(f, "incidents/1.html"));
	a = slurp(f->site, "incidents/1.html");
	assert_non_null(strstr(a, "<code>timeout</code>"));
	free(a);
	/* Page-level inputs: the title. */
	tamper(f, "incidents/1.html");
	conf.report.title = "Another title";
	render_at(f, NULL, NOW + 300000);
	conf.report.title = title;
	assert_false(reused(f, "incidents/1.html"));
	a = slurp(f->site, "incidents/1.html");
	assert_non_null(strstr(a, "Another title"));
	free(a);
	/* A lost cache only costs rendering. */
	tamper(f, "incidents/1.html");
	a = xasprintf("rm -rf '%s/t.db.site-cache'", f->dir);
	assert_int_equal(system(a), 0);
	free(a);
	render_at(f, NULL, NOW + 360000);
	assert_false(reused(f, "incidents/1.html"));
	free(fresh);
}

/* SPEC §15: dependencies.html in every language; the provider page counts; names escaped. */
static void
dependencies_page_draws_the_graph_and_the_tables(void **state)
{
	struct fixture *f = *state;
	char *html, *prov, *json;

	render(f);
	for (int l = -1; l < 3; l++) {
		char *rel = l < 0 ? xstrdup("dependencies.html") : xasprintf("%s/dependencies.html", langs[l]);

		html = slurp(f->site, rel);
		assert_non_null(strstr(html, "<svg"));
		assert_non_null(strstr(html, "role=\"img\""));
		assert_non_null(strstr(html, "<table class=\"deps\">"));
		assert_non_null(strstr(html, "aria-current=\"page\""));
		assert_null(strstr(html, "<script"));
		free(html);
		free(rel);
	}
	html = slurp(f->site, "dependencies.html");
	assert_non_null(strstr(html, "<tr id=\"provider-p1\">"));
	assert_non_null(strstr(html, "Lux&lt;script&gt;Trust"));
	assert_non_null(strstr(html, "stroke-width=\"3\""));	/* p1 is p2's single point of failure */
	free(html);
	prov = slurp(f->site, "providers/p1.html");
	assert_non_null(strstr(prov, "1 service depends on Lux&lt;script&gt;Trust"));
	assert_non_null(strstr(prov, "for 1 it is a single point of failure."));
	free(prov);
	prov = slurp(f->site, "fr/providers/p1.html");
	assert_non_null(strstr(prov, "1 service d\xC3\xA9pend de Lux&lt;script&gt;Trust"));
	free(prov);
	json = slurp(f->site, "api/dependencies.json");
	assert_non_null(strstr(json, "\"spof_for\":[\"p2\"]"));
	assert_non_null(strstr(json, "\"depends_on\":[\"p1\"]"));
	free(json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(site_has_every_page_in_every_language, setup, teardown),
		cmocka_unit_test_setup_teardown(dependencies_page_draws_the_graph_and_the_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(index_says_first_what_is_down_and_since_when, setup, teardown),
		cmocka_unit_test_setup_teardown(incident_page_has_timeline_duration_and_escaped_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(index_shows_every_provider_at_a_glance_and_opens_only_what_is_not_operational,
		    setup, teardown),
		cmocka_unit_test(index_of_200_endpoints_in_groups_stays_under_250_kb),
		cmocka_unit_test_setup_teardown(api_status_has_observed_since_and_honest_windows,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(sla_marks_partial_months_with_observed_time_downtime_and_incidents,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(windows_longer_than_the_observation_say_since_when,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(incident_page_links_its_endpoint_and_says_how_long_it_has_been_open,
		    setup, teardown),
		cmocka_unit_test(incident_list_has_50_per_page_and_the_feed_the_latest_50),
		cmocka_unit_test(older_incident_list_pages_are_the_previous_files_until_they_change),
		cmocka_unit_test_setup_teardown(pages_explain_each_reason_in_plain_words_before_the_code,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(provider_page_bars_have_a_legend_a_30_day_view_and_a_day_table,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(provider_page_has_latency_certificates_and_last_results, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_text_is_inert_in_every_file, setup, teardown),
		cmocka_unit_test_setup_teardown(rendering_again_replaces_the_site_atomically, setup, teardown),
		cmocka_unit_test_setup_teardown(exports_stream_csv_and_json_lines, setup, teardown),
		cmocka_unit_test(export_bounds_accept_times_and_local_dates),
		cmocka_unit_test_setup_teardown(month_csv_from_cached_days_equals_a_full_rewrite, setup, teardown),
		cmocka_unit_test(closed_month_csv_is_not_rewritten_on_a_cold_render),
		cmocka_unit_test_setup_teardown(text_files_have_gzip_copies_linked_when_unchanged,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(resolved_incident_pages_are_reused_until_something_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(rendering_leaves_the_process_time_zone_alone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
