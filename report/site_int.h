/* The site renderer's internals, shared by site*.c only. */
#ifndef TW_SITE_INT_H
#define TW_SITE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "../core/config.h"
#include "../core/kind.h"
#include "../core/tz.h"
#include "../core/util.h"
#include "../store/store.h"
#include "i18n.h"
#include "svg.h"

#define SITE_DAYS	90
#define SITE_HOURS	168	/* latency chart: hourly points of the last 7 days */
#define SITE_LAST	10	/* last results shown per endpoint */
#define SITE_TIMELINE	200	/* status changes shown per incident */
#define SITE_EP_INC	20	/* incidents listed per endpoint */
#define SITE_INC_PAGE	50	/* incidents per page of incidents.html, and in feed.atom */

/* Marks a string for translation without translating it (extracted into the .po files). */
#define N_(s)	(s)

enum site_window { WIN_24H, WIN_7D, WIN_30D, WIN_90D, WIN__MAX };

struct site_res {
	int64_t		 time_ms;
	enum status	 status;
	enum reason	 reason;
	double		 total_ms;
	char		*message;
};

struct site_ep {
	const struct conf_provider *prov;
	const struct conf_endpoint *conf;
	/* current state (have_state false when never probed) */
	bool		 have_state;
	int64_t		 last_ms;
	enum status	 status;
	enum reason	 reason;
	bool		 maintenance;
	char		*message;
	json_t		*details;	/* latest details, NULL when none */
	int64_t		 open_incident;
	int64_t		 since_ms;	/* start of the open incident, else -1 */
	int64_t		 observed_since_ms;	/* first observation, -1 when none */
	struct store_rollup win[WIN__MAX];
	bool		 have_win[WIN__MAX];
	double		 day_pct[SITE_DAYS];	/* < 0 = no data */
	int		 day_incidents[SITE_DAYS];
	struct svg_point hours[SITE_HOURS];
	struct site_res	 last[SITE_LAST];	/* ring, oldest overwritten */
	size_t		 n_last;
};

struct site_note {
	int64_t		 time_ms;
	char		*text;
};

struct site_change {
	int64_t		 time_ms;
	enum status	 status;
	enum reason	 reason;
	char		*message;
};

struct site_incident {
	int64_t		 id;
	char		*provider, *endpoint, *kind, *worst, *reasons, *message;
	int64_t		 start_ms, end_ms;	/* end -1 while open */
	int64_t		 updated_ms;
	struct site_note *notes;
	size_t		 n_notes;
	struct site_change *changes;		/* filled while rendering its page */
	size_t		 n_changes;
	bool		 more_changes;
	bool		 timeline_done;
	uint64_t	 fp;			/* site_reuse.c: what its page shows */
	bool		 have_fp;
	bool		 reuse;			/* the previous site's page can be reused */
	/* site_deps.c: SPEC §15 correlation, indexes into site.inc */
	long		 cause;			/* its likely cause, -1 = none */
	size_t		*effects;		/* the incidents it probably caused, oldest first */
	size_t		 n_effects;
};

struct spare_list;

