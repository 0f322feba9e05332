// SPDX-License-Identifier: GPL-2.0
/*
 * vstor_host - a storvsp model on simhost.  See vstor_host.h.
 *
 * One pass of the work item: unless stalled, read every packet the guest
 * wrote, answer each (at once, or into the held list), then, in reorder
 * mode, send the held completions in a random order.  The answers follow
 * microsoft/openvmm's storvsp: completion packets are a vstor_packet of
 * the negotiated size, COMPLETE_IO, with the NTSTATUS storvsp derives from
 * the SRB status.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <vmbkmcl/nt.h>

#include "../samples/vstor/vstor_proto.h"
#include "simhost_gpadl.h"
#include "vstor_host.h"

#define VSTOR_HOST_BLOCK	512
#define VSTOR_HOST_MAX_VERSIONS	8
/* A full guest inbound ring is retried this often, this many times. */
#define VSTOR_HOST_RETRY_US	20
#define VSTOR_HOST_RETRIES	50000
/* Sense ASCs the model uses. */
#define ASC_INVALID_OPCODE	0x20
#define ASC_LBA_OUT_OF_RANGE	0x21
#define ASC_INVALID_CDB		0x24

enum vstor_host_state {
	VH_BEGIN,
	VH_VERSION,
	VH_PROPERTIES,
	VH_END,
	VH_READY,
};

struct vstor_host_held {
	u64 trans_id;
	u32 len;
	u32 seq;
	struct vstor_packet reply;
};

/**
 * struct vstor_host - see vstor_host.h.
 * @sh:		the simulated host.
 * @work:	reads and answers; the only thread touching the rings.
 * @wq:		woken when a request is held.
 * @ram:	the disk.
 * @blocks:	its size in 512-byte blocks.
 * @lun:	the disk's LUN (path 0, target 0).
 * @versions:	versions taken.
 * @nversions:	how many.
 * @state:	the initialization state.
 * @version:	the version agreed.
 * @request_size: SRB bytes in a completion.
 * @reorder:	hold up to this many completions and send them shuffled.
 * @stall_every: stall after this many SRBs (0: never).
 * @stall_ms:	for this long.
 * @stall_until: jiffies the current stall ends.
 * @since_stall: SRBs since the last stall.
 * @hold:	hold every SRB's completion until hold is turned off.
 * @silent:	read every packet and answer none.
 * @fail_next:	READ/WRITEs still to fail with @fail_key/@fail_asc.
 * @fail_key:	sense key.
 * @fail_asc:	sense ASC.
 * @rnd:	the reorder's random state.
 * @broken:	a packet storvsp would refuse arrived: nothing more is read.
 * @held:	completions held.
 * @nheld:	how many.
 * @in:		the packet being handled.
 * @stats:	counters.
 */
struct vstor_host {
	struct simhost *sh;
	struct delayed_work work;
	wait_queue_head_t wq;
	u8 *ram;
	u32 blocks;
	u8 lun;
	u16 versions[VSTOR_HOST_MAX_VERSIONS];
	u32 nversions;
	enum vstor_host_state state;
	u16 version;
	u32 request_size;
	u32 reorder;
	u32 stall_every;
	u32 stall_ms;
	unsigned long stall_until;
	u32 since_stall;
	bool hold;
	bool silent;
	u32 fail_next;
	u8 fail_key;
	u8 fail_asc;
	struct rnd_state rnd;
	bool broken;
	struct vstor_host_held held[VSTOR_HOST_MAX_HELD];
	u32 nheld;
	struct simhost_gpa_packet in;
	struct vstor_host_stats stats;
};

static const u16 vstor_host_default_versions[] = {
	VSTOR_VERSION_WIN6, VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN8,
	VSTOR_VERSION_BLUE,
};

/* --- answering --- */

static void vh_write(struct vstor_host *h, u64 id, const void *reply, u32 len)
{
	u32 tries = 0;
	int ret;

	while ((ret = simhost_write_inband(h->sh, VM_PKT_COMP, 0, id, reply,
					   len)) == -EAGAIN &&
	       ++tries < VSTOR_HOST_RETRIES)
		usleep_range(VSTOR_HOST_RETRY_US, 2 * VSTOR_HOST_RETRY_US);
	/* -ENODEV: the rings closed under us, as a rescind may do. */
	WARN_ON(ret && ret != -ENODEV);
}

