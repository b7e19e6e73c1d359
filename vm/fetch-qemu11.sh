#!/bin/sh
# Install QEMU 11.1 from trixie-backports into a copy of build/trixie-root/
# and wrap it, without installing anything on the host: QEMU 11.1 is built
# for trixie's C library, which this bookworm host does not have, so it
# runs chrooted in that copy.
#   root/                    build/trixie-root (cp -a) plus qemu-system-x86
#                            from trixie-backports and what it depends on
#                            (seabios, ipxe-qemu, qemu-system-data, ...)
#   qemu-system-x86_64       a wrapper that runs root/usr/bin/... chrooted
#                            (vm/in-root.sh) with the project's top and
#                            build directories at the same paths
#   version                  the package versions installed
# Use it with SYSGENID_QEMU=build/qemu-11.1/qemu-system-x86_64 (vm/qemu.py).
# Needs root and build/trixie-root (make kernels makes it for 7.3).
# Idempotent, and quiet when done. docs/vmclock.md says what it offers.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
build=$(mkdir -p "$build" && cd "$build" && pwd)
series=11.1
dir=$build/qemu-$series
root=$dir/root
wrapper=$dir/qemu-system-x86_64
base=$build/trixie-root

# Once installed, it stays: remove build/qemu-11.1 to take a newer upload.
if [ -x "$wrapper" ] && [ -s "$dir/version" ] &&
	"$wrapper" --version >/dev/null 2>&1; then
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "fetch-qemu11: needs root (chroot, mounts)" >&2; exit 1; }
[ -f "$base/.sysgenid-ready" ] ||
	{ echo "fetch-qemu11: no complete $base (make kernels, vm/trixie-root.sh)" >&2; exit 1; }

# The copy is made of the directory, never of a link to it (a build
# directory may link trixie-root/ to another's): nothing below may change
# the original.
base=$(cd "$base" && pwd -P)
echo "fetch-qemu11: copying $base"
t0=$(date +%s)
rm -rf "$dir" && mkdir -p "$root"
cp -a "$base/." "$root/"
[ -d "$root" ] && [ ! -L "$root" ] || { echo "fetch-qemu11: $root is not a directory" >&2; exit 1; }
rm -f "$root/.sysgenid-ready"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# -t trixie-backports: QEMU's own packages (qemu-system-common, -data, ...)
# must come from there too, which qemu-system-x86/trixie-backports alone
# does not make apt do; the root's other packages stay as they are.
echo "fetch-qemu11: apt-get install -t trixie-backports qemu-system-x86 in $root"
mkdir -p "$build/logs"
log=$build/logs/qemu11-apt.log
if ! sh "$top/vm/in-root.sh" "$root" -- sh -c '
	export DEBIAN_FRONTEND=noninteractive
	apt-get -qq update &&
	apt-get install -y -qq --no-install-recommends \
		-t trixie-backports qemu-system-x86 &&
	apt-get clean' >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "fetch-qemu11: apt-get failed (log: $log)" >&2
	exit 1
fi

# The wrapper: in-root.sh chroots in a private mount namespace and execs
# through to QEMU, so QEMU keeps the wrapper's pid (vm/qemu.py kills it).
# Besides the top and build directories, the targets of symbolic links at
# the top of the build directory are mounted too (a build directory whose
# kernels/ or 7.3/ point into another checkout's build/).
cat >"$wrapper" <<EOF
#!/bin/sh
# QEMU $series from trixie-backports, chrooted in $root (vm/fetch-qemu11.sh)
set -eu
dirs="$top $build"
for l in "$build"/*; do
	if [ -L "\$l" ] && [ -d "\$l" ]; then dirs="\$dirs \$(readlink -f "\$l")"; fi
done
# shellcheck disable=SC2086
exec sh "$top/vm/in-root.sh" "$root" \$dirs -- /usr/bin/qemu-system-x86_64 "\$@"
EOF
chmod +x "$wrapper"
"$wrapper" -machine none -display none -device help 2>/dev/null | grep -q '"vmclock"' ||
	{ echo "fetch-qemu11: $wrapper has no vmclock device" >&2; exit 1; }
sh "$top/vm/in-root.sh" "$root" -- dpkg-query -W -f '${Package}=${Version}\n' \
	qemu-system-x86 qemu-system-common qemu-system-data seabios ipxe-qemu |
	tr '\n' ' ' | sed 's/ $/\n/' >"$dir/version"
echo "fetch-qemu11: $(cat "$dir/version") ($(( $(date +%s) - t0 )) s)"
