#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel and initramfs once in QEMU and keep what it said.
#
# In:  KERNEL INITRD OUTDIR.  QEMU_ACCEL (tcg; kvm is opt-in, KVM guests
#      hang on these machines), QEMU_TIMEOUT seconds (600), QEMU_MEM guest
#      memory (1G), QEMU_SMP vCPUs (2), QEMU_ARGS (extra QEMU arguments,
#      one word each: e.g. "-icount shift=0,sleep=off"), QEMU_APPEND (extra
#      kernel arguments).
# Out: OUTDIR/console.log (ttyS0) and OUTDIR/verdict (ttyS1, the port only
#      the initramfs's /init writes).  Exit status is QEMU's, 124 on timeout.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 KERNEL INITRD OUTDIR" >&2; exit 2; }
kernel=$1 initrd=$2 outdir=$3
accel=${QEMU_ACCEL:-tcg}
limit=${QEMU_TIMEOUT:-600}
mem=${QEMU_MEM:-1G}
smp=${QEMU_SMP:-2}
# shellcheck disable=SC2206 # one word per argument
extra=(${QEMU_ARGS:-})

mkdir -p "$outdir"
rm -f "$outdir/console.log" "$outdir/verdict"

hvemu_args=()
append=${QEMU_APPEND:-}
if [ "${QEMU_HVEMU:-0}" = 1 ]; then
	"$(dirname "$0")/../kunit/hvemu/vmbus-ssdt.sh" "$outdir/vmbus-ssdt.aml"
	hvemu_args=(-acpitable
		"sig=SSDT,oem_id=VMBKML,oem_table_id=HVEMU,data=$outdir/vmbus-ssdt.aml")
	append="hvemu=1 $append"
fi

exec timeout -k 10 "$limit" qemu-system-x86_64 \
	-accel "$accel" -m "$mem" -smp "$smp" -nodefaults -display none -no-reboot \
	-chardev "file,id=console,path=$outdir/console.log" \
	-serial chardev:console \
	-chardev "file,id=verdict,path=$outdir/verdict" \
	-serial chardev:verdict \
	${extra[@]+"${extra[@]}"} \
	-kernel "$kernel" -initrd "$initrd" "${hvemu_args[@]}" \
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 $append"
