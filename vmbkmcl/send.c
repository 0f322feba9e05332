// SPDX-License-Identifier: GPL-2.0
/*
 * Sending: packet objects, VmbPacketSend and the completion of sends.
 *
 * Ownership, said once (Documentation/send.rst says it for porters):
 *  - VmbPacketSend* returning a failure status did nothing: no completion
 *    routine will run, and the caller still owns the packet.
 *  - Returning STATUS_SUCCESS hands the packet to vmbkmcl until its
 *    completion routine runs, exactly once: when the host completes it
 *    (WAIT_FOR_COMPLETION), when it is on the ring (otherwise), or with
 *    STATUS_DEVICE_REMOVED / STATUS_CANCELLED if neither can happen.
 *  - The inline data is written to the ring straight from the caller's
 *    buffer when the send goes out at once, and copied into the packet
 *    only when it must queue; either way before VmbPacketSend* returns,
 *    so the caller's buffer may be reused at once and a queued send owns
 *    its bytes.
 *
 * A packet's state (enum vmb_packet_state) changes under vmb_tx.lock,
 * except where its transaction slot makes it one party's alone (xact.c):
 * a send that waits, written directly, and the completion, cancel or
 * close that claims it.  A completion from the host is honoured only for
 * a packet that is on the ring and waiting: the host cannot complete a
 * packet still queued, whatever id it guesses.  Once a send that waits is
 * armed, its sender touches it no more unless it claims it back.
 */
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "channel.h"
#include "external.h"
#include "receive.h"
#include "send.h"
#include "trace.h"
#include "fault.h"
#include "verifier.h"

static u32 vmb_packet_size(struct vmb_channel *c)
{
	return sizeof(struct vmb_packet) + VMB_TX_DESC_ROOM +
	       ALIGN(c->max_packet_size, sizeof(u64));
}

/**
 * vmb_tx_init() - initialise the send engine of a new channel.
 * @c: the channel.
 */
void vmb_tx_init(struct vmb_channel *c)
{
	spin_lock_init(&c->tx.lock);
	INIT_LIST_HEAD(&c->tx.queue);
	INIT_LIST_HEAD(&c->tx.pool);
	c->tx.no_direct = 1;	/* not open */
	c->tx.pool_size = VMB_TX_POOL_SIZE;
	c->tx.pool_max = VMB_TX_POOL_MAX;
}

/**
 * vmb_tx_setup() - allocate the packet pool and transaction table, once.
 * @c: the channel, being enabled.
 *
 * They live until VmbChannelCleanup, so packets the client still holds
 * across Disable and Enable stay valid.
 *
 * Context: process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int vmb_tx_setup(struct vmb_channel *c)
{
	struct vmb_tx *tx = &c->tx;
	u32 i;

	might_sleep();
	if (tx->pool_mem)
		return 0;
	/* Every packet the pool may hand out can await a completion. */
	if (vmb_xact_init(&tx->xacts, max_t(u32, VMB_XACT_TABLE_SIZE,
					    tx->pool_max)))
		return -ENOMEM;
	tx->direct_count = alloc_percpu(struct vmb_tx_direct);
	if (!tx->direct_count) {
		vmb_xact_destroy(&tx->xacts);
		return -ENOMEM;
	}
	tx->packet_size = vmb_packet_size(c);
	tx->pool_mem = vmb_kvcalloc(tx->pool_size, tx->packet_size, GFP_KERNEL);
	if (!tx->pool_mem) {
		free_percpu(tx->direct_count);
		tx->direct_count = NULL;
		vmb_xact_destroy(&tx->xacts);
		return -ENOMEM;
	}
	tx->pool_out = tx->pool_size;
	tx->pool_free = tx->pool_size;
	for (i = 0; i < tx->pool_size; i++) {
		struct vmb_packet *p = (void *)(tx->pool_mem +
						(size_t)i * tx->packet_size);

		p->channel = c;
		p->pooled = true;
		INIT_LIST_HEAD(&p->entry.node);
		list_add_tail(&p->pool_node, &tx->pool);
	}
	return 0;
}

/* Free the grown packets on the pool; the rest is pool_mem. */
static void vmb_tx_free_grown(struct vmb_channel *c)
{
	struct vmb_packet *p, *tmp;

	list_for_each_entry_safe(p, tmp, &c->tx.pool, pool_node) {
		if (!p->grown)
			continue;
		list_del(&p->pool_node);
		c->tx.pool_out--;
		kfree(p);
	}
	if (c->tx.pool_out != c->tx.pool_size)
		pr_err("vmbkmcl: %s: cleaned up with %u packets not freed\n",
		       c->name, c->tx.pool_out - c->tx.pool_size);
}

/*
 * May sends skip vmb_tx.lock (vmb_tx_write_direct())?  Released after
 * @c->vmbus is set, for the acquire there.
 */
