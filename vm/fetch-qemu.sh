#!/bin/sh
# Fetch QEMU 10.0 from bookworm-backports (the first Debian QEMU with the
# `vmclock` ACPI device) and unpack it under build/qemu-10.0/ without
# installing it: the host's QEMU 7.2 stays the one every test uses.
#   root/                    the unpacked packages (qemu-system-x86,
#                            -common, -data and the newer seabios it needs)
#   qemu-system-x86_64       a wrapper that runs root/usr/bin/... with its
#                            own firmware and modules (see below)
#   version                  the package versions unpacked
# Use it with SYSGENID_QEMU=build/qemu-10.0/qemu-system-x86_64 (vm/qemu.py).
# Idempotent, and quiet when done. docs/vmclock.md says what it offers.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
series=10.0
dir=$build/qemu-$series
cache=$build/debs
wrapper=$dir/qemu-system-x86_64

newest() {	# newest apt version of package $1 that starts with $2
	best=""
	for v in $(apt-cache madison "$1" | awk -v p="$2" 'index($3, p) == 1 {print $3}'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done
	echo "$best"
}

# Once unpacked, it stays (as vm/fetch-kernels.sh does with kernels):
# remove build/qemu-10.0 to take a newer upload.
if [ -x "$wrapper" ] && [ -s "$dir/version" ] &&
	"$dir/root/usr/bin/qemu-system-x86_64" --version >/dev/null 2>&1; then
	exit 0
fi

qver=$(newest qemu-system-x86 "1:$series.")
[ -n "$qver" ] || { echo "fetch-qemu: no QEMU $series in apt (bookworm-backports: vm/host-deps.sh)" >&2; exit 1; }
sver=$(newest seabios "")
want="qemu-system-x86=$qver qemu-system-common=$qver qemu-system-data=$qver seabios=$sver"


echo "fetch-qemu: $want"
mkdir -p "$cache"
deb() {	# the cached .deb of package=version $1 (apt names the epoch %3a)
	find "$cache" -maxdepth 1 -name "${1%%=*}_*$(echo "${1#*=}" | sed 's/.*://')_*.deb" |
		head -n 1
}
get=""
for pv in $want; do
	[ -n "$(deb "$pv")" ] || get="$get $pv"
done
# shellcheck disable=SC2086
[ -z "$get" ] || (cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root $get)
rm -rf "$dir" && mkdir -p "$dir/root"
for pv in $want; do
	f=$(deb "$pv")
	[ -n "$f" ] || { echo "fetch-qemu: no .deb for $pv in $cache" >&2; exit 1; }
	dpkg-deb -x "$f" "$dir/root"
done
# Absolute links would point at the host's QEMU 7.2 files: into the tree.
find "$dir/root" -type l | while read -r l; do
	t=$(readlink "$l")
	case $t in /*) ln -sfn "$dir/root$t" "$l" ;; esac
done
missing=$(ldd "$dir/root/usr/bin/qemu-system-x86_64" | grep 'not found' || true)
[ -z "$missing" ] || { echo "fetch-qemu: libraries missing on this host:" >&2; echo "$missing" >&2; exit 1; }

# The binary looks for firmware in /usr/share/qemu and /usr/share/seabios
# and for its modules in /usr/lib/x86_64-linux-gnu/qemu, all of which hold
# QEMU 7.2's files: 7.2's modules refuse to load into 10.0 (warnings, or
# an abort for `-device help`). As root, the wrapper bind-mounts the
# private directories over those in a mount namespace of its own (nothing
# outside it sees them; the exec keeps one pid). Otherwise it falls back
# to -L and QEMU_MODULE_DIR, which work but leave 7.2's modules as a
# fallback (a harmless "failed to initialize module" line at start).
m=/usr/lib/x86_64-linux-gnu/qemu
cat >"$wrapper" <<EOF
#!/bin/sh
# QEMU $qver from $dir/root (vm/fetch-qemu.sh)
r=$dir/root
if [ "\$(id -u)" = 0 ] && [ -z "\${SYSGENID_QEMU_NO_NS:-}" ]; then
	exec unshare -m --propagation private sh -c '
		r=\$1; shift
		mount --bind "\$r/usr/share/qemu" /usr/share/qemu &&
		mount --bind "\$r/usr/share/seabios" /usr/share/seabios &&
		mount --bind "\$r$m" $m &&
		exec "\$r/usr/bin/qemu-system-x86_64" "\$@"' sh "\$r" "\$@"
fi
QEMU_MODULE_DIR=\$r$m exec "\$r/usr/bin/qemu-system-x86_64" \\
	-L "\$r/usr/share/qemu" -L "\$r/usr/share/seabios" "\$@"
EOF
chmod +x "$wrapper"
mkdir -p "$dir/root$m"
"$wrapper" -machine none -display none -device help 2>/dev/null | grep -q '"vmclock"' ||
	{ echo "fetch-qemu: $wrapper has no vmclock device" >&2; exit 1; }
echo "$want" >"$dir/version"
