# Builds and installs masterlib for C and C++ programs:
#
#   make install PREFIX=/usr/local        # also DESTDIR=..., LIBDIR=..., INCLUDEDIR=...
#
# installs, under the prefix:
#   lib/libmasterlib.so.<version>   (SONAME libmasterlib.so.<major>) with the
#   lib/libmasterlib.so.<major> and lib/libmasterlib.so links, lib/libmasterlib.a,
#   include/masterlib.h and include/masterlib.hpp (C++17 wrapper),
#   lib/pkgconfig/masterlib.pc, lib/cmake/masterlib/masterlib{Config,ConfigVersion}.cmake
# (both relocatable: the installed tree may move as a whole).
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

# The package files find the prefix from where they lie (pkg-config's
# ${pcfiledir}, CMake's CMAKE_CURRENT_LIST_DIR), so that the installed tree
# can move; LIBDIR and INCLUDEDIR outside PREFIX are written as they are.
empty :=
space := $(empty) $(empty)
under_prefix = $(if $(filter $(PREFIX)/%,$(1)),$(patsubst $(PREFIX)/%,%,$(1)))
LIBDIR_REL := $(call under_prefix,$(LIBDIR))
INCLUDEDIR_REL := $(call under_prefix,$(INCLUDEDIR))
ups = $(subst $(space),/,$(foreach d,$(subst /, ,$(1)),..))
PC_PREFIX := $(if $(LIBDIR_REL),$${pcfiledir}/$(call ups,$(LIBDIR_REL)/pkgconfig),$(PREFIX))
CMAKE_PREFIX := $(if $(LIBDIR_REL),$${CMAKE_CURRENT_LIST_DIR}/$(call ups,$(LIBDIR_REL)/cmake/masterlib),$(PREFIX))
relative = $(if $(call under_prefix,$(1)),$(2)/$(call under_prefix,$(1)),$(1))

SUBST = sed -e 's|@PC_PREFIX@|$(PC_PREFIX)|g' -e 's|@CMAKE_PREFIX@|$(CMAKE_PREFIX)|g' \
	-e 's|@PC_LIBDIR@|$(call relative,$(LIBDIR),$${prefix})|g' \
	-e 's|@PC_INCLUDEDIR@|$(call relative,$(INCLUDEDIR),$${prefix})|g' \
	-e 's|@CMAKE_LIBDIR@|$(call relative,$(LIBDIR),$${_masterlib_prefix})|g' \
	-e 's|@CMAKE_INCLUDEDIR@|$(call relative,$(INCLUDEDIR),$${_masterlib_prefix})|g' \
	-e 's|@VERSION@|$(VERSION)|g' \
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
