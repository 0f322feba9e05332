// SPDX-License-Identifier: GPL-2.0
/*
 * vstor: the channel and the guest-speaks-first handshake, inside add.
 *
 * VmbChannelEnable() returns with the channel open and started, so add
 * can talk to the host at once: each step is one
 * VmbChannelSendSynchronousRequest() with a timeout.  That call is
 * bounded and rescind-aware (it returns STATUS_DEVICE_REMOVED once the
 * host rescinds the device), so add can neither hang nor outlive the
 * device; and add runs in process context with nothing of ours locked.
 * Every reply is checked before it is believed: its length, operation
 * and status.
 */
#include <linux/slab.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "vstor.h"

/* Newest first; the host answers STATUS_REVISION_MISMATCH to the others. */
static const u16 vstor_versions[] = {
	VSTOR_VERSION_WIN10, VSTOR_VERSION_BLUE, VSTOR_VERSION_WIN8,
	VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN6,
};

VMBKMCL_DECLARE_UNICODE_STRING(vstor_friendly_name, "SCSI");

/*
 * Packets the host sends on its own (ENUMERATE_BUS after a LUN change,
 * REMOVE_DEVICE, ...): one LUN and no rescan here, so they are counted.
 */
static VOID vstor_process_packet(VMBCHANNEL Channel, VMBPACKETCOMPLETION Packet,
				 PVOID Buffer, UINT32 BufferLength, UINT32 Flags)
{
	struct vstor_device *dev = VmbChannelGetPointer(Channel);

	atomic64_inc(&dev->stats.unsolicited);
	VmbChannelPacketComplete(Packet, NULL, 0);
}

/* The rescind or a disable: requests from now on fail at once. */
static VOID vstor_channel_closed(VMBCHANNEL Channel)
{
	struct vstor_device *dev = VmbChannelGetPointer(Channel);

	WRITE_ONCE(dev->gone, true);
}

/**
 * vstor_channel_open() - allocate, configure and enable the channel.
 * @dev: the disk, @hdev set.
 *
 * Context: process context (add).
 * Return: 0 or a negative errno; on failure nothing is left allocated.
 */
int vstor_channel_open(struct vstor_device *dev)
{
	VMB_CHANNEL_STATE_CHANGE_CALLBACKS callbacks;
	VMBCHANNEL ch;
	NTSTATUS status;

	status = VmbChannelAllocate(dev->hdev, FALSE, &ch);
	if (!NT_SUCCESS(status))
		return vmbkmcl_status_to_errno(status);
	VmbChannelSetPointer(ch, dev);
	VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&callbacks);
	callbacks.EvtChannelClosed = vstor_channel_closed;
	status = VmbChannelInitSetStateChangeCallbacks(ch, &callbacks);
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetProcessPacketCallbacks(ch,
								 vstor_process_packet,
								 NULL);
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetFriendlyName(ch, &vstor_friendly_name);
	/* The largest packet either way is a vstor_packet; the host sends
	 * no external data.
	 */
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetMaximumPacketSize(ch,
							    sizeof(struct vstor_packet));
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetMaximumExternalData(ch, PAGE_SIZE, 1);
	if (NT_SUCCESS(status))
		status = VmbClientChannelInitSetRingBufferPageCount(ch,
								    VSTOR_RING_PAGES,
								    VSTOR_RING_PAGES);
	if (NT_SUCCESS(status))
		status = VmbChannelEnable(ch);
	if (!NT_SUCCESS(status)) {
		VmbChannelCleanup(ch);
		return vmbkmcl_status_to_errno(status);
	}
	dev->channel = ch;
	dev->packet_bytes = VmbChannelSizeofPacket(ch);
	return 0;
}

/**
 * vstor_channel_close() - disable and free the channel.
 * @dev: the disk; no request may be in flight any more.
 *
 * After a rescind the channel is already closed and Disable does nothing.
 *
 * Context: process context.
 */
void vstor_channel_close(struct vstor_device *dev)
{
	WRITE_ONCE(dev->gone, true);
	VmbChannelDisable(dev->channel);
	VmbChannelCleanup(dev->channel);
	dev->channel = NULL;
}

/*
 * Send @req (@dev->packet_size bytes, @mdl optional) and wait for its
 * completion in @reply; 0 once a reply of at least @need bytes with
 * operation COMPLETE_IO came back, whatever its status.
 */