static void vmb_tx_update_direct_locked(struct vmb_tx *tx)
{
	lockdep_assert_held(&tx->lock);
	/* Pairs with the acquire in vmb_out_direct_ok(). */
	smp_store_release(&tx->no_direct, !tx->open || tx->removed);
}

/**
 * vmb_tx_teardown() - free the pool and table at Cleanup.
 * @c: a channel that is not enabled.
 *
 * Sends still queued for an open that will not come end with
 * STATUS_CANCELLED first, once each.
 */
void vmb_tx_teardown(struct vmb_channel *c)
{
	struct vmb_tx_direct __percpu *count;
	unsigned long flags;

	if (!c->tx.pool_mem)
		return;
	spin_lock_irqsave(&c->tx.lock, flags);
	c->tx.removed = true;	/* a routine resending fails at once */
	vmb_tx_update_direct_locked(&c->tx);
	spin_unlock_irqrestore(&c->tx.lock, flags);
	vmb_out_cancel(c, -ECANCELED, true);
	vmb_tx_free_grown(c);
	vmb_xact_destroy(&c->tx.xacts);
	/* A stats snapshot may be summing it. */
	spin_lock_irqsave(&c->tx.lock, flags);
	count = c->tx.direct_count;
	c->tx.direct_count = NULL;
	spin_unlock_irqrestore(&c->tx.lock, flags);
	free_percpu(count);
	kvfree(c->tx.pool_mem);
	c->tx.pool_mem = NULL;
}

/**
 * vmb_tx_set_open() - accept sends or refuse them.
 * @c:    the channel.
 * @open: the rings exist.
 *
 * Refusing waits out the direct writes already running, so the rings
 * may be closed once it returns.
 *
 * Context: process context when @open is false.
 */
void vmb_tx_set_open(struct vmb_channel *c, bool open)
{
	unsigned long flags;

	spin_lock_irqsave(&c->tx.lock, flags);
	c->tx.open = open;
	if (open)
		c->tx.removed = false;
	vmb_tx_update_direct_locked(&c->tx);
	spin_unlock_irqrestore(&c->tx.lock, flags);
	if (!open)
		synchronize_rcu();
}

static __always_inline void vmb_packet_finish(struct vmb_packet *p,
					      NTSTATUS status,
					      void *buf, u32 len)
{
	p->routine(p, status, buf, len);
}

/* Transactions awaiting the host end with STATUS_DEVICE_REMOVED. */
static void vmb_tx_end_transactions(struct vmb_channel *c)
{
	struct vmb_tx *tx = &c->tx;
	struct vmb_packet *p;
	unsigned long flags;

	while ((p = vmb_xact_take_armed(&tx->xacts))) {
		vmb_packet_set_idle(p);
		spin_lock_irqsave(&tx->lock, flags);
		tx->stats.cancelled++;
		spin_unlock_irqrestore(&tx->lock, flags);
		vmb_packet_finish(p, STATUS_DEVICE_REMOVED, NULL, 0);
	}
}

/**
 * vmb_tx_shutdown() - end what the close took away, after it.
 * @c: a channel whose rings are closed; no completion can arrive.
 *
 * Transactions awaiting the host complete with STATUS_DEVICE_REMOVED and
 * queued completions of received packets are lost; queued sends stay
 * queued for the next open.
 *
 * Context: process context.
 */
void vmb_tx_shutdown(struct vmb_channel *c)
{
	WRITE_ONCE(c->tx.armed, false);	/* the ring it was armed on is gone */
	vmb_out_cancel(c, -ENODEV, false);
	vmb_tx_end_transactions(c);
}

/**
 * vmb_tx_fail_all() - the device is gone: end every send now.
 * @c: the channel, open or not.
 *
 * hv_vmbus stops the channel callback before it removes a device, so no
 * completion will come: queued sends and transactions awaiting the host,
 * synchronous requests among them, end with STATUS_DEVICE_REMOVED before
 * the client is asked to suspend, and later sends fail at once.  Queued
 * completions of received packets are lost.
 *
 * Context: process context.
 */
void vmb_tx_fail_all(struct vmb_channel *c)
{
	unsigned long flags;

	spin_lock_irqsave(&c->tx.lock, flags);
	c->tx.removed = true;
	vmb_tx_update_direct_locked(&c->tx);
	spin_unlock_irqrestore(&c->tx.lock, flags);
	/* A direct send that waits, armed before it saw the removal, is
	 * on the ring (or taken back) once this returns, so the scan below
	 * finds it.
	 */
	synchronize_rcu();
	vmb_out_cancel(c, -ENODEV, true);
	vmb_tx_end_transactions(c);
}

/* --- the ring side, called by outbound.c under vmb_tx.lock --- */

/* vmb_packet_write(), inline in vmb_tx_submit(): every send runs it. */
static __always_inline int __vmb_packet_write(struct vmb_channel *c,
					      struct vmb_packet *p)
{
	bool waits = p->vmbus_flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
	bool was_queued = p->state == VMB_PACKET_QUEUED;
	u64 id = p->trans_id;
	u32 len = p->len;
	int ret;

