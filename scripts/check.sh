#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check / make check-debug: build the test kernel and the modules, boot
# every KUnit suite once in QEMU and judge the log.
#
# In:  the source tree; --debug for the debug flavour (the same suites on a
#      kernel with kunit/debug.config merged on: KASAN, UBSAN, lockdep,
#      kmemleak, debugobjects, SLUB debugging); QEMU_* knobs as
#      scripts/qemu-run.sh takes them.
# Out: build/check/ (build/check-debug/ with --debug) holding console.log,
#      verdict and results.ktap; failed cases and kernel reports, then a last
#      line "N passed, N failed"; non-zero exit on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
fragments=("$here/kunit/testkernel.config")
report_args=()
flavour=check

case ${1:-} in
"") ;;
--debug)
	flavour=check-debug
	fragments+=("$here/kunit/debug.config")
	# The API-misuse verifier is on in the debug run.
	export INSMOD_ARGS="vmbkmcl.ko:verifier=1 ${INSMOD_ARGS:-}"
	report_args+=(--kmemleak)
	;;
*)
	echo "usage: $0 [--debug]" >&2
	exit 2
	;;
esac
out=$here/build/$flavour

"$here/scripts/deps.sh"
kdir=$("$here/scripts/testkernel.sh" "${fragments[@]}")
"$here/scripts/build-modules.sh" "$kdir" "$out/modules"

# The core, the simulated host, the sample ports, then the suites.
mods=("$out/modules/vmbkmcl.ko" "$out/modules/vmbkmcl_simhost.ko")
# The bench runner and its planted allocation are make bench's alone.
mapfile -t samples < <(find "$out/modules" -maxdepth 1 -name 'vmbkmcl_*.ko' \
	! -name '*_test.ko' ! -name vmbkmcl_simhost.ko ! -name 'vmbkmcl_demo*.ko' \
	! -name 'vmbkmcl_bench*.ko' | sort)
mapfile -t suites < <(find "$out/modules" -maxdepth 1 -name '*_test.ko' | sort)
"$here/scripts/initramfs.sh" "$out/initramfs.cpio.gz" "${mods[@]}" \
	"${samples[@]}" "${suites[@]}"

echo "$flavour: booting ${#suites[@]} test module(s) under ${QEMU_ACCEL:-tcg}" >&2
rc=0
"$here/scripts/qemu-run.sh" "$kdir/arch/x86/boot/bzImage" \
	"$out/initramfs.cpio.gz" "$out" || rc=$?
exec "$here/scripts/kunit-report" "$out" --qemu-rc "$rc" "${report_args[@]}"
