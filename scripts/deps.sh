#!/bin/sh
# Installs the Debian packages trustwatch needs to build, test and demo.
# Idempotent: only missing packages are installed; apt-get update runs only when needed.
set -e
PKGS="build-essential pkg-config libcurl4-openssl-dev libssl-dev openssl libsqlite3-dev sqlite3
libevent-dev libcmocka-dev libyaml-dev libjansson-dev libxml2-dev libxml2-utils curl python3
valgrind ca-certificates gettext prometheus wrk"
# Optional groups, never installed by default: `deps.sh fuzz` (make fuzz: clang + libFuzzer
# runtime), `deps.sh bench` (make bench: the tools trustwatch is compared with).
case "${1:-}" in
fuzz)	PKGS="clang libclang-rt-14-dev" ;;
bench)	PKGS="prometheus-blackbox-exporter openssl curl" ;;
"")	;;
*)	echo "usage: deps.sh [fuzz|bench]" >&2; exit 3 ;;
esac
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all packages present"; exit 0; }
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists: update first, then install.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
