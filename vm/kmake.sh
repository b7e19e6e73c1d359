#!/bin/sh
# kmake.sh SERIES DIR [MAKE ARGUMENTS...]
# make -C DIR KDIR=build/kernels/SERIES/kdir MAKE ARGUMENTS..., for a module
# source directory DIR (a copy of kernel/): on the host for bookworm's
# kernels; for a kernel whose build/kernels/SERIES/chroot names a build root
# (trixie's: vm/fetch-kernels.sh, vm/trixie-root.sh), inside that root, with
# DIR at the same path there, so that the command, the paths in the log and
# the objects are what they would be on the host.
#
# In the root, /proc (objtool reads it) and DIR are mounted in a mount
# namespace of the build's own (unshare): they go away with the build, even
# if it is killed, and never show on the host or in a second build. The exit
# status is make's.
set -eu

series=$1 dir=$(cd "$2" && pwd)
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
kdir=$build/kernels/$series/kdir

if [ ! -f "$build/kernels/$series/chroot" ]; then
	exec make -C "$dir" KDIR="$kdir" "$@"
fi

root=$(cat "$build/kernels/$series/chroot")
[ -f "$root/.sysgenid-ready" ] ||
	{ echo "kmake: $root is not ready (make kernels)" >&2; exit 1; }
exec sh "$top/vm/in-root.sh" "$root" "$dir" -- make -C "$dir" KDIR="$kdir" "$@"
