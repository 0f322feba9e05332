// SPDX-License-Identifier: GPL-2.0
/*
 * vstor: the data path.  One block request is one EXECUTE_SRB packet with
 * a READ(10) or WRITE(10) CDB; its data stays in the request's pages and
 * goes by reference (GPA-direct external data), described by an MDL built
 * in the request's own memory; the host's completion, matched to the
 * packet by its transaction id inside vmbkmcl, ends the request.
 *
 * Nothing is allocated per request: the packet object (VmbPacketInitialize)
 * and the MDL (MmInitializeMdl) live in blk-mq's per-request data, made
 * once when the tag set is.  So the queue depth is bounded by the tag set
 * and vmbkmcl's transaction table, not by the channel's packet pool.
 *
 * One range: storvsp takes one GPA range per SRB, so the queue's virtual
 * boundary (vstor_blk.c) makes every segment but the first start on a page
 * and every one but the last end on one; the request's pages then form
 * one MDL.
 *
 * Contexts: vstor_io_submit() runs from queue_rq (may not sleep); the
 * completion routine in softirq, or in process context when the channel
 * closes with the request in flight (STATUS_DEVICE_REMOVED).  Either way
 * the request ends exactly once, there.
 */
#include <linux/blkdev.h>

#include "vstor.h"

static void vstor_count_in_flight(struct vstor_stats *st)
{
	int now = atomic_inc_return(&st->in_flight);
	int max = atomic_read(&st->max_in_flight);

	while (now > max && !atomic_try_cmpxchg(&st->max_in_flight, &max, now))
		;
}

/* Sense data the host sent, as the block layer's status. */
static blk_status_t vstor_sense_status(struct vstor_device *dev,
				       const struct vstor_srb *srb)
{
	if (!(srb->srb_status & VSTOR_SRB_AUTOSENSE_VALID) ||
	    srb->scsi_status != VSTOR_SCSI_CHECK_CONDITION ||
	    (srb->sense[0] & 0x7e) != VSTOR_SENSE_FIXED)
		return BLK_STS_IOERR;
	switch (VSTOR_SENSE_KEY(srb->sense)) {
	case VSTOR_KEY_MEDIUM_ERROR:
		atomic64_inc(&dev->stats.media_errors);
		return BLK_STS_MEDIUM;
	case VSTOR_KEY_ILLEGAL_REQUEST:
		return BLK_STS_TARGET;
	case VSTOR_KEY_DATA_PROTECT:
		return BLK_STS_PROTECTION;
	default:
		return BLK_STS_IOERR;
	}
}

/* The host's reply to @rq's SRB, checked, as the block layer's status. */
static blk_status_t vstor_io_status(struct vstor_device *dev,
				    struct request *rq, NTSTATUS status,
				    const struct vstor_packet *reply, u32 len)
{
	u32 bytes = blk_rq_bytes(rq);

	if (!NT_SUCCESS(status)) {
		/* Closed or rescinded with the request in flight:
		 * STATUS_DEVICE_REMOVED, -ENODEV, BLK_STS_OFFLINE.
		 */
		atomic64_inc(&dev->stats.removed);
		return errno_to_blk_status(vmbkmcl_status_to_errno(status));
	}
	if (len < dev->packet_size || reply->operation != VSTOR_OP_COMPLETE_IO) {
		atomic64_inc(&dev->stats.bad_completions);
		dev_err_ratelimited(&dev->hdev->device,
				    "vstor: bad completion (%u bytes)\n", len);
		return BLK_STS_IOERR;
	}
	if (reply->status == STATUS_SUCCESS &&
	    VSTOR_SRB_STATUS(reply->srb.srb_status) == VSTOR_SRB_SUCCESS &&
	    reply->srb.data_transfer_length == bytes) {
		if (rq_data_dir(rq) == WRITE) {
			atomic64_inc(&dev->stats.writes);
			atomic64_add(bytes, &dev->stats.write_bytes);
		} else {
			atomic64_inc(&dev->stats.reads);
			atomic64_add(bytes, &dev->stats.read_bytes);
		}
		return BLK_STS_OK;
	}
	atomic64_inc(&dev->stats.errors);
	dev_err_ratelimited(&dev->hdev->device,
			    "vstor: sector %llu: status %#x srb %#x scsi %#x sense %#x/%#x, %u of %u bytes\n",
			    blk_rq_pos(rq), reply->status, reply->srb.srb_status,
			    reply->srb.scsi_status,
			    VSTOR_SENSE_KEY(reply->srb.sense),
			    VSTOR_SENSE_ASC(reply->srb.sense),
			    reply->srb.data_transfer_length, bytes);
	/* The host's own status says less than its sense data, and its
	 * errno would mislead the block layer (-EOVERFLOW is a zone error).
	 */
	if (reply->srb.scsi_status == VSTOR_SCSI_CHECK_CONDITION)
		return vstor_sense_status(dev, &reply->srb);
	return BLK_STS_IOERR;
}

static VOID vstor_io_done(VMBPACKET Packet, NTSTATUS Status, PVOID Buffer,
			  UINT32 BufferLength)
{
	struct vstor_request *vr = VmbPacketGetPointer(Packet);
	struct request *rq = blk_mq_rq_from_pdu(vr);
	struct vstor_device *dev = vr->dev;

	atomic_dec(&dev->stats.in_flight);
	blk_mq_end_request(rq, vstor_io_status(dev, rq, Status, Buffer,
					       BufferLength));
}

