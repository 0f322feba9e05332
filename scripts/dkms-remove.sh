#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Remove vmbkmcl from DKMS entirely: every registered version, from every
# kernel it was built or installed for, and the sources under /usr/src.
#
# In:  nothing; root.
# Out: no vmbkmcl left in `dkms status`, /var/lib/dkms or /usr/src; a line
#      per version removed, silent when there was none.
set -euo pipefail

[ "$(id -u)" -eq 0 ] || { echo "dkms-remove: run as root" >&2; exit 1; }

versions=()
if command -v dkms > /dev/null; then
	# Lines look like "vmbkmcl/0.1.0, 6.1.0-56-cloud-amd64, x86_64: built"
	# or "vmbkmcl/0.1.0: added".  Its stderr is only readelf warning that
	# Debian's header trees have no .comment section.
	mapfile -t versions < <(dkms status -m vmbkmcl 2> /dev/null |
		sed -n 's|^vmbkmcl/\([^,:]*\)[,:].*|\1|p' | sort -u)
fi
for v in "${versions[@]}"; do
	# Quiet unless it fails: dkms chatters, and its readelf probe warns on
	# Debian's header packages.
	if ! log=$(dkms remove -m vmbkmcl -v "$v" --all 2>&1); then
		echo "$log" >&2
		echo "dkms-remove: dkms remove vmbkmcl/$v failed" >&2
		exit 1
	fi
	echo "dkms-remove: removed vmbkmcl/$v"
done

# Sources scripts/dkms-add.sh staged, registered or not.
for d in /usr/src/vmbkmcl-*; do
	if [ -f "$d/dkms.conf" ] && grep -qx 'PACKAGE_NAME="vmbkmcl"' "$d/dkms.conf"; then
		rm -rf "$d"
	fi
done
# Empty once every version is gone (dkms itself may leave it behind).
if [ -d /var/lib/dkms/vmbkmcl ]; then
	rmdir /var/lib/dkms/vmbkmcl
fi
