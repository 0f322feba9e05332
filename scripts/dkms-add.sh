#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Register this source tree with DKMS, as vmbkmcl/<VERSION>.  A version
# that is already registered is removed first, so a re-run picks up edits.
#
# In:  the source tree (VERSION, dkms.conf.in, Kbuild, the C sources); root.
# Out: /usr/src/vmbkmcl-<VERSION>/ holding the sources and dkms.conf, added
#      to DKMS (not yet built); the "name/version" on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "dkms-add: run as root (writes /usr/src)" >&2; exit 1; }
"$here/scripts/deps.sh" dkms

version=$(cat "$here/VERSION")
case $version in
"" | *[!0-9A-Za-z.+~]*)
	echo "dkms-add: bad version '$version' in VERSION" >&2
	exit 1
	;;
esac
dest=/usr/src/vmbkmcl-$version

# dkms chatters on success; show what it said only when it fails.
quietly() {
	local log
	if ! log=$("$@" 2>&1); then
		echo "$log" >&2
		echo "dkms-add: '$*' failed" >&2
		exit 1
	fi
}

if [ -n "$(dkms status -m vmbkmcl -v "$version")" ]; then
	quietly dkms remove -m vmbkmcl -v "$version" --all
fi

mkdir -p "$dest"
srcs=("$here/Kbuild" "$here/VERSION")
for d in vmbkmcl include kunit samples; do
	if [ -d "$here/$d" ]; then
		srcs+=("$here/$d")
	fi
done
# The same file set scripts/build-modules.sh copies, plus VERSION: no
# objects, no harness, nothing built in place against another kernel.
rsync -a --delete --include='*/' --include='*.[ch]' --include=Kbuild \
	--include=VERSION --exclude='*' "${srcs[@]}" "$dest/"
sed "/^PACKAGE_VERSION=/s/@VERSION@/$version/" "$here/dkms.conf.in" > "$dest/dkms.conf"
grep -qx "PACKAGE_VERSION=\"$version\"" "$dest/dkms.conf"

quietly dkms add -m vmbkmcl -v "$version"
echo "vmbkmcl/$version"
