/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbkmcl internals: the channel object and its receive engine.
 *
 * Locking, said once:
 *  - vmb_channel.state_lock (mutex) serialises the lifecycle calls
 *    (Enable, Disable, Pause, Start, Cleanup) and guards @state, the
 *    init-time configuration and @vmbus.  State callbacks run under it.
 *  - vmb_rx.lock (spinlock, irqsave: Complete may come from any context)
 *    guards every vmb_rx field but the statistics and the batch counter,
 *    which only the runner touches.
 *  - The runner (the batch loop, deferred delivery) is exclusive per
 *    channel through vmb_rx.running, whatever context it was entered from,
 *    so a channel's packet callbacks never overlap.
 */
#ifndef _VMBKMCL_CHANNEL_H
#define _VMBKMCL_CHANNEL_H

#include <linux/hyperv.h>
#include <linux/kref.h>
#include <linux/lockdep.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

#include "backend.h"
#include "gpadl.h"
#include "send.h"

#define VMB_NAME_MAX			32
#define VMB_DEFAULT_MAX_PACKET_SIZE	PAGE_SIZE
#define VMB_DEFAULT_RING_PAGES		16
/* Both rings and their header pages: vmbus_alloc_ring() gets them in one
 * allocation, and order 10 (4 MiB) is the largest the x86 buddy allocator
 * hands out.
 */
#define VMB_MAX_RING_PAGES		1024
#define VMB_DEFAULT_QUOTA		32
/* Room for the VMBus descriptor and external-data ranges ahead of the
 * payload of an incoming packet.
 */
#define VMB_RX_HEADER_ROOM		512
/* Slots the runner reserves at once off the free list, so a batch takes
 * vmb_rx.lock once per this many packets rather than once per packet
 * (slots completed elsewhere it takes back all at once).
 */
#define VMB_RX_STASH			16
/* The ring's trailer after every packet: the previous read index. */
#define VMB_PKT_TRAILER			sizeof(u64)

enum vmb_channel_state {
	VMB_CHANNEL_ALLOCATED,	/* init setters allowed */
	VMB_CHANNEL_ENABLED,	/* open: started or paused */
	VMB_CHANNEL_DISABLED,	/* closed; may be enabled again */
	VMB_CHANNEL_WAITING,	/* enabled, its PnP target not yet open */
	VMB_CHANNEL_GONE,	/* cleaned up; only references keep it */
};

/* Why a drop happened; each has a counter. */
enum vmb_rx_drop {
	VMB_DROP_BAD_TYPE,
	VMB_DROP_BAD_OFFSET,
	VMB_DROP_OVERSIZE,
	VMB_DROP_BAD_XFER_PAGES,
	VMB_DROP_BAD_GPA_RANGES,
	VMB_DROP_UNEXPECTED_COMPLETION,
	VMB_DROP_NR
};

/**
 * struct vmb_rx_stats - receive counters, written only by the runner.
 * @packets:	ProcessPacket deliveries, first deliveries only.
 * @redelivered: ProcessPacket deliveries after DeferToPassive.
 * @batches:	ProcessingComplete calls.
 * @empty_wakeups: batch loops that found nothing to deliver (an interrupt
 *		that raced the end of the previous batch, or a kick).
 * @dropped:	packets dropped, per reason.
 * @stalls:	times delivery stopped with packets left (quota, pause).
 * @completions_sent: completion packets written to the ring.
 * @completions_parked: completions that had to wait for ring space.
 * @completions_lost: completions never sent (channel closed first).
 * @ring_corrupt: times the ring's framing could not be trusted.
 */
struct vmb_rx_stats {
	u64 packets;
	u64 redelivered;
	u64 batches;
	u64 empty_wakeups;
	u64 dropped[VMB_DROP_NR];
	u64 stalls;
	u64 completions_sent;
	u64 completions_parked;
	u64 completions_lost;
	u64 ring_corrupt;
};

/* Packets dropped for any reason. */
static inline u64 vmb_rx_total_drops(const struct vmb_rx_stats *st)
{
	u64 n = 0;
	int i;

	for (i = 0; i < VMB_DROP_NR; i++)
		n += st->dropped[i];
	return n;
}

