#!/bin/sh
# Quick compile for a developer's inner loop, with the project's flags:
#   scripts/quick.sh OUT file.c [file.c ...]   (links cmocka too)
# The real build is `make`; this only avoids building files you do not need.
out=$1; shift
PKGS="libcurl openssl sqlite3 libevent libevent_openssl yaml-0.1 jansson libxml-2.0 cmocka"
exec ${CC:-gcc} -std=c11 -O1 -g -D_GNU_SOURCE -DTW_VERSION='"dev"' -I. \
	-Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror \
	${SAN:-} $(pkg-config --cflags $PKGS) -o "$out" "$@" $(pkg-config --libs $PKGS) -lm
