# SPDX-License-Identifier: GPL-2.0-or-later
# The CRIU plugin (criu/, docs/criu.md): built by `make userspace` (and so
# by `make check`), installed by `make install` into CRIU's plugin
# directory (CRIU_PLUGINDIR, default /usr/lib/criu, where Debian's criu
# looks), tested in the VM with real criu by suite 50-criu (tests/criu).

GUEST_DIRS += criu tests/criu
CRIU_PLUGINDIR ?= /usr/lib/criu
CRIU_MAKE = $(USERSPACE_MAKE) CRIU_PLUGINDIR=$(CRIU_PLUGINDIR) -C criu

criu-plugin:
	$(CRIU_MAKE) all

criu-install:
	$(CRIU_MAKE) install

criu-uninstall:
	$(CRIU_MAKE) uninstall

userspace: criu-plugin
install: criu-install
uninstall: criu-uninstall

.PHONY: criu-plugin criu-install criu-uninstall