struct site {
	const struct conf *conf;
	struct store	*st;
	int64_t		 now;
	struct tz	*tz;			/* report.timezone: days, months, times shown */
	struct site_ep	*eps;			/* in config order: each provider's together */
	size_t		 n_eps;
	size_t		*prov_first;		/* provider i's eps: [prov_first[i], prov_first[i+1]) */
	struct site_incident *inc;		/* oldest first */
	size_t		 n_inc;
	char		 days[SITE_DAYS][40];	/* local days, oldest first */
	int64_t		 day_start[SITE_DAYS + 1];
	char		*dir;			/* the temporary directory being written */
	char		**made;			/* site_path: folders (relative) made */
	size_t		 n_made;
	char		*cache;			/* beside the store, kept between renders; NULL = none */
	bool		 reuse_state;		/* site_reuse.c: fingerprints computed */
	uint64_t	 inputs_fp;		/* page-level inputs */
	int		 reuse_fd;		/* the previous site's directory, or -1 */
	char		**kept;			/* site_reuse.c: pages kept in the cache (rel) */
	size_t		 n_kept;
	/*
	 * site_reuse.c: incident page folders ("incidents", "LANG/incidents") taken over from
	 * the site before the previous one (OUT's spare, see site_spare_take), to be brought
	 * up to date in place instead of linking every unchanged page into a new folder.
	 */
	char		**spare;
	size_t		 n_spare;
	struct spare_list *spare_ls;		/* per spare folder: its and the live one's files */
	/* the spare's exports/ (results CSVs it published), until site_exports is done */
	char		*prev_exports;
	struct gz_bg	*gz_bg;			/* site_gzip_begin: the .gz thread, or NULL */
	char		*err;			/* first error */
	/* site_pages.c: drawn once, copied into every page showing them */
	const struct i18n *bars_lang;		/* the language of bars and bars_days */
	struct buf	*bars;			/* per endpoint, its 90-day bars (empty: not yet) */
	char		 bars_days[SITE_DAYS][32];	/* days as shown in bars_lang */
	struct buf	*lines;			/* per endpoint, its latency polylines */
	size_t		*ep_inc;		/* per endpoint, SITE_EP_INC incident indexes, newest first */
	size_t		*n_ep_inc;
	/* site_data.c: every daily rollup, read once (site_each_daily) */
	struct store_rollup *daily;
	size_t		 n_daily;
	bool		 have_daily;
	/* site_data.c: the hourly rollups of the latency charts' hours, [hourly_from, now] */
	struct store_rollup *hourly;
	size_t		 n_hourly;
	int64_t		 hourly_from;		/* INT64_MAX: none kept */
	char		**pool;			/* the strings daily and hourly point to */
	size_t		 n_pool;
	struct report_vantage *vantage;		/* site_vantage.c: read once, when first shown */
	struct deps	*deps;			/* site_deps.c: the dependency measure, or NULL */
	struct site_conf *conformance;		/* site_conformance.c: sums per provider, month, rule */
	size_t		 n_conformance;
	/* site_months.c: results per UTC day from counts_from, read once (PostgreSQL) */
	int64_t		*counts;
	size_t		 n_counts;
	int64_t		 counts_from;
};

/* A page being rendered in one language at one place of the tree. */
struct page {
	struct site	*s;
	struct i18n	*t;
	struct i18n	**langs;	/* every configured language, first is the root's */
	size_t		 n_langs;
	const char	*path;		/* relative to the language base, e.g. "providers/x.html" */
	char		*root;		/* "../" prefix from this page to the site root */
	char		*home;		/* prefix to the language base */
	struct buf	 b;
	/* Where page_foot put the render time in b ("Generated ..."), when_len 0 = nowhere. */
	size_t		 when_off, when_len;
};

#define T(p, s)	i18n_get((p)->t, (s))

