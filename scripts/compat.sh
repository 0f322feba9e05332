#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make compat: build vmbkmcl against the stock Debian header sets users
# insmod it on, installing them when missing.
#
# In:  nothing; COMPAT_HEADERS overrides the list of header directories.
# Out: build/compat/<kernel>/vmbkmcl.ko per header set; a line per kernel;
#      non-zero exit if any build fails or warns.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

# Stock 6.1 (bookworm's default) and the newest 6.12 (bookworm-backports).
metas=(linux-headers-cloud-amd64 linux-headers-6.12-cloud-amd64)

newest_headers() {
	find /usr/src -maxdepth 1 -name "linux-headers-$1*-cloud-amd64" | sort -V | tail -n 1
}

if [ -z "${COMPAT_HEADERS:-}" ]; then
	"$here/scripts/deps.sh" "${metas[@]}"
	COMPAT_HEADERS="$(newest_headers 6.1.) $(newest_headers 6.12.)"
fi

status=0
for kdir in $COMPAT_HEADERS; do
	name=$(basename "$kdir")
	if "$here/scripts/build-modules.sh" "$kdir" "$here/build/compat/$name"; then
		echo "compat: $name ok"
	else
		echo "compat: $name FAILED"
		status=1
	fi
done
exit $status