/* Delivery runs only while no stop reason is set. */
#define VMB_RX_STOP_STARTING	BIT(0)	/* opened, Started not yet run */
#define VMB_RX_STOP_PAUSED	BIT(1)	/* VmbChannelPause */
#define VMB_RX_STOP_FAILED	BIT(2)	/* VmbChannelPacketFail */
#define VMB_RX_STOP_CLOSING	BIT(3)	/* VmbChannelDisable */
#define VMB_RX_STOP_CORRUPT	BIT(4)	/* ring framing broken */

enum vmb_rx_packet_state {
	VMB_RX_FREE,
	VMB_RX_DELIVERING,	/* reserved for a copy, or inside ProcessPacket */
	VMB_RX_RETIRED,		/* completed inside its ProcessPacket; the
				 * runner returns it to the pool
				 */
	VMB_RX_OUTSTANDING,	/* delivered, not completed */
	VMB_RX_DEFERRED,	/* waiting for passive redelivery */
	VMB_RX_PARKED,		/* completed; completion awaits ring space */
};

/**
 * struct vmb_rx_packet - one received packet: the VMBPACKETCOMPLETION.
 * @channel:	owner.
 * @node:	on the free, deferred or parked list.
 * @buf:	the packet, copied once out of the ring (an inband one's
 *		payload only, at @data_offset); valid until it is completed.
 * @data_offset: payload offset in @buf, noted as the packet is deferred.
 * @data_len:	payload bytes.
 * @flags:	ProcessPacket flags.
 * @trans_id:	the host's transaction id, echoed in the completion.
 * @completion_requested: the host asked for a completion.
 * @state:	enum vmb_rx_packet_state, under vmb_rx.lock; but the
 *		runner's own context may turn DELIVERING into RETIRED
 *		without it (see VmbChannelPacketComplete()), the runner
 *		turns DELIVERING into OUTSTANDING with cmpxchg(), which a
 *		completion on another CPU may beat, and a completion turns
 *		OUTSTANDING into FREE with cmpxchg() (vmb_rx_return()).
 * @deliverer:	the task context ProcessPacket runs in, while it does.
 * @completion_len: queued completion payload bytes, kept in @buf.
 * @tx_entry:	on the outbound queue while its completion waits there.
 * @returned:	on vmb_rx.returned, completed but not yet back in the pool,
 *		or on vmb_rx.stash or vmb_rx.recycle.
 */
struct vmb_rx_packet {
	struct vmb_channel *channel;
	struct list_head node;
	u8 *buf;
	u32 data_offset;
	u32 data_len;
	u32 flags;
	u64 trans_id;
	bool completion_requested;
	u8 state;
	struct task_struct *deliverer;
	u32 completion_len;
	struct vmb_tx_entry tx_entry;
	struct llist_node returned;
};

/**
 * struct vmb_rx - the receive engine of one channel.
 * @lock:	see the top of this file.
 * @slots:	the packet pool, sized at Enable; no allocation per packet.
 * @nslots:	pool size.
 * @buffers:	one @buf_size buffer per slot.
 * @buf_size:	largest incoming packet, descriptor included; also the
 *		inbound copy buffer size the channel is opened with.
 * @free:	free slots.
 * @returned:	slots completed outside ProcessPacket without the lock
 *		(vmb_rx_return()), still counted as taken and held until
 *		whoever next holds the lock and needs slots or the counts
 *		puts them on @free (vmb_rx_reap_locked()).  Lock-free.
 * @recycle:	slots taken off @returned under the lock, or left in the
 *		runner's @stash at the end of a batch, and neither reused
 *		nor reaped yet, still counted as taken and held: the
 *		runner's stash refills from here first.  Under the lock.
 * @deferred:	packets awaiting passive redelivery, in deferral order.
 * @taken:	slots out of the pool, parked completions included.
 * @held:	slots the client owns (delivering, outstanding, deferred).
 * @quota:	VmbChannelSetTransactionQuota; the pool caps it.
 * @stop:	VMB_RX_STOP_* reasons.
 * @running:	the runner is active.
 * @shut:	the rings are closing or closed: nothing schedules the runner.
 * @rerun:	a kick arrived while it was.
 * @stalled:	the last batch stopped with packets left in the ring.
 * @waiters:	tasks in vmb_rx_wait(), under the lock: a completion that
 *		returns a slot without the lock wakes @idle only then.
 * @passive:	deliver at process context.
 * @work:	process-context runner: deferred packets, passive batches.
 * @idle:	woken when the runner stops or a slot is freed.
 * @batch_count: ProcessPacket calls since the last ProcessingComplete.
 * @stash:	slots the runner reserved for the batch's next copies, a
 *		chain through @returned, counted as taken and held and
 *		VMB_RX_FREE until used; the runner's alone, and empty
 *		whenever the runner is not in a batch.
 * @direct_sent: completions written to the ring at once, under
 *		vmb_tx.lock (not this lock), added to
 *		@stats.completions_sent in a snapshot.
 * @stats:	counters.
 * @ext:	per-slot external-data MDL pools (rx_external.c), by slot.
 */
