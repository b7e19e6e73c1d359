#!/bin/sh
# mkroot.sh DEBS WORK SERIES
# Build the real-system test's disk and initrd in WORK:
#   base/          a minimal bookworm (debootstrap minbase + systemd-sysv,
#                  udev, kmod), made once and kept
#   disk.img       ext4 (mkfs.ext4 -d, no loop mount): base + libsysgenid1
#                  and sysgenid-tools from DEBS + the kernel's modules + the
#                  module DKMS builds on the host from sysgenid-dkms's source,
#                  in /lib/modules/<version>/updates/dkms + the test units
#   initrd.cpio.gz busybox, virtio_blk and ext4: mounts /dev/vda, switch_root
# No compiler goes into the guest.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
debs=$1 work=$2 series=$3
kver=$(cat "$build/kernels/$series/version")
kdir=$build/kernels/$series/kdir
kroot=$build/kernels/$series/root
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$work"

if [ ! -d "$work/base" ]; then
	rm -rf "$work/base.tmp"
	debootstrap --variant=minbase --include=systemd-sysv,udev,kmod \
		bookworm "$work/base.tmp" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
	mv "$work/base.tmp" "$work/base"
fi

root=$work/root
rm -rf "$root" "$work/dkms"
cp -a "$work/base" "$root"

# The packages, installed by dpkg as on a real system (maintainer scripts
# run: systemd-sysusers creates the group).
deb() { ls "$debs/${1}_"*.deb | head -n 1; }
mkdir -p "$root/tmp/debs"
cp "$(deb libsysgenid1)" "$(deb sysgenid-tools)" "$root/tmp/debs/"
chroot "$root" sh -c 'dpkg -i /tmp/debs/*.deb' >"$work/dpkg.log" 2>&1 ||
	{ cat "$work/dpkg.log" >&2; exit 1; }
rm -rf "$root/tmp/debs"

# The kernel's own modules, and ours as DKMS builds and installs it from
# the sysgenid-dkms package's source, in private dkms and source trees.
mkdir -p "$root/lib/modules"
cp -a "$kroot/lib/modules/$kver" "$root/lib/modules/"
rm -f "$root/lib/modules/$kver/build" "$root/lib/modules/$kver/source"
mkdir -p "$work/dkms"
dpkg-deb -x "$(deb sysgenid-dkms)" "$work/dkms/pkg"
src=$(ls -d "$work"/dkms/pkg/usr/src/sysgenid-*)
ver=${src##*/sysgenid-}
mkdir -p "$work/dkms/tree"
d() { dkms "$@" -m sysgenid -v "$ver" --dkmstree "$work/dkms/tree" \
	--sourcetree "$work/dkms/pkg/usr/src"; }
{ d add && d build -k "$kver" --kernelsourcedir "$kdir" &&
  d install -k "$kver" --kernelsourcedir "$kdir" \
	--installtree "$root/lib/modules" --no-depmod; } >"$work/dkms.log" 2>&1 ||
	{ cat "$work/dkms.log" >&2; exit 1; }
depmod -b "$root" "$kver"

# Test fixtures: two users, the watched command, the test itself.
chroot "$root" sh -e -c '
	useradd -m -s /bin/sh -G sysgenid alice
	useradd -m -s /bin/sh bob
	echo sysgenid-system > /etc/hostname
	echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" > /etc/fstab
	systemctl mask serial-getty@ttyS0.service getty@tty1.service \
		apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true
'
install -D -m 755 "$here/guest/exec-systest" "$root/etc/sysgenid/exec.d/systest"
install -D -m 755 "$here/guest/systest" "$root/usr/local/sbin/systest"
install -D -m 644 "$here/guest/systest.service" "$root/etc/systemd/system/systest.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /lib/systemd/system/sysgenid-exec@.service \
	"$root/etc/systemd/system/multi-user.target.wants/sysgenid-exec@systest.service"
ln -sf /etc/systemd/system/systest.service \
	"$root/etc/systemd/system/multi-user.target.wants/systest.service"

rm -f "$work/disk.img"
mkfs.ext4 -q -F -L root -d "$root" "$work/disk.img" 1G

# The initrd: load what mounting the root needs, in depmod's order.
ird=$work/initrd
rm -rf "$ird"
mkdir -p "$ird/bin" "$ird/dev" "$ird/proc" "$ird/sys" "$ird/newroot" "$ird/mods"
cp /bin/busybox "$ird/bin/busybox"
for a in sh mount umount insmod switch_root sleep echo cat; do
	ln -s busybox "$ird/bin/$a"
done
i=0
for m in $(modprobe -d "$root" -S "$kver" --show-depends -a virtio_blk ext4 |
		awk '$1 == "insmod" {print $2}'); do
	i=$((i + 1))
	case $m in
	*.xz) xz -dc "$m" >"$ird/mods/$(printf %02d $i).ko" ;;
	*.zst) zstd -qdc "$m" >"$ird/mods/$(printf %02d $i).ko" ;;
	*) cp "$m" "$ird/mods/$(printf %02d $i).ko" ;;
	esac
done
install -m 755 "$here/guest/initrd-init" "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initrd.cpio.gz"
rm -rf "$ird" "$root"
echo "mkroot: $work/disk.img, $work/initrd.cpio.gz ($kver)"
