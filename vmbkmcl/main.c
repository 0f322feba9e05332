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
	return 0;
}

static void __exit vmbkmcl_exit(void)
{
	vmbkmcl_driver_exit();
}

module_init(vmbkmcl_init);
module_exit(vmbkmcl_exit);

MODULE_DESCRIPTION("VMBus Kernel Mode Client Library (KMCL) for Linux");
MODULE_LICENSE("GPL");
