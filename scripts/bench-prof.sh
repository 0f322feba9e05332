#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-prof: where one bench case's instructions go, per function, for
# the native, fair and vmbkmcl drivers side by side.
#
# Boots make check's test kernel once under QEMU TCG with the insnprof
# plugin (scripts/insnprof), loads the bench with prof=CASE, which runs only
# that case's three drivers and marks their timed windows, and maps every
# counted block to the symbol it starts in through the guest's own
# /proc/kallsyms.  Instruction counts do not depend on the clock or on the
# machine's load, so no -icount is needed.
#
# In:  CASE (rx-64B-b256-inline by default; any rx-* or tx-*-b* bench case
#      name); PROF_REPS runs of 1024 packets per driver (3); PROF_TOP rows.
# Out: build/bench/prof/{console.log,verdict,insnprof.txt}; the table on
#      stdout (scripts/bench-prof-report).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/bench/prof
case=${CASE:-rx-64B-b256-inline}

"$here/scripts/deps.sh"
kdir=$("$here/scripts/testkernel.sh")
"$here/scripts/build-modules.sh" "$kdir" "$here/build/bench/modules"
mkdir -p "$out"
gcc -O2 -Wall -shared -fPIC -o "$out/insnprof.so" \
	"$here/scripts/insnprof/insnprof.c"

then=$(mktemp)
trap 'rm -f "$then"' EXIT
cat > "$then" <<'THEN'
#!/bin/sh
grep -i ' t ' /proc/kallsyms > /dev/ttyS1
THEN
m=$here/build/bench/modules
INITRAMFS_THEN=$then INSMOD_ARGS="vmbkmcl_bench.ko:prof=$case vmbkmcl_bench.ko:reps=${PROF_REPS:-3}" \
	"$here/scripts/initramfs.sh" "$out/initramfs.cpio.gz" \
	"$m/vmbkmcl.ko" "$m/vmbkmcl_simhost.ko" "$m/vmbkmcl_bench.ko"
rm -f "$out/insnprof.txt"
QEMU_ACCEL=tcg QEMU_SMP=1 \
	QEMU_ARGS="-plugin $out/insnprof.so,out=$out/insnprof.txt ${QEMU_ARGS:-}" \
	"$here/scripts/qemu-run.sh" "$kdir/arch/x86/boot/bzImage" \
	"$out/initramfs.cpio.gz" "$out"
exec "$here/scripts/bench-prof-report" "$out" --top "${PROF_TOP:-40}"