/* Send the held completions, in a random order in reorder mode. */
static void vh_release(struct vstor_host *h)
{
	u32 i, j, n = h->nheld;

	for (i = n; i > 1 && h->reorder; i--) {
		j = prandom_u32_state(&h->rnd) % i;
		swap(h->held[i - 1], h->held[j]);
	}
	for (i = 0; i < n; i++) {
		if (h->held[i].seq != i)
			atomic_inc(&h->stats.out_of_order);
		vh_write(h, h->held[i].trans_id, &h->held[i].reply,
			 h->held[i].len);
	}
	WRITE_ONCE(h->nheld, 0);
}

/* Send @reply (@len bytes) now, or hold it if it answers an SRB. */
static void vh_complete(struct vstor_host *h, u64 id,
			const struct vstor_packet *reply, u32 len, bool srb)
{
	struct vstor_host_held *held;

	if (srb && (READ_ONCE(h->hold) || READ_ONCE(h->reorder)) &&
	    h->nheld < VSTOR_HOST_MAX_HELD) {
		held = &h->held[h->nheld];
		held->trans_id = id;
		held->len = len;
		held->seq = h->nheld;
		held->reply = *reply;
		WRITE_ONCE(h->nheld, h->nheld + 1);
		wake_up(&h->wq);
		return;
	}
	vh_write(h, id, reply, len);
}

/* storvsp's NTSTATUS for an SRB status. */
static u32 vh_srb_ntstatus(u8 srb_status)
{
	switch (VSTOR_SRB_STATUS(srb_status)) {
	case VSTOR_SRB_SUCCESS:
		return STATUS_SUCCESS;
	case VSTOR_SRB_INVALID_LUN:
		return STATUS_DEVICE_DOES_NOT_EXIST;
	case VSTOR_SRB_DATA_OVERRUN:
		return STATUS_BUFFER_OVERFLOW;
	case VSTOR_SRB_ABORTED:
		return STATUS_CANCELLED;
	default:
		return STATUS_IO_DEVICE_ERROR;
	}
}

static void vh_srb_result(struct vstor_packet *reply, u8 srb_status,
			  u8 scsi_status, u32 tx)
{
	reply->operation = VSTOR_OP_COMPLETE_IO;
	reply->status = vh_srb_ntstatus(srb_status);
	reply->srb.length = sizeof(reply->srb);
	reply->srb.srb_status = srb_status;
	reply->srb.scsi_status = scsi_status;
	reply->srb.data_transfer_length = tx;
	reply->srb.cdb_length = VSTOR_CDB_LEN;
	reply->srb.sense_info_length = VSTOR_SENSE_LEN;
}

static void vh_sense(struct vstor_host *h, struct vstor_packet *reply, u8 key,
		     u8 asc)
{
	u8 *s = reply->srb.sense;

	atomic_inc(&h->stats.check_conditions);
	vh_srb_result(reply, VSTOR_SRB_ERROR | VSTOR_SRB_AUTOSENSE_VALID,
		      VSTOR_SCSI_CHECK_CONDITION, 0);
	memset(s, 0, VSTOR_SENSE_LEN);
	s[0] = VSTOR_SENSE_FIXED;
	s[2] = key;
	s[7] = VSTOR_SENSE_LEN - 8;
	s[12] = asc;
}

/* A packet storvsp's parser refuses: its worker stops; so does the model. */
static void vh_protocol_error(struct vstor_host *h, const char *why, u64 id)
{
	atomic_inc(&h->stats.protocol_errors);
	pr_warn_ratelimited("vstor_host: id %#llx: %s; stopping\n", id, why);
	h->broken = true;
}

/* --- SCSI --- */

static bool vh_copy(struct vstor_host *h, const struct simhost_gpa_range *r,
		    void *ram, u32 len, bool to_guest)
{
	u64 t0 = ktime_get_ns();
	int ret;

	if (to_guest)
		ret = simhost_gpa_write(r->pfns, r->npfns, r->byte_offset, ram,
					len);
	else
		ret = simhost_gpa_read(r->pfns, r->npfns, r->byte_offset, ram,
				       len);
	atomic64_add(ktime_get_ns() - t0, &h->stats.copy_ns);
	atomic64_add(len, &h->stats.bytes);
	return !ret;
}

