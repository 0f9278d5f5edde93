#!/bin/sh
# Integration: trustwatch installed as a Debian service (issue 16.1).
#  - `make install PREFIX=/usr/local DESTDIR=…`: the unit runs the installed binary, the example
#    config keeps its data under /var/lib/trustwatch, an existing config is never overwritten;
#  - `make deb` builds trustwatch_VERSION_amd64.deb, which `dpkg -i` installs on this machine:
#    the binary runs, `check` accepts the installed config (as the service user), the user
#    and the state directory exist, the unit is enabled, the man pages are installed and
#    lint-clean, the translations are found, `systemd-analyze verify` is clean and
#    `systemd-analyze security --offline=true` rates the unit's exposure at most 2.0; the
#    daemon, run as the service user against the testbed under strace, makes no system call
#    outside the unit's SystemCallFilter=;
#  - `dpkg --purge` removes it again.
# Needs root (dpkg -i); a non-root developer gets a skip. Runs only in the plain pass of
# tests/run.sh: the ASan pass would build the same package a second time. When systemd runs
# on this machine, a policy-rc.d keeps the postinst from starting the daemon (which would
# probe the internet) for the duration of the test.
set -u
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
case "${TW_BIN:-}" in *asan*|*ubsan*)
	echo "# skip: the package is built and installed in the plain pass only"; echo "# pass 0"; exit 0 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: dpkg -i needs root"; echo "# pass 0"; exit 0
fi
if dpkg -s trustwatch >/dev/null 2>&1; then
	echo "# skip: a trustwatch package is already installed on this machine; not replacing it"
	echo "# pass 0"; exit 0
fi
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
	echo "# summary: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && echo "# pass $pass" || echo "# fail $fail"
	[ "$fail" -eq 0 ]
	exit
}
for tool in dpkg-buildpackage dh mandoc systemd-analyze git runuser strace python3 curl; do
	command -v "$tool" >/dev/null 2>&1 || not_ok "$tool missing (make deps installs it)"
done
[ "$fail" -eq 0 ] || finish

