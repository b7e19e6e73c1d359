#!/bin/sh
# Extract checkpatch.pl (with its data files), kernel-doc and
# kselftest_harness.h from Debian's linux-source-6.1 package into
# build/tools/. Nothing is installed and nothing is copied into the
# repository.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${SYSGENID_BUILD:-$top/build}/tools
cache=${SYSGENID_BUILD:-$top/build}/debs
[ -f "$out/.done" ] && [ -f "$out/kernel-doc" ] && exit 0
mkdir -p "$out" "$cache"

pkg=linux-source-6.1
ver=$(apt-cache madison "$pkg" | awk '{print $3}' | sort -V | tail -n 1)
deb=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ]; then
	echo "fetch-tools: downloading $pkg $ver"
	(cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$ver")
	deb=$(ls "$cache/${pkg}_"*.deb | sort -V | tail -n 1)
fi

members="scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
	scripts/kernel-doc	tools/testing/selftests/kselftest_harness.h tools/testing/selftests/kselftest.h"
inner=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep '\.tar\.xz$' | head -n 1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
top_dir=$(basename "$inner" .tar.xz)
# shellcheck disable=SC2086
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$inner" |
	tar -xJ -C "$tmp" $(for m in $members; do printf '%s/%s ' "$top_dir" "$m"; done)
cp "$tmp/$top_dir/scripts/checkpatch.pl" "$tmp/$top_dir/scripts/spelling.txt" \
	"$tmp/$top_dir/scripts/const_structs.checkpatch" \
	"$tmp/$top_dir/scripts/kernel-doc" "$out/"
mkdir -p "$out/include"
cp "$tmp/$top_dir/tools/testing/selftests/kselftest_harness.h" \
	"$tmp/$top_dir/tools/testing/selftests/kselftest.h" "$out/include/"
chmod +x "$out/checkpatch.pl" "$out/kernel-doc"
touch "$out/.done"
