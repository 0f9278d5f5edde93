#!/bin/sh
# Installs the Debian packages trustwatch needs to build, test and demo.
# Idempotent: only missing packages are installed; apt-get update runs only when needed.
# Then the browser test's node modules (tests/browser: playwright-core, axe-core, pinned in
# package-lock.json) are installed with `npm ci`, only when node_modules is missing or was
# installed from another package-lock.json (stamp: node_modules/.deps-stamp). No browser is
# ever downloaded: the test drives Debian's chromium.
# git, debhelper, dpkg-dev: `make deb`; mandoc, man-db, systemd (systemd-analyze), strace: the
# package test's checks of the man pages and the unit (tests/package_itest.sh).
# libpq-dev: the PostgreSQL store backend (store/pg*.c, pkg-config libpq) and the unit tests'
# database helper (tests/support/store_where.c); postgresql: the server binaries (initdb,
# pg_ctl, postgres, psql) with which tests/support/pg.sh starts a private server for the
# PostgreSQL pass of tests/run.sh. Its packaged cluster is not needed by the tests.
# libldns-dev: kind dns (packets, DNSSEC verification) and the testbed's signed zone; ldnsutils:
# `drill`, with which tests/testbed_itest.sh proves the testbed's DNS faults.
# golang-go, golang-golang-x-mod-dev: the record's interop test only (tests/tlog_interop_itest.sh
# builds tests/interop/verify.go offline against golang.org/x/mod/sumdb/{note,tlog}).
# xmlsec1: the XML-DSig command-line tool; tests/testbed_itest.sh verifies the testbed's
# trusted list with it, independently of trustwatch.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKGS="build-essential pkg-config libcurl4-openssl-dev libssl-dev openssl libsqlite3-dev sqlite3 libpq-dev
libevent-dev libcmocka-dev libyaml-dev libjansson-dev libxml2-dev libxmlsec1-dev libxml2-utils zlib1g-dev curl python3
valgrind ca-certificates gettext prometheus wrk chromium nodejs
git debhelper dpkg-dev mandoc man-db systemd strace
postgresql libpq-dev golang-go golang-golang-x-mod-dev xmlsec1
libldns-dev ldnsutils"
NODE_DEPS=1
# Optional groups, never installed by default: `deps.sh fuzz` (make fuzz: clang + libFuzzer
# runtime), `deps.sh bench` (make bench: the tools trustwatch is compared with).
case "${1:-}" in
fuzz)	PKGS="clang libclang-rt-14-dev"; NODE_DEPS= ;;
bench)	PKGS="prometheus-blackbox-exporter openssl curl"; NODE_DEPS= ;;
"")	;;
*)	echo "usage: deps.sh [fuzz|bench]" >&2; exit 3 ;;
esac
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# Debian's nodejs comes without npm (package npm); a nodejs that bundles npm (NodeSource)
# conflicts with that package, so npm is installed only when the command is missing.
[ -n "$NODE_DEPS" ] && ! command -v npm >/dev/null 2>&1 && missing="$missing npm"
if [ -z "$missing" ]; then
	echo "deps: all packages present"
else
	echo "deps: installing$missing"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine has no package lists: update first, then install.
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi

[ -n "$NODE_DEPS" ] || exit 0
lock=$ROOT/tests/browser/package-lock.json
stamp=$ROOT/tests/browser/node_modules/.deps-stamp
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "deps: tests/browser/node_modules up to date"
	exit 0
fi
echo "deps: npm ci --prefix tests/browser"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$ROOT/tests/browser" --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
