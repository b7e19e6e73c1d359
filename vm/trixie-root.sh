#!/bin/sh
# trixie-root.sh ABI
# Prepare build/trixie-root/, a Debian trixie system made by debootstrap,
# in which modules for Debian's trixie kernels (7.3 from trixie-backports)
# are built: those kernels' headers come with kbuild tools (fixdep,
# modpost, ...) linked against trixie's C library and a .config made by
# gcc 14, neither of which this bookworm host has. The headers of kernel
# release ABI (e.g. 7.3.4+deb13-amd64) are installed in it by apt, as on a
# trixie machine, along with the compiler, pahole and dkms, and criu, which
# the 7.3 VM gets from here (vm/mkinitramfs.sh): bookworm's is too old.
#
# sparse: 7.3's headers need a sparse that knows __typeof_unqual__, which
# trixie's 0.6.4 does not; the sparse binary of sid's package (0.6.5~rc1 or
# later) goes into the root's /usr/local/bin. Debian's headers packages
# also lack the kernel's scripts/checker-valid.sh, without which C=1/C=2
# silently check nothing ("sparse is not available or not up to date"): a
# script of ours with the same contract is put in its place.
#
# Idempotent: a root that is complete (its stamp names ABI) is left alone;
# an interrupted one is removed and made again. Nothing is mounted after it
# returns.
set -eu

abi=$1
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
root=$build/trixie-root
stamp=$root/.sysgenid-ready
mirror=${SYSGENID_TRIXIE_MIRROR:-http://deb.debian.org/debian}
PKGS="gcc-14 make bc bison flex libelf-dev libssl-dev kmod sparse pahole
      xz-utils dkms criu"

want="headers $abi, criu, sparse from sid, checker-valid.sh"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0

[ "$(id -u)" = 0 ] || { echo "trixie-root: needs root (debootstrap, chroot)" >&2; exit 1; }

unmount_all() {	# whatever debootstrap or apt left mounted under the root
	grep " $root/" /proc/mounts | awk '{print $2}' | sort -r |
		while read -r m; do umount -l "$m" || true; done
}

if [ ! -f "$stamp" ]; then
	unmount_all
	rm -rf "$root"
	echo "trixie-root: debootstrap trixie into $root"
	t0=$(date +%s)
	if ! debootstrap --variant=minbase --include=ca-certificates \
		trixie "$root" "$mirror" >"$build/logs/trixie-debootstrap.log" 2>&1; then
		unmount_all
		tail -n 20 "$build/logs/trixie-debootstrap.log" >&2
		echo "trixie-root: debootstrap failed (log: $build/logs/trixie-debootstrap.log)" >&2
		exit 1
	fi
	unmount_all
	cat >"$root/etc/apt/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main
SRC
	echo "trixie-root: debootstrap took $(( $(date +%s) - t0 )) s"
	: >"$stamp"
fi

echo "trixie-root: installing$(echo " $PKGS" | tr -s ' \n' ' ')linux-headers-$abi"
cp /etc/resolv.conf "$root/etc/resolv.conf"
t0=$(date +%s)
if ! chroot "$root" sh -c "export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 &&
	apt-get -qq update && apt-get install -y -qq --no-install-recommends \
		$(echo $PKGS) linux-headers-$abi" >"$build/logs/trixie-apt.log" 2>&1; then
	unmount_all
	tail -n 20 "$build/logs/trixie-apt.log" >&2
	echo "trixie-root: apt-get install failed (log: $build/logs/trixie-apt.log)" >&2
	exit 1
fi
unmount_all
chroot "$root" apt-get clean
echo "trixie-root: packages took $(( $(date +%s) - t0 )) s"

debs=$build/debs
mkdir -p "$debs"
(cd "$debs" && sh "$top/vm/private-apt.sh" sid apt-get download -qq sparse)
sparse_deb=$(ls "$debs"/sparse_*.deb | sort -V | tail -n 1)
tmp=$(mktemp -d)
dpkg-deb -x "$sparse_deb" "$tmp"
install -D -m 755 "$tmp/usr/bin/sparse" "$root/usr/local/bin/sparse"
rm -rf "$tmp"
echo "trixie-root: sparse $(chroot "$root" /usr/local/bin/sparse --version) from $(basename "$sparse_deb")"

common=$root/usr/src/linux-headers-${abi%-*}-common
[ -d "$common/scripts" ] || { echo "trixie-root: no $common" >&2; exit 1; }
if [ ! -e "$common/scripts/checker-valid.sh" ]; then
	cat >"$common/scripts/checker-valid.sh" <<'CHK'
#!/bin/sh
# Put here by sysgenid's vm/trixie-root.sh: Debian's headers package lacks
# the kernel's checker-valid.sh. Prints 1 if the checker ("$@", e.g.
# "sparse -m64 ...") exists and parses what the kernel's headers need of it
# (__typeof_unqual__), 0 otherwise, as the kernel's Makefile expects.
command -v "$1" >/dev/null 2>&1 || { echo 0; exit 0; }
t=$(mktemp --suffix=.c)
printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' >"$t"
if "$@" "$t" 2>&1 | grep -q error; then echo 0; else echo 1; fi
rm -f "$t"
CHK
	chmod 755 "$common/scripts/checker-valid.sh"
fi
echo "$want" >"$stamp"
