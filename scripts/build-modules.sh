#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build vmbkmcl (and, where the kernel has KUnit, its test modules) out of
# tree against one kernel, in a private copy of the sources so builds for
# different kernels never share objects.
#
# In:  KDIR (a configured kernel tree or headers package), OUTDIR.
# Out: the .ko files under OUTDIR; silent on success.  Fails on any compiler
#      or modpost warning (the build runs with W=1).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 KDIR OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1 out=$2

# Objects built against another kernel (or another config of the same
# tree) must not be relinked: Kbuild cannot tell, since M= builds use the
# same relative include paths everywhere, and a stale struct module layout
# makes the .ko unloadable.
# An unconfigured tree has no autoconf.h; Kbuild then says so itself.
stamp="$kdir $(cksum 2>/dev/null < "$kdir/include/generated/autoconf.h" ||
	echo unconfigured)"
if [ "$(cat "$out/.kdir" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$out"
fi
mkdir -p "$out"
echo "$stamp" > "$out/.kdir"
srcs=("$here/Kbuild" "$here/VERSION")
for d in vmbkmcl include kunit samples; do
	if [ -d "$here/$d" ]; then
		srcs+=("$here/$d")
	fi
done
# Sources only, so objects built in place against another kernel never
# reach this copy; mtimes are kept, so unchanged files are not rebuilt.
rsync -a --delete --include='*/' --include='*.[ch]' \
	--include=Kbuild --include=VERSION --exclude='*' "${srcs[@]}" "$out/"

# Modules of sources since removed must not be loaded from here.
find "$out" -name '*.ko' -delete

log=$out/build.log
if ! make -C "$kdir" M="$out" W=1 -j"$(nproc)" modules > "$log" 2>&1; then
	cat "$log" >&2
	echo "build-modules: build against $kdir failed" >&2
	exit 1
fi
if grep -E 'warning:|WARNING:' "$log" >&2; then
	echo "build-modules: warnings against $kdir (full log: $log)" >&2
	exit 1
fi