/* site.c */
void site_fail(struct site *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int site_write(struct site *, const char *rel, const void *data, size_t len);
/* site_log.c: log/NODE/ of every node's record (SPEC §12); outdir is the site replaced. */
void site_log(struct site *, const char *outdir);
/*
 * site_months.c: exports/results-YYYY-MM.csv for each UTC month from (y, mo), the first
 * with results, to now, within retention; 0 or -1 (site_fail).
 */
int site_results_csv(struct site *, const char *old_dir, int y, int mo);
/*
 * Whether the keys of the cache must hold result counts (site_months.c explains), and the
 * counts of the n UTC days from from, a midnight (caller frees), or NULL (s failed).
 */
bool site_count_keyed(const struct site *, int64_t from);
int64_t *site_day_counts(struct site *, int64_t from, size_t n);
/* site_gzip.c: NAME.gz beside each text file of the site being written; 0 or -1 (site_fail). */
int site_gzip(struct site *);
/*
 * A thread that writes the .gz of each text file site_write writes, while the render goes
 * on (two CPUs: pages are compressed as the next ones are rendered). site_gzip_begin starts
 * it (none: site_gzip does it all), site_write posts to it (site_gzip_post, a copy of the
 * bytes), site_gzip_end waits for it to finish the queue, before site_gzip's last pass.
 */
struct gz_bg;
void site_gzip_begin(struct site *);
void site_gzip_post(struct site *, const char *path, const void *data, size_t len);
void site_gzip_end(struct site *);
/* Writes gz, the gzip of file path; 0 or -1 (nothing left at gz). */
int site_gzip_file(const char *path, const char *gz);
/*
 * The gzip of a file made of segments (a results CSV: its header, then one per UTC day):
 * each segment deflated on its own (level 6, ending byte-aligned with a sync flush), so a
 * segment's compressed bytes depend on its bytes alone and a completed day's can be kept
 * in the cache (zcache[i], a path or NULL: "CRC32 LE, then the deflated bytes"; read when
 * there, written when not). bounds[0..n] are the segments' offsets in path. Files over
 * GZ_MAX_BYTES get no .gz (served plain), as in site_gzip. verify (NULL or per segment):
 * a cached deflate is used only if its CRC-32 is that of the segment's bytes in path.
 * from (NULL: none): gz already holds the first segments (site_mreuse.c); what follows
 * them there is cut off and the rest written after them. gz_end and crc_end (NULL or n
 * each) receive, per segment written, gz's length after it and the CRC-32 of path up to
 * its end (a resumed segment's are left as they are). Returns 0, or -1 (no gz).
 */
struct gz_resume {
	size_t		 nseg;		/* segments [0, nseg) are in gz already, */
	int64_t		 gz_len;	/* its first gz_len bytes (gzip header included), */
	uint32_t	 crc;		/* CRC-32 of their bytes in path */
};
int site_gzip_segments(const char *path, const char *gz, const int64_t *bounds, size_t n,
    char *const *zcache, const bool *verify, const struct gz_resume *from, int64_t *gz_end,
    uint32_t *crc_end);
/* The suffix of a cached deflated segment: the zlib version is part of its key. */
const char *site_gzip_zsuffix(void);
char *site_path(struct site *, const char *rel);	/* caller frees; parents created */
const char *site_provider_name(const struct site *, const char *provider_id);
struct site_ep *site_find_ep(struct site *, const char *provider, const char *endpoint);
void page_head(struct page *, const char *title);
void page_foot(struct page *);
void page_status(struct page *, enum status, bool have, bool maintenance);
struct report_window_fig;
/* The figures of window w of ep (report_window_figures with the site's time and windows). */
void site_window_figures(const struct site *, const struct site_ep *, int w,
    struct report_window_fig *);
#define SITE_COVERAGE_MIN	90	/* below this coverage a figure is shown greyed */

/* The endpoints of provider pv (one of s->conf's), *n of them, contiguous in s->eps. */
struct site_ep *site_provider_eps(const struct site *, const struct conf_provider *pv, size_t *n);

/* site_pages.c, shared with site_index.c */
/* A window's uptime as shown: "since DATE" when observed for less, thin below SITE_COVERAGE_MIN. */
void site_window_value(struct page *, const struct site_ep *, int w, bool degraded);
extern const char *const site_win_labels[WIN__MAX];
void site_ep_name(struct page *, const struct site_ep *);	/* "Provider / endpoint", escaped */
/* The worst current state of the provider's endpoints (maintenance left out). */
void site_provider_state(struct site *, const struct conf_provider *, enum status *, bool *have);
void page_pct(struct page *, double pct);
void page_datetime(struct page *, int64_t ms);
const char *site_status_label(enum status, bool have, bool maintenance);

void site_page_init(struct page *, struct site *, struct i18n **langs, size_t n_langs,
    size_t li, const char *path, bool at_root);
void site_page_free(struct page *);

/* site_reuse.c: reusing unchanged incident pages of the previous site */
/* The incident of this render with that id, or NULL (s->inc is by id). */
struct site_incident *site_incident_by_id(const struct site *, int64_t id);
void site_reuse_begin(struct site *, struct i18n **langs, size_t n_langs, const char *out);
int site_reuse_page(struct site *, const struct site_incident *, const char *rel);
/* After rel, in's page, was written: keeps a copy in the cache for later cold renders. */
void site_reuse_keep(struct site *, const struct site_incident *, const char *rel);
/*
 * A page that is the previous site's rel byte for byte but for the render time in its
 * footer: links that file (and its .gz) at rel instead of writing p again. 0 when linked.
 */
int site_reuse_same(struct site *, const struct page *p, const char *rel);
/* After site_gzip: the kept pages' .gz join them in the cache. */
void site_reuse_keep_gz(struct site *);
void site_reuse_end(struct site *, const char *out);
/*
 * The previous site's incident page folders, kept between renders in the cache as
 * incidents-HASH.spare (site_spare_path: HASH of out, as its state file) by site_spare_keep
 * (on another file system than the site, none is kept), moved into the site being written when a previous site
 * can be reused (after site_reuse_begin). Every page in them is then checked (the same
 * file as the published site's or the cache's, else replaced) or removed (site_spare_prune,
 * before site_gzip): what is published is what a render into an empty folder writes.
 */
char *site_spare_path(const struct site *, const char *out);
void site_spare_take(struct site *, struct i18n **langs, size_t n_langs, const char *spare);
/* Before page rel of an incident is written: whatever a taken folder held there goes. */
void site_spare_clear(struct site *, const char *rel);
void site_spare_prune(struct site *);
void site_spare_free(struct site *);
/*
 * Hard-links src (relative to fd) at path, and src.gz at path.gz when with_gz (left to
 * site_gzip when it cannot be); in a taken folder, the same file already there stays.
 * Returns 0, or -1 (nothing at path).
 */
int site_spare_link(struct site *, int fd, const char *src, const char *path, bool with_gz);
/*
 * After the swap: old, the site replaced, keeps its incident page folders only and becomes
 * the spare (whatever spare there was is removed; old is removed when it cannot be kept).
 */
void site_spare_keep(const char *old, const char *spare);
/*
 * site_mreuse.c: the current month's results CSV (and .gz) of the spare, brought up to date
 * in place. plan[0..n_plan) names the leading segments this render writes: "header-FNV",
 * then each completed day's chunk. site_mreuse_open moves the spare's file to path when a
 * layout in the cache vouches for its first segments (at least the header and a day) and
 * returns a descriptor open for writing at their end, *r their layout (r->gz: path.gz
 * holds them too); else -1, path untouched. site_mreuse_save records path's layout after
 * it is written (names[0..n): its leading segments as planned, with their ends) and keeps
 * the published site's layout (the next render's spare); the names join used.
 */
struct mreuse {
	size_t		 nseg;		/* segments reused */
	int64_t		*csv_end;	/* per segment: the CSV's length after it, */
	int64_t		*gz_end;	/* the .gz's, */
	uint32_t	*crc;		/* the CSV's CRC-32 up to its end */
	bool		 gz;
};
int site_mreuse_open(struct site *, const char *ym, const char *path, char *const *plan,
    size_t n_plan, struct mreuse *r);
void site_mreuse_save(struct site *, const char *ym, const char *path, char *const *names,
    size_t n, const int64_t *csv_end, const int64_t *gz_end, const uint32_t *crc, bool gz,
    char ***used, size_t *n_used);
void site_mreuse_free(struct mreuse *);
/* Removes the spare's exports/ (after site_exports, before site_gzip walks the site). */
void site_mreuse_done(struct site *);
/* site.c */
void site_remove_tree(const char *dir);

/* site_data.c: collecting from the store */
int site_collect(struct site *);
void site_free(struct site *);
int site_timeline(struct site *, struct site_incident *);
/* store_each_daily over every provider, from the rollups site_collect read. */
int site_each_daily(struct site *, const char *from_day, const char *to_day,
    int (*fn)(const struct store_rollup *, void *), void *arg);

/*
 * store_each_hourly(s->st, from_ms, to_ms, NULL, ...) for the UTC days in it that the copy
 * site_collect kept covers whole (rows in the same order within each day), the store for
 * the days before: for callers that treat each UTC day on its own.
 */
int site_each_hourly_by_day(struct site *, int64_t from_ms, int64_t to_ms,
    int (*fn)(const struct store_rollup *, void *), void *arg);

/* site_pages.c */
void page_index(struct page *);
void page_provider(struct page *, const struct conf_provider *);
const char *site_kind_description(enum probe_kind);

/* site_incidents.c */
/* Incident list page k (0 = incidents.html, newest first, SITE_INC_PAGE each). */
void page_incidents(struct page *, size_t k);
size_t site_incident_pages(const struct site *);	/* at least 1 */
void page_incident(struct page *, struct site_incident *);
void page_sla(struct page *);
void page_methodology(struct page *);
/* site_changes.c: changes.html, when site_has_changes (a configured kind declares events). */
bool site_has_changes(const struct site *);
void page_changes(struct page *);
/* The provider page's section of its endpoints' changes (none when there are none). */
void site_changes_section(struct page *, const struct conf_provider *);
/* site_qualified.c: whether the provider is qualified according to each watched trusted list. */
void site_qualified_section(struct page *, const struct conf_provider *);
/* Appends a feed entry per stored result with changes (the latest 50). */
void site_changes_feed(struct site *, struct i18n *, struct buf *);

/* site_files.c: api, exports, feed */
int site_api(struct site *);
int site_exports(struct site *, const char *old_dir);
int site_feed(struct site *, struct i18n *);

/* site_vantage.c: the vantage points (SPEC §11) */
struct report_vantage;
/* The nodes and per-node views, read once (NULL after site_fail on a store error). */
const struct report_vantage *site_vantage(struct site *);
void site_vantage_free(struct site *);
void page_vantage(struct page *);			/* vantage.html */
void site_vantage_index(struct page *);			/* "Seen from N of M vantage points" */
void site_vantage_ep(struct page *, const struct site_ep *);	/* each node's newest result */
/* " 2 of 3 addresses healthy" after an endpoint's status when it has several (SPEC §14). */
void site_addresses_line(struct page *, const struct site_ep *);
void site_vantage_methodology(struct page *);		/* the methodology's section */
/* site_deps.c: dependencies (SPEC §15) */
/* site_conformance.c (SPEC §14) */
void site_conformance_collect(struct site *);	/* after site_collect: one read of the sums */
void site_conformance_free(struct site *);
void page_conformance(struct page *);			/* conformance.html */
void site_conformance_methodology(struct page *);	/* the methodology's list of rules */
void site_conformance_csv(struct site *);		/* exports/conformance.csv */
void site_deps_collect(struct site *);	/* after site_collect: s->deps, incident links */
void site_deps_free(struct site *);
uint64_t site_deps_incident_fp(const struct site *, const struct site_incident *);
void page_dependencies(struct page *);
void site_deps_provider(struct page *, const struct conf_provider *);
void site_deps_banner(struct page *);
void site_deps_incident(struct page *, const struct site_incident *);	/* <div>s of a <dl> */
/* Appends the links as plain lines to a feed entry's content; returns updated, later if an
   effect began later. */
int64_t site_deps_feed(struct site *, struct i18n *, const struct site_incident *,
    struct buf *content, int64_t updated_ms);

/* assets.c */
extern const char site_css[];
extern const char site_favicon[];	/* assets/favicon.svg: a shield */

#endif