static int vstor_request(struct vstor_device *dev, struct vstor_packet *req,
			 PMDL mdl, struct vstor_packet *reply, u32 need)
{
	LARGE_INTEGER timeout = {
		.QuadPart = -(s64)VSTOR_INIT_TIMEOUT_MS * 10000,
	};
	UINT32 len = sizeof(*reply);
	NTSTATUS status;

	req->flags = VSTOR_FLAG_REQUEST_COMPLETION;
	memset(reply, 0, sizeof(*reply));
	status = VmbChannelSendSynchronousRequest(dev->channel, req,
						  dev->packet_size, mdl,
						  VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION,
						  reply, &len, &timeout);
	if (!NT_SUCCESS(status)) {
		dev_warn(&dev->hdev->device, "vstor: operation %u: %#x\n",
			 req->operation, status);
		return vmbkmcl_status_to_errno(status);
	}
	if (len < need || reply->operation != VSTOR_OP_COMPLETE_IO) {
		dev_warn(&dev->hdev->device,
			 "vstor: operation %u: bad reply (%u bytes, operation %u)\n",
			 req->operation, len, reply->operation);
		return -EPROTO;
	}
	return 0;
}

/* One initialization step without payload; 0 if the host agreed. */
static int vstor_init_step(struct vstor_device *dev, u32 operation)
{
	struct vstor_packet req = { .operation = operation }, reply;
	int ret;

	ret = vstor_request(dev, &req, NULL, &reply, VSTOR_PACKET_HDR_SIZE);
	if (!ret && reply.status != STATUS_SUCCESS) {
		dev_warn(&dev->hdev->device, "vstor: operation %u refused: %#x\n",
			 operation, reply.status);
		ret = vmbkmcl_status_to_errno(reply.status);
	}
	return ret;
}

/* Offer the versions newest first; the first one the host takes wins. */
static int vstor_query_version(struct vstor_device *dev)
{
	const u32 need = VSTOR_PACKET_HDR_SIZE;
	struct vstor_packet req, reply;
	u32 i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vstor_versions); i++) {
		memset(&req, 0, sizeof(req));
		req.operation = VSTOR_OP_QUERY_PROTOCOL_VERSION;
		req.version.major_minor = vstor_versions[i];
		ret = vstor_request(dev, &req, NULL, &reply, need);
		if (ret)
			return ret;
		if (reply.status == STATUS_REVISION_MISMATCH)
			continue;
		if (reply.status != STATUS_SUCCESS)
			return vmbkmcl_status_to_errno(reply.status);
		dev->version = vstor_versions[i];
		if (dev->version >= VSTOR_VERSION_WIN8) {
			dev->packet_size = VSTOR_PACKET_SIZE_V2;
			dev->sense_len = VSTOR_SENSE_LEN;
		}
		return 0;
	}
	dev_warn(&dev->hdev->device, "vstor: the host took no version\n");
	return -EPROTONOSUPPORT;
}

static int vstor_query_properties(struct vstor_device *dev)
{
	const u32 need = VSTOR_PACKET_HDR_SIZE + sizeof(struct vstor_properties);
	struct vstor_packet req = {
		.operation = VSTOR_OP_QUERY_PROPERTIES,
	}, reply;
	u32 max;
	int ret;

	ret = vstor_request(dev, &req, NULL, &reply, need);
	if (ret)
		return ret;
	if (reply.status != STATUS_SUCCESS)
		return vmbkmcl_status_to_errno(reply.status);
	max = reply.props.max_transfer_bytes;
	if (max < PAGE_SIZE) {
		dev_warn(&dev->hdev->device, "vstor: max transfer %u\n", max);
		return -EPROTO;
	}
	dev->max_transfer = min_t(u32, rounddown(max, PAGE_SIZE),
				  VSTOR_MAX_TRANSFER);
	return 0;
}

/**
 * vstor_negotiate() - the handshake: begin, version, properties, end.
 * @dev: the disk, its channel open.
 *
 * Context: process context (add); sleeps, at most VSTOR_INIT_TIMEOUT_MS
 * per step.
 * Return: 0; -EPROTONOSUPPORT when the host refuses every version;
 * -ENODEV after a rescind; another negative errno from the host's status
 * or a bad reply.
 */
int vstor_negotiate(struct vstor_device *dev)
{
	int ret;

	/* Until a version is agreed, packets have the oldest size. */
	dev->packet_size = VSTOR_PACKET_SIZE_V1;
	dev->sense_len = VSTOR_SENSE_LEN_V1;
	ret = vstor_init_step(dev, VSTOR_OP_BEGIN_INITIALIZATION);
	if (!ret)
		ret = vstor_query_version(dev);
	if (!ret)
		ret = vstor_query_properties(dev);
	if (!ret)
		ret = vstor_init_step(dev, VSTOR_OP_END_INITIALIZATION);
	return ret;
}

