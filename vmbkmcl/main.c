// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl - the VMBus Kernel Mode Client Library on Linux hv_vmbus.
 *
 * Module init and exit only.
 */
#include <linux/module.h>

#include "channel.h"

static int __init vmbkmcl_init(void)
{
	vmb_debugfs_init();
	return 0;
}

static void __exit vmbkmcl_exit(void)
{
	vmb_target_exit();
	vmbkmcl_driver_exit();
	vmb_debugfs_exit();
}

module_init(vmbkmcl_init);
module_exit(vmbkmcl_exit);

MODULE_DESCRIPTION("VMBus Kernel Mode Client Library (KMCL) for Linux");
MODULE_AUTHOR("The vmbkmcl developers");
MODULE_VERSION(VMBKMCL_VERSION);
MODULE_LICENSE("GPL");
