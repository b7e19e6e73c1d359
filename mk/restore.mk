# SPDX-License-Identifier: GPL-2.0
#
# Snapshot/restore: the participants and guest mode in tests/restore, used
# by the host test tests/host/30-restore (run by `make check`) and by
# `make demo`, which boots one VM, snapshots it, restores it into a new QEMU
# with another VM generation ID and narrates what every participant did,
# then shows two clones of one snapshot and their first outputs.

GUEST_DIRS += tests/restore
DEMO_KERNEL := 6.12

ifneq ($(filter demo,$(MAKECMDGOALS)),)
ifeq ($(filter $(DEMO_KERNEL),$(KERNELS)),)
$(error make demo runs on $(DEMO_KERNEL): add it to KERNELS)
endif
endif

demo: initramfs
	$(PYTHON) tests/restore/restore.py demo --kernel $(DEMO_KERNEL)
	$(PYTHON) tests/restore/clones.py demo --kernels $(DEMO_KERNEL)

.PHONY: demo
