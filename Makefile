# trustwatch — GNU make + pkg-config.
# make [all] | deps | test | demo | bench | valgrind | fuzz | install | deb | clean
# Switches: ASAN=1 UBSAN=1 (sanitized objects go to their own build directory).

PREFIX	?= /usr/local
DESTDIR	?=
CC	?= gcc
PKG_CONFIG ?= pkg-config
VERSION	:= 0.1.0

PKGS	:= libcurl openssl sqlite3 libpq libevent libevent_openssl yaml-0.1 jansson libxml-2.0 xmlsec1-openssl zlib
# ldns (libldns-dev): kind dns builds, parses and DNSSEC-verifies DNS packets; the testbed signs its zone.
PKGS	+= ldns

BUILD	:= build
SAN	:=
ifeq ($(ASAN),1)
SAN	+= -fsanitize=address
BUILD	:= $(BUILD)-asan
endif
ifeq ($(UBSAN),1)
SAN	+= -fsanitize=undefined -fno-sanitize-recover=undefined
BUILD	:= $(BUILD)-ubsan
endif

WARN	:= -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 $(WARN) $(SAN) -fno-omit-frame-pointer
# pkg-config runs once per make invocation that builds something. `demo` and `test` first
# install what is missing (scripts/deps.sh), then build in a sub-make, which reads this file
# again: flags are never computed before the packages they come from are there. A module
# that is still missing stops the build with its name (never an empty flag list).
BUILD_GOALS := $(filter-out deps demo test clean,$(or $(MAKECMDGOALS),all))
ifneq ($(BUILD_GOALS),)
PKG_MISSING := $(strip $(foreach m,$(PKGS),$(if $(shell $(PKG_CONFIG) --exists $(m) 2>/dev/null && echo y),,$(m))))
ifneq ($(PKG_MISSING),)
$(error pkg-config cannot find: $(PKG_MISSING) -- run `make deps` (or `make demo` / `make test`, which install it first))
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
# The commit for trustwatch_build_info: `git describe --always --dirty`, "unknown" outside git.
# $(BUILD)/commit changes only when it does, and rebuilds the one object that uses it.
TW_COMMIT := $(or $(shell git describe --always --dirty 2>/dev/null),unknown)
$(shell mkdir -p $(BUILD) && echo '$(TW_COMMIT)' | cmp -s - $(BUILD)/commit || echo '$(TW_COMMIT)' >$(BUILD)/commit)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS))
endif
CPPFLAGS += -D_GNU_SOURCE -DTW_VERSION='"$(VERSION)"' -I. $(PKG_CFLAGS)
LDFLAGS	+= $(SAN)
LDLIBS	:= $(PKG_LIBS) -lm
# cmocka is needed only to link the tests: looked up (or named as missing) when one is linked.
# libpq likewise: tests/support/store_where.c creates the databases of the PostgreSQL pass.
TEST_LDLIBS = $(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),$(error pkg-config cannot find: cmocka -- run `make deps`)) \
	$(TEST_PQ_LIBS)
TEST_PQ_LIBS = $(or $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null),$(error pkg-config cannot find: libpq -- run `make deps`))
TEST_PQ_CFLAGS = $(if $(shell $(PKG_CONFIG) --exists libpq 2>/dev/null && echo y),$(shell $(PKG_CONFIG) --cflags libpq),$(error pkg-config cannot find: libpq -- run `make deps`))

