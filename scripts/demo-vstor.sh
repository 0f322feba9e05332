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
vstor_stat() {
	# /sys/block/X/stat: reads, merges, sectors, ms, writes, merges, sectors
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
		cp /tmp/file /mnt/file && sync || vstor_fail write-file
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
	# Throughput: 32 MiB each way, direct I/O, 128 KiB at a time.
	dd if=/dev/zero of=$disk bs=131072 count=256 oflag=direct 2> /tmp/dd.w ||
		vstor_fail dd-write
	echo "vstor-demo: dd write: $(tail -n 1 /tmp/dd.w)"
	dd if=$disk of=/dev/null bs=131072 count=256 iflag=direct 2> /tmp/dd.r ||
		vstor_fail dd-read
	echo "vstor-demo: dd read: $(tail -n 1 /tmp/dd.r)"
	vstor_stat
	echo 1 > /sys/kernel/debug/vmbkmcl_demo_vstor/rescind
	if [ -e /sys/block/vstor0 ]; then
		vstor_fail still-there-after-rescind
	else
		echo "vstor-demo: after the rescind the disk is gone"
	fi
fi
