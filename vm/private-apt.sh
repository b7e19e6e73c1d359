#!/bin/sh
# private-apt.sh "SUITE..." apt-get|apt-cache ARGS...
# Run apt-get or apt-cache against the Debian SUITEs named (e.g. "trixie
# trixie-backports") with a private configuration under
# build/apt-<first suite>/, never the host's /etc/apt: adding trixie to the
# host's sources would upgrade this bookworm host. Only the main component.
# The package lists are fetched on first use and again when a day old.
# SYSGENID_APT_ARCHS ("arm64 amd64") names the architectures apt is to
# know, the first being the native one, in a directory of their own
# (build/apt-<first suite>-<first arch>/); the host's dpkg never learns them.
set -eu

suites=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
archs=${SYSGENID_APT_ARCHS:-}
dir=${SYSGENID_BUILD:-$top/build}/apt-${suites%% *}${archs:+-${archs%% *}}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${SYSGENID_DEBIAN_MIRROR:-http://deb.debian.org/debian}

mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
for s in $suites; do
	echo "deb [signed-by=$keyring] $mirror $s main"
done >"$dir/sources.list.new"
if cmp -s "$dir/sources.list.new" "$dir/sources.list"; then
	rm "$dir/sources.list.new"
else
	mv "$dir/sources.list.new" "$dir/sources.list"
	rm -f "$dir/updated"
fi

archopts=""
if [ -n "$archs" ]; then
	archopts="-o APT::Architecture=${archs%% *}"
	for a in $archs; do
		archopts="$archopts -o APT::Architectures::=$a"
	done
fi
opts() {
	# shellcheck disable=SC2086
	"$@" $archopts -o Dir::Etc::SourceList="$dir/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::State::Lists="$dir/lists" \
		-o Dir::Cache="$dir/cache" \
		-o Dir::State::status=/var/lib/dpkg/status \
		-o APT::Sandbox::User=root
}
if [ -z "$(find "$dir/updated" -mmin -1440 2>/dev/null)" ]; then
	opts apt-get -qq update >&2
	touch "$dir/updated"
fi
opts "$@"
