/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vstor - a storage VSC on KMCL: one SCSI disk of a Hyper-V synthetic
 * storage controller, exposed as a blk-mq block device.
 *
 * Split by concern:
 *   vstor_main.c     binding (vmbkmcl_client_driver), add and remove
 *   vstor_channel.c  the channel, the guest-speaks-first handshake and
 *                    the LUN probe, all inside add, with bounded waits
 *   vstor_io.c       the data path: an SRB per block request, its data
 *                    by GPA-direct external data, its completion
 *   vstor_blk.c      the blk-mq tag set and the gendisk
 *
 * Contexts: add and remove run in process context; queue_rq in process
 * context, may not sleep; a request's completion routine in softirq (the
 * channel's tasklet), or in process context with STATUS_DEVICE_REMOVED
 * when the channel closes.  @gone is the only field written after add;
 * the counters are atomics.
 */
#ifndef _VSTOR_H
#define _VSTOR_H

#include <linux/atomic.h>
#include <linux/blk-mq.h>
#include <linux/hyperv.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>
#include <vmbkmcl/mdl.h>

#include "vstor_proto.h"

/* Largest transfer per request, whatever the host allows beyond. */
#define VSTOR_MAX_TRANSFER	(128 * 1024)
/* Ring pages each way: 128 KiB, as Linux's storvsc uses. */
#define VSTOR_RING_PAGES	32
/* Each step of the handshake and probe waits this long at most. */
#define VSTOR_INIT_TIMEOUT_MS	5000
#define VSTOR_BLOCK_SIZE	512
/* A block request that the host has not completed in this long has its
 * timer reset: the host may still touch its pages, so it cannot end.
 */
#define VSTOR_IO_TIMEOUT_S	30

/**
 * struct vstor_stats - what the disk did; read by the demo and the suite.
 * @reads:	read requests completed successfully.
 * @writes:	write requests completed successfully.
 * @read_bytes:	bytes read.
 * @write_bytes: bytes written.
 * @errors:	requests the host failed (an SRB status, or sense).
 * @media_errors: of those, with MEDIUM ERROR sense.
 * @removed:	requests ended because the channel closed.
 * @bad_completions: completions too short or of the wrong operation.
 * @unsolicited: packets the host sent on its own (ENUMERATE_BUS, ...).
 * @in_flight:	SRBs sent and not yet completed.
 * @max_in_flight: the most at once.
 */
struct vstor_stats {
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t read_bytes;
	atomic64_t write_bytes;
	atomic64_t errors;
	atomic64_t media_errors;
	atomic64_t removed;
	atomic64_t bad_completions;
	atomic64_t unsolicited;
	atomic_t in_flight;
	atomic_t max_in_flight;
};

/**
 * struct vstor_device - one disk.
 * @hdev:	the VMBus device.
 * @channel:	its channel.
 * @version:	the protocol version the host accepted.
 * @packet_size: bytes of a vstor_packet at that version.
 * @sense_len:	sense bytes at that version.
 * @max_transfer: bytes per request.
 * @packet_bytes: VmbChannelSizeofPacket().
 * @mdl_bytes:	an MDL for @max_transfer bytes at any offset.
 * @blocks:	capacity in VSTOR_BLOCK_SIZE blocks.
 * @path_id:	the LUN's SCSI address.
 * @target_id:	ditto.
 * @lun:	ditto.
 * @gone:	the channel closed: new requests fail at once.
 * @index:	N in vstorN.
 * @tags:	the blk-mq tag set.
 * @disk:	the disk, once added.
 * @stats:	counters.
 */
struct vstor_device {
	struct hv_device *hdev;
	VMBCHANNEL channel;
	u16 version;
	u32 packet_size;
	u32 sense_len;
	u32 max_transfer;
	u32 packet_bytes;
	u32 mdl_bytes;
	u64 blocks;
	u8 path_id;
	u8 target_id;
	u8 lun;
	bool gone;
	int index;
	struct blk_mq_tag_set tags;
	struct gendisk *disk;
	struct vstor_stats stats;
};

/**
 * struct vstor_request - the per-request data blk-mq keeps for us.
 * @dev:	the disk.
 * @pkt:	the EXECUTE_SRB packet (copied to the ring by the send).
 * @area:	the MDL (@dev->mdl_bytes), then the packet object
 *		(@dev->packet_bytes), made once by VmbPacketInitialize().
 */
struct vstor_request {
	struct vstor_device *dev;
	struct vstor_packet pkt;
	u8 area[] __aligned(8);
};

static inline PMDL vstor_request_mdl(struct vstor_request *vr)
{
	return (PMDL)vr->area;
}

static inline VMBPACKET vstor_request_packet(struct vstor_request *vr)
{
	return (VMBPACKET)(vr->area + vr->dev->mdl_bytes);
}

/* vstor_channel.c */
int vstor_channel_open(struct vstor_device *dev);
int vstor_negotiate(struct vstor_device *dev);
int vstor_probe_lun(struct vstor_device *dev);
void vstor_channel_close(struct vstor_device *dev);

/* vstor_io.c */
void vstor_io_init_packet(struct vstor_device *dev, struct vstor_request *vr);
blk_status_t vstor_io_submit(struct vstor_device *dev, struct request *rq);

/* vstor_blk.c */
int vstor_blk_add(struct vstor_device *dev);
void vstor_blk_remove(struct vstor_device *dev);

#endif /* _VSTOR_H */
