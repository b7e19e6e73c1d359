#!/bin/sh
# copy-tree.sh TOP DEST: copy the source tree (what git tracks or would
# track; build directories and objects excluded) to DEST, so that
# dpkg-buildpackage can run there and write its output next to it.
set -eu
top=$1 dest=$2
mkdir -p "$dest"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
		tar -C "$top" --null -T - -cf - | tar -C "$dest" -xf -
else
	tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$dest" -xf -
fi