/**
 * vstor_io_init_packet() - make a request's packet object, once.
 * @dev: the disk, its channel enabled.
 * @vr:  the request's data.
 *
 * Context: process context (tag set allocation).
 */
void vstor_io_init_packet(struct vstor_device *dev, struct vstor_request *vr)
{
	VMBPACKET p;

	vr->dev = dev;
	p = vstor_request_packet(vr);
	/* Cannot fail: the size is VmbChannelSizeofPacket() and aligned. */
	WARN_ON(!NT_SUCCESS(VmbPacketInitialize(dev->channel, p,
						dev->packet_bytes)));
	VmbPacketSetCompletionRoutine(p, vstor_io_done);
	VmbPacketSetPointer(p, vr);
}

/* Describe @rq's pages in its MDL; false if they do not make one. */
static bool vstor_io_map(struct vstor_device *dev, struct request *rq,
			 struct vstor_request *vr)
{
	PMDL mdl = vstor_request_mdl(vr);
	struct req_iterator iter;
	struct bio_vec bv;
	u32 n = 0, bytes = 0;

	rq_for_each_segment(bv, rq, iter) {
		if (!n)
			MmInitializeMdl(mdl, (PVOID)(unsigned long)bv.bv_offset,
					blk_rq_bytes(rq));
		else if (bv.bv_offset || (bytes + mdl->ByteOffset) % PAGE_SIZE)
			return false;	/* a gap the virtual boundary forbids */
		if (n == mdl->PageCount)
			return false;
		mdl->Pages[n++] = bv.bv_page;
		bytes += bv.bv_len;
	}
	if (!n || bytes != blk_rq_bytes(rq) || n != mdl->PageCount)
		return false;
	mdl->MdlFlags |= MDL_PAGES_LOCKED;
	return true;
}

static void vstor_io_srb(struct vstor_device *dev, struct request *rq,
			 struct vstor_srb *srb)
{
	bool write = rq_data_dir(rq) == WRITE;
	u32 blocks = blk_rq_bytes(rq) / VSTOR_BLOCK_SIZE;

	memset(srb, 0, sizeof(*srb));
	srb->length = dev->packet_size - VSTOR_PACKET_HDR_SIZE;
	srb->path_id = dev->path_id;
	srb->target_id = dev->target_id;
	srb->lun = dev->lun;
	srb->cdb_length = 10;
	srb->sense_info_length = dev->sense_len;
	srb->data_in = write ? VSTOR_DATA_OUT : VSTOR_DATA_IN;
	srb->data_transfer_length = blk_rq_bytes(rq);
	srb->srb_flags = VSTOR_SRB_FLAGS_DISABLE_SYNCH_TRANSFER |
			 (write ? VSTOR_SRB_FLAGS_DATA_OUT : VSTOR_SRB_FLAGS_DATA_IN);
	srb->timeout = VSTOR_IO_TIMEOUT_S;
	srb->cdb[0] = write ? VSTOR_SCSI_WRITE_10 : VSTOR_SCSI_READ_10;
	put_unaligned_be32(blk_rq_pos(rq), &srb->cdb[2]);
	put_unaligned_be16(blocks, &srb->cdb[7]);
}

/**
 * vstor_io_submit() - send a read or write request to the host.
 * @dev: the disk.
 * @rq:  a started request of at most @dev->max_transfer bytes.
 *
 * Context: queue_rq; does not sleep.
 * Return: BLK_STS_OK once the packet is the library's (the completion
 * routine will end the request); BLK_STS_RESOURCE to retry later; another
 * status for blk-mq to end the request with.
 */
blk_status_t vstor_io_submit(struct vstor_device *dev, struct request *rq)
{
	struct vstor_request *vr = blk_mq_rq_to_pdu(rq);
	NTSTATUS status;

	if (blk_rq_pos(rq) + blk_rq_sectors(rq) > dev->blocks ||
	    blk_rq_pos(rq) > U32_MAX)
		return BLK_STS_IOERR;
	if (!vstor_io_map(dev, rq, vr)) {
		dev_err_ratelimited(&dev->hdev->device,
				    "vstor: request at %llu not one range\n",
				    blk_rq_pos(rq));
		return BLK_STS_IOERR;
	}
	vr->pkt.operation = VSTOR_OP_EXECUTE_SRB;
	vr->pkt.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	vr->pkt.status = 0;
	vstor_io_srb(dev, rq, &vr->pkt.srb);
	vstor_count_in_flight(&dev->stats);
	status = VmbPacketSendWithExternalMdl(vstor_request_packet(vr), &vr->pkt,
					      dev->packet_size,
					      vstor_request_mdl(vr), 0, 0,
					      VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION);
	if (NT_SUCCESS(status))
		return BLK_STS_OK;
	atomic_dec(&dev->stats.in_flight);
	/* The transaction table or the send queue is full: try again. */
	if (status == STATUS_INSUFFICIENT_RESOURCES ||
	    status == STATUS_DEVICE_BUSY)
		return BLK_STS_RESOURCE;
	dev_err_ratelimited(&dev->hdev->device, "vstor: send: %#x\n", status);
	return errno_to_blk_status(vmbkmcl_status_to_errno(status));
}
