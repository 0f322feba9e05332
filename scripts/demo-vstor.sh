# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0
#
# The storage part of make demo, pasted into the guest's /then.sh by
# scripts/demo.sh (busybox sh, after the modules loaded).
#
# In:  /dev/vstor0, added by vmbkmcl_vstor for vmbkmcl_demo_vstor's
#      simulated controller.
# Out: lines starting "vstor-demo:" on the console; "vstor-failed <step>"
#      on /dev/ttyS1, the verdict port, for each step that fails.
vstor_fail() {
	echo "vstor-demo: FAILED: $1"
	echo "vstor-failed $1" > /dev/ttyS1
}
# Centiseconds since boot, from /proc/uptime ("123.45 ...").
vstor_now() {
	local up
	read -r up _ < /proc/uptime
	echo "${up%.*}${up#*.}"
}
# dd ARGS...: the MiB/s of a 32 MiB transfer, 128 KiB at a time.
vstor_dd() {
	local t0 t1
	t0=$(vstor_now)
	dd bs=131072 count=256 "$@" 2> /dev/null || return 1
	t1=$(vstor_now)
	echo "$(( 32 * 100 / (t1 - t0 + 1) )) MiB/s (32 MiB in $(( (t1 - t0) * 10 )) ms)"
}
vstor_stat() {
	# /sys/block/X/stat: reads, merges, sectors, ms, writes, merges, sectors
	# shellcheck disable=SC2046 # one word per field
	set -- $(cat /sys/block/vstor0/stat)
	echo "vstor-demo: I/O counts: $1 reads ($3 sectors), $5 writes ($7 sectors)"
}
disk=/dev/vstor0
if [ ! -b $disk ]; then
	vstor_fail no-disk
else
	echo "vstor-demo: $disk: $(cat /sys/block/vstor0/size) sectors"
	mke2fs -q $disk > /tmp/mkfs.log 2>&1 || vstor_fail mke2fs
	mkdir -p /mnt
	if mount -t ext2 $disk /mnt; then
		echo "vstor-demo: mounted ext2: $(df -k /mnt | tail -n 1)"
		dd if=/dev/urandom of=/tmp/file bs=4096 count=256 2>/dev/null
		if ! cp /tmp/file /mnt/file || ! sync; then
			vstor_fail write-file
		fi
		umount /mnt
		mount -t ext2 $disk /mnt || vstor_fail remount
		if cmp /tmp/file /mnt/file; then
			echo "vstor-demo: wrote a 1 MiB file, unmounted, mounted again, read it back: identical ($(md5sum < /mnt/file | cut -c1-12))"
		else
			vstor_fail read-back
		fi
		umount /mnt
	else
		vstor_fail mount
	fi
	vstor_stat
	# Throughput under TCG: direct I/O, so the disk, not the page cache.
	if rate=$(vstor_dd if=/dev/zero of=$disk oflag=direct); then
		echo "vstor-demo: dd write: $rate"
	else
		vstor_fail dd-write
	fi
	if rate=$(vstor_dd if=$disk of=/dev/null iflag=direct); then
		echo "vstor-demo: dd read: $rate"
	else
		vstor_fail dd-read
	fi
	vstor_stat
	echo 1 > /sys/kernel/debug/vmbkmcl_demo_vstor/rescind
	if [ -e /sys/block/vstor0 ]; then
		vstor_fail still-there-after-rescind
	else
		echo "vstor-demo: after the rescind the disk is gone"
	fi
fi
