# SPDX-License-Identifier: GPL-2.0
#
# QEMU 10.0 (bookworm-backports), unpacked under build/qemu-10.0/ and never
# installed: the first Debian QEMU with the vmclock device. make check
# fetches it for tests/host/33-vmclock, which runs it by its path; other
# scripts (vm/qemu.py) use it when SYSGENID_QEMU names its wrapper:
#   make qemu10
#   SYSGENID_QEMU=build/qemu-10.0/qemu-system-x86_64 python3 ...
# docs/vmclock.md says what its vmclock device does across a restore.
# QEMU 11.1 (trixie-backports) needs trixie's C library: make qemu11
# installs it in a copy of build/trixie-root/ (make kernels makes that)
# and wraps it as build/qemu-11.1/qemu-system-x86_64 (vm/fetch-qemu11.sh).

qemu10: deps
	@sh vm/fetch-qemu.sh

qemu11: deps
	@sh vm/fetch-qemu11.sh

.PHONY: qemu10 qemu11
