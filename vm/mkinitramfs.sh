#!/bin/sh
# mkinitramfs.sh MODULE OUTPUT [TREE...]
# Build the test VM's initramfs: busybox, vm/init as /init, the module as
# /lib/sysgenid/sysgenid.ko, and each TREE (default build/guest) copied on
# top of the root.
#
# A tree may also ask for things that come from the host or the kernel
# rather than from this project (the CRIU suite needs both):
#   etc/sysgenid/host-programs   host programs, one path a line: each is
#                                copied with the libraries ldd lists
#   etc/sysgenid/kernel-modules  module names, one a line: each, after its
#                                dependencies (modinfo), is copied
#                                from the module's kernel's tree into
#                                /lib/sysgenid/kmods/, the load order in
#                                /lib/sysgenid/kmods/order; a name ending
#                                in "?" is copied only if the kernel has
#                                it (a module later kernels dropped or
#                                built in)
# And where the kernel has them, the modules of HARNESS_KMODS go into the
# guest's own /lib/modules/<release>/ (with depmod's files), for modprobe:
# ptp_vmclock, the mainline VMClock driver (7.3; not in 6.1 or 6.12).
set -eu

HARNESS_KMODS="ptp_vmclock"
top=$(cd "$(dirname "$0")/.." && pwd)
module=$1 out=$2
shift 2
[ $# -gt 0 ] || set -- "${SYSGENID_BUILD:-$top/build}/guest"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
	"$root/usr/local/bin" "$root/etc" "$root/root" "$root/lib/sysgenid" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
cp "$top/vm/init" "$root/init"
cp "$module" "$root/lib/sysgenid/sysgenid.ko"
cat >"$root/etc/passwd" <<PW
root:x:0:0:root:/root:/bin/sh
sysgenid:x:1000:1000:sysgenid:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat >"$root/etc/group" <<GR
root:x:0:
sysgenid:x:1000:
nogroup:x:65534:
GR
for tree in "$@"; do
	[ -d "$tree" ] && cp -a "$tree/." "$root/"
done

kver=$(modinfo -F vermagic "$module" | cut -d' ' -f1)
mdir=""
for d in "${SYSGENID_BUILD:-$top/build}"/kernels/*/root/lib/modules/"$kver"; do
	[ -d "$d/kernel" ] && mdir=$d
done
# For a kernel built for in a build root (trixie's 7.3: vm/trixie-root.sh,
# build/kernels/<series>/chroot), host programs come from that root, whose
# userspace is of the kernel's own release (bookworm's criu 3.17 cannot
# dump on 7.3: its vDSO parser fails).
from=""
case $mdir in
*/root/lib/modules/*)
	sdir=${mdir%/root/lib/modules/*}
	[ -f "$sdir/chroot" ] && from=$(cat "$sdir/chroot") ;;
esac
copy_host() {	# copy host file $1 (or the build root's) to the same path
	[ -e "$root$1" ] && return 0
	mkdir -p "$root$(dirname "$1")"
	if [ -n "$from" ]; then	# links resolved inside the build root
		cp "$from$(chroot "$from" readlink -f "$1")" "$root$1"
	else
		cp -L "$1" "$root$1"
	fi
}
if [ -f "$root/etc/sysgenid/host-programs" ]; then
	while read -r prog; do
		[ -n "$prog" ] || continue
		[ -x "$from$prog" ] || { echo "mkinitramfs: no $from$prog" >&2; exit 1; }
		copy_host "$prog"
		if [ -n "$from" ]; then chroot "$from" ldd "$prog"; else ldd "$prog"; fi | sed -n 's@.*=> \(/[^ ]*\).*@\1@p; s@^[[:space:]]*\(/[^ ]*\) .*@\1@p' |
			while read -r lib; do copy_host "$lib"; done
	done <"$root/etc/sysgenid/host-programs"
fi
if [ -n "$mdir" ]; then
	for m in $HARNESS_KMODS; do
		f=$(find "$mdir/kernel" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || continue
		rel=${f#"$mdir/"}
		mkdir -p "$root/lib/modules/$kver/$(dirname "$rel")"
		case $f in
		*.xz) xz -dc "$f" >"$root/lib/modules/$kver/${rel%.xz}" ;;
		*) cp "$f" "$root/lib/modules/$kver/$rel" ;;
		esac
	done
	if [ -d "$root/lib/modules/$kver" ]; then
		cp "$mdir/modules.builtin" "$mdir/modules.builtin.modinfo" \
			"$mdir/modules.order" "$root/lib/modules/$kver/"
		depmod -b "$root" "$kver"
	fi
fi
if [ -f "$root/etc/sysgenid/kernel-modules" ]; then
	[ -n "$mdir" ] || { echo "mkinitramfs: no module tree for $kver" >&2; exit 1; }
	kmods=$root/lib/sysgenid/kmods
	mkdir -p "$kmods"
	: >"$kmods/order"
	find "$mdir/kernel" -name '*.ko*' >"$kmods/.index"
	add_module() {	# $1: module name; its dependencies (modinfo) first
		case $1 in *\?) optional=1; set -- "${1%\?}" ;; *) optional=0 ;; esac
		grep -qx "$1" "$kmods/order" && return 0
		set -- "$1" "$(grep -E "/$1\\.ko(\\.xz)?\$" "$kmods/.index" | head -n 1)"
		if [ -z "$2" ]; then	# built into this kernel: nothing to load
			grep -qE "/$1\\.ko\$" "$mdir/modules.builtin" && return 0
			[ "$optional" = 1 ] && return 0
			echo "mkinitramfs: no module $1 for $kver" >&2
			exit 1
		fi
		for dep in $(modinfo -F depends "$2" | tr ',' ' '); do
			add_module "$dep"
		done
		case $2 in
		*.xz) xz -dc "$2" >"$kmods/$1.ko" ;;
		*) cp "$2" "$kmods/$1.ko" ;;
		esac
		echo "$1" >>"$kmods/order"
	}
	while read -r m; do
		[ -z "$m" ] || add_module "$m"
	done <"$root/etc/sysgenid/kernel-modules"
	rm "$kmods/.index"
fi
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
