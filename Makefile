# SPDX-License-Identifier: GPL-2.0
#
# sysgenid: top-level build and test entry points.
#
#   make check                      install what is needed, build against
#                                   each kernel, run every test in the VM
#   make demo                       a real VM snapshot restore, narrated
#   make bench [QUICK=1]            benchmarks in the VM
#   make KDIR=<kernel build> module build kernel/sysgenid.ko
#
# Components add themselves through mk/*.mk: each appends its directory to
# GUEST_DIRS (its `guest-install` target puts programs and test suites into
# the VM's root, $(GUEST)) and may define targets of its own.

KERNELS ?= 6.1 6.12 7.3
export KERNELS
TOP := $(CURDIR)
BUILD ?= $(TOP)/build
GUEST := $(BUILD)/guest
PYTHON ?= python3
UAPI_CFLAGS := -I$(TOP)/kernel/include/uapi
GUEST_DIRS :=

export SYSGENID_BUILD := $(BUILD)

all: check

include $(sort $(wildcard mk/*.mk))

module:
	@test -n "$(KDIR)" || { echo "usage: make KDIR=<kernel build dir> module" >&2; exit 2; }
	$(MAKE) -C kernel KDIR=$(KDIR) module

deps:
	@sh vm/host-deps.sh

kernels: deps
	@sh vm/fetch-kernels.sh $(KERNELS)

tools: deps
	@sh vm/fetch-tools.sh

# One copy of kernel/ per kernel, so that objects never mix; another for
# the test build of the module (kernel/test/hooks.h), which goes into the
# VM as /lib/sysgenid/test/sysgenid.ko for tests/stress/testbuild.c.
# The old sysgenid.ko goes first, and sources that kernel/ no longer has
# (a header there would still be found); the build's own exit status decides:
# a failed rebuild must never leave a stale module to test. The build log
# is shown without the 6.12 headers' BTF notice. vm/kmake.sh runs the build
# on the host, or for trixie's kernels (7.3) in build/trixie-root/, whose
# compiler and C library those kernels' kbuild tools need.
modules: kernels
	@set -e; mkdir -p $(BUILD)/logs; for k in $(KERNELS); do \
		for v in module:0 module-test:1; do \
			d=$(BUILD)/$$k/$${v%:*}; \
			log=$(BUILD)/logs/$${v%:*}-$$k.log; \
			mkdir -p $$d; \
			rm -f $$d/sysgenid.ko; \
			(cd $$d && find . -name '*.[ch]') | while read -r f; do \
				[ -e kernel/$$f ] || rm -f $$d/$$f; \
			done; \
			cp -a kernel/. $$d/; \
			if sh vm/kmake.sh $$k $$d -s \
				SYSGENID_TEST_HOOKS=$${v#*:} module >$$log 2>&1; \
			then rc=0; else rc=$$?; fi; \
			grep -v 'Skipping BTF generation' $$log || true; \
			if [ $$rc != 0 ]; then \
				echo "modules: building $$d/sysgenid.ko failed (exit $$rc)" >&2; \
				exit 1; \
			fi; \
			test -f $$d/sysgenid.ko; \
		done; \
		mkdir -p $(BUILD)/$$k/guest-test/lib/sysgenid/test; \
		cp $(BUILD)/$$k/module-test/sysgenid.ko \
			$(BUILD)/$$k/guest-test/lib/sysgenid/test/; \
	done

guest: deps tools
	@rm -rf $(GUEST) && mkdir -p $(GUEST)/etc/sysgenid/suites $(GUEST)/etc/sysgenid/modes
	@set -e; for d in $(GUEST_DIRS); do \
		$(MAKE) -s -C $$d guest-install GUEST=$(GUEST) TOP=$(TOP); \
	done

initramfs: modules guest
	@set -e; for k in $(KERNELS); do \
		sh vm/mkinitramfs.sh $(BUILD)/$$k/module/sysgenid.ko \
			$(BUILD)/$$k/initramfs.cpio.gz $(GUEST) \
			$(BUILD)/$$k/guest-test; \
	done

check: initramfs tools qemu10
	$(PYTHON) vm/run.py --kernels "$(KERNELS)"

clean:
	$(MAKE) -C kernel clean KDIR=$(firstword $(wildcard $(BUILD)/kernels/*/kdir) /nonexistent) || true
	rm -rf $(BUILD)

.PHONY: all module deps kernels tools modules guest initramfs check clean
