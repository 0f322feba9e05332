// SPDX-License-Identifier: GPL-2.0
/*
 * vstor: binding.  The driver serves Hyper-V's synthetic SCSI controller
 * class; add brings up one disk (LUN 0 of target 0) on the device it is
 * given: channel, handshake, LUN probe, block device.  remove undoes it,
 * after a rescind too (vmbkmcl has closed the channel by then).
 *
 * On a Hyper-V guest, Linux's own hv_storvsc serves the same class:
 * blacklist it for this driver to bind.  The simulated host in kunit/
 * (vstor_host.c) offers the class for the suite and the demo.
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "vstor.h"

static DEFINE_IDA(vstor_ida);

static int vstor_add(struct hv_device *hdev)
{
	struct vstor_device *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->hdev = hdev;
	ret = ida_alloc(&vstor_ida, GFP_KERNEL);
	if (ret < 0)
		goto err_free;
	dev->index = ret;
	ret = vstor_channel_open(dev);
	if (ret)
		goto err_ida;
	ret = vstor_negotiate(dev);
	if (!ret)
		ret = vstor_probe_lun(dev);
	if (!ret)
		ret = vstor_blk_add(dev);
	if (ret)
		goto err_close;
	hv_set_drvdata(hdev, dev);
	dev_info(&hdev->device,
		 "vstor%d: %llu blocks, protocol %u.%u, %u KiB per request\n",
		 dev->index, dev->blocks, dev->version >> 8,
		 dev->version & 0xff, dev->max_transfer / 1024);
	return 0;

err_close:
	vstor_channel_close(dev);
err_ida:
	ida_free(&vstor_ida, dev->index);
err_free:
	kfree(dev);
	return ret;
}

static void vstor_remove(struct hv_device *hdev)
{
	struct vstor_device *dev = hv_get_drvdata(hdev);
	struct vstor_stats *st = &dev->stats;

	/*
	 * After a rescind the channel is closed, and a send that raced with
	 * the close is queued for a reopen that will not come: clean the
	 * channel up first, which ends it, so deleting the disk does not
	 * wait for it.  Otherwise the disk goes first, its I/O still served.
	 */
	if (READ_ONCE(dev->gone)) {
		vstor_channel_close(dev);
		vstor_blk_remove(dev);
	} else {
		vstor_blk_remove(dev);
		vstor_channel_close(dev);
	}
	dev_info(&hdev->device,
		 "vstor%d: removed; %lld reads (%lld bytes), %lld writes (%lld bytes), %lld errors, %lld ended by the close, at most %d in flight\n",
		 dev->index, atomic64_read(&st->reads),
		 atomic64_read(&st->read_bytes), atomic64_read(&st->writes),
		 atomic64_read(&st->write_bytes), atomic64_read(&st->errors),
		 atomic64_read(&st->removed), atomic_read(&st->max_in_flight));
	hv_set_drvdata(hdev, NULL);
	ida_free(&vstor_ida, dev->index);
	kfree(dev);
}

static const struct hv_vmbus_device_id vstor_ids[] = {
	{ HV_SCSI_GUID, },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, vstor_ids);

static struct vmbkmcl_client_driver vstor_driver = {
	.name = "vmbkmcl_vstor",
	.id_table = vstor_ids,
	.add = vstor_add,
	.remove = vstor_remove,
};

static int __init vstor_init(void)
{
	return vmbkmcl_register_client_driver(&vstor_driver);
}

static void __exit vstor_exit(void)
{
	vmbkmcl_unregister_client_driver(&vstor_driver);
}

module_init(vstor_init);
module_exit(vstor_exit);

MODULE_DESCRIPTION("Hyper-V synthetic storage on vmbkmcl (sample storage VSC)");
MODULE_LICENSE("GPL");
