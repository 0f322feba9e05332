#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Put the emulated Hyper-V into a kernel source tree (the test kernel's
# only; scripts/testkernel.sh calls this before configuring).
#
# In:  TREE, a pristine Debian linux-source-6.1 tree.
# Out: TREE with hooks.patch applied (asm/mshyperv.h includes the trap
#      points, CONFIG_HVEMU, the Makefile line) and the emulator's own
#      files copied in: arch/x86/include/asm/hvemu.h, drivers/hv/hvemu/,
#      include/linux/hvemu.h.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 TREE" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
tree=$1
patch -d "$tree" -p1 --forward --batch --quiet < "$here/hooks.patch"
cp "$here/arch/x86/include/asm/hvemu.h" "$tree/arch/x86/include/asm/"
cp -r "$here/drivers/hv/hvemu" "$tree/drivers/hv/"
cp "$here/include/linux/hvemu.h" "$tree/include/linux/"
