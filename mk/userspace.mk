# SPDX-License-Identifier: GPL-2.0-or-later
# Userspace: libsysgenid (lib/), sysgenidctl (tools/), examples/, man/ and
# their tests in the VM (tests/lib/).
#
#   make userspace                         build on the host (dynamic)
#   make install [PREFIX=/usr/local] [LIBDIR=$(PREFIX)/lib] [DESTDIR=]
#   make uninstall [same variables]
#
# Objects go to $(BUILD)/userspace; nothing is built in the source tree.

GUEST_DIRS += tools examples tests/lib
USERSPACE_BUILD_DIRS := lib tools examples
USERSPACE_INSTALL_DIRS := lib tools man
USERSPACE_O := $(BUILD)/userspace
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
USERSPACE_MAKE = $(MAKE) O=$(USERSPACE_O) PREFIX=$(PREFIX) LIBDIR=$(LIBDIR)

userspace:
	@set -e; for d in $(USERSPACE_BUILD_DIRS); do $(USERSPACE_MAKE) -C $$d all; done

install: userspace
	@set -e; for d in $(USERSPACE_INSTALL_DIRS); do $(USERSPACE_MAKE) -C $$d install; done

uninstall:
	@set -e; for d in $(USERSPACE_INSTALL_DIRS); do $(USERSPACE_MAKE) -C $$d uninstall; done

.PHONY: userspace install uninstall
