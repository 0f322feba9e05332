// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_demo_vstor: a simulated Hyper-V storage controller for `make
 * demo`, so the vstor sample adds a disk that user space can use.
 *
 * Loading offers the controller with a RAM disk behind the storvsp model
 * (vstor_host.c); the sample's add negotiates and adds vstorN.  The demo
 * script then makes a filesystem on it, writes and reads a file, and
 * measures it with dd.  Writing anything to debugfs
 * vmbkmcl_demo_vstor/rescind prints what the host saw (and how fast it
 * copied) and rescinds the controller: the disk goes away.  Unloading
 * cleans up whatever is left.
 */
#include <linux/debugfs.h>
#include <linux/module.h>

#include "vstor_host.h"

/* 64 MiB. */
#define DEMO_VSTOR_BLOCKS	131072

static struct simhost *demo_sh;
static struct vstor_host *demo_host;
static struct dentry *demo_dir;
static bool demo_rescinded;
static DEFINE_MUTEX(demo_lock);

static u64 demo_mb_per_s(u64 bytes, u64 ns)
{
	return ns ? div64_u64(bytes * 1000, ns) : 0;
}

static void demo_vstor_report(void)
{
	const struct vstor_host_stats *st = vstor_host_stats(demo_host);
	u64 bytes = atomic64_read(&st->bytes);
	u64 copy = atomic64_read(&st->copy_ns);
	u64 busy = atomic64_read(&st->busy_ns);

	pr_info("demo: vstor host: protocol %u.%u, %d packets, %d SRBs (%d reads, %d writes), %d check conditions, %d protocol errors\n",
		vstor_host_version(demo_host) >> 8,
		vstor_host_version(demo_host) & 0xff,
		atomic_read(&st->packets), atomic_read(&st->srbs),
		atomic_read(&st->reads), atomic_read(&st->writes),
		atomic_read(&st->check_conditions),
		atomic_read(&st->protocol_errors));
	pr_info("demo: vstor host: %llu MB moved; raw copy speed %llu MB/s, host busy %llu ms (%llu MB/s while busy)\n",
		bytes >> 20, demo_mb_per_s(bytes, copy), div64_u64(busy, NSEC_PER_MSEC),
		demo_mb_per_s(bytes, busy));
}

static ssize_t demo_rescind_write(struct file *file, const char __user *buf,
				  size_t len, loff_t *ppos)
{
	mutex_lock(&demo_lock);
	if (!demo_rescinded) {
		demo_vstor_report();
		pr_info("demo: rescinding the storage controller\n");
		simhost_rescind(demo_sh);
		demo_rescinded = true;
	}
	mutex_unlock(&demo_lock);
	return len;
}

static const struct file_operations demo_rescind_fops = {
	.owner = THIS_MODULE,
	.write = demo_rescind_write,
};

static int __init demo_vstor_init(void)
{
	int ret;

	demo_sh = simhost_create();
	if (!demo_sh)
		return -ENOMEM;
	demo_host = vstor_host_create(demo_sh, DEMO_VSTOR_BLOCKS);
	if (!demo_host) {
		ret = -ENOMEM;
		goto err_sh;
	}
	ret = simhost_offer(demo_sh);
	if (ret) {
		pr_err("demo: the storage controller was refused: %d\n", ret);
		goto err_host;
	}
	pr_info("demo: offered a storage controller with a %u MiB disk\n",
		DEMO_VSTOR_BLOCKS / 2048);
	demo_dir = debugfs_create_dir("vmbkmcl_demo_vstor", NULL);
	debugfs_create_file("rescind", 0200, demo_dir, NULL, &demo_rescind_fops);
	return 0;

err_host:
	simhost_rescind(demo_sh);
	vstor_host_destroy(demo_host);
err_sh:
	simhost_destroy(demo_sh);
	return ret;
}

static void __exit demo_vstor_exit(void)
{
	debugfs_remove(demo_dir);
	if (!demo_rescinded)
		simhost_rescind(demo_sh);
	vstor_host_destroy(demo_host);
	simhost_destroy(demo_sh);
}

module_init(demo_vstor_init);
module_exit(demo_vstor_exit);

MODULE_DESCRIPTION("vmbkmcl demo: a simulated storage controller for the vstor sample");
MODULE_LICENSE("GPL");
