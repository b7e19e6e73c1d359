#!/bin/sh
# Fetch Debian's kernel image and headers for each kernel series named on the
# command line (6.1 from bookworm, 6.12 from bookworm-backports) and unpack
# them under build/kernels/<series>/ without installing anything:
#   vmlinuz   the kernel the VM boots
#   kdir      a symlink to the headers' build directory (KDIR for Kbuild)
#   version   the kernel release (uname -r)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${SYSGENID_BUILD:-$top/build}/kernels
cache=${SYSGENID_BUILD:-$top/build}/debs
mkdir -p "$out" "$cache"

newest() {	# newest version of package $1 that starts with $2
	apt-cache madison "$1" | awk -v p="$2" 'index($3, p) == 1 {print $3}' |
		sort -V | tail -n 1
}

depends_on() {	# first dependency of $1 (=version $2) matching regex $3
	apt-cache show "$1=$2" | sed -n 's/^Depends: //p' | tr ',|' '\n\n' |
		sed 's/^ *//; s/ .*//' | grep -E "$3" | head -n 1
}

fetch() {
	series=$1
	dir=$out/$series
	[ -f "$dir/version" ] && [ -e "$dir/kdir/Makefile" ] && return 0

	meta=$(newest linux-image-amd64 "$series.")
	[ -n "$meta" ] || { echo "fetch-kernels: no $series kernel in apt" >&2; exit 1; }
	image=$(depends_on linux-image-amd64 "$meta" '^linux-image-')
	abi=${image#linux-image-}
	headers=linux-headers-$abi
	hver=$(apt-cache madison "$headers" | awk '{print $3; exit}')
	common=$(depends_on "$headers" "$hver" '^linux-headers-.*-common$')
	kbuild=$(depends_on "$headers" "$hver" '^linux-kbuild-')

	echo "fetch-kernels: $series -> $abi ($image $headers $common $kbuild)"
	rm -rf "$dir" && mkdir -p "$dir/root"
	(cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root "$image" "$headers" "$common" "$kbuild")
	for pkg in "$image" "$headers" "$common" "$kbuild"; do
		dpkg-deb -x "$(ls "$cache/${pkg}_"*.deb | sort -V | tail -n 1)" "$dir/root"
	done

	# The packages refer to each other by absolute /usr/... paths; point
	# those references into our private tree instead.
	find "$dir/root/usr/src" "$dir/root/usr/lib" -type l | while read -r l; do
		t=$(readlink "$l")
		case $t in /usr/*) ln -sfn "$dir/root$t" "$l" ;; esac
	done
	grep -rlE '/usr/(src|lib)/linux-' "$dir/root/usr/src/$headers/Makefile" |
		xargs -r sed -i -E "s@([ \"'])/usr/(src|lib)/linux-@\1$dir/root/usr/\2/linux-@g"

	ln -sfn "$dir/root/boot/vmlinuz-$abi" "$dir/vmlinuz"
	ln -sfn "$dir/root/usr/src/$headers" "$dir/kdir"
	echo "$abi" >"$dir/version"
}

for s in "$@"; do
	fetch "$s"
done
