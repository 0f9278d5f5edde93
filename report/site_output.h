/* The output directory's ownership (SPEC §9), for site.c. */
#ifndef TW_SITE_OUTPUT_H
#define TW_SITE_OUTPUT_H

/* Written at the root of every rendered site: the directory is trustwatch's to replace. */
#define SITE_MARKER	".trustwatch-site"

/*
 * Creates this render's temporary directory PARENT/.BASE.new-XXXXXX (and PARENT), locked for
 * as long as the returned fd is open, then removes the partial renders beside it that no
 * live render holds. Returns the fd (caller closes), or -1 with errno; *tmpl is set either
 * way (caller frees).
 */
int site_output_tmpdir(const char *parent, const char *base, char **tmpl);

#endif
