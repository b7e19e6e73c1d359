#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that the series in build/patches is one a maintainer could take:
# generate it, apply it with git am to a pristine copy of Debian's
# linux-source-7.3, build it there (built in and as a module, W=1, sparse),
# check the Kconfig entry, checkpatch --strict every patch, kernel-doc the
# sources, build the documentation with the kernel's own Sphinx setup
# (SPHINXDIRS, the directories the series touches), build the selftests
# with the kernel's selftest build and run them in a VM.
#
# TAP on stdout; logs in build/upstream/logs/. Kernel builds go to
# build/upstream/obj (O=), under nice, so the source tree stays pristine.
# They run in build/trixie-root (vm/in-root.sh) with its gcc-14: 7.3 needs a
# sparse that knows __typeof_unqual__, which only that root has (sid's,
# vm/trixie-root.sh); bookworm's 0.6.4 would make C=1 check nothing.
# checkpatch, kernel-doc and the documentation run on the host.
#   upstream/prove.sh [--no-vm]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
work=$build/upstream
linux=$work/linux
obj=$work/obj
logs=$work/logs
root=$build/trixie-root
patches=$build/patches
vm=1
[ "${1:-}" = --no-vm ] && vm=0
NICE="nice -n 15"
JOBS=${JOBS:-2}
mkdir -p "$logs"

n=0 fail=0
declare -a timing=()
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fail=1; echo "not ok $n - $1"
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -n 40 "$2" | sed 's/^/# /'
}
check() {	# check NAME LOG COMMAND...: ok if the command succeeds
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then ok "$name"; else not_ok "$name" "$log"; return 1; fi
}
stamp() { timing+=("$1 $(( $(date +%s) - t0 )) s"); t0=$(date +%s); }
bail() { echo "Bail out! $1"; echo "1..$n"; exit 1; }
t0=$(date +%s)
start=$t0

