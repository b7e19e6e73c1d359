#!/bin/sh
# Build a debug kernel (lockdep, KASAN, UBSAN, kmemleak, failslab) from
# Debian's linux-source-6.1 package, plus sysgenid.ko against it, and
# install it as kernel series "debug" for the harness:
#   $BUILD/kernels/debug/{vmlinuz,kdir,version}, $BUILD/debug/module/
# The source package is downloaded (not installed) unless build/debs
# already holds it. The configuration is tinyconfig plus debug/debug.config.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SYSGENID_BUILD:-$top/build}
work=$build/debug-kernel
cache=$build/debs
dest=$build/kernels/debug
fragment=$top/debug/debug.config
jobs=${JOBS:-$(nproc)}
pkg=linux-source-6.1
start=$(date +%s)

mkdir -p "$work" "$cache"
deb=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ]; then
	echo "build-kernel: downloading $pkg"
	(cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root "$pkg")
	deb=$(ls "$cache/${pkg}_"*.deb | sort -V | tail -n 1)
fi

inner=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep '\.tar\.xz$' | head -n 1)
src=$work/$(basename "$inner" .tar.xz)
if [ ! -f "$src/.extracted" ]; then
	echo "build-kernel: extracting $(basename "$inner")"
	rm -rf "$src"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "$inner" | tar -xJ -C "$work"
	touch "$src/.extracted"
fi

echo "build-kernel: configuring (tinyconfig + $(basename "$fragment"))"
make -s -C "$src" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" \
	"$fragment" >/dev/null
make -s -C "$src" olddefconfig
missing=$(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=y$/\1/p' "$fragment" |
	while read -r opt; do
		grep -qx "$opt=y" "$src/.config" || echo "$opt"
	done)
if [ -n "$missing" ]; then
	echo "build-kernel: options not enabled:" $missing >&2
	exit 1
fi

echo "build-kernel: building with $jobs jobs"
nice -n 19 make -s -C "$src" -j"$jobs" bzImage modules

mkdir -p "$dest" "$build/debug/module"
ln -sfn "$src/arch/x86/boot/bzImage" "$dest/vmlinuz"
ln -sfn "$src" "$dest/kdir"
make -s -C "$src" kernelrelease >"$dest/version"

cp -a "$top/kernel/." "$build/debug/module/"
make -s -C "$build/debug/module" KDIR="$src" module
test -f "$build/debug/module/sysgenid.ko"

secs=$(($(date +%s) - start))
echo "$secs" >"$work/build-seconds"
echo "build-kernel: $(cat "$dest/version") built in ${secs} s"
