#!/bin/sh
# Install the Debian packages the build, the lint and the VM harness need.
# Idempotent and quiet when everything is already there. The 32-bit
# userspace test needs gcc-12-multilib and libc6-dev-i386, not gcc-multilib:
# that one only adds the /usr/include/asm link, and conflicts with every
# cross compiler (gcc-aarch64-linux-gnu for the arm64 test among them), so
# tests/host/22-userspace-32bit supplies the link itself where it is missing.
# acpica-tools (iasl) builds the ACPI table with which tests/restore plays a
# hypervisor that sends VMClock notifications.
set -eu

BACKPORTS=/etc/apt/sources.list.d/sysgenid-bookworm-backports.sources
PKGS="build-essential gcc make bc bison flex libelf-dev libssl-dev kmod cpio
      busybox-static qemu-system-x86 qemu-utils pahole sparse xz-utils
      python3 pkg-config dkms dh-dkms debhelper devscripts lintian fakeroot
      debootstrap groff-base iproute2 criu gcc-12-multilib libc6-dev-i386
      clang file acpica-tools"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done

need_update=0
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >"$BACKPORTS" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi
stamp=/var/lib/apt/periodic/sysgenid-update-stamp
[ -f "$stamp" ] || need_update=1

if [ -n "$missing" ] || [ "$need_update" = 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "host-deps: need root to install:$missing" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
	if [ -n "$missing" ]; then
		echo "host-deps: installing$missing"
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
fi
