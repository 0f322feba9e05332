#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the small test kernel the KUnit suites and the demo boot.
#
# In:  [--source VERSION] (6.1 unless given: Debian's linux-source-VERSION,
#      /usr/src/linux-source-VERSION.tar.xz; 6.1 and 6.12 are tested);
#      fragments named on the command line (default kunit/testkernel.config),
#      merged in that order onto tinyconfig.  JOBS (nproc) parallel make jobs.
# Out: on stdout, the path of a built kernel tree holding
#      arch/x86/boot/bzImage and Module.symvers, ready for `make M=`.
#      The tree carries the emulated Hyper-V (kunit/hvemu/install.sh),
#      inert unless the kernel is booted with hvemu=1.
#
# The tree is cached under $VMBKMCL_CACHE/kernel-<hash>, the hash covering
# the source package's version (so each source has its own tree), the
# fragments, kunit/hvemu/ and RECIPE (bump it when the build steps below
# change what gets built).  A tree is used only once its
# .complete stamp exists, so an interrupted build is redone.
#
# VMBKMCL_KDIR, if set, names a built tree to use instead (a developer's
# copy being rebuilt incrementally while working on kunit/hvemu/); the
# cache is then not touched.  Never set in CI.
set -euo pipefail

if [ -n "${VMBKMCL_KDIR:-}" ]; then
	echo "$VMBKMCL_KDIR"
	exit 0
fi

RECIPE=2

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMBKMCL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmbkmcl}
source=6.1
if [ "${1:-}" = --source ]; then
	source=$2
	shift 2
fi
tarball=/usr/src/linux-source-$source.tar.xz
jobs=${JOBS:-$(nproc)}

if [ $# -eq 0 ]; then
	set -- "$here/kunit/testkernel.config"
fi

srcver=$(dpkg-query -W -f='${Version}' "linux-source-$source")
hvemu=$here/kunit/hvemu
key=$( { echo "$srcver $RECIPE"; cat "$@";
	(cd "$hvemu" && find . -type f | LC_ALL=C sort | xargs cat); } |
	sha256sum | cut -c1-16)
dir=$cache/kernel-$key
tree=$dir/linux

log() { echo "testkernel: $*" >&2; }

if [ -e "$dir/.complete" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock-$key"
flock 9
if [ -e "$dir/.complete" ]; then
	echo "$tree"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
log "building linux-source $srcver ($key) in $dir, a few minutes on 2 cores"
start=$(date +%s)
tar -C "$dir" -xaf "$tarball"
mv "$dir"/linux-source-* "$tree"
"$hvemu/install.sh" "$tree"

cat "$@" > "$dir/fragment.config"
buildlog=$dir/build.log
kmake() {
	if ! make -C "$tree" -j"$jobs" -s ARCH=x86_64 "$@" >> "$buildlog" 2>&1; then
		tail -n 40 "$buildlog" >&2
		log "make $* failed; full log: $buildlog"
		exit 1
	fi
}
kmake tinyconfig
(cd "$tree" && ./scripts/kconfig/merge_config.sh -m .config "$dir/fragment.config") \
	>> "$buildlog" 2>&1
kmake olddefconfig

# merge_config only warns when a dependency drops a requested option, or a
# `select` turns on one the fragment asked to keep off.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$tree/.config" && continue
		log "option lost after olddefconfig: $line"
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$tree/.config" || continue
		log "option set after olddefconfig: $(grep "^$opt=" "$tree/.config")"
		;;
	*) continue ;;
	esac
	missing=1
done < "$dir/fragment.config"
[ $missing -eq 0 ] || exit 1

kmake bzImage modules_prepare
# modpost writes Module.symvers here; without it the vmbus exports look
# undefined to out-of-tree modules.
kmake modules
touch "$dir/.complete"
log "built in $(( $(date +%s) - start ))s"
echo "$tree"
