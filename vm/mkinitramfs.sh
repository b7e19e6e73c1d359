#!/bin/sh
# mkinitramfs.sh MODULE OUTPUT [TREE...]
# Build the test VM's initramfs: busybox, vm/init as /init, the module as
# /lib/sysgenid/sysgenid.ko, and each TREE (default build/guest) copied on
# top of the root.
set -eu

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
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
