#!/bin/sh
# Fetch Debian's kernel image and headers for each kernel series named on the
# command line (6.1 from bookworm, 6.12 from bookworm-backports, 7.3 from
# trixie-backports) and unpack them under build/kernels/<series>/ without
# installing anything:
#   vmlinuz   the kernel the VM boots
#   kdir      a symlink to the headers' build directory (KDIR for Kbuild)
#   version   the kernel release (uname -r)
#   root/     the unpacked packages; root/lib/modules/<release>/ is the
#             module tree the VM's extra modules come from
#   chroot    (trixie kernels only) the build root in which modules for this
#             kernel are built (vm/trixie-root.sh, vm/kmake.sh)
# Bookworm's kernels come through the host's apt (vm/host-deps.sh adds
# bookworm-backports); trixie's through a private apt configuration
# (vm/private-apt.sh), never the host's.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
out=$build/kernels
cache=$build/debs
mkdir -p "$out" "$cache" "$build/logs"

trixie=0	# 1: the series being fetched comes from trixie(-backports)
aptx() {	# apt-get/apt-cache ARGS..., for the series being fetched
	if [ "$trixie" = 1 ]; then
		sh "$top/vm/private-apt.sh" "trixie trixie-backports" "$@"
	else
		"$@"
	fi
}
newest() {	# newest version of package $1 that starts with $2
	aptx apt-cache madison "$1" | awk -v p="$2" 'index($3, p) == 1 {print $3}' |
		sort -V | tail -n 1
}

depends() {	# dependencies of $1 (=version $2) matching regex $3
	aptx apt-cache show "$1=$2" | sed -n 's/^Depends: //p' | tr ',|' '\n\n' |
		sed 's/^ *//; s/ .*//' | grep -E "$3" || true
}

fetch() {
	series=$1
	dir=$out/$series
	case $series in
	6.1|6.12) trixie=0 ;;
	7.*) trixie=1 ;;
	*) echo "fetch-kernels: no source known for kernel series $series" >&2; exit 1 ;;
	esac
	if ! { [ -f "$dir/version" ] && [ -e "$dir/kdir/Makefile" ]; }; then
		unpack
	fi
	[ "$trixie" = 1 ] && chroot_for "$(cat "$dir/version")"
	return 0
}

unpack() {
	meta=$(newest linux-image-amd64 "$series.")
	[ -n "$meta" ] || { echo "fetch-kernels: no $series kernel in apt" >&2; exit 1; }
	image=$(depends linux-image-amd64 "$meta" '^linux-image-' | head -n 1)
	abi=${image#linux-image-}
	headers=linux-headers-$abi
	hver=$(aptx apt-cache madison "$headers" | awk '{print $3; exit}')
	common=$(depends "$headers" "$hver" '^linux-headers-.*-common$' | head -n 1)
	kbuild=$(depends "$headers" "$hver" '^linux-kbuild-' | head -n 1)
	# Since 6.16 or so Debian splits the image: linux-image-<abi> is empty
	# and depends on linux-binary-<abi> (vmlinuz), linux-modules-<abi> (the
	# module tree, which the VM's extra modules come from) and
	# linux-base-<abi> (config, modules.builtin).
	split=$(depends "$image" "$hver" '^linux-(binary|modules|base)-' |
		awk -v a="$abi" 'substr($0, length($0) - length(a) + 1) == a' | tr '\n' ' ')

	echo "fetch-kernels: $series -> $abi ($image $split$headers $common $kbuild)"
	rm -rf "$dir" && mkdir -p "$dir/root"
	# shellcheck disable=SC2086
	(cd "$cache" && aptx apt-get download -qq -o APT::Sandbox::User=root \
		"$image" $split "$headers" "$common" "$kbuild")
	for pkg in "$image" $split "$headers" "$common" "$kbuild"; do
		dpkg-deb -x "$(ls "$cache/${pkg}_"*.deb | sort -V | tail -n 1)" "$dir/root"
	done
	# Trixie's packages put everything under /usr (merged /usr): give the
	# tree the /lib the rest of the harness looks in.
	[ -e "$dir/root/lib" ] || ln -s usr/lib "$dir/root/lib"

	sh "$top/vm/relink.sh" "$dir/root" "$headers"

	for v in "$dir/root/boot/vmlinuz-$abi" "$dir/root/usr/lib/modules/$abi/vmlinuz"; do
		[ -f "$v" ] && ln -sfn "$v" "$dir/vmlinuz"
	done
	[ -e "$dir/vmlinuz" ] || { echo "fetch-kernels: no vmlinuz in $image $split" >&2; exit 1; }
	ln -sfn "$dir/root/usr/src/$headers" "$dir/kdir"
	echo "$abi" >"$dir/version"
}

# Modules for a trixie kernel are built in build/trixie-root/, where its
# headers are installed as on a trixie machine; the same KDIR path as on
# the host names them there too, so that vm/kmake.sh runs the same make
# command inside the root as it would outside.
chroot_for() {
	abi=$1
	sh "$top/vm/trixie-root.sh" "$abi"
	root=$build/trixie-root
	mkdir -p "$root$dir"
	ln -sfn "/usr/src/linux-headers-$abi" "$root$dir/kdir"
	echo "$root" >"$dir/chroot"
}

for s in "$@"; do
	fetch "$s"
done