/*
 * Run @cdb against the LUN with @len bytes of data read into @buf (len 0:
 * no data); 0 when the SRB succeeded with all @len bytes.
 */
static int vstor_scsi_in(struct vstor_device *dev, const u8 *cdb, u8 cdb_len,
			 void *buf, u32 len)
{
	struct vstor_packet req = { .operation = VSTOR_OP_EXECUTE_SRB }, reply;
	struct vstor_srb *srb = &req.srb;
	PMDL mdl = NULL;
	int ret;

	srb->length = dev->packet_size - VSTOR_PACKET_HDR_SIZE;
	srb->path_id = dev->path_id;
	srb->target_id = dev->target_id;
	srb->lun = dev->lun;
	srb->cdb_length = cdb_len;
	srb->sense_info_length = dev->sense_len;
	srb->data_in = len ? VSTOR_DATA_IN : VSTOR_DATA_NONE;
	srb->data_transfer_length = len;
	srb->srb_flags = VSTOR_SRB_FLAGS_DISABLE_SYNCH_TRANSFER |
			 (len ? VSTOR_SRB_FLAGS_DATA_IN : 0);
	srb->timeout = VSTOR_IO_TIMEOUT_S;
	memcpy(srb->cdb, cdb, cdb_len);
	if (len) {
		mdl = IoAllocateMdl(buf, len, FALSE, FALSE, NULL);
		if (!mdl)
			return -ENOMEM;
		MmBuildMdlForNonPagedPool(mdl);
	}
	ret = vstor_request(dev, &req, mdl, &reply, dev->packet_size);
	IoFreeMdl(mdl);
	if (ret)
		return ret;
	if (VSTOR_SRB_STATUS(reply.srb.srb_status) != VSTOR_SRB_SUCCESS ||
	    reply.srb.scsi_status != VSTOR_SCSI_GOOD ||
	    reply.srb.data_transfer_length != len) {
		dev_warn(&dev->hdev->device,
			 "vstor: SCSI %#x: srb %#x scsi %#x, %u of %u bytes, status %#x\n",
			 cdb[0], reply.srb.srb_status, reply.srb.scsi_status,
			 reply.srb.data_transfer_length, len, reply.status);
		return reply.status ? vmbkmcl_status_to_errno(reply.status) : -EIO;
	}
	return 0;
}

/**
 * vstor_probe_lun() - check the LUN is a disk, ready, and how big.
 * @dev: the disk, negotiated.
 *
 * INQUIRY (a direct-access device), TEST UNIT READY, READ CAPACITY(10).
 *
 * Context: process context (add); sleeps.
 * Return: 0, -ENODEV when there is no disk at the LUN, or another
 * negative errno.
 */
int vstor_probe_lun(struct vstor_device *dev)
{
	const u8 inquiry[6] = { VSTOR_SCSI_INQUIRY, 0, 0, 0,
				VSTOR_INQUIRY_LEN, 0 };
	const u8 tur[6] = { VSTOR_SCSI_TEST_UNIT_READY };
	const u8 capacity[10] = { VSTOR_SCSI_READ_CAPACITY_10 };
	u8 *buf;
	u32 last, block;
	int ret;

	/* The data must be RAM the host can name by page, not the stack. */
	buf = kzalloc(VSTOR_INQUIRY_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = vstor_scsi_in(dev, inquiry, sizeof(inquiry), buf,
			    VSTOR_INQUIRY_LEN);
	if (!ret && (buf[0] & 0x1f) != VSTOR_INQUIRY_DISK)
		ret = -ENODEV;
	if (!ret)
		ret = vstor_scsi_in(dev, tur, sizeof(tur), NULL, 0);
	if (!ret)
		ret = vstor_scsi_in(dev, capacity, sizeof(capacity), buf,
				    VSTOR_READ_CAPACITY_LEN);
	if (!ret) {
		last = get_unaligned_be32(buf);
		block = get_unaligned_be32(buf + 4);
		if (block != VSTOR_BLOCK_SIZE || last == U32_MAX) {
			dev_warn(&dev->hdev->device,
				 "vstor: block size %u, last block %u\n",
				 block, last);
			ret = -EOPNOTSUPP;
		}
		dev->blocks = (u64)last + 1;
	}
	kfree(buf);
	return ret;
}