work=$(mktemp -d /tmp/tw-package-itest.XXXXXX)
policy=/usr/sbin/policy-rc.d
made_policy=
installed=
tbpid= spid=
cleanup() {
	[ -n "$spid" ] && kill -KILL "$spid" 2>/dev/null
	[ -n "$tbpid" ] && kill -TERM "$tbpid" 2>/dev/null
	[ -n "$installed" ] && dpkg -s trustwatch >/dev/null 2>&1 && dpkg --purge trustwatch >/dev/null 2>&1
	[ -n "$made_policy" ] && rm -f "$policy"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
TESTBED=${TW_TESTBED:-$ROOT/build/trustwatch-testbed}
version=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$ROOT/Makefile")

# 1. make install into a staging directory.
dest=$work/dest
if make -C "$ROOT" --no-print-directory install DESTDIR="$dest" PREFIX=/usr/local >"$work/install.log" 2>&1; then
	ok "make install DESTDIR PREFIX=/usr/local"
else
	not_ok "make install failed"; tail -20 "$work/install.log"
fi
unit=$dest/usr/local/lib/systemd/system/trustwatch.service
if grep -q '^ExecStart=/usr/local/bin/trustwatch run -c /etc/trustwatch/config.yaml$' "$unit" 2>/dev/null &&
    [ -x "$dest/usr/local/bin/trustwatch" ]; then
	ok "the installed unit runs the installed binary (/usr/local/bin)"
else
	not_ok "unit ExecStart does not name /usr/local/bin/trustwatch"
fi
for f in usr/local/share/man/man1/trustwatch.1 usr/local/share/man/man5/trustwatch.yaml.5 \
    usr/local/share/bash-completion/completions/trustwatch usr/local/lib/sysusers.d/trustwatch.conf \
    usr/local/lib/tmpfiles.d/trustwatch.conf usr/local/share/trustwatch/po/fr.po \
    usr/local/share/trustwatch/certs/luxtrust-global-root-2.pem etc/trustwatch/config.yaml; do
	[ -f "$dest/$f" ] || not_ok "make install did not install /$f"
done
cfg=$dest/etc/trustwatch/config.yaml
if grep -q '^  path: /var/lib/trustwatch/trustwatch.db$' "$cfg" && grep -q '^  output: /var/lib/trustwatch/site$' "$cfg" &&
    grep -q '/usr/local/share/trustwatch/certs/luxtrust-global-root-2.pem' "$cfg"; then
	ok "the installed config keeps store and site under /var/lib/trustwatch, certificates installed"
else
	not_ok "installed config paths"; grep -n 'path:\|output:\|certs' "$cfg"
fi
echo "# an operator's edit" >>"$cfg"
make -C "$ROOT" --no-print-directory install DESTDIR="$dest" PREFIX=/usr/local >"$work/install2.log" 2>&1
if tail -1 "$cfg" | grep -q "operator's edit" && [ -f "$dest/etc/trustwatch/config.yaml.dist" ]; then
	ok "a second make install keeps the existing config (new example as config.yaml.dist)"
else
	not_ok "make install overwrote an existing config"
fi

# 2. make deb.
if make -C "$ROOT" --no-print-directory deb DEB_OUT="$work/deb" >"$work/deb.log" 2>&1; then
	ok "make deb"
else
	not_ok "make deb failed"; tail -30 "$work/deb.log"; finish
fi
deb=$work/deb/trustwatch_${version}-1_amd64.deb
if [ -f "$deb" ]; then ok "built $(basename "$deb")"; else not_ok "no $(basename "$deb") in: $(ls "$work/deb")"; finish; fi
if [ ! -e "$ROOT/debian/trustwatch" ] && [ ! -e "$ROOT/debian/.debhelper" ] && [ ! -e "$ROOT/debian/files" ]; then
	ok "make deb leaves no build products in the source tree"
else
	not_ok "make deb left debian/ build products in the source tree"
fi

# 3. dpkg -i (never starting the daemon).
if [ -d /run/systemd/system ] && [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
fi
installed=1
if dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
	ok "dpkg -i installs the package"
else
	not_ok "dpkg -i failed"; tail -20 "$work/dpkg.log"; finish
fi
if /usr/bin/trustwatch --help >/dev/null && [ "$(/usr/bin/trustwatch --version)" = "trustwatch $version" ]; then
	ok "/usr/bin/trustwatch runs (--help, --version $version)"
else
	not_ok "/usr/bin/trustwatch does not run"
fi
if pw=$(getent passwd trustwatch); then
	case $pw in
	*:/var/lib/trustwatch:/usr/sbin/nologin) ok "the system user trustwatch exists (home /var/lib/trustwatch, no login)" ;;
	*) not_ok "user trustwatch: $pw" ;;
	esac
else
	not_ok "no user trustwatch"
fi
if [ "$(stat -c '%U:%G %a' /var/lib/trustwatch 2>/dev/null)" = "trustwatch:trustwatch 750" ]; then
	ok "/var/lib/trustwatch exists, trustwatch:trustwatch 0750"
else
	not_ok "/var/lib/trustwatch: $(stat -c '%U:%G %a' /var/lib/trustwatch 2>&1)"
fi
if (cd "$work" && runuser -u trustwatch -- /usr/bin/trustwatch check -c /etc/trustwatch/config.yaml) >"$work/check.log" 2>&1; then
	ok "trustwatch check accepts /etc/trustwatch/config.yaml (as the service user)"
else
	not_ok "trustwatch check -c /etc/trustwatch/config.yaml"; cat "$work/check.log"
fi
if dpkg-query -W -f='${Conffiles}\n' trustwatch | grep -q '/etc/trustwatch/config.yaml'; then
	ok "/etc/trustwatch/config.yaml is a conffile"
else
	not_ok "config.yaml is not a conffile"
fi
if [ -L /etc/systemd/system/multi-user.target.wants/trustwatch.service ]; then
	ok "the unit is enabled (multi-user.target.wants)"
else
	not_ok "the unit is not enabled"
fi
unit=$(dpkg -L trustwatch | grep '/systemd/system/trustwatch.service$')
if [ -n "$unit" ] && grep -q '^ExecStart=/usr/bin/trustwatch run -c /etc/trustwatch/config.yaml$' "$unit"; then
	ok "installed unit $unit runs /usr/bin/trustwatch"
