#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack a busybox initramfs that loads kernel modules in order and powers off.
#
# In:  OUT, then the .ko files in load order; an argument rmmod:NAME
#      unloads module NAME at that point instead ("rmmod-failed NAME" on
#      ttyS1 if it cannot).
# Out: OUT, a gzipped newc cpio.  Its /init mounts proc, sysfs, devtmpfs and
#      debugfs, insmods each module (KUnit suites run inside insmod), then
#      writes the verdict to /dev/ttyS1, the harness's dedicated port:
#      "insmod-failed <module>" per failure; on a kernel with kmemleak, after
#      a leak scan whose report goes to the console, "kmemleak-leaks <N>" (or
#      "kmemleak-failed" when the scan was refused); "vmbkmcl-done" last.
#      The console cannot fake a pass: a verdict comes only from this port.
#      INSMOD_ARGS gives module parameters as "module.ko:param=value ..."
#      (one word per parameter).
#      INITRAMFS_THEN names a shell script /init runs after the modules are
#      loaded (as /then.sh; it may write its own failures to /dev/ttyS1),
#      before the leak scan.
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
	case $ko in
	rmmod:*) echo "$ko" >> "$staging/modules.list"; continue ;;
	esac
	cp "$ko" "$staging/lib/modules/"
	basename "$ko" >> "$staging/modules.list"
done
: > "$staging/insmod.args"
for arg in ${INSMOD_ARGS:-}; do
	echo "${arg%%:*} ${arg#*:}" >> "$staging/insmod.args"
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
	case $m in
	rmmod:*)
		rmmod "${m#rmmod:}" || echo "rmmod-failed ${m#rmmod:}" > /dev/ttyS1
		continue
		;;
	esac
	args=$(grep "^$m " /insmod.args | cut -d' ' -f2- | tr '\n' ' ')
	# shellcheck disable=SC2086 # one word per parameter
	insmod "/lib/modules/$m" $args || echo "insmod-failed $m" > /dev/ttyS1
done
[ -x /then.sh ] && /then.sh
# Debug kernels only.  A scan records each object's checksum; an object is
# reported by a later scan that finds it unreferenced, unchanged since, and
# older than kmemleak's 5 s minimum age.  So scan, wait past that age, scan
# again: whatever the suites (or /then.sh) leaked is listed, and the
# verdict follows.
kmemleak=/sys/kernel/debug/kmemleak
if [ -e $kmemleak ]; then
	if echo scan > $kmemleak && sleep 6 && echo scan > $kmemleak; then
		cat $kmemleak > /tmp/kmemleak
		cat /tmp/kmemleak
		echo "kmemleak-leaks $(grep -c '^unreferenced object' /tmp/kmemleak)" > /dev/ttyS1
	else
		echo kmemleak-failed > /dev/ttyS1
	fi
fi
echo vmbkmcl-done > /dev/ttyS1
poweroff -f
INIT
chmod +x "$staging/init"

mkdir -p "$(dirname "$out")"
(cd "$staging" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) |
	gzip -9n > "$out.tmp"
mv "$out.tmp" "$out"