/* READ(10) / WRITE(10). */
static void vh_rw(struct vstor_host *h, const struct vstor_srb *srb,
		  const struct simhost_gpa_range *r, struct vstor_packet *reply)
{
	bool write = srb->cdb[0] == VSTOR_SCSI_WRITE_10;
	u32 lba = get_unaligned_be32(&srb->cdb[2]);
	u32 n = get_unaligned_be16(&srb->cdb[7]);
	u32 len = n * VSTOR_HOST_BLOCK;

	if (len != srb->data_transfer_length ||
	    srb->data_in != (write ? VSTOR_DATA_OUT : VSTOR_DATA_IN))
		return vh_sense(h, reply, VSTOR_KEY_ILLEGAL_REQUEST,
				ASC_INVALID_CDB);
	if ((u64)lba + n > h->blocks)
		return vh_sense(h, reply, VSTOR_KEY_ILLEGAL_REQUEST,
				ASC_LBA_OUT_OF_RANGE);
	if (h->fail_next) {
		WRITE_ONCE(h->fail_next, h->fail_next - 1);
		return vh_sense(h, reply, h->fail_key, h->fail_asc);
	}
	if (len && !vh_copy(h, r, h->ram + (u64)lba * VSTOR_HOST_BLOCK, len,
			    !write)) {
		/* storvsp: the access error fails the request. */
		vh_protocol_error(h, "pages that are not guest RAM", 0);
		return vh_sense(h, reply, VSTOR_KEY_ILLEGAL_REQUEST,
				ASC_INVALID_CDB);
	}
	atomic_inc(write ? &h->stats.writes : &h->stats.reads);
	vh_srb_result(reply, VSTOR_SRB_SUCCESS, VSTOR_SCSI_GOOD, len);
}

/* Data in for INQUIRY and READ CAPACITY: at most what the guest takes. */
static void vh_data_in(struct vstor_host *h, const struct vstor_srb *srb,
		       const struct simhost_gpa_range *r, const u8 *data,
		       u32 len, struct vstor_packet *reply)
{
	u32 tx = min(len, srb->data_transfer_length);

	if (srb->data_in != VSTOR_DATA_IN || !tx)
		return vh_sense(h, reply, VSTOR_KEY_ILLEGAL_REQUEST,
				ASC_INVALID_CDB);
	if (!vh_copy(h, r, (void *)data, tx, true)) {
		vh_protocol_error(h, "pages that are not guest RAM", 0);
		return vh_sense(h, reply, VSTOR_KEY_ILLEGAL_REQUEST,
				ASC_INVALID_CDB);
	}
	vh_srb_result(reply, VSTOR_SRB_SUCCESS, VSTOR_SCSI_GOOD, tx);
}

static void vh_inquiry(struct vstor_host *h, const struct vstor_srb *srb,
		       const struct simhost_gpa_range *r, bool present,
		       struct vstor_packet *reply)
{
	u8 data[VSTOR_INQUIRY_LEN] = { };

	data[0] = present ? VSTOR_INQUIRY_DISK : VSTOR_INQUIRY_NO_LUN;
	data[2] = 6;		/* SPC-4 */
	data[3] = 2;		/* response data format */
	data[4] = VSTOR_INQUIRY_LEN - 5;
	memcpy(&data[8], "Msft    Virtual Disk    1.0 ", 28);
	vh_data_in(h, srb, r, data, sizeof(data), reply);
}

static void vh_capacity(struct vstor_host *h, const struct vstor_srb *srb,
			const struct simhost_gpa_range *r,
			struct vstor_packet *reply)
{
	u8 data[VSTOR_READ_CAPACITY_LEN];

	put_unaligned_be32(h->blocks - 1, data);
	put_unaligned_be32(VSTOR_HOST_BLOCK, data + 4);
	vh_data_in(h, srb, r, data, sizeof(data), reply);
}

