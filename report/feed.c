/* Atom writing. See feed.h. */
#include <stdio.h>
#include <string.h>

#include "feed.h"
#include "html.h"

/* Appends base_url joined with rel (one slash between them) as an attribute value. */
static void
url_attr(struct buf *b, const char *base_url, const char *rel)
{
	struct buf u = { 0 };
	size_t bl = base_url ? strlen(base_url) : 0;

	if (bl > 0) {
		buf_append(&u, base_url, bl);
		if (base_url[bl - 1] != '/')
			buf_append(&u, "/", 1);
	}
	buf_append(&u, rel, strlen(rel));
	html_attr(b, (const char *)u.data);
	buf_free(&u);
}

static void
time_el(struct buf *b, const char *el, int64_t ms)
{
	char t[40];

	rfc3339_format_s(ms, t, sizeof(t));
	buf_printf(b, "<%s>%s</%s>\n", el, t, el);
}

void
feed_begin(struct buf *b, const char *title, const char *base_url, int64_t updated_ms)
{
	buf_printf(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>");
	html_text(b, title);
	buf_printf(b, "</title>\n");
	if (base_url != NULL && *base_url != '\0') {
		buf_printf(b, "<id>");
		url_attr(b, base_url, "feed.atom");
		buf_printf(b, "</id>\n<link rel=\"self\" href=\"");
		url_attr(b, base_url, "feed.atom");
		buf_printf(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
		url_attr(b, base_url, "incidents.html");
		buf_printf(b, "\"/>\n");
	} else {
		buf_printf(b, "<id>urn:trustwatch:feed</id>\n"
		    "<link rel=\"alternate\" type=\"text/html\" href=\"incidents.html\"/>\n");
	}
	time_el(b, "updated", updated_ms);
	buf_printf(b, "<author><name>");
	html_text(b, title);
	buf_printf(b, "</name></author>\n<generator>trustwatch</generator>\n");
}

void
feed_add(struct buf *b, const char *base_url, const struct feed_entry *e, const char *link)
{
	buf_printf(b, "<entry>\n<id>");
	if (base_url != NULL && *base_url != '\0')
		url_attr(b, base_url, link);
	else if (e->urn != NULL)
		html_text(b, e->urn);
	else
		buf_printf(b, "urn:trustwatch:incident:%lld", (long long)e->id);
	buf_printf(b, "</id>\n<title type=\"text\">");
	html_text(b, e->title);
	buf_printf(b, "</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
	url_attr(b, base_url, link);
	buf_printf(b, "\"/>\n");
	time_el(b, "published", e->published_ms);
	time_el(b, "updated", e->updated_ms);
	buf_printf(b, "<content type=\"text\">");
	html_text(b, e->content);
	buf_printf(b, "</content>\n</entry>\n");
}

void
feed_end(struct buf *b)
{
	buf_printf(b, "</feed>\n");
}