LIB_DIRS := core probe store daemon report alert web tlog
LIB_SRC	:= $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJ	:= $(LIB_SRC:%.c=$(BUILD)/%.o)
TB_SRC	:= $(wildcard testbed/*.c)
TB_OBJ	:= $(TB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/*_test.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT_SRC := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:%.c=$(BUILD)/%.o)

BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIB	:= $(BUILD)/libtrustwatch.a

# V=1 prints the full commands.
ifeq ($(V),1)
Q	:=
QCC	= 
else
Q	:= @
QCC	= @echo "  CC      $<";
endif

.PHONY: all deps test soak unit-test integration-test demo bench valgrind fuzz install deb clean

all: trustwatch trustwatch-testbed

trustwatch: $(BUILD)/trustwatch
	@[ "$(BUILD)" = build ] && ln -sf $(BUILD)/trustwatch trustwatch || true
trustwatch-testbed: $(BUILD)/trustwatch-testbed
	@[ "$(BUILD)" = build ] && ln -sf $(BUILD)/trustwatch-testbed trustwatch-testbed || true

$(BUILD)/web/metrics.o: $(BUILD)/commit
$(BUILD)/web/metrics.o: CPPFLAGS += -DTW_COMMIT='"$(TW_COMMIT)"'

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/trustwatch: $(BUILD)/main.o $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/trustwatch-testbed: $(TB_OBJ) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/support/store_where.o: CPPFLAGS += $(TEST_PQ_CFLAGS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_SUPPORT_OBJ) $(LIB)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Overridable for tests/make_itest.sh, which plays a machine that lacks a package.
DEPS_SH	?= sh scripts/deps.sh
DEMO_SH	?= sh scripts/demo.sh

deps:
	@$(DEPS_SH)

# Unit tests (cmocka binaries) and integration tests (tests/*_itest.sh), plainly, then
# the same again under AddressSanitizer + UndefinedBehaviorSanitizer.
test:
	@$(DEPS_SH)
	@$(MAKE) --no-print-directory all $(TEST_BIN) $(BUILD)/bench/history_gen $(BUILD)/bench/tlog_gen
	@sh tests/run.sh $(BUILD)
	@$(MAKE) --no-print-directory ASAN=1 UBSAN=1 all-san
	@sh tests/run.sh build-asan-ubsan

all-san: $(BUILD)/trustwatch $(BUILD)/trustwatch-testbed $(TEST_BIN) $(BUILD)/bench/history_gen $(BUILD)/bench/tlog_gen

unit-test: all $(TEST_BIN)
	@TW_ONLY=unit sh tests/run.sh $(BUILD)

integration-test: all $(TEST_BIN) $(BUILD)/bench/history_gen $(BUILD)/bench/tlog_gen
	@TW_ONLY=integration sh tests/run.sh $(BUILD)

demo:
	@$(DEPS_SH)
	@$(MAKE) --no-print-directory all
	@$(DEMO_SH)

bench: all $(BENCH_BIN)
	@sh scripts/deps.sh bench
	@sh bench/run.sh $(BUILD)

valgrind: all $(TEST_BIN)
	@TW_VALGRIND=1 sh tests/run.sh $(BUILD)

soak: all
	@bash scripts/soak.sh $(BUILD)

fuzz:
	@sh scripts/deps.sh fuzz
	@sh scripts/fuzz.sh

# Where `make install` puts things (PREFIX, DESTDIR as usual). The systemd unit's state and
# configuration directories are fixed by StateDirectory=/ConfigurationDirectory=: the example
# config is installed as /etc/trustwatch/config.yaml (never over an existing one) with its
# store and site under /var/lib/trustwatch and its certificates under DATADIR/trustwatch.
BINDIR	?= $(PREFIX)/bin
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
DOCDIR	?= $(DATADIR)/doc/trustwatch
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
CONFDIR	:= /etc/trustwatch
STATEDIR := /var/lib/trustwatch
# `make deb` builds the Debian package from a clean copy of the committed tree (git archive
# of HEAD: uncommitted changes are not in it; outside git, the tree without build outputs)
# in a temporary directory, so the source tree stays clean, and leaves the .deb files in
# DEB_OUT.
DEB_OUT	?= $(BUILD)/deb

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/trustwatch $(DESTDIR)$(BINDIR)/trustwatch
	install -m 755 $(BUILD)/trustwatch-testbed $(DESTDIR)$(BINDIR)/trustwatch-testbed
	install -d $(DESTDIR)$(DATADIR)/trustwatch/po $(DESTDIR)$(DATADIR)/trustwatch/certs
	install -m 644 report/po/*.po $(DESTDIR)$(DATADIR)/trustwatch/po/
	install -m 644 examples/certs/*.pem examples/certs/README.md $(DESTDIR)$(DATADIR)/trustwatch/certs/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 644 docs/trustwatch.1 docs/trustwatch-testbed.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 docs/trustwatch.yaml.5 $(DESTDIR)$(MANDIR)/man5/trustwatch.yaml.5
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 contrib/trustwatch.bash-completion $(DESTDIR)$(BASHCOMPDIR)/trustwatch
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/trustwatch.service.in >$(DESTDIR)$(UNITDIR)/trustwatch.service
	chmod 644 $(DESTDIR)$(UNITDIR)/trustwatch.service
	install -m 644 contrib/trustwatch.sysusers $(DESTDIR)$(SYSUSERSDIR)/trustwatch.conf
	install -m 644 contrib/trustwatch.tmpfiles $(DESTDIR)$(TMPFILESDIR)/trustwatch.conf
	install -d $(DESTDIR)$(DOCDIR)
	install -m 644 README.md config.yaml.example $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(CONFDIR)
	@# The example, with absolute paths: data in the state directory, installed certificates.
	sed -e 's|^\(  path:\) trustwatch\.db.*|\1 $(STATEDIR)/trustwatch.db|' \
	    -e 's|^\(  output:\) site$$|\1 $(STATEDIR)/site|' \
	    -e 's|examples/certs/|$(DATADIR)/trustwatch/certs/|g' \
	    -e 's|Certificates are public data, in .*|Certificates are public data, in $(DATADIR)/trustwatch/certs/.|' \
	    -e 's|^\(# Check it with: *\).*|\1trustwatch check -c $(CONFDIR)/config.yaml|' \
	    config.yaml.example >$(BUILD)/config.yaml.installed
	@grep -q '^  path: $(STATEDIR)/trustwatch.db$$' $(BUILD)/config.yaml.installed && \
	    grep -q '^  output: $(STATEDIR)/site$$' $(BUILD)/config.yaml.installed && \
	    ! grep -q 'examples/certs' $(BUILD)/config.yaml.installed || \
	    { echo "install: config.yaml.example changed shape: storage.path/report.output/certs not rewritten" >&2; exit 1; }
	@if [ -e $(DESTDIR)$(CONFDIR)/config.yaml ]; then \
	    echo "install: keeping $(DESTDIR)$(CONFDIR)/config.yaml; the new example is config.yaml.dist beside it"; \
	    install -m 644 $(BUILD)/config.yaml.installed $(DESTDIR)$(CONFDIR)/config.yaml.dist; \
	else \
	    install -m 644 $(BUILD)/config.yaml.installed $(DESTDIR)$(CONFDIR)/config.yaml; \
	fi

# The Debian package (debian/): dpkg-buildpackage -b -us -uc on a clean copy of HEAD.
deb:
	@command -v dpkg-buildpackage >/dev/null || { echo "deb: dpkg-buildpackage missing -- run make deps" >&2; exit 1; }
	@mkdir -p $(DEB_OUT)
	set -e; tmp=$$(mktemp -d /tmp/trustwatch-deb.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	mkdir "$$tmp/trustwatch"; \
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then git archive --format=tar HEAD; \
	else tar -c --exclude='./build*' --exclude=./demo-state --exclude=./tests/browser/node_modules .; \
	fi | tar -x -C "$$tmp/trustwatch"; \
	(cd "$$tmp/trustwatch" && dpkg-buildpackage -b -us -uc); \
	mv "$$tmp"/*.deb $(DEB_OUT)/
	@ls $(DEB_OUT)/*.deb

clean:
	rm -rf build build-asan build-ubsan build-asan-ubsan trustwatch trustwatch-testbed

-include $(shell find build* -name '*.d' 2>/dev/null)