	lockdep_assert_held(&c->tx.lock);
	/* Waiting and armed before the write: the completion may follow
	 * at once, and then @p is no longer ours to touch.
	 */
	if (waits) {
		WRITE_ONCE(p->state, VMB_PACKET_WAITING);
		vmb_xact_arm(vmb_xact_slot(&c->tx.xacts, id), id);
	} else {
		p->state = VMB_PACKET_IDLE;
	}
	if (p->type == VM_PKT_DATA_USING_GPA_DIRECT)
		ret = vmbus_sendpacket_mpb_desc(c->vmbus, (void *)p->data,
						p->desc_len, (void *)p->src,
						len, id);
	else
		ret = vmb_ring_write(c->vmbus, p->src, len,
				     waits ? id : p->reply_id,
				     VM_PKT_DATA_INBAND, p->vmbus_flags);
	if (ret && waits && !vmb_xact_claim(&c->tx.xacts, id)) {
		/* Claimed meanwhile: the host completed what it never
		 * saw.  Its word ends the send, as if written.
		 */
		ret = 0;
	} else if (ret == -EAGAIN) {
		p->state = VMB_PACKET_QUEUED;
	}
	if (!ret) {
		c->tx.stats.sent++;
		if (was_queued)
			trace_vmbkmcl_send_dequeued(c, id, len);
		else
			trace_vmbkmcl_send(c, id, len);
	}
	return ret;
}

/**
 * vmb_packet_write() - write a send to the ring.
 * @c: the channel.
 * @e: the packet's entry; once written, a send that waits is no longer
 *     the caller's to touch (vmb_packet_waits()).
 *
 * Context: under vmb_tx.lock.
 * Return: 0, -EAGAIN (ring full; nothing written) or another errno.
 */
int vmb_packet_write(struct vmb_channel *c, struct vmb_tx_entry *e)
{
	return __vmb_packet_write(c, container_of(e, struct vmb_packet, entry));
}

/**
 * vmb_packet_waits() - will a send be the host's once written, until it
 * completes?
 * @e: the packet's entry, not yet written.
 *
 * Such a packet must not be touched once written: its completion may
 * run, and free it, on another CPU.
 *
 * Return: true for a send that waits for its completion.
 */
bool vmb_packet_waits(struct vmb_tx_entry *e)
{
	return container_of(e, struct vmb_packet, entry)->vmbus_flags &
	       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
}

/*
 * Give up a transaction that never reached the host: its slot, if it
 * has one, is taken and not armed (or claimed back).
 */
static void vmb_packet_abort(struct vmb_channel *c, struct vmb_packet *p)
{
	if (p->trans_id)
		vmb_xact_free(&c->tx.xacts, p->trans_id);
	vmb_packet_set_idle(p);
}

/**
 * vmb_packet_done() - a queued send left the queue with e->result, and
 * is not waiting for a completion: its routine runs now.
 * @c: the channel.
 * @e: the packet's entry.
 *
 * Context: the runner, or process context at close; no lock held.
 */
void vmb_packet_done(struct vmb_channel *c, struct vmb_tx_entry *e)
{
	struct vmb_packet *p = container_of(e, struct vmb_packet, entry);
	unsigned long flags;

	if (!e->result) {
		vmb_packet_finish(p, STATUS_SUCCESS, NULL, 0);
		return;
	}
	spin_lock_irqsave(&c->tx.lock, flags);
	vmb_packet_abort(c, p);
	c->tx.stats.cancelled++;
	spin_unlock_irqrestore(&c->tx.lock, flags);
	vmb_packet_finish(p, vmb_errno_to_status(e->result), NULL, 0);
}

/*
 * The direct write of a send (send.h, vmb_out_write_direct()): @p waits
 * for no completion, so it has no transaction and no state to change.
 * @buf and @len are the inline bytes: @p notes them only for the locked
 * path.  Return: as vmb_out_write_direct().
 */
static __always_inline int vmb_tx_write_direct(struct vmb_packet *p,
					       const void *buf, u32 len)
{
	struct vmb_channel *c = p->channel;
	int ret;

	ret = vmb_out_write_direct(c, buf, len, p->reply_id,
				   VM_PKT_DATA_INBAND, 0);
	if (likely(!ret)) {
		this_cpu_inc(c->tx.direct_count->sends);
		/* Tested here: without jump labels gcc -Os makes the
		 * tracepoint's own test a call.
		 */
		if (trace_vmbkmcl_send_enabled())
			trace_vmbkmcl_send(c, 0, p->len);
	}
	return ret;
}

