#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CI: the DKMS package builds with the real dkms against Debian's stock 6.1
# and newest 6.12 cloud headers, and `make dkms-remove` leaves no trace.
#
# In:  the source tree; root.  DKMS_KERNELS overrides the kernel versions
#      (default: the newest installed 6.1 and 6.12 cloud-amd64 headers,
#      installed when missing).
# Out: a line per kernel; dkms's output and make.log per kernel in
#      build/dkms/<kernel>.log.  Non-zero exit if a build fails or warns,
#      or if anything of vmbkmcl is left in DKMS or /usr/src afterwards.
#      Refuses to start if vmbkmcl is already in DKMS, which it would remove.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
logs=$here/build/dkms
mok=(/var/lib/dkms/mok.key /var/lib/dkms/mok.pub)

fail() { echo "dkms-check: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (dkms writes /usr/src and /var/lib/dkms)"

newest_kernel() {
	find /usr/src -maxdepth 1 -name "linux-headers-$1*-cloud-amd64" -printf '%f\n' |
		sort -V | tail -n 1 | sed 's/^linux-headers-//'
}

if [ -z "${DKMS_KERNELS:-}" ]; then
	"$here/scripts/deps.sh" dkms linux-headers-cloud-amd64 linux-headers-6.12-cloud-amd64
	DKMS_KERNELS="$(newest_kernel 6.1.) $(newest_kernel 6.12.)"
else
	"$here/scripts/deps.sh" dkms
fi

leftovers() {
	dkms status -m vmbkmcl
	find /usr/src /var/lib/dkms -maxdepth 1 -name 'vmbkmcl*'
}
[ -z "$(leftovers)" ] ||
	fail "vmbkmcl is already in DKMS; 'make dkms-remove' first if it may go"

# dkms signs what it builds, creating a key pair on first use; a pair this
# run created goes with it.
created_mok=()
for f in "${mok[@]}"; do
	[ -e "$f" ] || created_mok+=("$f")
done
cleanup() {
	"$here/scripts/dkms-remove.sh" > /dev/null || true
	local f
	for f in "${created_mok[@]}"; do
		rm -f "$f"
	done
}
trap cleanup EXIT

mkdir -p "$logs"
module=$("$here/scripts/dkms-add.sh")
version=${module#vmbkmcl/}

# The sample ports build with vmbkmcl (only vmbkmcl.ko is packaged): the
# storage sample, which needs CONFIG_BLOCK, must be among them.
sample_built() {
	local ko
	for ko in vmbkmcl_heartbeat vmbkmcl_echo vmbkmcl_vstor; do
		grep -q "LD \[M\].*/$ko\.ko" "$1" || { echo "no $ko.ko" >&2; return 1; }
	done
}

status=0
for kver in $DKMS_KERNELS; do
	log=$logs/$kver.log
	kdir=/usr/src/linux-headers-$kver
	base=/var/lib/dkms/vmbkmcl/$version/$kver/$(uname -m)
	# Debian's linux-headers-<kver> ships /lib/modules/<kver>/build, which
	# dkms would find by itself; name the tree anyway, so the build cannot
	# quietly pick up another one.
	if ! dkms build -m vmbkmcl -v "$version" -k "$kver" \
		--kernelsourcedir "$kdir" > "$log" 2>&1; then
		cat "$log" "$base/log/make.log" >&2 2>/dev/null || true
		echo "dkms-check: $kver FAILED (log: $log)"
		status=1
		continue
	fi
	cat "$base/log/make.log" >> "$log"
	# dkms compresses the module like the kernel's own, if it has any.
	ko=$(find "$base/module" -name 'vmbkmcl.ko*' | head -n 1)
	magic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
	if [ "${magic%% *}" != "$kver" ]; then
		echo "dkms-check: $kver FAILED: built module has vermagic '$magic'"
		status=1
	elif grep -E 'warning:|WARNING:' "$base/log/make.log" >&2; then
		echo "dkms-check: $kver FAILED: build warnings (log: $log)"
		status=1
	elif ! sample_built "$base/log/make.log"; then
		echo "dkms-check: $kver FAILED: a sample port was not built (log: $log)"
		status=1
	else
		echo "dkms-check: $kver ok"
	fi
done

"$here/scripts/dkms-remove.sh" > /dev/null
if [ -n "$(leftovers)" ]; then
	leftovers >&2
	fail "make dkms-remove left the above behind"
fi
echo "dkms-check: $module removed again; nothing left behind"
[ "$status" -eq 0 ] || exit 1