static void vh_srb(struct vstor_host *h, const struct vstor_srb *srb,
		   const struct simhost_gpa_range *r, struct vstor_packet *reply)
{
	bool present = !srb->path_id && !srb->target_id &&
		       srb->lun == READ_ONCE(h->lun);

	atomic_inc(&h->stats.srbs);
	if (srb->cdb[0] == VSTOR_SCSI_INQUIRY)
		return vh_inquiry(h, srb, r, present, reply);
	if (!present) {
		atomic_inc(&h->stats.check_conditions);
		return vh_srb_result(reply, VSTOR_SRB_INVALID_LUN,
				     VSTOR_SCSI_CHECK_CONDITION, 0);
	}
	switch (srb->cdb[0]) {
	case VSTOR_SCSI_TEST_UNIT_READY:
		return vh_srb_result(reply, VSTOR_SRB_SUCCESS, VSTOR_SCSI_GOOD, 0);
	case VSTOR_SCSI_READ_CAPACITY_10:
		return vh_capacity(h, srb, r, reply);
	case VSTOR_SCSI_READ_10:
	case VSTOR_SCSI_WRITE_10:
		return vh_rw(h, srb, r, reply);
	default:
		return vh_sense(h, reply, VSTOR_KEY_ILLEGAL_REQUEST,
				ASC_INVALID_OPCODE);
	}
}

/* --- the protocol --- */

static bool vh_version_taken(struct vstor_host *h, u16 v)
{
	u32 i;

	for (i = 0; i < h->nversions; i++)
		if (h->versions[i] == v)
			return true;
	return false;
}

/* The initialization state machine: one answer per packet. */
static void vh_init(struct vstor_host *h, const struct vstor_packet *req,
		    struct vstor_packet *reply)
{
	static const enum vstor_operation expected[] = {
		[VH_BEGIN] = VSTOR_OP_BEGIN_INITIALIZATION,
		[VH_VERSION] = VSTOR_OP_QUERY_PROTOCOL_VERSION,
		[VH_PROPERTIES] = VSTOR_OP_QUERY_PROPERTIES,
		[VH_END] = VSTOR_OP_END_INITIALIZATION,
	};
	u16 v = req->version.major_minor;

	reply->operation = VSTOR_OP_COMPLETE_IO;
	if (req->operation != expected[h->state]) {
		reply->status = STATUS_INVALID_DEVICE_STATE;
		return;
	}
	switch (h->state) {
	case VH_VERSION:
		reply->version.major_minor = v;
		if (!vh_version_taken(h, v)) {
			atomic_inc(&h->stats.rejected_versions);
			reply->status = STATUS_REVISION_MISMATCH;
			return;
		}
		h->version = v;
		break;
	case VH_PROPERTIES:
		reply->props.max_transfer_bytes = VSTOR_HOST_MAX_TRANSFER;
		break;
	case VH_END:
		h->request_size = h->version >= VSTOR_VERSION_WIN8 ?
				  VSTOR_SRB_SIZE_V2 : VSTOR_SRB_SIZE_V1;
		break;
	default:
		break;
	}
	reply->status = STATUS_SUCCESS;
	h->state++;
}

/* Check and answer one packet; @range is NULL for an inband one. */
static void vh_packet(struct vstor_host *h, u64 id, u16 flags,
		      const struct vstor_packet *req, u32 len,
		      const struct simhost_gpa_packet *gpa)
{
	const struct simhost_gpa_range *r = gpa ? &gpa->ranges[0] : NULL;
	struct vstor_packet reply = { };
	u32 reply_len;

	if (READ_ONCE(h->silent))
		return;
	if (!(flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED))
		return vh_protocol_error(h, "no completion requested", id);
	if (len < VSTOR_PACKET_HDR_SIZE)
		return vh_protocol_error(h, "shorter than a header", id);
	/* Before READY, storvsp answers with the size the guest sent. */
	if (h->state != VH_READY) {
		reply_len = min_t(u32, len, VSTOR_PACKET_SIZE_V2);
		vh_init(h, req, &reply);
		return vh_complete(h, id, &reply, reply_len, false);
	}
	reply_len = VSTOR_PACKET_HDR_SIZE + h->request_size;
	if (req->operation != VSTOR_OP_EXECUTE_SRB) {
		reply.operation = VSTOR_OP_COMPLETE_IO;
		reply.status = STATUS_INVALID_DEVICE_STATE;
		return vh_complete(h, id, &reply, reply_len, false);
	}
	if (len < VSTOR_PACKET_HDR_SIZE + VSTOR_SRB_SIZE_V1 ||
	    req->srb.cdb_length > VSTOR_CDB_LEN)
		return vh_protocol_error(h, "bad SRB", id);
	if (gpa && gpa->range_count > 1)
		return vh_protocol_error(h, "more than one range", id);
	if (req->srb.data_transfer_length &&
	    (!r || r->byte_count < req->srb.data_transfer_length))
		return vh_protocol_error(h, "range shorter than the transfer", id);
	vh_srb(h, &req->srb, r, &reply);
	if (h->broken)
		return;
	vh_complete(h, id, &reply, reply_len, true);
}

