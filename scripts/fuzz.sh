#!/bin/sh
# make fuzz: builds every libFuzzer target fuzz/fuzz_*.c with clang
# (-fsanitize=fuzzer,address,undefined) against the project sources compiled directly
# (core/*.c probe/*.c; not the gcc library), seeds each from tests/fixtures (real-world and
# generated vectors) plus fuzz/corpus/NAME, and runs each for FUZZ_SECONDS (default 60).
#   FUZZ_SECONDS=N      seconds per target
#   FUZZ_TARGETS="a b"  only these targets (config ocsp crl tsa oidc saml tl dns)
#   FUZZ_BUILD=DIR      work directory (default build-fuzz): objects, corpora, crashes, logs
#   FUZZ_JOBS=N         targets run N at a time (default 1)
#   FUZZ_BUILD_ONLY=1   build and seed, do not run
# Exits 1 when a target found a crash, leak or timeout (the input is saved as
# DIR/crashes/NAME-*; replay it with DIR/fuzz_NAME FILE), 2 when the build failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
SECS=${FUZZ_SECONDS:-60}
B=${FUZZ_BUILD:-build-fuzz}
JOBS=${FUZZ_JOBS:-1}
CLANG=${CLANG:-clang}
RW=tests/fixtures/realworld
PKGS="libcurl openssl sqlite3 libevent libevent_openssl yaml-0.1 jansson libxml-2.0 xmlsec1-openssl ldns"

command -v "$CLANG" >/dev/null 2>&1 || {
	echo "fuzz: $CLANG not found; install it with: sh scripts/deps.sh fuzz" >&2; exit 2; }
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -DTW_VERSION=\"fuzz\" -I.
	$(pkg-config --cflags $PKGS) -Wall -Wextra"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
LIBS="$(pkg-config --libs $PKGS) -lm"
mkdir -p "$B/obj" "$B/crashes" "$B/logs" "$B/seeds" "$B/corpus" "$B/gen"

# Objects are rebuilt when their source, or any project header, is newer.
newest_h=$(ls -t core/*.h probe/*.h | head -1)
objs=""
for src in core/*.c probe/*.c fuzz/util.c; do
	o="$B/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')"
	objs="$objs $o"
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
		echo "fuzz: cc $src"
		$CLANG $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$o" "$src" || exit 2
	fi
done

targets=${FUZZ_TARGETS:-$(ls fuzz/fuzz_*.c | sed 's,fuzz/fuzz_\(.*\)\.c,\1,')}
for t in $targets; do
	echo "fuzz: link fuzz_$t"
	$CLANG $CFLAGS $SAN -fsanitize=fuzzer -o "$B/fuzz_$t" "fuzz/fuzz_$t.c" $objs $LIBS || exit 2
done

# Generated PKI, OCSP responses and CRLs: made once per work directory, so the corpora
# the fuzzers grow stay valid under the same keys. Built with gcc: pki_gen.c calls
# pkigen_take(der, i2d_X(x, &der), len), which relies on gcc's argument evaluation order.
if [ ! -f "$B/gen/.done" ]; then
	${CC:-gcc} $CFLAGS -o "$B/seedgen" fuzz/seedgen.c tests/support/pki_gen.c $LIBS &&
	    "$B/seedgen" "$B/gen" && : >"$B/gen/.done" || exit 2
fi

# Seeds, refreshed every run: fixtures by kind, then checked-in seeds of fuzz/corpus/NAME.
seed() { # seed NAME FILE...
	d="$B/seeds/$1"; shift
	mkdir -p "$d"
	for f in "$@"; do [ -f "$f" ] && cp "$f" "$d/"; done
}
rm -rf "$B/seeds"; mkdir -p "$B/seeds"
seed ocsp $RW/ocsp-*.der "$B"/gen/ocsp/*
seed crl $RW/crl-*.crl $RW/crl-*.pem "$B"/gen/crl/*
seed tsa $RW/*.tst $RW/*.tsr tests/fixtures/tsa/*.tsr
seed oidc $RW/oidc-*.json
seed saml $RW/saml-*.xml
seed tl tests/fixtures/tl/*.xml
seed config config.yaml.example
for t in $targets; do
	[ -d "fuzz/corpus/$t" ] && seed "$t" fuzz/corpus/"$t"/*
	mkdir -p "$B/seeds/$t" "$B/corpus/$t"
done

[ -n "${FUZZ_BUILD_ONLY:-}" ] && { echo "fuzz: built into $B"; exit 0; }

maxlen() {
	case "$1" in
	config) echo 8192 ;; ocsp) echo 8192 ;; tsa|oidc) echo 16384 ;; tl) echo 1048576 ;; *) echo 32768 ;;
	esac
}

run_one() { # run_one NAME: runs one target for SECS, prints one summary line
	t=$1
	dict=""
	[ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
	TW_ROOT="$ROOT" TW_FUZZ_GEN="$ROOT/$B/gen" \
	    "$B/fuzz_$t" -max_total_time="$SECS" -max_len="$(maxlen "$t")" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$B/crashes/$t-" \
	    $dict "$B/corpus/$t" "$B/seeds/$t" >"$B/logs/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/logs/$t.log")
	cov=$(grep -Eo 'cov: [0-9]+' "$B/logs/$t.log" | tail -1)
	corp=$(ls "$B/corpus/$t" | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: ok    $t: ${SECS}s, ${execs:-?} execs, $cov, corpus $corp"
	else
		: >"$B/logs/$t.found"
		echo "fuzz: FOUND $t (rc $rc): $(grep -E 'ERROR|SUMMARY|Test unit written' "$B/logs/$t.log" | head -3)"
	fi
	return $rc
}

found=0
running=0
rm -f "$B"/logs/*.found
for t in $targets; do
	if [ "$JOBS" -le 1 ]; then
		run_one "$t" || found=1
		continue
	fi
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait; running=0
	fi
done
wait
# In parallel mode the exit codes are lost to wait: a marker file records each finding.
[ -n "$(ls "$B"/logs/*.found 2>/dev/null)" ] && found=1
if [ "$found" -ne 0 ]; then
	echo "fuzz: findings in $B/crashes:"; ls "$B/crashes"
	exit 1
fi
echo "fuzz: no findings (logs in $B/logs)"