/* vmb_tx_submit() under vmb_tx.lock: everything but the direct write. */
static noinline NTSTATUS vmb_tx_submit_locked(struct vmb_packet *p,
					      unsigned int how)
{
	struct vmb_channel *c = p->channel;
	struct vmb_tx *tx = &c->tx;
	bool waits = p->vmbus_flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
	NTSTATUS status = STATUS_SUCCESS;
	bool written = false, kick = false;
	struct vmbus_channel *ch = NULL;
	unsigned long flags;
	int ret = -EAGAIN;

	/* No queue, no transaction table before the first Enable. */
	if (vmb_violated(!READ_ONCE(tx->pool_mem), VMB_RULE_SEND_NOT_OPEN,
			 c->name))
		return STATUS_INVALID_DEVICE_STATE;
	p->entry.rx = false;
	p->entry.space = vmb_out_space((p->desc_len ?:
					sizeof(struct vmpacket_descriptor)) + p->len);

	spin_lock_irqsave(&tx->lock, flags);
	p->trans_id = 0;
	if (waits) {
		if (!vmb_xact_take(&tx->xacts, p, &p->xslot)) {
			spin_unlock_irqrestore(&tx->lock, flags);
			return STATUS_INSUFFICIENT_RESOURCES;
		}
		p->trans_id = vmb_xact_id(p->xslot);
	}
	if (tx->removed)
		status = STATUS_DEVICE_REMOVED;
	else if (!tx->open && !(how & VMB_SUBMIT_QUEUE_CLOSED))
		status = STATUS_DEVICE_REMOVED;
	else if (!vmb_out_fits(c, p->entry.space))
		status = STATUS_INVALID_BUFFER_SIZE;
	else if (tx->open && !vmb_out_busy_locked(c))
		ret = __vmb_packet_write(c, p);
	if (NT_SUCCESS(status) && ret == -EAGAIN) {
		if (tx->open && !(how & VMB_SUBMIT_QUEUE_FULL)) {
			status = STATUS_BUFFER_OVERFLOW;
		} else if (tx->queued >= VMB_TX_QUEUE_MAX) {
			status = STATUS_DEVICE_BUSY;
		} else {
			/* The caller may reuse its buffer once we return;
			 * an external-data send built its bytes in place.
			 */
			if (p->src != p->data + p->desc_len) {
				memcpy(p->data + p->desc_len, p->src, p->len);
				p->src = p->data + p->desc_len;
			}
			p->state = VMB_PACKET_QUEUED;
			tx->stats.queued++;
			trace_vmbkmcl_send_queued(c, p->trans_id, p->len);
			kick = vmb_out_queue_locked(c, &p->entry);
		}
	} else if (NT_SUCCESS(status)) {
		written = !ret;
		ch = c->vmbus;
		if (ret)
			status = vmb_errno_to_status(ret);
	}
	if (!NT_SUCCESS(status))
		vmb_packet_abort(c, p);
	spin_unlock_irqrestore(&tx->lock, flags);

	if (kick)
		vmb_rx_kick(c);
	if (written)
		vmb_out_notify(c, ch);
	if (written && !waits)
		vmb_packet_finish(p, STATUS_SUCCESS, NULL, 0);
	return status;
}

/*
 * A send that waits for no completion: the direct write, else, when it
 * finds the ring full or something queued, the locked path.
 */
static __always_inline NTSTATUS vmb_tx_send_direct(struct vmb_packet *p,
						   const void *buf, u32 len,
						   unsigned int how)
{
	int ret = vmb_tx_write_direct(p, buf, len);

	if (likely(!ret)) {
		vmb_packet_finish(p, STATUS_SUCCESS, NULL, 0);
		return STATUS_SUCCESS;
	}
	if (ret != -EAGAIN)
		return vmb_errno_to_status(ret);
	return vmb_tx_submit_locked(p, how);
}

/**
 * vmb_tx_submit() - write @p now, or queue it.
 * @p:   a prepared packet: @p->src set, type and flags set; the bytes at
 *       @p->src are copied into the packet if it must queue.
 * @how: VMB_SUBMIT_*: whether it may queue behind a full ring
 *       (else STATUS_BUFFER_OVERFLOW), and while the channel is closed
 *       (else STATUS_DEVICE_REMOVED).
 *
 * A channel closed after its first Enable queues sends, as KMCL says of
 * sends after EvtChannelClosed: they go out in order when it is enabled
 * again, or end with a failure status at Cleanup or removal.
 *
 * Context: any context up to softirq.
 * Return: STATUS_SUCCESS (the routine will run once), or a failure with
 * nothing done.
 */
NTSTATUS vmb_tx_submit(struct vmb_packet *p, unsigned int how)
{
	if (!p->vmbus_flags && p->type == VM_PKT_DATA_INBAND)
		return vmb_tx_send_direct(p, p->src, p->len, how);
	return vmb_tx_submit_locked(p, how);
}

/**
 * vmb_tx_drop_completion() - a host completion named no armed send.
 * @c:   the channel.
 * @hdr: the completion's header.
 *
 * Context: the runner.
 */
void vmb_tx_drop_completion(struct vmb_channel *c,
			    const struct vmpacket_descriptor *hdr)
{
	c->tx.stats.bad_completions++;
	vmb_rx_count_drop(c, VMB_DROP_UNEXPECTED_COMPLETION, hdr);
}