# What checkpatch and the documentation need (Debian packages); the
# kernel builds need the trixie root (make kernels).
need=""
for p in python3-sphinx python3-ply python3-git git; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		need="$need $p"
done
if [ -n "$need" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$need >"$logs/deps.log" 2>&1 || bail "cannot install$need"
fi
[ -f "$root/.sysgenid-ready" ] || bail "no $root (make kernels KERNELS=7.3)"

check "series generated from kernel/, Documentation/, tests/selftests/" \
	"$logs/series.log" python3 "$top/upstream/series.py" || bail "no series"
stamp generate
mapfile -t series < <(ls "$patches"/0*.patch | grep -v '/0000-cover-letter.patch$')
[ ${#series[@]} -gt 0 ] || bail "no patches"
cover=$patches/0000-cover-letter.patch
if [ "$(sed -n '/^Changes since v5/,/^Testing/p' "$cover" | grep -c '^ - ')" -gt 0 ] &&
   grep -q '^ [0-9]* files changed' "$cover" && ! grep -q '\*\*\*' "$cover"; then
	ok "cover letter: filled in, changes since v5 listed, diffstat"
else
	not_ok "cover letter: filled in, changes since v5 listed, diffstat" "$cover"
fi

# A pristine copy of the Debian tree: the base commit, nothing else.
g() { git -C "$linux" "$@"; }
g checkout -q -f --detach debian-base && g clean -q -f -d -x ||
	bail "cannot reset the tree"
export GIT_COMMITTER_NAME=prove GIT_COMMITTER_EMAIL=prove@localhost
check "git am applies the ${#series[@]} patches to $(cat "$linux/.git/sysgenid-base")" \
	"$logs/am.log" g am -q "${series[@]}" || { g am --abort; bail "git am"; }
stamp "git am"

# checkpatch.pl --strict of the tree itself on every patch.
for p in "${series[@]}"; do
	b=$(basename "$p" .patch)
	log=$logs/checkpatch-$b.log
	# Debian's python3 (spdxcheck needs its python3-ply and python3-git),
	# not whatever python3 comes first in PATH.
	(cd "$linux" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict "$p") \
		>"$log" 2>&1
	if grep -q '^total: 0 errors, 0 warnings, 0 checks' "$log"; then
		ok "checkpatch --strict: $b"
	else
		not_ok "checkpatch --strict: $b" "$log"
	fi
done

# kernel-doc (a Python script since 6.16: Debian's python3): nothing to
# say about the driver's sources.
log=$logs/kernel-doc.log
srcs=$(cd "$linux" && ls drivers/misc/sysgenid/*.c drivers/misc/sysgenid/*.h \
	include/uapi/linux/sysgenid.h include/linux/sysgenid.h)
# shellcheck disable=SC2086
(cd "$linux" && PATH=/usr/bin:$PATH scripts/kernel-doc -Wall -none $srcs) >"$log" 2>&1
if [ ! -s "$log" ]; then ok "kernel-doc -Wall: silent on $(echo $srcs)"; else not_ok "kernel-doc -Wall" "$log"; fi
stamp "checkpatch, kernel-doc"

# The configuration: x86_64 tinyconfig, modules, the driver built in.
inroot() { $NICE sh "$top/vm/in-root.sh" "$root" "$work" -- "$@"; }
# The root has no python3, which W=1 would run kernel-doc with: that is the
# kernel-doc -Wall step above, on the host, on the same files.
mk() {
	inroot make -C "$linux" O="$obj" -j"$JOBS" CC=gcc-14 HOSTCC=gcc-14 \
		PYTHON3=true "$@"
}
# Objects of another base tree (an earlier series) would not rebuild.
if ! cmp -s "$linux/.git/sysgenid-base" "$obj/.sysgenid-base"; then
	rm -rf "$obj" "$work/obj-docs"
	mkdir -p "$obj" && cp "$linux/.git/sysgenid-base" "$obj/.sysgenid-base"
fi
log=$logs/config.log
{
	mkdir -p "$obj" &&
	mk -s tinyconfig &&
	inroot "$linux/scripts/config" --file "$obj/.config" -e MODULES -e MODULE_UNLOAD \
		-e TTY -e PRINTK -e ACPI -e VIRT_DRIVERS -e VMGENID \
		-e CHECKPOINT_RESTORE -e MULTIUSER -e SYSFS -e PROC_FS -e EPOLL \
		-e SYSGENID &&
	mk -s olddefconfig
} >"$log" 2>&1
if grep -q '^CONFIG_SYSGENID=y$' "$obj/.config" 2>/dev/null; then
	ok "Kconfig: SYSGENID=y survives olddefconfig (its dependencies hold)"
else
	not_ok "Kconfig: SYSGENID=y survives olddefconfig" "$log"
fi
# Reachable in menuconfig's tree: a prompt, in the Kconfig of the driver's
# directory, which the "Misc devices" menu sources, which drivers/Kconfig
# sources.
log=$logs/kconfig-menu.log
if awk '/^config SYSGENID$/ { c = 1 } /^config / && !/SYSGENID$/ { c = 0 }
	c && /^\t(tristate|bool) "/ { p = 1 } END { exit !p }' \
	"$linux/drivers/misc/sysgenid/Kconfig" &&
   awk '/^menu "Misc devices"/ { m = 1 } /^endmenu/ { m = 0 }
	m && /^source "drivers\/misc\/sysgenid\/Kconfig"$/ { s = 1 }
	END { exit !s }' "$linux/drivers/misc/Kconfig" &&
   grep -q '^source "drivers/misc/Kconfig"' "$linux/drivers/Kconfig"; then
	ok "Kconfig: SYSGENID has a prompt in Device Drivers > Misc devices"
else
	not_ok "Kconfig: SYSGENID has a prompt in Device Drivers > Misc devices" "$log"
fi
check "make prepare" "$logs/prepare.log" mk prepare modules_prepare || bail "prepare"
stamp "config, prepare"

warnings() {	# warnings() LOG: compiler and sparse diagnostics in a log
	grep -E '(warning|error):' "$1" | grep -v 'modpost:' || true
}
checked() {	# checked LOG: each .c of the driver was compiled and checked
	local c
	for c in "$linux"/drivers/misc/sysgenid/*.c; do
		c=${c##*/}
		grep -Eq "CHECK +(.*/)?$c\$" "$1" || return 1
		grep -Eq "CC( \[M\])? +(.*/)?${c%.c}\.o\$" "$1" || return 1
	done
}
build_dir() {	# build_dir NAME LOG: the driver built in, W=1 and sparse
	rm -rf "$obj/drivers/misc/sysgenid"
	{ mk -s olddefconfig && mk W=1 C=1 drivers/misc/sysgenid/; } >"$2" 2>&1
	local rc=$?
	if [ $rc = 0 ] && checked "$2" &&
	   [ -z "$(warnings "$2")" ]; then
		ok "$1"
	else
		not_ok "$1" "$2"
	fi
}

# The changes to the kernel's own files (upstream/changes/), at their
# commits:
# the objects they touch, W=1 and sparse, with no diagnostic that the same
# object at debian-base does not have (line numbers aside).
tip=$(g rev-parse HEAD)
# Their commits come before the driver's options exist, so an
# olddefconfig there drops them: keep the configuration made at the tip.
cp "$obj/.config" "$obj/.config.tip"
theirs="drivers/char/random.c drivers/virt/vmgenid.c"
diags() { warnings "$1" | sed 's/:[0-9]*:[0-9]*:/:/' | sort -u; }
for c in $(g rev-list --reverse debian-base..HEAD -- $theirs); do
	objs=$(g diff --name-only "$c^" "$c" -- $theirs | sed 's/\.c$/.o/')
	log=$logs/build-$(g log -1 --format=%h "$c").log
	for at in debian-base "$c"; do
		g checkout -q --detach "$at"
		# shellcheck disable=SC2086
		{ mk -s olddefconfig && rm -f $(for o in $objs; do echo "$obj/$o"; done) &&
		  mk W=1 C=1 $objs; } >"$log" 2>&1
		rc=$?
		[ "$at" = debian-base ] && diags "$log" >"$log.base"
	done
	seen=1
	for o in $objs; do
		grep -Eq "CHECK +(.*/)?${o%.o}\.c\$" "$log" || seen=0
	done
	name="W=1 C=1, no new diagnostic: $(echo $objs): $(g log -1 --format=%s "$c")"
	if [ $rc = 0 ] && [ $seen = 1 ] && [ -z "$(diags "$log" | comm -23 - "$log.base")" ]; then
		ok "$name"
	else
		not_ok "$name" "$log"
	fi
done

cp "$obj/.config.tip" "$obj/.config"
g checkout -q --detach "$tip"

# Every commit of the series that touches the driver builds (bisectable),
# the last one also as a module with M=.
for c in $(g rev-list --reverse debian-base..HEAD -- drivers/misc/sysgenid/); do
	g checkout -q --detach "$c"
	build_dir "built in, W=1 C=1: $(g log -1 --format=%s "$c")" \
		"$logs/build-$(g log -1 --format=%h "$c").log"
done
g checkout -q --detach "$tip"
stamp "built-in builds"

mod=$work/module
rm -rf "$mod" && mkdir -p "$mod"
# The driver's own files, its Makefile included; CONFIG_SYSGENID=m on the
# command line overrides the built-in choice of the tree's configuration.
cp "$linux"/drivers/misc/sysgenid/Makefile "$linux"/drivers/misc/sysgenid/*.[ch] "$mod/"
log=$logs/module.log
KBUILD_MODPOST_WARN=1 mk W=1 C=1 M="$mod" CONFIG_SYSGENID=m modules >"$log" 2>&1
if [ -f "$mod/sysgenid.ko" ] && checked "$log" &&
   [ -z "$(warnings "$log")" ]; then
	ok "module (M=), W=1 C=1: sysgenid.ko"
else
	not_ok "module (M=), W=1 C=1: sysgenid.ko" "$log"
fi
stamp "module build"

# The documentation, with the kernel's Sphinx configuration, for the
# directories the series touches; any warning about our files or our line
# of ioctl-number.rst fails (that file has references outside SPHINXDIRS).
log=$logs/htmldocs.log
docs=$work/obj-docs
mkdir -p "$docs"
PATH=/usr/bin:$PATH $NICE make -C "$linux" O="$docs" -j"$JOBS" \
	SPHINXDIRS="misc-devices userspace-api/ioctl" htmldocs >"$log" 2>&1
rc=$?
line=$(grep -n 'uapi/linux/sysgenid\.h' "$linux/Documentation/userspace-api/ioctl/ioctl-number.rst" |
	cut -d: -f1)
if [ $rc = 0 ] && [ -f "$docs/Documentation/output/misc-devices/sysgenid.html" ] &&
   ! grep -iE 'warning|error' "$log" | grep -qE "sysgenid|ioctl-number\.rst:$line:"; then
	ok "htmldocs SPHINXDIRS=misc-devices userspace-api/ioctl: no warning"
else
	not_ok "htmldocs SPHINXDIRS=misc-devices userspace-api/ioctl" "$log"
fi
stamp htmldocs

# The selftests, with the kernel's selftest build (static, for the VM).
log=$logs/kselftest.log
{
	mk -s headers &&
	inroot make -C "$linux/tools/testing/selftests" O="$obj" CC=gcc-14 \
		TARGETS=sysgenid USERLDFLAGS=-static
} >"$log" 2>&1
rc=$?
ksft=$obj/kselftest/sysgenid
progs=$(sed -n 's/^\(sysgenid_[a-z_]*\)$/\1/p' "$linux/tools/testing/selftests/sysgenid/.gitignore")
missing=""
for p in $progs; do [ -x "$ksft/$p" ] || missing="$missing $p"; done
if [ $rc = 0 ] && [ -n "$progs" ] && [ -z "$missing" ] && [ -z "$(warnings "$log")" ]; then
	ok "make -C tools/testing/selftests TARGETS=sysgenid: $(echo $progs | wc -w) programs, no warning"
else
	not_ok "make -C tools/testing/selftests TARGETS=sysgenid (missing:$missing)" "$log"
fi
stamp "selftests build"

if [ "$vm" = 1 ] && [ -z "$missing" ]; then
	python3 "$top/upstream/kselftest-vm.py" $((n + 1)) "$ksft" $progs
	rc=$?
	[ $rc = 0 ] || fail=1
	n=$((n + $(cat "$work/kselftest-vm.count" 2>/dev/null || echo 0)))
	stamp "selftests in the VM"
fi

g checkout -q -f --detach debian-base
for t in "${timing[@]}"; do echo "# $t"; done
echo "# total $(( $(date +%s) - start )) s"
echo "1..$n"
exit $fail
