#!/bin/sh
# in-root.sh ROOT [DIR...] -- COMMAND [ARGUMENTS...]
# Run COMMAND chrooted into ROOT (build/trixie-root/), with /proc mounted
# there and each host directory DIR at the same path inside, in a private
# mount namespace (unshare): the mounts exist only for COMMAND's lifetime,
# are never seen by the host, and leave nothing to unmount if COMMAND is
# killed. The exit status is COMMAND's.
set -eu

root=$1
shift
dirs=""
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	d=$(cd "$1" && pwd)
	mkdir -p "$root$d"
	dirs="$dirs $d"
	shift
done
[ "${1:-}" = -- ] || { echo "usage: in-root.sh ROOT [DIR...] -- COMMAND..." >&2; exit 2; }
shift

# shellcheck disable=SC2016
exec unshare --mount --propagation private sh -c '
	set -e
	root=$1 dirs=$2
	shift 2
	mount -t proc proc "$root/proc"
	for d in $dirs; do mount --bind "$d" "$root$d"; done
	exec chroot "$root" env LC_ALL=C.UTF-8 "$@"' sh "$root" "$dirs" "$@"