/* Read the next packet, GPA-direct or inband; false when there is none. */
static bool vh_read_one(struct vstor_host *h)
{
	struct vstor_packet req = { };
	struct simhost_packet sp;
	int ret;

	ret = simhost_read_gpa_direct(h->sh, &h->in, &req, sizeof(req));
	if (!ret) {
		atomic_inc(&h->stats.packets);
		vh_packet(h, h->in.desc.trans_id, h->in.desc.flags, &req,
			  h->in.data_len, &h->in);
		return true;
	}
	if (ret == -EBADMSG) {
		vh_protocol_error(h, "malformed GPA-direct packet", 0);
		return false;
	}
	if (ret != -EPROTO)
		return false;
	ret = simhost_read(h->sh, &sp, &req, sizeof(req));
	if (ret)
		return false;
	atomic_inc(&h->stats.packets);
	if (sp.desc.type != VM_PKT_DATA_INBAND) {
		vh_protocol_error(h, "not a data packet", sp.desc.trans_id);
		return true;
	}
	vh_packet(h, sp.desc.trans_id, sp.desc.flags, &req, sp.data_len, NULL);
	return true;
}

/* Start a stall after every @stall_every SRBs; true while stalled. */
static bool vh_stalled(struct vstor_host *h)
{
	u32 every = READ_ONCE(h->stall_every);

	if (time_before(jiffies, h->stall_until)) {
		queue_delayed_work(system_wq, &h->work,
				   h->stall_until - jiffies);
		return true;
	}
	if (!every || h->since_stall < every)
		return false;
	h->since_stall = 0;
	h->stall_until = jiffies + msecs_to_jiffies(READ_ONCE(h->stall_ms));
	atomic_inc(&h->stats.stalls);
	queue_delayed_work(system_wq, &h->work, h->stall_until - jiffies);
	return true;
}

static void vh_work(struct work_struct *work)
{
	struct vstor_host *h = container_of(to_delayed_work(work),
					    struct vstor_host, work);
	u64 t0 = ktime_get_ns();
	u32 before;

	if (!READ_ONCE(h->hold) && !READ_ONCE(h->reorder) && h->nheld)
		vh_release(h);
	while (!h->broken && !vh_stalled(h)) {
		before = atomic_read(&h->stats.srbs);
		if (!vh_read_one(h))
			break;
		h->since_stall += atomic_read(&h->stats.srbs) - before;
		if (READ_ONCE(h->reorder) && h->nheld >= READ_ONCE(h->reorder))
			vh_release(h);
	}
	/* The ring is empty (or stalled): what is held goes now. */
	if (READ_ONCE(h->reorder) && !READ_ONCE(h->hold))
		vh_release(h);
	atomic64_add(ktime_get_ns() - t0, &h->stats.busy_ns);
}

static void vh_notify(void *ctx)
{
	struct vstor_host *h = ctx;

	queue_delayed_work(system_wq, &h->work, 0);
}

/* --- the API --- */

/**
 * vstor_host_create() - a storage host with one zeroed RAM disk at LUN 0.
 * @sh:     the simulated host; its class is set to SCSI here, and
 *          simhost_offer() is the caller's next step.
 * @blocks: the disk's size in 512-byte blocks.
 *
 * Context: process context; sleeps.
 * Return: the model, or NULL when memory is short.
 */
