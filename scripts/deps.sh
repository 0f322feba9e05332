#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages the harness needs, and nothing when they
# are all present.
#
# In:  optional extra package names on the command line.
# Out: the packages installed; silent when nothing was missing.
set -euo pipefail

packages=(
	bc binutils bison busybox-static cpio dwarves flex gcc gzip
	libelf-dev libssl-dev linux-source-6.1 make python3 qemu-system-x86
	rsync xz-utils "$@"
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >&2
