#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check / make check-debug: build the test kernel and the modules, boot
# every KUnit suite once in QEMU and judge the log.
#
# In:  the source tree; --source 6.12 first for the test kernel built from
#      Debian's linux-source-6.12 instead of 6.1, with
#      kunit/testkernel-6.12.config merged on (make check-6.12); then
#      --hv for the hv-path boot alone, or --debug for the debug flavour
#      (the same suites on a kernel with kunit/debug.config merged on:
#      KASAN, UBSAN, lockdep, kmemleak, debugobjects, SLUB debugging);
#      QEMU_* knobs as scripts/qemu-run.sh takes them.
# Out: build/check/ (build/check-debug/ with --debug, build/check-6.12/
#      with --source 6.12) holding console.log,
#      verdict and results.ktap of the simhost boot, and hv/ the same for
#      the boot on the emulated Hyper-V (hvemu=1: real hv_vmbus, the
#      hv-path suites); failed cases and kernel reports and a count per
#      boot, then a last line "N passed, N failed" summing both; non-zero
#      exit on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
fragments=("$here/kunit/testkernel.config")
report_args=()
flavour=check
source=() srcpkg=() kernel=

if [ "${1:-}" = --source ]; then
	[ -n "${2:-}" ] || { echo "$0: --source needs a version" >&2; exit 2; }
	source=(--source "$2")
	srcpkg=("linux-source-$2")
	flavour=check-$2
	kernel="$2 "
	if [ -e "$here/kunit/testkernel-$2.config" ]; then
		fragments+=("$here/kunit/testkernel-$2.config")
	fi
	shift 2
fi

boots="simhost hv"
case ${1:-} in
"") ;;
--hv)
	# Only the boot on the emulated Hyper-V (quicker while working on it).
	boots=hv
	;;
--debug)
	flavour=$flavour-debug
	fragments+=("$here/kunit/debug.config")
	# The API-misuse verifier is on in the debug run.
	export INSMOD_ARGS="vmbkmcl.ko:verifier=1 ${INSMOD_ARGS:-}"
	report_args+=(--kmemleak)
	;;
*)
	echo "usage: $0 [--source VERSION] [--debug | --hv]" >&2
	exit 2
	;;
esac
out=$here/build/$flavour

"$here/scripts/deps.sh" ${srcpkg[@]+"${srcpkg[@]}"}
kdir=$("$here/scripts/testkernel.sh" ${source[@]+"${source[@]}"} "${fragments[@]}")
"$here/scripts/build-modules.sh" "$kdir" "$out/modules"

# Boot 1, simhost: the core, the simulated host, the sample ports, then the
# suites.  The hv-path modules (vmbkmcl_hv*) need the emulated Hyper-V.
mods=("$out/modules/vmbkmcl.ko" "$out/modules/vmbkmcl_simhost.ko")
# The bench runner and its planted allocation are make bench's alone.
mapfile -t samples < <(find "$out/modules" -maxdepth 1 -name 'vmbkmcl_*.ko' \
	! -name '*_test.ko' ! -name vmbkmcl_simhost.ko ! -name 'vmbkmcl_demo*.ko' \
	! -name 'vmbkmcl_bench*.ko' ! -name 'vmbkmcl_hv*.ko' | sort)
mapfile -t suites < <(find "$out/modules" -maxdepth 1 -name '*_test.ko' \
	! -name 'vmbkmcl_hv*.ko' | sort)
"$here/scripts/initramfs.sh" "$out/initramfs.cpio.gz" "${mods[@]}" \
	"${samples[@]}" "${suites[@]}"

# Boot 2, hv path: the same kernel booted with hvemu=1, so hv_vmbus comes
# up on the emulated Hyper-V (kunit/hvemu/).  Linux's hv_utils answers the
# heartbeat device first (the oracle) and is unloaded before the samples,
# which serve the same class; then the production-path suite, and last the
# one that hibernates the kernel (to /sys/power/pm_test's core level).
hvout=$out/hv
hvmods=("${mods[@]}" "$out/modules/vmbkmcl_hvhost.ko"
	"$out/modules/hv_utils.ko" "$out/modules/vmbkmcl_hvutils_test.ko"
	rmmod:hv_utils "${samples[@]}" "$out/modules/vmbkmcl_hvpath_test.ko"
	"$out/modules/vmbkmcl_hvrescind_test.ko"
	"$out/modules/vmbkmcl_hvfuzz_test.ko"
	"$out/modules/vmbkmcl_hvsleep_test.ko")
# hv_utils is gone by then, so the heartbeat sample may claim Hyper-V's
# heartbeat class (samples/heartbeat/heartbeat.h).
INSMOD_ARGS="vmbkmcl_heartbeat.ko:claim_heartbeat=1 ${INSMOD_ARGS:-}" \
	"$here/scripts/initramfs.sh" "$hvout/initramfs.cpio.gz" "${hvmods[@]}"

# Each boot is judged on its own; the last line sums them.
total_p=0 total_f=0 total_s=0 status=0
judge() {
	local label=$1 dir=$2 qrc=$3 rrc=0 last p f sk
	"$here/scripts/kunit-report" "$dir" --qemu-rc "$qrc" \
		"${report_args[@]}" > "$dir/report.txt" || rrc=$?
	sed '$d' "$dir/report.txt"
	last=$(tail -n 1 "$dir/report.txt")
	echo "$label: $last"
	p=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' <<< "$last")
	f=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<< "$last")
	sk=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' <<< "$last")
	total_p=$((total_p + ${p:-0}))
	total_f=$((total_f + ${f:-1}))
	total_s=$((total_s + ${sk:-0}))
	[ "$rrc" -eq 0 ] || status=1
}

if [[ $boots == *simhost* ]]; then
	echo "$flavour: booting ${#suites[@]} test module(s) on simhost under ${QEMU_ACCEL:-tcg}" >&2
	rc=0
	"$here/scripts/qemu-run.sh" "$kdir/arch/x86/boot/bzImage" \
		"$out/initramfs.cpio.gz" "$out" || rc=$?
	judge "${kernel}simhost boot" "$out" "$rc"
fi

echo "$flavour: booting the hv-path suites on the emulated Hyper-V" >&2
rc=0
QEMU_HVEMU=1 "$here/scripts/qemu-run.sh" "$kdir/arch/x86/boot/bzImage" \
	"$hvout/initramfs.cpio.gz" "$hvout" || rc=$?
judge "${kernel}hv-path boot (real hv_vmbus, emulated Hyper-V)" "$hvout" "$rc"

summary="$total_p passed, $total_f failed"
[ "$total_s" -eq 0 ] || summary+=", $total_s skipped"
echo "$summary"
exit "$status"
