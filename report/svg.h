/*
 * Inline SVG charts for the site: the 90-day uptime bars and the latency chart.
 * Every text passed in is plain (untrusted allowed): it is escaped here via html.c.
 */
#ifndef TW_SVG_H
#define TW_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/util.h"

struct svg_day {
	double		 pct;		/* uptime %, < 0 = no data */
	int		 incidents;	/* incidents that touched the day */
	const char	*title;		/* tooltip: date, uptime, incidents (plain text) */
};

/*
 * Appends one bar per day, oldest first; each bar carries a <title>. Classes say how full
 * the day was (b-full >= 99.95 %, b-part >= 95 %, b-low, b-none without data), never a
 * status name. Days below 99.95 % or with an incident are marked below the bar, so colour
 * is never the only cue.
 * label is the chart's accessible name.
 */
void svg_uptime_bars(struct buf *, const struct svg_day *days, size_t n, const char *label,
    const char *cls_extra);	/* cls_extra: another class of the <svg>, or NULL */

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

/*
 * The rounded-up axis maximum (ms) svg_latency_chart uses for these points: the largest
 * value, or 1.5 x the 95th percentile when one spike is over 3 x that (it is drawn at the top).
 */
double svg_latency_ymax(const struct svg_point *pts, size_t n);
/* Whether some point is above svg_latency_ymax (drawn at the top edge). */
bool svg_latency_clipped(const struct svg_point *pts, size_t n);

#endif
