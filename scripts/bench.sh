#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot make check's test kernel twice and measure vmbkmcl
# against the native Linux ring code and a fair baseline, as ratios taken
# within each boot.
#
#  - the nanosecond boot: QEMU TCG, guest time in ns; prints "ratio" and
#    "ratio-fair" lines and the counters.  One vCPU (BENCH_NS_SMP): with
#    two, waking the other vCPU made the boot take over five minutes on
#    a loaded machine, and most of its noise;
#  - the instruction boot: QEMU -icount shift=0,sleep=off on 1 vCPU, where
#    guest time is the number of guest instructions, so the counts repeat
#    from boot to boot; prints "ratio-insn" and "ratio-insn-fair" lines.
#
# In:  the source tree; BENCH_PLANT=1 to load vmbkmcl_bench_plant first
#      (one planted allocation per packet on every vmbkmcl path, proving
#      the allocation counter sees it); BENCH_BOOTS ("ns insn", or one of
#      them); BENCH_REPS, repetitions in the nanosecond boot (5, the
#      median is kept); BENCH_INSN_REPS, repetitions in the instruction boot (3:
#      the least count is kept); QEMU_* knobs as scripts/qemu-run.sh takes them.
# Out: build/bench/{ns,insn}/{console.log,verdict,results.txt},
#      build/bench/results.txt (both boots' lines); the tables and the
#      machine-readable lines on stdout (scripts/bench-report); non-zero
#      exit if a boot failed.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/bench

"$here/scripts/deps.sh"
kdir=$("$here/scripts/testkernel.sh")
"$here/scripts/build-modules.sh" "$kdir" "$out/modules"

# The smoke suite first: on this kernel it also proves, every run, that
# the allocation counter sees a planted allocation.
mods=("$out/modules/vmbkmcl.ko" "$out/modules/vmbkmcl_simhost.ko"
	"$out/modules/vmbkmcl_bench_test.ko")
if [ "${BENCH_PLANT:-0}" = 1 ]; then
	mods+=("$out/modules/vmbkmcl_bench_plant.ko")
fi
mods+=("$out/modules/vmbkmcl_bench.ko")
# The instruction boot only counts: the smoke suite and the allocation
# counter's proof run in the nanosecond boot.
insn_mods=("$out/modules/vmbkmcl.ko" "$out/modules/vmbkmcl_simhost.ko"
	   "$out/modules/vmbkmcl_bench.ko")

# Both boots at once: the instruction boot's counts do not depend on
# what else the machine runs, and the nanosecond boot is noisy anyway.
boot() {
	local boot=$1 dir=$out/$1 rc=0 start
	local -a qemu
	mkdir -p "$dir"
	case $boot in
	ns)
		INSMOD_ARGS="vmbkmcl_bench.ko:reps=${BENCH_REPS:-5}" \
			"$here/scripts/initramfs.sh" \
			"$dir/initramfs.cpio.gz" "${mods[@]}"
		echo "bench: ns boot under ${QEMU_ACCEL:-tcg}; ratios only, absolute numbers mean little" >&2
		qemu=(env "QEMU_SMP=${BENCH_NS_SMP:-1}") ;;
	insn)
		INSMOD_ARGS="vmbkmcl_bench.ko:insn=1 vmbkmcl_bench.ko:reps=${BENCH_INSN_REPS:-3}" \
			"$here/scripts/initramfs.sh" \
			"$dir/initramfs.cpio.gz" "${insn_mods[@]}"
		echo "bench: instruction boot, TCG -icount shift=0,sleep=off, 1 vCPU" >&2
		# With 2 vCPUs the icount guest hung; one is all a run uses.
		qemu=(env QEMU_ACCEL=tcg QEMU_SMP=1
		      "QEMU_ARGS=-icount shift=0,sleep=off ${QEMU_ARGS:-}") ;;
	esac
	start=$(date +%s)
	"${qemu[@]}" "$here/scripts/qemu-run.sh" "$kdir/arch/x86/boot/bzImage" \
		"$dir/initramfs.cpio.gz" "$dir" || rc=$?
	echo "bench: $boot boot ran $(( $(date +%s) - start ))s" >&2
	echo "$rc" > "$dir/qemu-rc"
}

dirs=() rcs=() pids=()
for b in ${BENCH_BOOTS:-ns insn}; do
	case $b in
	ns|insn) ;;
	*) echo "bench: unknown boot '$b' in BENCH_BOOTS" >&2; exit 2 ;;
	esac
	rm -f "$out/$b/qemu-rc"
	boot "$b" &
	pids+=("$!") dirs+=("$out/$b")
done
for pid in "${pids[@]}"; do
	wait "$pid" || true
done
for dir in "${dirs[@]}"; do
	rcs+=("$(cat "$dir/qemu-rc" 2>/dev/null || echo 1)")
done
exec "$here/scripts/bench-report" "${dirs[@]}" --qemu-rc "${rcs[@]}" \
	--results "$out/results.txt"
