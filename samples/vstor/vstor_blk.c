// SPDX-License-Identifier: GPL-2.0
/*
 * vstor: the block device.  One hardware queue, a tag set of
 * vstor_queue_depth requests, each carrying its packet object and MDL
 * (vstor_io.c), and a gendisk named vstorN with no partitions.
 *
 * Limits follow the protocol: 512-byte blocks; at most max_transfer
 * bytes per request (the host's maximum, capped by what one packet's
 * descriptor can name); a virtual boundary of a page, so that a request's
 * pages form one GPA range.
 *
 * Removal: vstor_blk_remove() deletes the disk, which waits for the
 * requests in flight; after a rescind the channel has already ended them
 * (STATUS_DEVICE_REMOVED), and new ones fail at once (@gone).
 */
#include <linux/blkdev.h>
#include <linux/module.h>

#include "vstor.h"

static unsigned int vstor_queue_depth = 256;
module_param_named(queue_depth, vstor_queue_depth, uint, 0444);
MODULE_PARM_DESC(queue_depth, "requests in flight per disk (default 256)");

static blk_status_t vstor_queue_rq(struct blk_mq_hw_ctx *hctx,
				   const struct blk_mq_queue_data *bd)
{
	struct vstor_device *dev = hctx->queue->queuedata;
	struct request *rq = bd->rq;

	if (READ_ONCE(dev->gone))
		return BLK_STS_IOERR;
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		break;
	default:
		/* No write cache is advertised, so no flushes come. */
		return BLK_STS_NOTSUPP;
	}
	blk_mq_start_request(rq);
	return vstor_io_submit(dev, rq);
}

/* The host may still read or write the pages: wait on. */
static enum blk_eh_timer_return vstor_timeout(struct request *rq)
{
	struct vstor_request *vr = blk_mq_rq_to_pdu(rq);

	dev_warn_ratelimited(&vr->dev->hdev->device,
			     "vstor: sector %llu: no completion yet\n",
			     blk_rq_pos(rq));
	return BLK_EH_RESET_TIMER;
}

static int vstor_init_request(struct blk_mq_tag_set *set, struct request *rq,
			      unsigned int hctx_idx, unsigned int numa_node)
{
	vstor_io_init_packet(set->driver_data, blk_mq_rq_to_pdu(rq));
	return 0;
}

static const struct blk_mq_ops vstor_mq_ops = {
	.queue_rq = vstor_queue_rq,
	.timeout = vstor_timeout,
	.init_request = vstor_init_request,
};

static const struct block_device_operations vstor_fops = {
	.owner = THIS_MODULE,
};

/* Pages one request may span: its bytes plus a partial first page. */
static u32 vstor_max_pages(struct vstor_device *dev)
{
	return dev->max_transfer / PAGE_SIZE + 1;
}

/* The limits: at allocation since 6.9 (Kbuild reads which), set after before. */
static struct gendisk *vstor_alloc_disk(struct vstor_device *dev)
{
#ifdef VMBKMCL_BLK_ALLOC_DISK_LIMITS
	struct queue_limits lim = {
		.logical_block_size = VSTOR_BLOCK_SIZE,
		.max_hw_sectors = dev->max_transfer >> SECTOR_SHIFT,
		.max_segments = vstor_max_pages(dev),
		.virt_boundary_mask = PAGE_SIZE - 1,
	};

	return blk_mq_alloc_disk(&dev->tags, &lim, dev);
#else
	struct gendisk *disk = blk_mq_alloc_disk(&dev->tags, dev);

	if (IS_ERR(disk))
		return disk;
	blk_queue_logical_block_size(disk->queue, VSTOR_BLOCK_SIZE);
	blk_queue_max_hw_sectors(disk->queue, dev->max_transfer >> SECTOR_SHIFT);
	blk_queue_max_segments(disk->queue, vstor_max_pages(dev));
	blk_queue_virt_boundary(disk->queue, PAGE_SIZE - 1);
	return disk;
#endif
}

/**
 * vstor_blk_add() - create the tag set and the disk, and add it.
 * @dev: the disk, negotiated and probed, @index set.
 *
 * Context: process context (add).
 * Return: 0 or a negative errno, with nothing left behind.
 */
int vstor_blk_add(struct vstor_device *dev)
{
	struct gendisk *disk;
	int ret;

	dev->mdl_bytes = ALIGN(sizeof(MDL) + vstor_max_pages(dev) *
			       sizeof(struct page *), sizeof(u64));
	dev->tags.ops = &vstor_mq_ops;
	dev->tags.nr_hw_queues = 1;
	dev->tags.queue_depth = clamp(vstor_queue_depth, 1U, BLK_MQ_MAX_DEPTH);
	dev->tags.numa_node = NUMA_NO_NODE;
	dev->tags.cmd_size = sizeof(struct vstor_request) + dev->mdl_bytes +
			     dev->packet_bytes;
	dev->tags.flags = BLK_MQ_F_SHOULD_MERGE;
	dev->tags.driver_data = dev;
	ret = blk_mq_alloc_tag_set(&dev->tags);
	if (ret)
		return ret;
	disk = vstor_alloc_disk(dev);
	if (IS_ERR(disk)) {
		ret = PTR_ERR(disk);
		goto err_free_tags;
	}
	blk_queue_rq_timeout(disk->queue, VSTOR_IO_TIMEOUT_S * HZ);
	disk->fops = &vstor_fops;
	disk->private_data = dev;
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, DISK_NAME_LEN, "vstor%d", dev->index);
	set_capacity(disk, dev->blocks);
	ret = add_disk(disk);
	if (ret)
		goto err_put_disk;
	dev->disk = disk;
	return 0;

err_put_disk:
	put_disk(disk);
err_free_tags:
	blk_mq_free_tag_set(&dev->tags);
	return ret;
}

/**
 * vstor_blk_remove() - delete the disk and free the tag set.
 * @dev: the disk; its channel still enabled or already closed.
 *
 * Context: process context (remove); waits for requests in flight.
 */
void vstor_blk_remove(struct vstor_device *dev)
{
	if (!dev->disk)
		return;
	del_gendisk(dev->disk);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->tags);
	dev->disk = NULL;
}
