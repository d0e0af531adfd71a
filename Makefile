# Builds and installs masterlib for C and C++ programs:
#
#   make install PREFIX=/usr/local        # also DESTDIR=..., LIBDIR=..., INCLUDEDIR=...
#
# installs, under the prefix:
#   lib/libmasterlib.so.<version>   (SONAME libmasterlib.so.<major>) with the
#   lib/libmasterlib.so.<major> and lib/libmasterlib.so links, lib/libmasterlib.a,
#   include/masterlib.h and include/masterlib.hpp (C++17 wrapper),
#   lib/pkgconfig/masterlib.pc, lib/cmake/masterlib/masterlib{Config,ConfigVersion}.cmake.
#
# `make build` only builds (cargo, profile PROFILE, default release);
# `make install-files BUILD_DIR=dir` installs libraries already built in dir
# without running cargo (the tests install the ones `cargo test` built);
# `make uninstall PREFIX=...` removes what `install` put there.

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR ?=
CARGO ?= cargo
PROFILE ?= release
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
BUILD_DIR ?= $(TARGET_DIR)/$(if $(filter dev test,$(PROFILE)),debug,$(PROFILE))

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml)
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
VERSION_MINOR := $(word 2,$(subst ., ,$(VERSION)))
SONAME := libmasterlib.so.$(VERSION_MAJOR)
REALNAME := libmasterlib.so.$(VERSION)

SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	-e 's|@VERSION_MAJOR@|$(VERSION_MAJOR)|g' -e 's|@VERSION_MINOR@|$(VERSION_MINOR)|g' \
	-e 's|@VERSION_MAJOR_MINOR@|$(VERSION_MAJOR).$(VERSION_MINOR)|g'

.PHONY: all build install install-files uninstall

all: build

build:
	$(CARGO) build -p dsp-ffi --locked --profile $(PROFILE)

install: build
	$(MAKE) install-files

install-files:
	@test -n "$(VERSION)" || { echo "no version in Cargo.toml" >&2; exit 1; }
	@test -f "$(BUILD_DIR)/libmasterlib.so" || { echo "$(BUILD_DIR)/libmasterlib.so not built (make build)" >&2; exit 1; }
	install -d "$(DESTDIR)$(LIBDIR)/pkgconfig" "$(DESTDIR)$(LIBDIR)/cmake/masterlib" "$(DESTDIR)$(INCLUDEDIR)"
	install -m 755 "$(BUILD_DIR)/libmasterlib.so" "$(DESTDIR)$(LIBDIR)/$(REALNAME)"
	ln -sf "$(REALNAME)" "$(DESTDIR)$(LIBDIR)/$(SONAME)"
	ln -sf "$(SONAME)" "$(DESTDIR)$(LIBDIR)/libmasterlib.so"
	install -m 644 "$(BUILD_DIR)/libmasterlib.a" "$(DESTDIR)$(LIBDIR)/libmasterlib.a"
	install -m 644 include/masterlib.h include/masterlib.hpp "$(DESTDIR)$(INCLUDEDIR)/"
	$(SUBST) dsp-ffi/pkg/masterlib.pc.in > "$(DESTDIR)$(LIBDIR)/pkgconfig/masterlib.pc"
	$(SUBST) dsp-ffi/pkg/masterlibConfig.cmake.in > "$(DESTDIR)$(LIBDIR)/cmake/masterlib/masterlibConfig.cmake"
	$(SUBST) dsp-ffi/pkg/masterlibConfigVersion.cmake.in > "$(DESTDIR)$(LIBDIR)/cmake/masterlib/masterlibConfigVersion.cmake"

uninstall:
	rm -f "$(DESTDIR)$(LIBDIR)/$(REALNAME)" "$(DESTDIR)$(LIBDIR)/$(SONAME)" \
		"$(DESTDIR)$(LIBDIR)/libmasterlib.so" "$(DESTDIR)$(LIBDIR)/libmasterlib.a" \
		"$(DESTDIR)$(INCLUDEDIR)/masterlib.h" "$(DESTDIR)$(INCLUDEDIR)/masterlib.hpp" \
		"$(DESTDIR)$(LIBDIR)/pkgconfig/masterlib.pc"
	rm -rf "$(DESTDIR)$(LIBDIR)/cmake/masterlib"
