#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the bench kernel once and measure vmbkmcl against the
# native Linux ring code, as ratios taken in that one boot.
#
# In:  the source tree; BENCH_PLANT=1 to load vmbkmcl_bench_plant first (one
#      planted allocation per packet on every vmbkmcl path, proving the
#      allocation counter sees it); QEMU_* knobs as scripts/qemu-run.sh
#      takes them.
# Out: build/bench/{console.log,verdict,results.txt}; the table and the
#      machine-readable lines on stdout (scripts/bench-report); non-zero
#      exit if the run failed.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/bench

"$here/scripts/deps.sh"
kdir=$("$here/scripts/testkernel.sh" "$here/kunit/testkernel.config" \
	"$here/kunit/bench/bench.config")
"$here/scripts/build-modules.sh" "$kdir" "$out/modules"

# The smoke suite first: on this kernel it also proves, every run, that
# the allocation counter sees a planted allocation.
mods=("$out/modules/vmbkmcl.ko" "$out/modules/vmbkmcl_simhost.ko"
	"$out/modules/vmbkmcl_bench_test.ko")
if [ "${BENCH_PLANT:-0}" = 1 ]; then
	mods+=("$out/modules/vmbkmcl_bench_plant.ko")
fi
mods+=("$out/modules/vmbkmcl_bench.ko")
"$here/scripts/initramfs.sh" "$out/initramfs.cpio.gz" "${mods[@]}"

echo "bench: booting under ${QEMU_ACCEL:-tcg}; ratios only, absolute numbers mean little" >&2
start=$(date +%s)
rc=0
"$here/scripts/qemu-run.sh" "$kdir/arch/x86/boot/bzImage" \
	"$out/initramfs.cpio.gz" "$out" || rc=$?
echo "bench: guest ran $(( $(date +%s) - start ))s" >&2
exec "$here/scripts/bench-report" "$out" --qemu-rc "$rc"
