#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack a busybox initramfs that loads kernel modules in order and powers off.
#
# In:  OUT, then the .ko files in load order.
# Out: OUT, a gzipped newc cpio.  Its /init mounts proc, sysfs, devtmpfs and
#      debugfs, insmods each module (KUnit suites run inside insmod), then
#      writes the verdict to /dev/ttyS1, the harness's dedicated port:
#      "insmod-failed <module>" per failure, and "vmbkmcl-done" last.  The
#      console carries only what the kernel prints, so it cannot fake a pass.
#      INITRAMFS_THEN names a shell script /init runs after the modules are
#      loaded (as /then.sh; it may write its own failures to /dev/ttyS1).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 OUT [MODULE.ko...]" >&2; exit 2; }
out=$1
shift

staging=$(mktemp -d)
cleanup() { rm -rf "$staging"; }
trap cleanup EXIT

mkdir -p "$staging"/{bin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$staging/bin/busybox"
: > "$staging/modules.list"
for ko in "$@"; do
	cp "$ko" "$staging/lib/modules/"
	basename "$ko" >> "$staging/modules.list"
done
if [ -n "${INITRAMFS_THEN:-}" ]; then
	install -m 0755 "$INITRAMFS_THEN" "$staging/then.sh"
fi

cat > "$staging/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
for m in $(cat /modules.list); do
	insmod "/lib/modules/$m" || echo "insmod-failed $m" > /dev/ttyS1
done
[ -x /then.sh ] && /then.sh
echo vmbkmcl-done > /dev/ttyS1
poweroff -f
INIT
chmod +x "$staging/init"

mkdir -p "$(dirname "$out")"
(cd "$staging" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) |
	gzip -9n > "$out.tmp"
mv "$out.tmp" "$out"
