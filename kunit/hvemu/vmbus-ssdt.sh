#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VMBus ACPI device of the emulated Hyper-V, as the body of an SSDT that
# QEMU adds to its tables (-acpitable sig=SSDT,data=OUT): hv_vmbus's
# hv_acpi_init() waits for a device with _HID "VMBus", as Hyper-V's
# firmware provides.  Hand-assembled AML (no iasl needed) for:
#
#   Scope (\_SB) {
#       Device (VMBS) {
#           Name (_HID, "VMBus")
#           Name (_CRS, ResourceTemplate () {})   // no MMIO ranges
#       }
#   }
#
# In:  OUT.  Out: OUT, 37 bytes of AML.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
# ScopeOp, PkgLength 36, \_SB_
# DeviceOp, PkgLength 28, VMBS
# NameOp _HID, String "VMBus"
# NameOp _CRS, BufferOp PkgLength 5, size 2, EndTag + checksum
printf '\x10\x24\x5c_SB_''\x5b\x82\x1cVMBS''\x08_HID\x0dVMBus\x00''\x08_CRS\x11\x05\x0a\x02\x79\x00' > "$1"