struct vstor_host *vstor_host_create(struct simhost *sh, u32 blocks)
{
	static const guid_t scsi = GUID_INIT(0xba6163d9, 0x04a1, 0x4d29, 0xb6,
					     0x05, 0x72, 0xe2, 0xff, 0xb1,
					     0xdc, 0x7f);
	struct vstor_host *h = kvzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return NULL;
	h->ram = vzalloc((size_t)blocks * VSTOR_HOST_BLOCK);
	if (!h->ram) {
		kvfree(h);
		return NULL;
	}
	h->sh = sh;
	h->blocks = blocks;
	h->stall_until = jiffies;
	INIT_DELAYED_WORK(&h->work, vh_work);
	init_waitqueue_head(&h->wq);
	vstor_host_accept_versions(h, vstor_host_default_versions,
				   ARRAY_SIZE(vstor_host_default_versions));
	simhost_set_class(sh, &scsi);
	simhost_set_notify(sh, vh_notify, h);
	return h;
}
EXPORT_SYMBOL_GPL(vstor_host_create);

/**
 * vstor_host_destroy() - stop answering and free the model.
 * @h: the model; NULL is ignored.  The guest's device should be gone
 *     (rescinded) first, or its requests stay unanswered.
 *
 * Context: process context; sleeps.
 */
void vstor_host_destroy(struct vstor_host *h)
{
	if (!h)
		return;
	simhost_set_notify(h->sh, NULL, NULL);
	cancel_delayed_work_sync(&h->work);
	vfree(h->ram);
	kvfree(h);
}
EXPORT_SYMBOL_GPL(vstor_host_destroy);

/**
 * vstor_host_stats() - the model's counters.
 * @h: the model.
 *
 * Return: the live counters.
 */
const struct vstor_host_stats *vstor_host_stats(struct vstor_host *h)
{
	return &h->stats;
}
EXPORT_SYMBOL_GPL(vstor_host_stats);

/**
 * vstor_host_ram() - the disk's bytes, for a test to check or seed.
 * @h: the model.
 *
 * Return: vstor_host_blocks() * 512 bytes.
 */
u8 *vstor_host_ram(struct vstor_host *h)
{
	return h->ram;
}
EXPORT_SYMBOL_GPL(vstor_host_ram);

/**
 * vstor_host_blocks() - the disk's size.
 * @h: the model.
 *
 * Return: 512-byte blocks.
 */
u32 vstor_host_blocks(struct vstor_host *h)
{
	return h->blocks;
}
EXPORT_SYMBOL_GPL(vstor_host_blocks);

/**
 * vstor_host_version() - the protocol version the guest and model agreed.
 * @h: the model.
 *
 * Return: VSTOR_VERSION(), or 0 before an agreement.
 */
u16 vstor_host_version(struct vstor_host *h)
{
	return READ_ONCE(h->version);
}
EXPORT_SYMBOL_GPL(vstor_host_version);

/**
 * vstor_host_accept_versions() - the versions QUERY_PROTOCOL_VERSION takes.
 * @h:        the model, before the guest's handshake.
 * @versions: VSTOR_VERSION() values; the default is storvsp's (2.0, 4.2,
 *            5.1, 6.0).
 * @n:        how many; 0 refuses every version.
 */
void vstor_host_accept_versions(struct vstor_host *h, const u16 *versions,
				u32 n)
{
	h->nversions = min_t(u32, n, VSTOR_HOST_MAX_VERSIONS);
	memcpy(h->versions, versions, h->nversions * sizeof(*versions));
}
EXPORT_SYMBOL_GPL(vstor_host_accept_versions);

/**
 * vstor_host_set_lun() - move the disk to another LUN (0 at first).
 * @h:   the model.
 * @lun: the disk's LUN; requests to any other get INVALID_LUN.
 */
void vstor_host_set_lun(struct vstor_host *h, u8 lun)
{
	WRITE_ONCE(h->lun, lun);
}
EXPORT_SYMBOL_GPL(vstor_host_set_lun);

/**
 * vstor_host_reorder() - complete SRBs out of order.
 * @h:     the model, before traffic.
 * @batch: hold up to this many completions (at most VSTOR_HOST_MAX_HELD),
 *         or until the ring is empty, then send them in a random order;
 *         0 sends each at once.
 * @seed:  the order's seed.
 */
