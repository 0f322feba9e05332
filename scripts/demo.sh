#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the test kernel with vmbkmcl and the sample ports, let a
# host drive them, unload everything, and print what happened.  The
# storage sample gets a disk from a simulated storage controller: the guest
# makes an ext2 filesystem on it, writes a file and reads it back, measures
# the disk with dd, shows its I/O counts, and the host rescinds it.
#
# By default the host is the emulated Hyper-V (kunit/hvemu/, hvemu=1): the
# real hv_vmbus negotiates with it, gets its offers, probes the samples
# through vmbkmcl's hv_driver, and the samples open their channels with
# real GPADL and OPENCHANNEL messages; the host rescinds each device.
# DEMO_HOST=simhost runs the older demo on the simulated host instead.
#
# In:  the source tree; DEMO_HOST (hvemu or simhost); QEMU_* knobs as
#      scripts/qemu-run.sh takes them.
# Out: the transcript (lines the demo host, the samples, vmbkmcl, hv_vmbus
#      and hvemu printed), build/demo/console.log; exit 0 only if every
#      module loaded and unloaded and the kernel reported no BUG, WARNING
#      or Oops.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/demo
case ${DEMO_HOST:-hvemu} in
hvemu)
	# The storage controller is simulated (simhost) in either boot.
	mods=(vmbkmcl vmbkmcl_simhost vmbkmcl_hvhost vmbkmcl_heartbeat
		vmbkmcl_echo vmbkmcl_hvdemo vmbkmcl_vstor vmbkmcl_demo_vstor)
	export QEMU_HVEMU=1
	# No hv_utils here: the sample serves Hyper-V's heartbeat class.
	export INSMOD_ARGS="vmbkmcl_heartbeat.ko:claim_heartbeat=1 ${INSMOD_ARGS:-}"
	;;
simhost)
	mods=(vmbkmcl vmbkmcl_simhost vmbkmcl_heartbeat vmbkmcl_echo
		vmbkmcl_demo vmbkmcl_vstor vmbkmcl_demo_vstor)
	;;
*)
	echo "demo: DEMO_HOST is hvemu or simhost" >&2
	exit 2
	;;
esac

"$here/scripts/deps.sh"
kdir=$("$here/scripts/testkernel.sh")
"$here/scripts/build-modules.sh" "$kdir" "$out/modules"

then=$out/then.sh
{
	echo '#!/bin/busybox sh'
	cat "$here/scripts/demo-vstor.sh"
	echo 'echo "demo: unloading every module"'
	for ((i = ${#mods[@]} - 1; i >= 0; i--)); do
		echo "rmmod ${mods[i]} || echo 'rmmod-failed ${mods[i]}' > /dev/ttyS1"
	done
	echo 'grep -q vmbkmcl /proc/modules || echo "demo: all modules unloaded"'
} > "$then"
kos=()
for m in "${mods[@]}"; do
	kos+=("$out/modules/$m.ko")
done
INITRAMFS_THEN=$then "$here/scripts/initramfs.sh" "$out/initramfs.cpio.gz" \
	"${kos[@]}"

echo "demo: booting under ${QEMU_ACCEL:-tcg}" >&2
rc=0
"$here/scripts/qemu-run.sh" "$kdir/arch/x86/boot/bzImage" \
	"$out/initramfs.cpio.gz" "$out" || rc=$?

tr -d '\r' < "$out/console.log" |
	grep -E '^(demo|heartbeat|echo|vmbkmcl|vstor|hv_vmbus|hvemu|Hyper-V)[:-]|vstor[0-9]*: |Hypervisor detected' |
	grep -v 'loading out-of-tree module' || true

fail=()
[ "$rc" -eq 0 ] || fail+=("QEMU exited with $rc")
verdict=$(tr -d '\r' < "$out/verdict" 2>/dev/null || true)
grep -qx vmbkmcl-done <<< "$verdict" || fail+=("the guest never finished")
if grep -E 'failed' <<< "$verdict"; then
	fail+=("a module failed to load or unload, or a demo step failed")
fi
if grep -nE 'BUG:|WARNING:|Oops|Call Trace|Kernel panic' "$out/console.log"; then
	fail+=("the kernel reported a problem")
fi
if [ ${#fail[@]} -gt 0 ]; then
	printf 'demo: FAILED: %s\n' "${fail[@]}"
	echo "demo: see $out/console.log"
	exit 1
fi
echo "demo: ok (console: $out/console.log)"