else
	not_ok "installed unit missing or ExecStart wrong: $unit"
fi

# Man pages: installed, found by man, lint-clean.
for page in 1/trustwatch 1/trustwatch-testbed 5/trustwatch.yaml; do
	f=/usr/share/man/man${page%%/*}/${page#*/}.${page%%/*}.gz
	if [ ! -f "$f" ]; then not_ok "$f not installed"; continue; fi
	lint=$(mandoc -Tlint -W warning "$f" 2>&1)
	if [ -z "$lint" ]; then ok "mandoc -Tlint: $f clean"; else not_ok "mandoc -Tlint $f"; echo "$lint"; fi
	if command -v man >/dev/null 2>&1; then
		w=$(man --warnings -l "$f" 2>&1 >/dev/null)
		if [ -z "$w" ]; then ok "man --warnings: $f clean"; else not_ok "man --warnings $f"; echo "$w"; fi
	fi
done
comp=/usr/share/bash-completion/completions/trustwatch
if [ -f "$comp" ] && out=$(bash -c ". $comp; COMP_WORDS=(trustwatch pro); COMP_CWORD=1; _trustwatch; echo \${COMPREPLY[*]}") &&
    [ "$out" = probe ]; then
	ok "bash completion installed and completes subcommands"
else
	not_ok "bash completion: ${out:-not installed}"
fi

# Translations: the installed binary finds /usr/share/trustwatch/po (not the source tree).
cat >"$work/site.yaml" <<YAML
storage: { path: $work/s/tw.db }
report: { output: $work/s/site, languages: [en, fr, de] }
providers:
  - id: p
    endpoints: [ { id: web, kind: login, url: "http://127.0.0.1:9/" } ]
YAML
mkdir -p "$work/s"
if (cd "$work" && env -u TRUSTWATCH_DATADIR /usr/bin/trustwatch report -c "$work/site.yaml") >"$work/report.log" 2>&1 &&
    [ -f "$work/s/site/fr/index.html" ] && [ -f "$work/s/site/de/index.html" ]; then
	ok "the installed binary renders fr and de from /usr/share/trustwatch/po"
else
	not_ok "report in fr/de with the installed catalogues"; tail -5 "$work/report.log"
fi

# systemd-analyze on the installed unit.
if out=$(systemd-analyze verify "$unit" 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify $unit: clean"
else
	not_ok "systemd-analyze verify $unit"; echo "$out"
fi
sec=$(systemd-analyze security --offline=true "$unit" 2>&1)
score=$(echo "$sec" | sed -n 's/.*Overall exposure level for trustwatch.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	ok "systemd-analyze security --offline=true: exposure $score (<= 2.0)"
else
	not_ok "exposure '${score:-?}' (want <= 2.0)"; echo "$sec" | grep -v '✓' | tail -25
fi

# The daemon under the unit's system call filter. No systemd runs here, so the installed binary
# runs as the service user under strace against the testbed (probes of every kind, a render
# child, the web server, a SIGHUP reload, SIGTERM): every system call it makes must be in
# the unit's SystemCallFilter= (@system-service minus @privileged and @resources).
tb=$work/tb svc=$work/svc
mkdir -p "$tb" "$svc" && chmod 755 "$work" && chown trustwatch:trustwatch "$svc"
"$TESTBED" --state "$tb" --write-config "$tb/cfg.yaml" >"$work/testbed.log" 2>&1 &
tbpid=$!
wait_for() {	# wait_for SECONDS COMMAND...: polls until COMMAND succeeds
	_end=$(($(date +%s) + $1)); shift
	until "$@"; do [ "$(date +%s)" -ge "$_end" ] && return 1; sleep 0.1; done
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if wait_for 30 test -f "$tb/cfg.yaml"; then
	chmod 755 "$tb" "$tb/pki" && chmod 644 "$tb"/pki/*.pem	# certificates only; keys stay 0600
	sed -e "s|^  path: .*|  path: $svc/tw.db|" -e "s|^  output: .*|  output: $svc/site|" \
	    -e 's|^  interval: .*|  interval: 1s|' "$tb/cfg.yaml" >"$svc/run.yaml"
	printf 'web:\n  listen: 127.0.0.1:%s\n' "$port" >>"$svc/run.yaml"
	sed -i 's|^report:$|report:\n  every: 1s\n  languages: [en, fr]|' "$svc/run.yaml"
	chmod 644 "$svc/run.yaml"
	strace -f -qq -u trustwatch -o "$work/strace.out" /usr/bin/trustwatch run -c "$svc/run.yaml" \
	    >"$work/run.log" 2>&1 &
	spid=$!
	wait_for 10 pgrep -P "$spid" >/dev/null
	twpid=$(pgrep -P "$spid" | head -1)
	renders() { grep -c 'msg="report rendered"' "$work/run.log"; }
	if wait_for 30 sh -c "[ \$(grep -c 'msg=\"report rendered\"' '$work/run.log') -ge 1 ]" &&
	    wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" &&
	    kill -HUP "$twpid" && wait_for 10 grep -q 'msg="config reloaded"' "$work/run.log" &&
	    n=$(renders) && wait_for 10 sh -c "[ \$(grep -c 'msg=\"report rendered\"' '$work/run.log') -gt $n ]"; then
		ok "the daemon ran as the service user: probes, renders, /metrics, a reload"
		ran=1
	else
		ran=
		not_ok "the daemon under strace did not render, serve and reload"; tail -20 "$work/run.log"
	fi
	[ -n "$twpid" ] && kill -TERM "$twpid"
	wait_for 20 sh -c "! kill -0 $spid 2>/dev/null" || { kill -KILL "$spid"; not_ok "the daemon did not stop on SIGTERM"; }
	wait "$spid" 2>/dev/null
	out=$(python3 - "$work/strace.out" <<'PY'
import re, subprocess, sys
cache = {}
def expand(group):
    if group not in cache:
        out = subprocess.run(["systemd-analyze", "syscall-filter", group],
                             capture_output=True, text=True, check=True).stdout
        names = set()
        for line in out.splitlines()[1:]:
            t = line.strip()
            if not t or t.startswith("#"):
                continue
            names |= expand(t) if t.startswith("@") else {t}
        cache[group] = names
    return cache[group]
used = set()
for line in open(sys.argv[1]):
    m = re.match(r"^\d+ +([a-z_0-9]+)\(", line)
    if m:
        used.add(m.group(1))
allowed = expand("@system-service") - expand("@privileged") - expand("@resources")
outside = sorted(used - allowed - {"execve"})
print(len(used), " ".join(outside))
PY
)
	if [ -z "$ran" ]; then
		not_ok "system calls not checked: the daemon did not run"
	elif [ -n "$out" ] && [ "${out#* }" = "" ]; then
		ok "all ${out% *} system calls of the daemon are inside the unit's SystemCallFilter="
	else
		not_ok "system calls outside the unit's SystemCallFilter=: ${out#* }"
	fi
else
	not_ok "the testbed wrote no config"; tail -5 "$work/testbed.log"
fi
kill -TERM "$tbpid" 2>/dev/null; wait "$tbpid" 2>/dev/null
tbpid= spid=

# 4. dpkg --purge.
files=$(dpkg -L trustwatch | while read -r f; do [ -f "$f" ] && echo "$f"; done)
if dpkg --purge trustwatch >"$work/purge.log" 2>&1; then
	ok "dpkg --purge trustwatch"
else
	not_ok "dpkg --purge failed"; tail -20 "$work/purge.log"
fi
installed=
left=
for f in $files /etc/trustwatch/config.yaml /etc/systemd/system/multi-user.target.wants/trustwatch.service /var/lib/trustwatch; do
	if [ -e "$f" ] || [ -L "$f" ]; then left="$left $f"; fi
done
if [ -z "$left" ] && ! dpkg -s trustwatch >/dev/null 2>&1; then
	ok "purged: every installed file, the config, the enable link and /var/lib/trustwatch are gone"
else
	not_ok "left after purge:$left"
fi
finish
