#!/bin/sh
# The driver builds warning-free against every kernel, is clean under sparse
# (C=2), under checkpatch --strict and under kernel-doc -v. TAP on stdout.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
kernels=${KERNELS:-6.1 6.12 7.3}
n=0 fail=0
mkdir -p "$build/logs"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; sed 's/^/# /' "$2"; }

echo "1..$(( $(echo "$kernels" | wc -w) * 2 + 2 ))"
for k in $kernels; do
	dir=$build/$k/lint
	rm -rf "$dir" && mkdir -p "$dir" && cp -a "$top/kernel/." "$dir/"
	log=$build/logs/lint-build-$k.log
	sh "$top/vm/kmake.sh" "$k" "$dir" module >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ] && ! grep -E 'warning:|error:' "$log" >/dev/null; then
		ok "build-$k warning-free"
	else
		not_ok "build-$k warning-free" "$log"
	fi
	# Sparse prints nothing for a clean file; a forced rebuild runs it.
	# Its reports name our files by absolute path, or (kernels from 6.13
	# on, whose kbuild runs in the module's directory) relative to it.
	log=$build/logs/lint-sparse-$k.log
	sh "$top/vm/kmake.sh" "$k" "$dir" check >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q 'CHECK' "$log" &&
	   ! grep -E "^($dir/|[^/ ][^: ]*:[0-9]).*(warning|error):" "$log" >/dev/null; then
		ok "sparse-$k clean"
	else
		not_ok "sparse-$k clean" "$log"
	fi
done

log=$build/logs/lint-checkpatch.log
if make -s -C "$top/kernel" style CHECKPATCH="$build/tools/checkpatch.pl" >"$log" 2>&1 &&
   [ "$(grep -c '^total: 0 errors, 0 warnings, 0 checks' "$log")" -ge 4 ]; then
	ok "checkpatch --strict clean"
else
	not_ok "checkpatch --strict clean" "$log"
fi
# kernel-doc in verbose mode, with the reST output the kernel's
# documentation build uses (it warns where -none does not).
log=$build/logs/lint-kernel-doc.log
# The reST pass covers the files the documentation includes (it warns
# "no structured comments found" for the others); -none covers them all.
kd="perl $build/tools/kernel-doc -v"
if $kd -rst "$top/kernel/core.c" "$top/kernel/include/linux/sysgenid.h" \
	>/dev/null 2>"$log" &&
   (cd "$top/kernel" && $kd -none core.c vm.c vmclock.c restore.c internal.h \
	test/hooks.c include/linux/sysgenid.h) 2>>"$log" &&
   ! grep -E ': warning:|^[0-9]+ warnings' "$log" >/dev/null; then
	ok "kernel-doc -v clean"
else
	not_ok "kernel-doc -v clean" "$log"
fi
exit $fail