void vstor_host_reorder(struct vstor_host *h, u32 batch, u32 seed)
{
	prandom_seed_state(&h->rnd, seed);
	WRITE_ONCE(h->reorder, min_t(u32, batch, VSTOR_HOST_MAX_HELD));
}
EXPORT_SYMBOL_GPL(vstor_host_reorder);

/**
 * vstor_host_stall() - stop reading for a while, now and then.
 * @h:     the model.
 * @every: stall after this many SRBs; 0 never.
 * @ms:    for this long.
 */
void vstor_host_stall(struct vstor_host *h, u32 every, u32 ms)
{
	WRITE_ONCE(h->stall_ms, ms);
	WRITE_ONCE(h->stall_every, every);
}
EXPORT_SYMBOL_GPL(vstor_host_stall);

/**
 * vstor_host_hold() - hold every SRB's completion, or send those held.
 * @h:    the model.
 * @hold: true: from now on hold; false: send what is held and go on.
 */
void vstor_host_hold(struct vstor_host *h, bool hold)
{
	WRITE_ONCE(h->hold, hold);
	if (!hold)
		queue_delayed_work(system_wq, &h->work, 0);
}
EXPORT_SYMBOL_GPL(vstor_host_hold);

/**
 * vstor_host_silence() - read every packet from now on and answer none,
 * as a host that has gone away without a rescind yet.
 * @h:      the model.
 * @silent: true to stop answering.
 */
void vstor_host_silence(struct vstor_host *h, bool silent)
{
	WRITE_ONCE(h->silent, silent);
}
EXPORT_SYMBOL_GPL(vstor_host_silence);

/**
 * vstor_host_held() - completions held now.
 * @h: the model.
 *
 * Return: how many.
 */
u32 vstor_host_held(struct vstor_host *h)
{
	return READ_ONCE(h->nheld);
}
EXPORT_SYMBOL_GPL(vstor_host_held);

/**
 * vstor_host_wait_held() - wait until @n completions are held.
 * @h:          the model, holding.
 * @n:          how many.
 * @timeout_ms: the longest wait.
 *
 * Context: process context; sleeps.
 * Return: true if they were.
 */
bool vstor_host_wait_held(struct vstor_host *h, u32 n, u32 timeout_ms)
{
	return wait_event_timeout(h->wq, READ_ONCE(h->nheld) >= n,
				  msecs_to_jiffies(timeout_ms)) > 0;
}
EXPORT_SYMBOL_GPL(vstor_host_wait_held);

/**
 * vstor_host_fail_next() - fail the next READ/WRITEs with sense data.
 * @h:   the model.
 * @n:   how many.
 * @key: the sense key (VSTOR_KEY_*).
 * @asc: the additional sense code.
 */
void vstor_host_fail_next(struct vstor_host *h, u32 n, u8 key, u8 asc)
{
	WRITE_ONCE(h->fail_key, key);
	WRITE_ONCE(h->fail_asc, asc);
	WRITE_ONCE(h->fail_next, n);
}
EXPORT_SYMBOL_GPL(vstor_host_fail_next);

/**
 * vstor_host_enumerate_bus() - tell the guest the LUNs changed, as
 * storvsp does after a disk is attached or removed.
 * @h: the model, after the handshake.
 *
 * Context: process context.
 * Return: as simhost_write_inband().
 */
int vstor_host_enumerate_bus(struct vstor_host *h)
{
	struct vstor_packet msg = { .operation = VSTOR_OP_ENUMERATE_BUS };

	return simhost_write_inband(h->sh, VM_PKT_DATA_INBAND, 0, 0, &msg,
				    VSTOR_PACKET_HDR_SIZE + h->request_size);
}
EXPORT_SYMBOL_GPL(vstor_host_enumerate_bus);

/**
 * vstor_host_flush() - wait until what the guest wrote so far is handled.
 * @h: the model.
 *
 * Context: process context; sleeps.
 */
void vstor_host_flush(struct vstor_host *h)
{
	mod_delayed_work(system_wq, &h->work, 0);
	flush_delayed_work(&h->work);
}
EXPORT_SYMBOL_GPL(vstor_host_flush);
