/*
 * Inline SVG charts for the site: the 90-day uptime bars and the latency chart.
 * Every text passed in is plain (untrusted allowed): it is escaped here via html.c.
 */
#ifndef TW_SVG_H
#define TW_SVG_H

#include <stddef.h>

#include "../core/util.h"

struct svg_day {
	double		 pct;		/* uptime %, < 0 = no data */
	int		 incidents;	/* incidents that touched the day */
	const char	*title;		/* tooltip: date, uptime, incidents (plain text) */
};

/*
 * Appends one bar per day, oldest first; each bar carries a <title>. Days below 100%
 * are coloured and marked below the bar, so colour is never the only cue.
 * label is the chart's accessible name.
 */
void svg_uptime_bars(struct buf *, const struct svg_day *days, size_t n, const char *label);

struct svg_point {
	double		 p50, p95;	/* ms, < 0 = no data */
};

/*
 * Appends a latency chart of n points (evenly spaced, oldest first): p50 as a solid line,
 * p95 dashed; ymax_label (the axis maximum, see svg_latency_ymax)/first_label/last_label are axis texts; legend_p50/legend_p95 name
 * the lines. label is the chart's accessible name.
 */
void svg_latency_chart(struct buf *, const struct svg_point *pts, size_t n, const char *label,
    const char *first_label, const char *last_label, const char *legend_p50,
    const char *legend_p95, const char *ymax_label);

/*
 * The same, the polylines (which depend on pts only) kept in *lines: drawn into it while it
 * is empty, copied from it otherwise, for a chart repeated on several pages.
 */
void svg_latency_chart_lines(struct buf *, const struct svg_point *pts, size_t n,
    struct buf *lines, const char *label, const char *first_label, const char *last_label,
    const char *legend_p50, const char *legend_p95, const char *ymax_label);

/* The rounded-up axis maximum (ms) svg_latency_chart uses for these points. */
double svg_latency_ymax(const struct svg_point *pts, size_t n);

#endif