struct vmb_rx {
	spinlock_t lock;	/* the rest, but see the list above */
	struct vmb_rx_packet *slots;
	u32 nslots;
	u8 *buffers;
	u32 buf_size;
	struct list_head free;
	struct llist_head returned;
	struct llist_node *recycle;
	struct list_head deferred;
	u32 taken;
	u32 held;
	u32 quota;
	unsigned int stop;
	bool running;
	bool shut;
	bool rerun;
	bool stalled;
	bool passive;
	u32 waiters;
	struct work_struct work;
	wait_queue_head_t idle;
	u32 batch_count;
	struct llist_node *stash;
	u64 direct_sent;
	struct vmb_rx_stats stats;
	struct vmb_rx_ext *ext;
};

/**
 * struct vmb_channel - a KMCL channel: the VMBCHANNEL.
 * @device:	the parent hv_device.
 * @ops:	backend, chosen at Allocate.
 * @vmbus:	the open Linux channel, NULL unless enabled.
 * @state_lock:	see the top of this file.
 * @state_key:	@state_lock's lockdep class, one per channel: a state
 *		callback of one channel may take another's lock (allocate,
 *		enable, clean it up), and lockdep should check the order of
 *		those two channels, not see one class taken recursively.
 * @state:	enum vmb_channel_state.
 * @pause_on_enable: VmbChannelPause before Enable: enable paused.
 * @process_packet: ProcessPacket callback.
 * @processing_complete: ProcessingComplete callback, may be NULL.
 * @callbacks:	state-change callbacks, copied.
 * @max_packet_size: VmbChannelInitSetMaximumPacketSize.
 * @max_external_data: VmbChannelInitSetMaximumExternalData DataSize.
 * @max_external_chain: ... ChainLength.
 * @client_context_size: VmbChannelInitSetClientContextSize (recorded).
 * @in_ring_pages: inbound data pages.
 * @out_ring_pages: outbound data pages.
 * @pointer:	VmbChannelSetPointer.
 * @interrupt_latency: VmbChannelSetInterruptLatency, 100 ns units.
 * @name:	friendly name, ASCII.
 * @rx:		receive engine.
 * @tx:		send engine.
 * @node:	on the list of all channels, to find a device's.
 * @ref:	the list's reference and a device walk's (channel.c).
 * @walk:	the last device walk that visited it, under the list lock.
 * @claimed:	it holds its device's primary channel open (or opening),
 *		under the list lock: a device has one such channel.
 * @debugfs:	its debugfs directory, from the first Enable.
 * @reopen:	closed for hibernation: enable again on resume.
 * @gpadls:	GPADLs created on the channel (gpadl.h).
 * @target:	VmbClientChannelInitSetTargetPnp's target, or NULL
 *		(target_pnp.c).
 */
