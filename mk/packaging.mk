# SPDX-License-Identifier: GPL-2.0
# Distribution: DKMS, Debian packages, udev rule, systemd units.
#
#   make deb            build the .debs from a copy of the tree into
#                       $(BUILD)/deb (dpkg-buildpackage -us -uc -b)
#   make check-system   boot a debootstrapped bookworm with the packages
#                       installed under systemd (slow: see docs/packaging.md)
#
# The host tests tests/host/70-dkms and tests/host/75-deb run in make check.

DEB_OUT := $(BUILD)/deb

deb: deps
	@rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src
	@sh tests/system/copy-tree.sh $(TOP) $(DEB_OUT)/src
	cd $(DEB_OUT)/src && dpkg-buildpackage -us -uc -b
	@ls $(DEB_OUT)/*.deb

check-system: deb kernels
	$(PYTHON) tests/system/run.py --debs $(DEB_OUT)

.PHONY: deb check-system