/**
 * vmb_tx_cancel() - end a send before its completion, for a timeout.
 * @p: the packet.
 *
 * Return: true if it was cancelled: its routine will not run, and a late
 * completion will be dropped as stale; false if the routine has run or is
 * about to.
 */
bool vmb_tx_cancel(struct vmb_packet *p)
{
	struct vmb_channel *c = p->channel;
	bool cancelled = false;
	unsigned long flags;

	spin_lock_irqsave(&c->tx.lock, flags);
	switch (READ_ONCE(p->state)) {
	case VMB_PACKET_QUEUED:
		list_del_init(&p->entry.node);
		WRITE_ONCE(c->tx.queued, c->tx.queued - 1);
		cancelled = true;
		break;
	case VMB_PACKET_WAITING:
		/* Unless the completion claimed it first. */
		cancelled = vmb_xact_claim(&c->tx.xacts,
					   READ_ONCE(p->trans_id));
		break;
	}
	if (cancelled) {
		vmb_packet_abort(c, p);
		c->tx.stats.cancelled++;
	}
	spin_unlock_irqrestore(&c->tx.lock, flags);
	return cancelled;
}

/* --- packet objects --- */

/**
 * VmbChannelSizeofPacket() - bytes VmbPacketInitialize() needs.
 * @Channel: the channel; the size follows its maximum packet size.
 *
 * Return: the size in bytes.
 */
UINT32 VmbChannelSizeofPacket(VMBCHANNEL Channel)
{
	return vmb_packet_size(Channel);
}
EXPORT_SYMBOL_GPL(VmbChannelSizeofPacket);

static VOID vmb_packet_free_on_completion(VMBPACKET Packet, NTSTATUS Status,
					  PVOID Buffer, UINT32 BufferLength)
{
	VmbPacketFree(Packet);
}

static void vmb_packet_reset(struct vmb_packet *p,
			     PFN_VMB_PACKET_COMPLETION_ROUTINE routine)
{
	p->routine = routine;
	p->pointer = NULL;
	p->trans_id = 0;
	p->reply_id = 0;
	p->state = VMB_PACKET_IDLE;
}

/*
 * The pool is empty: allocate one more packet, unless @c already has
 * pool_max.  Atomic, as VmbPacketAllocate may be called in softirq or
 * under the caller's spinlock; and quiet, as NULL is a normal answer.
 */
static struct vmb_packet *vmb_packet_grow(struct vmb_channel *c)
{
	struct vmb_tx *tx = &c->tx;
	struct vmb_packet *p;
	unsigned long flags;
	bool room;

	spin_lock_irqsave(&tx->lock, flags);
	room = tx->pool_mem && tx->pool_out < tx->pool_max;
	if (room)
		tx->pool_out++;
	spin_unlock_irqrestore(&tx->lock, flags);
	if (!room)
		return NULL;
	p = vmb_kzalloc(tx->packet_size, GFP_ATOMIC | __GFP_NOWARN);
	if (!p) {
		spin_lock_irqsave(&tx->lock, flags);
		tx->pool_out--;
		spin_unlock_irqrestore(&tx->lock, flags);
		return NULL;
	}
	p->channel = c;
	p->pooled = true;
	p->grown = true;
	INIT_LIST_HEAD(&p->entry.node);
	INIT_LIST_HEAD(&p->pool_node);
	return p;
}

/**
 * VmbPacketAllocate() - take a packet from the channel's pool.
 * @Channel: an enabled (or once enabled) channel.
 *
 * The pool is made at the first Enable: 64 packets unless
 * vmbkmcl_channel_init_set_packet_pool() said otherwise.  When they are
 * all out it grows, one GFP_ATOMIC allocation per packet, up to 1024
 * packets out at once (or the port's maximum); a grown packet freed while
 * the pool holds its preallocated count again goes back to the
 * allocator.  Until another routine is set, the packet frees itself when
 * its send completes.
 *
 * Context: any context up to softirq.
 * Return: the packet, or NULL before the first Enable, with the maximum
 * out, or when an atomic allocation fails.
 */
VMBPACKET VmbPacketAllocate(VMBCHANNEL Channel)
{
	struct vmb_packet *p;
	unsigned long flags;

	spin_lock_irqsave(&Channel->tx.lock, flags);
	p = list_first_entry_or_null(&Channel->tx.pool, struct vmb_packet,
				     pool_node);
	if (p) {
		list_del_init(&p->pool_node);
		Channel->tx.pool_free--;
	}
	spin_unlock_irqrestore(&Channel->tx.lock, flags);
	if (!p)
		p = vmb_packet_grow(Channel);
	if (p)
		vmb_packet_reset(p, vmb_packet_free_on_completion);
	return p;
}
EXPORT_SYMBOL_GPL(VmbPacketAllocate);

