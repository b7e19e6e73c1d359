# SPDX-License-Identifier: GPL-2.0
#
# sysgenid as a kernel patch series (upstream/), generated from kernel/,
# Documentation/ and tests/selftests/ as they are now, against Debian's
# linux-source-7.3 from trixie-backports (the tree is downloaded, extracted
# and committed to git once, under $(BUILD)/upstream/linux).
#
#   make patches          write the series to $(BUILD)/patches/
#   make patches-check    and prove it: git am, W=1 and sparse builds (built
#                         in, every commit, and as a module), Kconfig,
#                         checkpatch --strict, kernel-doc, htmldocs of the
#                         touched directories, the kernel's selftest build,
#                         and those selftests in the VM (6.12); the builds
#                         run in the trixie root (make kernels KERNELS=7.3)
#
# `make check` runs the same proof as the host test tests/host/80-upstream.

patches: deps
	$(PYTHON) upstream/series.py

patches-check: deps
	$(MAKE) kernels KERNELS=7.3
	$(MAKE) modules KERNELS=6.12
	bash upstream/prove.sh

.PHONY: patches patches-check
