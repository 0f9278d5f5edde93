/* The output directory's ownership (SPEC §9), for site.c. */
#ifndef TW_SITE_OUTPUT_H
#define TW_SITE_OUTPUT_H

/* Written at the root of every rendered site: the directory is trustwatch's to replace. */
#define SITE_MARKER	".trustwatch-site"

/*
 * Removes the partial renders (".BASE.new-*") in parent that no live render holds locked,
 * except mine (a path, or NULL).
 */
void site_output_clean(const char *parent, const char *base, const char *mine);
/* Locks the temporary directory dir of this render; returns the fd to close, or -1. */
int site_output_lock(const char *dir);

#endif