/**
 * VmbPacketInitialize() - make a packet in the caller's memory.
 * @Channel:   the channel it will be sent on.
 * @VmbPacket: at least VmbChannelSizeofPacket() bytes, 8-byte aligned.
 * @ByteCount: its size.
 *
 * The packet has no completion routine; one must be set before sending.
 * It needs no freeing beyond the caller's own.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_1/2 for NULL or a
 * misaligned packet, STATUS_INVALID_PARAMETER_3 for too small a size.
 */
NTSTATUS VmbPacketInitialize(VMBCHANNEL Channel, VMBPACKET VmbPacket,
			     UINT32 ByteCount)
{
	if (!Channel)
		return STATUS_INVALID_PARAMETER_1;
	if (!VmbPacket || !IS_ALIGNED((unsigned long)VmbPacket, sizeof(u64)))
		return STATUS_INVALID_PARAMETER_2;
	if (ByteCount < vmb_packet_size(Channel))
		return STATUS_INVALID_PARAMETER_3;
	memset(VmbPacket, 0, sizeof(*VmbPacket));
	VmbPacket->channel = Channel;
	INIT_LIST_HEAD(&VmbPacket->entry.node);
	INIT_LIST_HEAD(&VmbPacket->pool_node);
	vmb_packet_reset(VmbPacket, NULL);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_GPL(VmbPacketInitialize);

/**
 * VmbPacketFree() - return a packet to its channel's pool.
 * @VmbPacket: a packet from VmbPacketAllocate(), not in flight; one from
 *             VmbPacketInitialize() is left to its owner.  NULL is ignored.
 *
 * Context: any context up to softirq.
 */
void VmbPacketFree(VMBPACKET VmbPacket)
{
	struct vmb_channel *c;
	unsigned long flags;

	if (!VmbPacket || !VmbPacket->pooled)
		return;
	c = VmbPacket->channel;
	if (vmb_violated(VmbPacket->state != VMB_PACKET_IDLE,
			 VMB_RULE_FREE_IN_FLIGHT, c->name))
		return;
	spin_lock_irqsave(&c->tx.lock, flags);
	/* A grown packet the pool does not need goes back to the allocator. */
	if (VmbPacket->grown && c->tx.pool_free >= c->tx.pool_size) {
		c->tx.pool_out--;
		spin_unlock_irqrestore(&c->tx.lock, flags);
		kfree(VmbPacket);
		return;
	}
	list_add(&VmbPacket->pool_node, &c->tx.pool);
	c->tx.pool_free++;
	spin_unlock_irqrestore(&c->tx.lock, flags);
}
EXPORT_SYMBOL_GPL(VmbPacketFree);

/**
 * VmbPacketSetCompletionRoutine() - set what runs when the send ends.
 * @PacketObject:      the packet, not in flight.
 * @CompletionRoutine: runs once per successful VmbPacketSend*, in softirq
 *                     or process context; Buffer is the host's reply,
 *                     valid during the call only.  Replacing the default
 *                     makes the caller responsible for VmbPacketFree().
 */
void VmbPacketSetCompletionRoutine(VMBPACKET PacketObject,
				   PFN_VMB_PACKET_COMPLETION_ROUTINE CompletionRoutine)
{
	PacketObject->routine = CompletionRoutine;
}
EXPORT_SYMBOL_GPL(VmbPacketSetCompletionRoutine);

/**
 * VmbPacketSetPointer() - store the driver's pointer on a packet.
 * @PacketObject: the packet.
 * @Pointer:      any value; NULL after Allocate or Initialize.
 */
void VmbPacketSetPointer(VMBPACKET PacketObject, PVOID Pointer)
{
	PacketObject->pointer = Pointer;
}
EXPORT_SYMBOL_GPL(VmbPacketSetPointer);

/**
 * VmbPacketGetPointer() - read the driver's pointer.
 * @PacketObject: the packet.
 *
 * Return: what VmbPacketSetPointer() stored, or NULL.
 */
PVOID VmbPacketGetPointer(VMBPACKET PacketObject)
{
	return PacketObject->pointer;
}
EXPORT_SYMBOL_GPL(VmbPacketGetPointer);

/**
 * vmbkmcl_packet_set_reply_id() - answer a received request by its id.
 * @PacketObject:  a packet, not in flight.
 * @TransactionId: the request's VMBus transaction id
 *                 (vmbkmcl_packet_transaction_id()), or 0.
 *
 * Its sends without VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION carry
 * @TransactionId, until it is set again or the packet is reallocated: a
 * reply that is an ordinary inband packet, as Hyper-V's integration
 * components expect (Linux's hv_utils and FreeBSD's vmbus_ic_sendresp()
 * echo the request's id; 0 is for unsolicited messages).  A send that
 * waits for a completion always carries an id of vmbkmcl's own.  A
 * vmbkmcl extension: KMCL V1 does not expose transaction ids.
 */
void vmbkmcl_packet_set_reply_id(VMBPACKET PacketObject, UINT64 TransactionId)
{
	PacketObject->reply_id = TransactionId;
}
EXPORT_SYMBOL_GPL(vmbkmcl_packet_set_reply_id);

/**
 * VmbPacketGetChannel() - the channel a packet belongs to.
 * @PacketObject: the packet.
 *
 * Return: its channel.
 */
VMBCHANNEL VmbPacketGetChannel(VMBPACKET PacketObject)
{
	return PacketObject->channel;
}
EXPORT_SYMBOL_GPL(VmbPacketGetChannel);

/* vmb_packet_prepare()'s checks, inline in VmbPacketSend(). */
static __always_inline NTSTATUS vmb_packet_check(struct vmb_packet *p,
						 const void *buf, u32 len,
						 u32 flags)
{
	const u32 known = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION |
			  VMBUS_CHANNEL_FORMAT_FLAG_PAGED_BUFFER |
			  VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH;

	if (!p || !p->routine)
		return STATUS_INVALID_PARAMETER_1;
	/* @buf first: set on nearly every send, it settles the test. */
	if (!buf && len)
		return STATUS_INVALID_PARAMETER_2;
	if (len > p->channel->max_packet_size)
		return STATUS_INVALID_PARAMETER_3;
	if (flags & ~known)
		return STATUS_INVALID_PARAMETER;
	/* Racing only the client's own misuse: a completion sets IDLE
	 * before the routine that hands the packet back runs.
	 */
	if (data_race(p->state) != VMB_PACKET_IDLE)
		return STATUS_INVALID_DEVICE_STATE;
	return STATUS_SUCCESS;
}

/* vmb_packet_prepare()'s notes, for the locked path. */
static __always_inline void vmb_packet_note(struct vmb_packet *p,
					    const void *buf, u32 len,
					    u32 flags)
{
	p->src = buf;
	p->len = len;
	p->desc_len = 0;
	p->type = VM_PKT_DATA_INBAND;
	p->vmbus_flags = flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION ?
			 VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED : 0;
}

/*
 * VmbPacketSend() of a checked packet that waits for no completion: the
 * direct write, else the locked path.  A call of its own, so a send that
 * waits pays none of its frame.
 */
static noinline NTSTATUS vmb_packet_send_direct(struct vmb_packet *p,
						const void *buf, u32 len)
{
	/* Noted first, so nothing but @p lives across the write. */
	vmb_packet_note(p, buf, len, 0);
	return vmb_tx_send_direct(p, buf, len, VMB_SUBMIT_QUEUE);
}

/*
 * VmbPacketSend() of a checked packet that waits for its completion:
 * while the channel is open and nothing is queued, a slot, the id and
 * the write without vmb_tx.lock (xact.c); else, or when the ring is
 * full or the table empty, the general path.
 */
static noinline NTSTATUS vmb_packet_send_waiting(struct vmb_packet *p,
						 const void *buf, u32 len)
{
	struct vmb_channel *c = p->channel;
	struct vmb_xact_table *t = &c->tx.xacts;
	struct vmb_xact_slot *s;
	int ret = -EAGAIN;
	u64 id;

	/* A close waits for this section before it ends transactions. */
	rcu_read_lock();
	if (vmb_out_direct_ok(&c->tx)) {
		if (likely(vmb_xact_take(t, p, &p->xslot))) {
			s = p->xslot;
			id = vmb_xact_id(s);
			p->trans_id = id;
			WRITE_ONCE(p->state, VMB_PACKET_WAITING);
			vmb_xact_arm(s, id);
			/* @p is the host's now: its completion may run at
			 * once, on another CPU.
			 */
			ret = vmb_ring_write(c->vmbus, buf, len, id,
					     VM_PKT_DATA_INBAND,
					     VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
			if (likely(!ret)) {
				vmb_out_notify_direct(c);
				this_cpu_inc(c->tx.direct_count->sends);
				/* See vmb_tx_write_direct(). */
				if (trace_vmbkmcl_send_enabled())
					trace_vmbkmcl_send(c, id, len);
			} else if (vmb_xact_claim(t, id)) {
				vmb_packet_abort(c, p);
			} else {
				/* The host completed what it never saw. */
				ret = 0;
			}
		}
	}
	rcu_read_unlock();
	if (likely(!ret))
		return STATUS_SUCCESS;
	if (ret != -EAGAIN)
		return vmb_errno_to_status(ret);
	vmb_packet_note(p, buf, len,
			VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION);
	return vmb_tx_submit_locked(p, VMB_SUBMIT_QUEUE);
}

/**
 * vmb_packet_prepare() - check a send's arguments and note its data.
 * @p:     the packet.
 * @buf:   inline data; read by vmb_tx_submit(), which writes it to the
 *         ring or copies it into the packet before returning.
 * @len:   inline bytes, at most the channel's maximum packet size.
 * @flags: VMBUS_CHANNEL_FORMAT_FLAG_*.
 *
 * Return: STATUS_SUCCESS or the failure VmbPacketSend* returns.
 */
NTSTATUS vmb_packet_prepare(struct vmb_packet *p, const void *buf, u32 len,
			    u32 flags)
{
	NTSTATUS status = vmb_packet_check(p, buf, len, flags);

	if (NT_SUCCESS(status))
		vmb_packet_note(p, buf, len, flags);
	return status;
}

/**
 * VmbPacketSend() - send a packet, queueing it if the ring is full.
 * @PacketObject:    the packet, not in flight, with a completion routine.
 * @Buffer:          inline data, on the ring or copied into the packet
 *                   before this returns.
 * @BufferLength:    bytes, at most the channel's maximum packet size.
 * @ExternalDataMdl: optional external data, sent by reference as for
 *                   VmbPacketSendWithExternalMdl() (whole chain), which
 *                   then requires WAIT_FOR_COMPLETION.
 * @Flags:           VMBUS_CHANNEL_FORMAT_FLAG_*; WAIT_FOR_COMPLETION asks
 *                   the host for a completion.
 *
 * On success the completion routine runs exactly once: with the host's
 * reply (WAIT_FOR_COMPLETION), once the packet is on the ring (otherwise),
 * with STATUS_DEVICE_REMOVED if the channel closes while the host owes
 * the completion or the device is rescinded, or with STATUS_CANCELLED if
 * it is still queued at Cleanup.  On a channel closed after its first
 * Enable the send queues and goes out when the channel opens again.  On
 * failure the routine does not run and the caller keeps the packet.
 *
 * Context: any context up to softirq.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1/2/3 for a bad packet,
 * buffer or length; STATUS_INVALID_PARAMETER for unknown flags;
 * STATUS_INVALID_DEVICE_STATE for a packet in flight or a channel never
 * enabled; STATUS_INVALID_BUFFER_SIZE for a packet the outbound ring
 * could never hold; STATUS_INSUFFICIENT_RESOURCES when 1024 transactions are
 * awaiting completion; STATUS_DEVICE_BUSY when 8192 entries are queued;
 * STATUS_DEVICE_REMOVED after a rescind.  With @ExternalDataMdl:
 * STATUS_INVALID_PARAMETER_4 for an MDL that cannot be sent, _5 without
 * WAIT_FOR_COMPLETION, STATUS_NOT_SUPPORTED in a confidential VM.
 */
NTSTATUS VmbPacketSend(VMBPACKET PacketObject, PVOID Buffer,
		       UINT32 BufferLength, PMDL ExternalDataMdl, UINT32 Flags)
{
	NTSTATUS status;

	if (ExternalDataMdl) {
		status = vmb_packet_prepare_external(PacketObject, Buffer,
						     BufferLength,
						     ExternalDataMdl, Flags);
		if (!NT_SUCCESS(status))
			return status;
		return vmb_tx_submit_locked(PacketObject, VMB_SUBMIT_QUEUE);
	}
	status = vmb_packet_check(PacketObject, Buffer, BufferLength, Flags);
	if (!NT_SUCCESS(status))
		return status;
	if (!(Flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION))
		return vmb_packet_send_direct(PacketObject, Buffer,
					      BufferLength);
	return vmb_packet_send_waiting(PacketObject, Buffer, BufferLength);
}
EXPORT_SYMBOL_GPL(VmbPacketSend);

/**
 * vmbkmcl_channel_tx_stats() - a snapshot of a channel's send counters.
 * @Channel: the channel.
 * @stats:   receives the counters.
 *
 * Context: any context.
 */
void vmbkmcl_channel_tx_stats(VMBCHANNEL Channel, struct vmb_tx_stats *stats)
{
	unsigned long flags;
	int cpu;

	spin_lock_irqsave(&Channel->tx.lock, flags);
	*stats = Channel->tx.stats;
	if (Channel->tx.direct_count)
		for_each_possible_cpu(cpu)
			stats->sent += per_cpu_ptr(Channel->tx.direct_count,
						   cpu)->sends;
	spin_unlock_irqrestore(&Channel->tx.lock, flags);
}
EXPORT_SYMBOL_GPL(vmbkmcl_channel_tx_stats);

/**
 * vmb_tx_direct_completions() - completions of received packets the
 * direct write put on the ring.
 * @c: the channel.
 *
 * Context: any context; not under vmb_rx.lock (lock order).
 * Return: the count, for vmbkmcl_channel_rx_stats().
 */
u64 vmb_tx_direct_completions(struct vmb_channel *c)
{
	unsigned long flags;
	u64 n = 0;
	int cpu;

	spin_lock_irqsave(&c->tx.lock, flags);
	if (c->tx.direct_count)
		for_each_possible_cpu(cpu)
			n += per_cpu_ptr(c->tx.direct_count, cpu)->completions;
	spin_unlock_irqrestore(&c->tx.lock, flags);
	return n;
}
