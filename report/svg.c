/* SVG drawing. See svg.h. */
#include <math.h>
#include <stdio.h>
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
svg_uptime_bars(struct buf *b, const struct svg_day *days, size_t n, const char *label)
{
	size_t w = n * (BAR_W + BAR_GAP);

	buf_printf(b, "<svg class=\"bars\" viewBox=\"0 0 %zu %d\" preserveAspectRatio=\"none\" "
	    "role=\"img\" aria-label=\"", w, BAR_H + MARK_H);
	html_attr(b, label);
	buf_printf(b, "\" xmlns=\"http://www.w3.org/2000/svg\">");
	for (size_t i = 0; i < n; i++) {
		const struct svg_day *d = &days[i];
		const char *cls;
		int h = BAR_H, y = 0;

		if (d->pct < 0) {
			cls = "none";
			h = BAR_H / 3;
			y = BAR_H - h;
		} else if (d->pct >= 99.95) {
			cls = "up";
		} else if (d->pct >= 95) {
			cls = "degraded";
		} else {
			cls = "down";
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

double
svg_latency_ymax(const struct svg_point *pts, size_t n)
{
	double max = 0, step = 1;

	for (size_t i = 0; i < n; i++) {
		if (pts[i].p95 > max)
			max = pts[i].p95;
		if (pts[i].p50 > max)
			max = pts[i].p50;
	}
	if (max <= 0)
		return 10;
	while (step * 10 < max)
		step *= 10;
	return ceil(max / step) * step;
}

static void
polyline(struct buf *b, const struct svg_point *pts, size_t n, int which, double ymax,
    double x0, double w, double h, const char *cls)
{
	int open = 0;

	for (size_t i = 0; i < n; i++) {
		double v = which ? pts[i].p95 : pts[i].p50;
		double x = x0 + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2);
		double y = h - (v / ymax) * h;

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
	const double W = 640, H = 160, X0 = 56, PW = W - X0 - 8;

	buf_printf(b, "<svg class=\"latency\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"",
	    W, H + 44);
	html_attr(b, label);
	buf_printf(b, "\" xmlns=\"http://www.w3.org/2000/svg\"><title>");
	html_text(b, label);
	buf_printf(b, "</title>");
	buf_printf(b, "<line class=\"axis\" x1=\"%.0f\" y1=\"4\" x2=\"%.0f\" y2=\"%.0f\"/>", X0, X0, H + 4);
	buf_printf(b, "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>",
	    X0, H + 4, W - 8, H + 4);
	buf_printf(b, "<line class=\"grid\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>",
	    X0, H / 2 + 4, W - 8, H / 2 + 4);
	buf_printf(b, "<text x=\"%.0f\" y=\"12\" text-anchor=\"end\">", X0 - 4);
	html_text(b, ymax_label);
	buf_printf(b, "</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">0</text>", X0 - 4, H + 4);
	if (lines->len == 0) {
		double ymax = svg_latency_ymax(pts, n);

		buf_append(lines, "", 0);
		polyline(lines, pts, n, 1, ymax, X0, PW, H, "p95");
		polyline(lines, pts, n, 0, ymax, X0, PW, H, "p50");
	}
	buf_append(b, lines->data, lines->len);
	buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">", X0, H + 20);
	html_text(b, first_label);
	buf_printf(b, "</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", W - 8, H + 20);
	html_text(b, last_label);
	buf_printf(b, "</text>");
	buf_printf(b, "<line class=\"p50\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>"
	    "<text x=\"%.0f\" y=\"%.0f\">", X0, H + 36, X0 + 24, H + 36, X0 + 30, H + 40);
	html_text(b, legend_p50);
	buf_printf(b, "</text><line class=\"p95\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>"
	    "<text x=\"%.0f\" y=\"%.0f\">", X0 + 200, H + 36, X0 + 224, H + 36, X0 + 230, H + 40);
	html_text(b, legend_p95);
	buf_printf(b, "</text></svg>");
}
