# SPDX-License-Identifier: GPL-2.0
#
# Conformance selftests of /dev/sysgenid (tests/selftests/), built on the
# kernel's kselftest_harness.h and run in the VM as suites 10 to 19.
#
#   make selftests                  build them on the host

GUEST_DIRS += tests/selftests

selftests: tools
	$(MAKE) -C tests/selftests TOP=$(TOP) all

.PHONY: selftests
