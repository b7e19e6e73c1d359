#!/bin/sh
# relink.sh ROOT HEADERS: Debian's kernel packages, unpacked under ROOT
# (dpkg-deb -x) rather than installed, refer to each other by absolute
# /usr/... paths (symlinks, and the headers' Makefile under
# ROOT/usr/src/HEADERS); point those references into ROOT instead.
set -eu
root=$1
headers=$2
find "$root/usr/src" "$root/usr/lib" -type l | while read -r l; do
	t=$(readlink "$l")
	case $t in /usr/*) ln -sfn "$root$t" "$l" ;; esac
done
grep -rlE '/usr/(src|lib)/linux-' "$root/usr/src/$headers/Makefile" |
	xargs -r sed -i -E "s@([ \"'])/usr/(src|lib)/linux-@\1$root/usr/\2/linux-@g"
