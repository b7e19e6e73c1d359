# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
# Shared by the userspace Makefiles (lib, tools, examples, tests/lib):
# where objects go, the compiler flags, and how to build the library.
# O is the output directory; objects never land in the source tree.
# Guest builds (guest-install) link everything statically into GUEST_O.

USERSPACE_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
O ?= $(USERSPACE_TOP)/build/userspace
GUEST_O ?= $(or $(SYSGENID_BUILD),$(USERSPACE_TOP)/build)/userspace-guest

CC ?= cc
AR ?= ar
CFLAGS ?= -O2 -g
SG_CFLAGS := -std=gnu11 -Wall -Wextra -I$(USERSPACE_TOP)/lib/include \
	$(CPPFLAGS) $(CFLAGS)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install

LIBSYSGENID_A := $(O)/lib/libsysgenid.a
LIBSYSGENID_SO := $(O)/lib/libsysgenid.so

# Static library in $(1), for the programs of a guest build.
define libsysgenid_static
	$(MAKE) -s -C $(USERSPACE_TOP)/lib O=$(1) static
endef
