# SPDX-License-Identifier: GPL-2.0
# Reliability and security (docs/reliability.md): the stress, fuzz,
# security, lifecycle and debug-facility suites (tests/stress, 60-69) run
# in every `make check`. Besides:
#
#   make stress-long     the stress and fuzz suites ten times larger, in
#                        the VM's "stress-long" mode, on each of KERNELS
#   make debug-kernel    build a lockdep/KASAN/UBSAN/kmemleak/failslab
#                        kernel from Debian's linux-source-6.1 (long: see
#                        docs/reliability.md) as kernel series "debug"
#   make check-debug     every suite on that kernel, the stress and fuzz
#                        sizes scaled down to DEBUG_SCALE percent
#
# Sizes are scaled by sgscale=<percent> on the guest's command line.

GUEST_DIRS += tests/stress

STRESS_LONG_SCALE ?= 1000
DEBUG_SCALE ?= 20

stress-long: initramfs
	$(PYTHON) vm/run.py --no-host --kernels "$(KERNELS)" \
		--append "sgmode=stress-long sgscale=$(STRESS_LONG_SCALE)" \
		--suite-timeout 7200 --timeout 7800

$(BUILD)/kernels/debug/version:
	sh debug/build-kernel.sh

debug-kernel: $(BUILD)/kernels/debug/version

check-debug: debug-kernel
	$(MAKE) initramfs KERNELS=debug
	$(PYTHON) vm/run.py --no-host --kernels debug \
		--append "sgscale=$(DEBUG_SCALE)" --timeout 3600

.PHONY: stress-long debug-kernel check-debug