struct vmb_channel {
	struct hv_device *device;
	const struct vmbkmcl_backend_ops *ops;
	struct vmbus_channel *vmbus;
	struct mutex state_lock;	/* lifecycle calls and callbacks */
	struct lock_class_key state_key;
	enum vmb_channel_state state;
	bool pause_on_enable;
	PFN_VMB_CHANNEL_PROCESS_PACKET process_packet;
	PFN_VMB_CHANNEL_PROCESSING_COMPLETE processing_complete;
	VMB_CHANNEL_STATE_CHANGE_CALLBACKS callbacks;
	u32 max_packet_size;
	u32 max_external_data;
	u32 max_external_chain;
	u32 client_context_size;
	u32 in_ring_pages;
	u32 out_ring_pages;
	void *pointer;
	u16 interrupt_latency;
	char name[VMB_NAME_MAX];
	struct vmb_rx rx;
	struct vmb_tx tx;
	struct list_head node;
	struct kref ref;
	u32 walk;
	bool claimed;
	bool reopen;
	struct dentry *debugfs;
	struct vmb_gpadls gpadls;
	struct vmb_target *target;
};

/*
 * Does the runner have queue work: entries queued, or a threshold to
 * disarm?  Read without the lock on every run, so an idle channel costs
 * no lock, no call and no look at the outbound ring; an entry queued
 * meanwhile arms the threshold and kicks, or the host's interrupt comes.
 */
static inline bool vmb_tx_drain_pending(struct vmb_channel *c)
{
	return READ_ONCE(c->tx.queued) || READ_ONCE(c->tx.armed);
}

/*
 * The outbound FIFO's helpers every send and every completion calls,
 * inline (outbound.c has the rest).
 */

/* pending_send_sz for a packet of @pktlen bytes, descriptor included: the
 * padded packet and its trailer, plus one 8-byte unit, as the ring wants
 * strictly more room than it writes (full would look empty) and the host
 * signals as soon as free space reaches pending_send_sz.
 */
static inline u32 vmb_out_space(u32 pktlen)
{
	return ALIGN(pktlen, sizeof(u64)) + VMB_PKT_TRAILER + sizeof(u64);
}

/* Can an entry needing @space ever be written?  The ring's data area is
 * what vmbus_open() gets, less its header; fixed from the first Enable.
 */
static inline bool vmb_out_fits(struct vmb_channel *c, u32 space)
{
	return space <= c->out_ring_pages << PAGE_SHIFT;
}

/* Tell a backend that watches writes about one.  @ch is the open
 * vmbus_channel, read under vmb_tx.lock with the write: a close may clear
 * @c->vmbus once the lock is dropped.
 */
static __always_inline void vmb_out_notify(struct vmb_channel *c,
					   struct vmbus_channel *ch)
{
	void (*notify)(struct vmbus_channel *chan) = READ_ONCE(c->ops->notify);

	if (notify)
		notify(ch);
}

/* The same after a direct write, under rcu_read_lock(): a close clears
 * @c->vmbus only a grace period after it stopped direct writes, so it is
 * read again here, not kept across the write.
 */
static __always_inline void vmb_out_notify_direct(struct vmb_channel *c)
{
	void (*notify)(struct vmbus_channel *chan) = READ_ONCE(c->ops->notify);

	if (notify)
		notify(c->vmbus);
}

/*
 * vmbus_sendpacket() without its frame: it only calls this, exported on
 * 6.1 and 6.12 alike, with no transaction id to hand back.
 */
static __always_inline int vmb_ring_write(struct vmbus_channel *ch,
					  const void *buf, u32 len, u64 id,
					  u16 type, u16 flags)
{
	return vmbus_sendpacket_getid(ch, (void *)buf, len, id, NULL, type,
				      flags);
}

/* May a direct write go ahead?  Under rcu_read_lock(). */
static __always_inline bool vmb_out_direct_ok(struct vmb_tx *tx)
{
	/* One load for both halves: it pairs with the release of
	 * @no_direct in vmb_tx_update_direct_locked() (@c->vmbus is set)
	 * and with that of @queued in vmb_tx_drain().  A mixed-size read,
	 * as qspinlock's: each half reads as some value its writer stored.
	 */
	return likely(!smp_load_acquire(&tx->gate));
}

/*
 * The direct write (send.h): @buf to the ring without vmb_tx.lock, if the
 * channel is open and nothing is queued; 0, -EAGAIN (nothing written:
 * the locked path decides) or an errno.  Nothing queued means nothing to
 * overtake: an entry made after another queued, by the same thread or
 * after hearing of it, reads @queued non-zero, and the drain lowers
 * @queued only after the entry's write.  Writes racing with nothing
 * queued have no order between them but the ring's lock.  A close sets
 * @no_direct and waits for a grace period before it touches the ring, so
 * @c->vmbus and its rings live while this runs.
 */
