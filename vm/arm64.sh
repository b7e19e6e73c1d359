#!/bin/sh
# arm64.sh kernel            fetch and unpack the arm64 kernel
# arm64.sh module SRC OUT    cross-build the module in SRC (a kernel/ tree)
#                            in a copy at OUT; OUT/sysgenid.ko
# arm64.sh initramfs KO INIT OUT [EXTRA.ko...]
#                            an initramfs: arm64 busybox, INIT as /init,
#                            KO as /lib/sysgenid/sysgenid.ko, the EXTRA
#                            modules in /lib/sysgenid/extra/
#
# For tests/host/34-dt-vmgenid: Debian's arm64 6.12 kernel (bookworm-
# backports) under qemu-system-aarch64, where VMGenID is described by the
# device tree as on Firecracker. Everything lives under build/arm64/:
#   root/      the unpacked packages: linux-image and linux-headers for
#              arm64, and the amd64 linux-kbuild of the same version, whose
#              host tools (fixdep, modpost) the arm64 headers' scripts/ and
#              tools/ links then name; busybox-static for arm64
#   vmlinuz    the kernel the VM boots; kdir: the headers (KDIR); version
#   cross/     Debian's aarch64 cross gcc 12 and binutils, unpacked, not
#              installed: gcc-12-aarch64-linux-gnu conflicts with
#              gcc-multilib, which a developer's machine may well have
#              (apt would remove one for the other; see vm/host-deps.sh)
# The packages come through a private apt configuration that knows arm64
# (vm/private-apt.sh, SYSGENID_APT_ARCHS): the host's dpkg architectures
# are left alone, and nothing is installed but the host packages below.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
dir=$build/arm64
cache=$build/debs-arm64
series=6.12

aptx() {
	SYSGENID_APT_ARCHS="arm64 amd64" sh "$top/vm/private-apt.sh" \
		"bookworm bookworm-backports" "$@"
}

host_deps() {
	missing=""
	for p in qemu-system-arm device-tree-compiler cpio gzip make bc \
		 gcc-12 libelf-dev pahole python3; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || { echo "arm64: need root to install:$missing" >&2; exit 1; }
	echo "arm64: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

depends() {	# dependencies of $1 (=version $2) matching regex $3
	aptx apt-cache show "$1=$2" | sed -n 's/^Depends: //p' | tr ',|' '\n\n' |
		sed 's/^ *//; s/ .*//' | grep -E "$3" || true
}

kernel() {
	host_deps
	[ -f "$dir/version" ] && [ -e "$dir/kdir/Makefile" ] &&
		[ -x "$dir/root/bin/busybox" ] &&
		[ -x "$dir/cross/usr/bin/aarch64-linux-gnu-gcc-12" ] && return 0
	meta=$(aptx apt-cache madison linux-image-arm64 |
		awk -v p="$series." 'index($3, p) == 1 {print $3}' | sort -V | tail -n 1)
	[ -n "$meta" ] || { echo "arm64: no $series kernel for arm64 in apt" >&2; exit 1; }
	image=$(depends linux-image-arm64 "$meta" '^linux-image-' | head -n 1)
	abi=${image#linux-image-}
	headers=linux-headers-$abi
	common=$(depends "$headers" "$meta" '^linux-headers-.*-common$' | head -n 1)
	kbuild=$(depends "$headers" "$meta" '^linux-kbuild-' | head -n 1)
	echo "arm64: $abi ($image $headers $common $kbuild:amd64 busybox-static)" >&2

	mkdir -p "$cache"
	cross="gcc-12-aarch64-linux-gnu cpp-12-aarch64-linux-gnu binutils-aarch64-linux-gnu"
	# shellcheck disable=SC2046
	(cd "$cache" && aptx apt-get download -qq -o APT::Sandbox::User=root \
		"$image:arm64=$meta" "$headers:arm64=$meta" "$common=$meta" \
		"$kbuild:amd64=$meta" busybox-static:arm64 \
		$(for p in $cross; do echo "$p:amd64"; done))
	rm -rf "$dir" && mkdir -p "$dir/root" "$dir/cross"
	for p in $cross; do
		dpkg-deb -x "$(ls "$cache/${p}_"*_amd64.deb | sort -V | tail -n 1)" "$dir/cross"
	done
	for deb in "${image}_" "${headers}_" "${common}_" "${kbuild}_" busybox-static_; do
		for a in arm64 amd64 all; do
			f=$(ls "$cache/$deb"*"_$a.deb" 2>/dev/null | sort -V | tail -n 1)
			[ -n "$f" ] && { dpkg-deb -x "$f" "$dir/root"; break; }
		done
	done
	sh "$top/vm/relink.sh" "$dir/root" "$headers"
	ln -sfn "$dir/root/boot/vmlinuz-$abi" "$dir/vmlinuz"
	ln -sfn "$dir/root/usr/src/$headers" "$dir/kdir"
	[ -f "$dir/vmlinuz" ] && [ -e "$dir/kdir/Makefile" ] &&
		[ -x "$dir/root/bin/busybox" ] &&
		[ -x "$dir/cross/usr/bin/aarch64-linux-gnu-gcc-12" ] ||
		{ echo "arm64: $image, $headers, busybox or gcc incomplete" >&2; exit 1; }
	echo "$abi" >"$dir/version"
}

module() {	# SRC OUT
	kernel
	rm -rf "$2" && mkdir -p "$2" && cp -a "$1/." "$2/"
	# The headers' .kernelvariables set CROSS_COMPILE=aarch64-linux-gnu-
	# and CC=$(CROSS_COMPILE)gcc-12 themselves: the tools come from PATH.
	# The cross binutils link against their own libbfd and libopcodes,
	# unpacked beside them: a host without binutils-aarch64-linux-gnu
	# installed has no such library on its loader's path.
	PATH="$dir/cross/usr/bin:$PATH" \
	LD_LIBRARY_PATH="$dir/cross/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
		make -C "$2" KDIR="$dir/kdir" \
		ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- module
}

initramfs() {	# KO INIT OUT [EXTRA.ko...]
	kernel
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
		"$root/lib/sysgenid/extra"
	cp "$dir/root/bin/busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$2" "$root/init"
	chmod 755 "$root/init"
	cp "$1" "$root/lib/sysgenid/sysgenid.ko"
	out=$3
	shift 3
	for ko in "$@"; do
		cp "$ko" "$root/lib/sysgenid/extra/"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}

cmd=${1:-kernel}
[ $# -gt 0 ] && shift
case $cmd in
kernel) kernel ;;
module) module "$@" ;;
initramfs) initramfs "$@" ;;
*) echo "usage: arm64.sh kernel | module SRC OUT | initramfs KO INIT OUT" >&2; exit 2 ;;
esac
