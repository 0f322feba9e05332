#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make docs: build Documentation/ with Sphinx, warnings fatal, adding an
# API reference generated from the sources' kernel-doc.
#
# In:  Documentation/*.rst and conf.py; the kernel-doc comments of
#      include/vmbkmcl/*.h and of every .c file that exports symbols.
# Out: build/docs/html/index.html; non-zero exit on any warning.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/docs
src=$out/src

"$here/scripts/deps.sh" python3-sphinx
kdir=$("$here/scripts/testkernel.sh")

rm -rf "$src"
mkdir -p "$src"
cp "$here"/Documentation/*.rst "$here/Documentation/conf.py" "$src/"

# The API page: exported functions, and the driver-binding structure.
{
	echo '.. SPDX-License-Identifier: GPL-2.0'
	echo
	echo '============='
	echo 'API reference'
	echo '============='
	echo
	echo 'Generated from the kernel-doc comments of the sources.'
	echo
	echo 'Binding a driver'
	echo '================'
	echo
	"$kdir/scripts/kernel-doc" -rst "$here/include/vmbkmcl/vmbkmcl_driver.h"
	for f in $(grep -l 'EXPORT_SYMBOL' "$here"/vmbkmcl/*.c | sort); do
		name=$(basename "$f")
		echo
		echo "$name"
		printf '%*s\n' "${#name}" '' | tr ' ' '='
		echo
		"$kdir/scripts/kernel-doc" -rst -export "$f"
	done
} > "$src/api.rst" 2> "$out/kernel-doc.log"
if [ -s "$out/kernel-doc.log" ]; then
	cat "$out/kernel-doc.log" >&2
	echo "docs: kernel-doc warned" >&2
	exit 1
fi

sphinx-build -q -W -b html "$src" "$out/html"
echo "docs: $out/html/index.html"