static __always_inline int vmb_out_write_direct(struct vmb_channel *c,
						const void *buf, u32 len,
						u64 id, u16 type, u16 flags)
{
	struct vmb_tx *tx = &c->tx;
	int ret = -EAGAIN;

	rcu_read_lock();
	if (vmb_out_direct_ok(tx)) {
		ret = vmb_ring_write(c->vmbus, buf, len, id, type, flags);
		if (likely(!ret))
			vmb_out_notify_direct(c);
	}
	rcu_read_unlock();
	return ret;
}

/* Must a new entry queue behind others?  True while anything waits. */
static inline bool vmb_out_busy_locked(struct vmb_channel *c)
{
	lockdep_assert_held(&c->tx.lock);
	return !list_empty(&c->tx.queue);
}

/* receive.c */
void vmb_rx_interrupt(void *context);

/* rx_control.c */
void vmb_rx_init(struct vmb_channel *c);
int vmb_rx_setup(struct vmb_channel *c);
void vmb_rx_shut(struct vmb_channel *c);
void vmb_rx_teardown(struct vmb_channel *c);
void vmb_rx_cleanup(struct vmb_channel *c);
void vmb_rx_stop(struct vmb_channel *c, unsigned int reason);
void vmb_rx_resume(struct vmb_channel *c, unsigned int reasons);
void vmb_rx_wait_idle(struct vmb_channel *c);
bool vmb_rx_wait_released(struct vmb_channel *c, unsigned long timeout);
void vmbkmcl_channel_rx_stats(VMBCHANNEL Channel, struct vmb_rx_stats *stats);
void vmbkmcl_channel_rx_slots(VMBCHANNEL Channel, u32 *held, u32 *taken);

/* ntstatus.c: the exported mapping, under vmbkmcl's internal name. */
static inline NTSTATUS vmb_errno_to_status(int err)
{
	return vmbkmcl_errno_to_status(err);
}

/* Why a device's channels are closed under it (vmb_device_close_channels). */
enum vmb_close_reason {
	VMB_CLOSE_RESCIND,	/* the host took the device away */
	VMB_CLOSE_HIBERNATE,	/* reopened by vmb_device_reopen_channels() */
	VMB_CLOSE_LEFT_OPEN,	/* the client's remove left them enabled */
};

/* channel.c */
void vmb_channel_put(struct vmb_channel *c);
bool vmb_init_begin(struct vmb_channel *c);
NTSTATUS vmb_init_end(struct vmb_channel *c, NTSTATUS status);
NTSTATUS vmb_channel_enable_locked(struct vmb_channel *c);
void vmb_device_close_channels(struct hv_device *dev,
			       enum vmb_close_reason why);
void vmb_device_reopen_channels(struct hv_device *dev);
void vmb_device_visit_channels(struct hv_device *dev, void (*fn)(struct vmb_channel *c));

unsigned int vmbkmcl_set_removal_timeout(unsigned int ms);

/* target_pnp.c */
struct vmb_target;
NTSTATUS vmb_target_enable_locked(struct vmb_channel *c);
void vmb_target_cancel_locked(struct vmb_channel *c);
void vmb_target_closed_locked(struct vmb_channel *c, bool reopen);
void vmb_target_free(struct vmb_channel *c);
bool vmb_target_instance(struct vmb_channel *c, guid_t *instance);
void vmb_target_exit(void);
unsigned int vmbkmcl_target_wait_ms(unsigned int ms);

/* driver.c */
void vmbkmcl_driver_exit(void);

/* debugfs.c */
void vmb_debugfs_init(void);
void vmb_debugfs_exit(void);
void vmb_debugfs_add_channel(struct vmb_channel *c);
void vmb_debugfs_remove_channel(struct vmb_channel *c);
struct seq_file;
void vmb_channel_show_stats(struct seq_file *m, struct vmb_channel *c);
void vmb_channel_show_state(struct seq_file *m, struct vmb_channel *c);

#endif /* _VMBKMCL_CHANNEL_H */
