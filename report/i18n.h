/*
 * User-interface strings and local conventions for en, fr and de, independent of the
 * system's installed locales. Translations live in gettext .po files (report/po/LANG.po),
 * parsed at run time by a small strict parser; English is the msgid itself.
 * Dates are formatted in the zone passed (NULL = UTC), never the process time zone.
 */
#ifndef TW_I18N_H
#define TW_I18N_H

#include <stddef.h>
#include <stdint.h>

struct i18n;
struct tz;

/*
 * Parses .po text for lang ("en", "fr", "de"). Fuzzy entries are ignored; msgctxt is
 * refused; plural entries have exactly two forms (msgstr[0], msgstr[1]). Returns the catalog (caller frees), or NULL with *err set
 * (caller frees) naming the line.
 */
struct i18n *i18n_parse(const char *lang, const char *text, size_t len, char **err);

/*
 * Loads the catalog of lang: "en" needs no file; others read LANG.po from the first
 * directory that has it among $TRUSTWATCH_DATADIR/po, EXE/../share/trustwatch/po,
 * EXE/../report/po, EXE/../../report/po and ./report/po (EXE = the running binary's
 * directory). Returns NULL with *err set (caller frees) when none parses.
 */
struct i18n *i18n_load(const char *lang, char **err);
void i18n_free(struct i18n *);		/* i18n_free(NULL) is a no-op */

/* Returns the language code (borrowed). */
const char *i18n_lang(const struct i18n *);

/* Returns the translation of msgid (borrowed from the catalog), or msgid itself. */
const char *i18n_get(struct i18n *, const char *msgid);

/*
 * ngettext: the form of singular/plural for n (fr: singular for 0 and 1; en, de: for 1).
 * Borrowed from the catalog or the arguments.
 */
const char *i18n_nget(struct i18n *, const char *singular, const char *plural,
    unsigned long n);

/* Number of msgids asked for that the catalog did not translate (never counts for en). */
size_t i18n_misses(const struct i18n *);
/* The first missed msgid (borrowed), or NULL. */
const char *i18n_first_miss(const struct i18n *);

/* Local date and time in the zone (NULL = UTC): en 2026-12-17 08:00, fr 17/12/2026 08:00, de 17.12.2026 08:00. */
void i18n_datetime(const struct i18n *, const struct tz *, int64_t ms, char *out, size_t outsz);
/* The same with seconds and the zone's abbreviation: en 2026-12-17 08:00:05 CET. */
void i18n_datetime_zone(const struct i18n *, const struct tz *, int64_t ms, char *out, size_t outsz);
/* Local date only, same conventions. */
void i18n_date(const struct i18n *, const struct tz *, int64_t ms, char *out, size_t outsz);
/* A "YYYY-MM-DD" day string in the language's date convention. */
void i18n_day(const struct i18n *, const char *day, char *out, size_t outsz);
/* "December 2026" / "décembre 2026" / "Dezember 2026" for year, month 1..12. */
void i18n_month(struct i18n *, int year, int month, char *out, size_t outsz);

/* A number with decimals digits, decimal comma for fr and de. */
void i18n_number(const struct i18n *, double v, int decimals, char *out, size_t outsz);
/*
 * An uptime percentage, truncated (never rounded up to 100) to 2 decimals:
 * en 99.95%, fr 99,95 % (narrow no-break space), de 99,95 % (no-break space); "–" when < 0.
 */
void i18n_percent(const struct i18n *, double pct, char *out, size_t outsz);
/* A duration as "2 d 3 h", "3 h 5 min", "4 min 2 s", "12 s" with translated units. */
void i18n_duration(struct i18n *, int64_t ms, char *out, size_t outsz);

/* Writes tpl with {1}..{9} replaced by args (plain text) into out; returns out. */
char *i18n_subst(const char *tpl, const char *const *args, size_t n, char *out, size_t outsz);

#endif
