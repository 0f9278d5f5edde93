/* SVG drawing. See svg.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"
#include "html.h"

#define BAR_W		4
#define BAR_GAP		1
#define BAR_H		32
#define MARK_H		6

static void
put_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* %zu */
static void
put_uint(struct buf *b, size_t v)
{
	char d[24];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	buf_append(b, d + n, sizeof(d) - n);
}

void
svg_uptime_bars(struct buf *b, const struct svg_day *days, size_t n, const char *label,
    const char *cls_extra)
{
	size_t w = n * (BAR_W + BAR_GAP);

	buf_printf(b, "<svg class=\"bars%s%s\" viewBox=\"0 0 %zu %d\" preserveAspectRatio=\"none\" "
	    "role=\"img\" aria-label=\"", cls_extra ? " " : "", cls_extra ? cls_extra : "", w,
	    BAR_H + MARK_H);
	html_attr(b, label);
	buf_printf(b, "\" xmlns=\"http://www.w3.org/2000/svg\">");
	for (size_t i = 0; i < n; i++) {
		const struct svg_day *d = &days[i];
		const char *cls;
		int h = BAR_H, y = 0;

		if (d->pct < 0) {
			cls = "b-none";
			h = BAR_H / 3;
			y = BAR_H - h;
		} else if (d->pct >= 99.95) {
			cls = "b-full";
		} else if (d->pct >= 95) {
			cls = "b-part";
		} else {
			cls = "b-low";
		}
		/* as buf_printf would, without printf: 90 of these per chart */
		put_str(b, "<g class=\"");
		put_str(b, cls);
		put_str(b, "\"><title>");
		html_text(b, d->title);
		put_str(b, "</title><rect x=\"");
		put_uint(b, i * (BAR_W + BAR_GAP));
		put_str(b, "\" y=\"");
		put_uint(b, (size_t)y);
		put_str(b, "\" width=\"");
		put_uint(b, BAR_W);
		put_str(b, "\" height=\"");
		put_uint(b, (size_t)h);
		put_str(b, "\"/>");
		if (d->incidents > 0 || (d->pct >= 0 && d->pct < 99.95)) {
			put_str(b, "<rect class=\"mark\" x=\"");
			put_uint(b, i * (BAR_W + BAR_GAP));
			put_str(b, "\" y=\"");
			put_uint(b, BAR_H + 2);
			put_str(b, "\" width=\"");
			put_uint(b, BAR_W);
			put_str(b, "\" height=\"");
			put_uint(b, MARK_H - 2);
			put_str(b, "\"/>");
		}
		put_str(b, "</g>");
	}
	buf_printf(b, "</svg>");
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The axis maximum: the largest value, unless it is more than three times the 95th
 * percentile of all values (one timeout spike), in which case 1.5 times that percentile,
 * so one slow hour does not flatten the week. Rounded up to 1, 2, 5 x 10^k.
 */
double
svg_latency_ymax(const struct svg_point *pts, size_t n)
{
	double max = 0, step = 1, *v = n ? xcalloc(2 * n, sizeof(*v)) : NULL, q;
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (pts[i].p95 > 0)
			v[m++] = pts[i].p95;
		if (pts[i].p50 > 0)
			v[m++] = pts[i].p50;
	}
	if (m == 0) {
		free(v);
		return 10;
	}
	qsort(v, m, sizeof(*v), dbl_cmp);
	max = v[m - 1];
	q = v[(m - 1) * 95 / 100];
	free(v);
	if (max > 3 * q)
		max = 1.5 * q;
	while (step * 10 < max)
		step *= 10;
	if (max <= step)
		return step;
	if (max <= 2 * step)
		return 2 * step;
	if (max <= 5 * step)
		return 5 * step;
	return 10 * step;
}

