/*
 * The only door through which untrusted text reaches HTML, XML (Atom, SVG) and
 * JSON embedded in HTML. Every function appends to a struct buf.
 * Invalid UTF-8, C0 controls other than tab/LF/CR, U+FFFE/U+FFFF come out as U+FFFD.
 */
#ifndef TW_HTML_H
#define TW_HTML_H

#include <stddef.h>

#include "../core/util.h"

/* Appends s as element text (HTML or XML): & < > " ' escaped, U+2028/2029 as references. */
void html_text(struct buf *, const char *s);

/* Appends s for a double- or single-quoted attribute value (same escaping as html_text). */
void html_attr(struct buf *, const char *s);

/*
 * Appends s as a JSON string literal safe inside <script>: quotes, backslashes and controls
 * escaped, "</" written "<\/", "<!--" broken, U+2028/2029 as \u escapes.
 */
void html_json_string(struct buf *, const char *s);

/*
 * Appends tpl (trusted text, escaped as html_text) with {1}..{9} replaced by args[0..n-1],
 * which are trusted HTML fragments already produced by this module.
 */
void html_tpl(struct buf *, const char *tpl, const char *const *args, size_t n);

/* Returns a copy of s (NULL = "") with every invalid sequence replaced as above; caller frees. */
char *html_utf8_clean(const char *s);

/* Returns 1 when s is valid UTF-8 without the characters replaced above, else 0. */
int html_utf8_is_clean(const char *s);

#endif
