#!/bin/sh
# The site's translations: every report/po/*.po passes `msgfmt --check`, and every string
# the renderer marks for translation (T(), N_(), i18n_get() in report/*.c, the kinds' strings in probe/*.c and the plain
# words of core/explain.c) has a msgid in
# each catalog. msgfmt (Debian gettext) is a test dependency: its absence is a failure.
set -u
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

if ! command -v msgfmt >/dev/null 2>&1; then
	not_ok "msgfmt not found (install gettext: make deps)"
	echo "# pass $pass"; echo "# fail $fail"; exit 1
fi
n=0
for po in "$ROOT"/report/po/*.po; do
	[ -f "$po" ] || continue
	n=$((n + 1))
	if out=$(msgfmt --check --check-format -o /dev/null "$po" 2>&1); then
		ok "msgfmt --check $(basename "$po")"
	else
		not_ok "msgfmt --check $(basename "$po"): $out"
	fi
	# No fuzzy or untranslated entries: --statistics says "N translated messages." only.
	stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1)
	case "$stats" in
	*fuzzy*|*untranslated*) not_ok "$(basename "$po") is incomplete: $stats" ;;
	*) ok "$(basename "$po"): $stats" ;;
	esac
done
[ "$n" -ge 2 ] && ok "$n catalogs" || not_ok "expected fr.po and de.po, found $n catalogs"

# Every marked string is in every catalog.
missing=$(python3 - "$ROOT" <<'PY'
import glob, re, sys
root = sys.argv[1]
pat = re.compile(r'(?:\bT\(\s*\w+\s*,|\bN_\(|\bi18n_get\(\s*[\w>-]+\s*,)\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\)')
ids = set(["d", "h", "min", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"])
for f in glob.glob(root + "/report/*.c") + glob.glob(root + "/probe/*.c") + [root + "/core/explain.c"]:
    for m in pat.finditer(open(f, encoding="utf-8").read()):
        ids.add("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))))
# ngettext: i18n_nget(c, "singular", "plural", n) needs a plural entry (msgid_plural).
npat = re.compile(r'\bi18n_nget\(\s*[\w>-]+\s*,\s*"((?:[^"\\]|\\.)*)"\s*,\s*"((?:[^"\\]|\\.)*)"')
plurals = set()
for f in glob.glob(root + "/report/*.c"):
    for m in npat.finditer(open(f, encoding="utf-8").read()):
        plurals.add(m.group(1))
for po in sorted(glob.glob(root + "/report/po/*.po")):
    have, hplural, cur, state = set(), set(), None, None
    for line in open(po, encoding="utf-8"):
        line = line.strip()
        if line.startswith("msgid "):
            cur, state = line[6:].strip()[1:-1], "id"
        elif line.startswith("msgid_plural "):
            hplural.add(cur); state = "plural"
        elif line.startswith("msgstr ") or line.startswith("msgstr[0] "):
            have.add(cur); state = "str"
        elif line.startswith('"') and state == "id":
            cur += line[1:-1]
    for i in sorted(ids - have):
        print("%s: %s" % (po.split("/")[-1], i))
    for i in sorted(plurals - hplural):
        print("%s: %s (plural entry)" % (po.split("/")[-1], i))
PY
)
[ -z "$missing" ] && ok "every marked string has a msgid in every catalog" ||
	not_ok "strings missing from catalogs:
$missing"

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