bool
svg_latency_clipped(const struct svg_point *pts, size_t n)
{
	double ymax = svg_latency_ymax(pts, n);

	for (size_t i = 0; i < n; i++)
		if (pts[i].p95 > ymax || pts[i].p50 > ymax)
			return true;
	return false;
}

static void
polyline(struct buf *b, const struct svg_point *pts, size_t n, int which, double ymax,
    double x0, double w, double h, const char *cls)
{
	int open = 0;

	for (size_t i = 0; i < n; i++) {
		double v = which ? pts[i].p95 : pts[i].p50;
		double x = x0 + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2);
		double y = h - ((v > ymax ? ymax : v) / ymax) * h;	/* above the axis: at the top */

		if (v < 0) {
			if (open)
				buf_printf(b, "\"/>");
			open = 0;
			continue;
		}
		if (!open)
			buf_printf(b, "<polyline class=\"%s\" points=\"", cls);
		{
			char xy[80];
			size_t len = 0;

			if (open)
				xy[len++] = ' ';
			len += fixed_format(x, 1, xy + len, 32);
			xy[len++] = ',';
			len += fixed_format(y + 4, 1, xy + len, 32);
			buf_append(b, xy, len);
		}
		open = 1;
	}
	if (open)
		buf_printf(b, "\"/>");
}

void
svg_latency_chart(struct buf *b, const struct svg_point *pts, size_t n, const char *label,
    const char *first_label, const char *last_label, const char *legend_p50,
    const char *legend_p95, const char *ymax_label)
{
	struct buf lines = { 0 };

	svg_latency_chart_lines(b, pts, n, &lines, label, first_label, last_label, legend_p50,
	    legend_p95, ymax_label);
	buf_free(&lines);
}

void
svg_latency_chart_lines(struct buf *b, const struct svg_point *pts, size_t n,
    struct buf *lines, const char *label, const char *first_label, const char *last_label,
    const char *legend_p50, const char *legend_p95, const char *ymax_label)
{
	const double W = 640, H = 160, X0 = 4, PW = W - X0 - 4;

	/* Texts are HTML around the drawing, so they keep their size on a phone. */
	buf_printf(b, "<figure class=\"latency\"><p class=\"ymax\">");
	html_text(b, ymax_label);
	buf_printf(b, "</p><svg class=\"latency\" viewBox=\"0 0 %.0f %.0f\" preserveAspectRatio=\"none\" "
	    "role=\"img\" aria-label=\"", W, H + 8);
	html_attr(b, label);
	buf_printf(b, "\" xmlns=\"http://www.w3.org/2000/svg\"><title>");
	html_text(b, label);
	buf_printf(b, "</title>");
	buf_printf(b, "<line class=\"axis\" x1=\"%.0f\" y1=\"4\" x2=\"%.0f\" y2=\"%.0f\"/>", X0, X0, H + 4);
	buf_printf(b, "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>",
	    X0, H + 4, W - 4, H + 4);
	buf_printf(b, "<line class=\"grid\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>",
	    X0, H / 2 + 4, W - 4, H / 2 + 4);
	if (lines->len == 0) {
		double ymax = svg_latency_ymax(pts, n);

		buf_append(lines, "", 0);
		polyline(lines, pts, n, 1, ymax, X0, PW, H, "p95");
		polyline(lines, pts, n, 0, ymax, X0, PW, H, "p50");
	}
	buf_append(b, lines->data, lines->len);
	buf_printf(b, "</svg><p class=\"axis\"><span>");
	html_text(b, first_label);
	buf_printf(b, "</span><span>");
	html_text(b, last_label);
	buf_printf(b, "</span></p><ul class=\"legend\"><li><span class=\"sw l-p50\" aria-hidden=\"true\">"
	    "</span> ");
	html_text(b, legend_p50);
	buf_printf(b, "</li><li><span class=\"sw l-p95\" aria-hidden=\"true\"></span> ");
	html_text(b, legend_p95);
	buf_printf(b, "</li></ul></figure>");
}
