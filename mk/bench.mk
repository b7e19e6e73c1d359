# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (docs/performance.md): `make bench` builds everything, boots
# one 6.12 VM in its "bench" mode and prints the table; `make bench QUICK=1`
# runs the same code on small sizes.

GUEST_DIRS += bench
BENCH_KERNEL := 6.12

ifneq ($(filter bench,$(MAKECMDGOALS)),)
ifeq ($(filter $(BENCH_KERNEL),$(KERNELS)),)
$(error make bench runs on $(BENCH_KERNEL): add it to KERNELS)
endif
endif

# The window after a restore needs host-side restores: tests/restore.
bench: initramfs qemu10
	$(PYTHON) bench/bench.py --kernel $(BENCH_KERNEL) \
		$(if $(filter-out 0,$(QUICK)),--quick)
	$(PYTHON) tests/restore/clones.py bench --kernels $(BENCH_KERNEL) \
		--rounds $(if $(filter-out 0,$(QUICK)),1,3)
	$(PYTHON) tests/restore/restore.py bench --kernels $(BENCH_KERNEL) \
		--rounds $(if $(filter-out 0,$(QUICK)),1,5)

.PHONY: bench
