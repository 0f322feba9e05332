// SPDX-License-Identifier: GPL-2.0
/*
 * The receive engine: inbound ring -> ProcessPacket / ProcessingComplete.
 *
 * Invariants:
 *  1. One runner per channel (vmb_rx.running): callbacks never overlap and
 *     arrive in ring order.  A kick that finds the runner busy sets rerun,
 *     and the runner goes round again before it stops.
 *  2. The batch loop masks the host's interrupt (hv_begin_read), delivers,
 *     publishes the read index (hv_pkt_iter_close) and unmasks
 *     (hv_end_read).  If bytes arrived in between it goes again: those
 *     packets extend the same batch.  ProcessingComplete(n) follows the
 *     last ProcessPacket of a batch, once, and never after an empty wakeup.
 *  3. When delivery must stop with packets left (quota, Pause, PacketFail)
 *     the interrupt stays masked, the batch ends with ProcessingComplete so
 *     a client batching work there never waits on itself, and whoever
 *     lifts the stop (a completion, Start) kicks the runner.
 *  4. Each packet is copied once: the iterator copies it straight into a
 *     slot of the pool preallocated at Enable, because the runner points
 *     the channel's copy buffer (inbound.pkt_buffer) at a slot it reserved
 *     before the copy.  With no slot free, the copy lands in the channel's
 *     own buffer (completions and dropped packets need none); a packet
 *     that turns out to need one then takes one, or stays in the ring.
 *     The channel's own buffer is put back before the runner returns, so
 *     close frees what open allocated.  The slot, and so the Buffer the
 *     client was given, lives until VmbChannelPacketComplete.
 *  5. Host input is checked (rx_validate.c) before anything is delivered;
 *     a bad packet is counted and skipped by its true length, and a ring
 *     whose framing cannot be trusted stops the inbound queue.
 *  6. The runner reserves slots VMB_RX_STASH at a time, under one lock,
 *     and gives back what the batch did not use before it returns.  After
 *     delivery it settles the packet: still the client's (outstanding)
 *     with a cmpxchg, deferred or freed under vmb_rx.lock; an
 *     outstanding packet's completion returns it without the lock
 *     (completion.c, vmb_rx_return()).  A packet
 *     completed inside its own ProcessPacket (same task context as the
 *     runner) is only marked VMB_RX_RETIRED, once its completion, if the
 *     host asked for one, is on the ring; when another packet waits,
 *     its slot is simply reused as the next reservation.  So neither
 *     client takes a lock per packet in the runner.
 */
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "channel.h"
#include "external.h"
#include "receive.h"
#include "send.h"
#include "trace.h"

/*
 * Schedule the runner: its worker, or the backend's tasklet.  Under
 * vmb_rx.lock, so a kick either sees the channel shut or lands before
 * vmb_rx_shut() set it, which then waits it out: the worker is cancelled
 * and the close waits for the tasklet.  Nothing reads @c->vmbus once the
 * close may have freed it.
 */
static void vmb_rx_kick_locked(struct vmb_channel *c)
{
	lockdep_assert_held(&c->rx.lock);
	if (c->rx.shut) {
		/* Still opening: vmb_rx_open() takes this kick up. */
		c->rx.rerun = true;
		return;
	}
	if (c->rx.passive)
		queue_work(system_wq, &c->rx.work);
	else
		c->ops->kick(c->vmbus);
}

/**
 * vmb_rx_open() - let the runner at the rings the backend just opened.
 * @c: the channel; @c->vmbus is set.
 *
 * A host may signal as soon as it accepted the open, so hv_vmbus can run
 * the channel callback before vmbus_open() has returned and before
 * @c->vmbus is set: until now the runner stayed shut and only noted the
 * interrupt (vmb_rx_enter() sets @rerun), which is taken up here.  The
 * lock orders the store of @c->vmbus before any runner reads it.
 *
 * Context: process context, after a successful backend open.
 */
void vmb_rx_open(struct vmb_channel *c)
{
	unsigned long flags;

	spin_lock_irqsave(&c->rx.lock, flags);
	c->rx.shut = false;
	if (c->rx.rerun) {
		c->rx.rerun = false;
		vmb_rx_kick_locked(c);
	}
	spin_unlock_irqrestore(&c->rx.lock, flags);
}

void vmb_rx_kick(struct vmb_channel *c)
{
	unsigned long flags;

	spin_lock_irqsave(&c->rx.lock, flags);
	vmb_rx_kick_locked(c);
	spin_unlock_irqrestore(&c->rx.lock, flags);
}

static __always_inline void vmb_rx_deliver(struct vmb_channel *c,
					   struct vmb_rx_packet *p)
{
	trace_vmbkmcl_packet_delivered(c, p->trans_id, p->data_len);
	p->deliverer = current;
	c->process_packet(c, p, p->buf + p->data_offset, p->data_len, p->flags);
	c->rx.batch_count++;
}

/*
 * After ProcessPacket returned: where does the slot go?  With @reserve,
 * also take a slot for the next packet's copy, under the same lock.
 */
static struct vmb_rx_packet *
vmb_rx_after_delivery(struct vmb_channel *c, struct vmb_rx_packet *p,
		      bool reserve)
{
	struct vmb_rx_packet *next = NULL;
	struct vmb_rx *rx = &c->rx;
	unsigned long flags;

	/* Still the client's: only a completion on another CPU can change
	 * the state meanwhile, and if it wins, the lock sorts it out.
	 */
	if (p->state == VMB_RX_DELIVERING &&
	    cmpxchg(&p->state, VMB_RX_DELIVERING, VMB_RX_OUTSTANDING) ==
	    VMB_RX_DELIVERING) {
		if (!reserve)
			return NULL;
		if (rx->nstash)
			return rx->stash[--rx->nstash];
		spin_lock_irqsave(&rx->lock, flags);
		next = vmb_rx_reserve_locked(rx);
		spin_unlock_irqrestore(&rx->lock, flags);
		return next;
	}
	spin_lock_irqsave(&rx->lock, flags);
	switch (p->state) {
	case VMB_RX_DELIVERING:
		p->state = VMB_RX_OUTSTANDING;
		break;
	case VMB_RX_DEFERRED:
		list_add_tail(&p->node, &rx->deferred);
		break;
	case VMB_RX_RETIRED:
		/* The runner is running: there is nothing to kick. */
		vmb_rx_free_slot_locked(rx, p);
		break;
	}
	if (reserve)
		next = rx->nstash ? rx->stash[--rx->nstash] :
				    vmb_rx_reserve_locked(rx);
	spin_unlock_irqrestore(&rx->lock, flags);
	return next;
}

/* Deliver the packet the iterator copied into @p's buffer. */
static struct vmb_rx_packet *vmb_rx_accept(struct vmb_channel *c, u32 len,
					   struct vmb_rx_packet *p, bool more)
{
	const struct vmpacket_descriptor *desc = (const void *)p->buf;

	trace_vmbkmcl_packet_received(c, desc->trans_id, len);
	p->data_offset = desc->offset8 << 3;
	p->data_len = len - p->data_offset;
	p->trans_id = desc->trans_id;
	p->completion_requested =
		desc->flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
	p->flags = desc->type == VM_PKT_DATA_INBAND ?
		   0 : VMBUS_CHANNEL_PROCESS_PACKET_FLAGS;
	c->rx.stats.packets++;
	vmb_rx_deliver(c, p);
	/* Completed inside its ProcessPacket and wanted again at once: the
	 * slot is still counted as taken and held, exactly as a reservation
	 * is, and nobody else can see it, so it needs no lock.  A chain
	 * built for its external data (only a packet with flags has one) is
	 * the old packet's: forget it.
	 */
	if (more && p->state == VMB_RX_RETIRED) {
		p->state = VMB_RX_DELIVERING;
		if (unlikely(p->flags))
			vmb_rx_ext_forget(&c->rx, p);
		return p;
	}
	return vmb_rx_after_delivery(c, p, more);
}

static void vmb_rx_stop_corrupt(struct vmb_channel *c,
				const struct vmpacket_descriptor *raw)
{
	unsigned long flags;

	spin_lock_irqsave(&c->rx.lock, flags);
	c->rx.stop |= VMB_RX_STOP_CORRUPT;
	spin_unlock_irqrestore(&c->rx.lock, flags);
	c->rx.stats.ring_corrupt++;
	pr_err_ratelimited("vmbkmcl: %s: inbound ring framing broken (len8 %u at offset %u); inbound queue stopped\n",
			   c->name, READ_ONCE(raw->len8),
			   c->vmbus->inbound.priv_read_index);
}

/*
 * The checks vmb_rx_validate() makes of an inband packet or a completion,
 * inline for the common cases; anything else, good or bad, goes the long
 * way.
 */
static bool vmb_rx_simple_ok(struct vmb_channel *c,
			     const struct vmpacket_descriptor *desc,
			     const struct vmpacket_descriptor *raw, u32 len)
{
	return (desc->type == VM_PKT_DATA_INBAND ||
		desc->type == VM_PKT_COMP) && len <= c->rx.buf_size &&
	       (u32)desc->len8 << 3 == len &&
	       READ_ONCE(raw->offset8) == desc->offset8 &&
	       len - ((u32)desc->offset8 << 3) <= c->max_packet_size;
}

/*
 * Handle the packet the iterator just copied (into *@slot's buffer if one
 * was reserved, else into the channel's own).  Fills @next with the header
 * to advance past, with the true frame length: the copy itself may be
 * reused before the iterator moves on.  Returns false to stop with the
 * packet left in the ring.  *@slot is the reservation for the next copy.
 */
static bool vmb_rx_one(struct vmb_channel *c,
		       const struct vmpacket_descriptor *desc,
		       struct vmpacket_descriptor *next,
		       struct vmb_rx_packet **slot)
{
	struct hv_ring_buffer_info *rbi = &c->vmbus->inbound;
	const struct vmpacket_descriptor *raw =
		(const void *)(rbi->ring_buffer->buffer + rbi->priv_read_index);
	u32 avail = vmb_rx_bytes_to_read(rbi);
	u32 len = vmb_rx_frame_len(raw, avail);
	struct vmb_rx_packet *p;
	enum vmb_rx_drop why;

	if (!len) {
		vmb_rx_stop_corrupt(c, raw);
		return false;
	}
	/* __hv_pkt_iter_next() reads only the length. */
	next->len8 = len >> 3;
	why = vmb_rx_simple_ok(c, desc, raw, len) ?
	      VMB_DROP_NR : vmb_rx_validate(c, desc, raw, len);
	/* Completions need no slot and flow even while delivery is stopped,
	 * so PostStarted may wait for one.
	 */
	if (why == VMB_DROP_NR && desc->type == VM_PKT_COMP &&
	    !vmb_tx_on_completion(c, desc, len))
		why = VMB_DROP_UNEXPECTED_COMPLETION;
	if (why != VMB_DROP_NR || desc->type == VM_PKT_COMP) {
		/* No slot used: a reserved one waits for the next copy. */
		if (why != VMB_DROP_NR)
			vmb_rx_count_drop(c, why, desc);
		return true;
	}
	p = *slot;
	if (p && (const void *)desc == p->buf &&
	    !READ_ONCE(c->rx.stop)) {
		*slot = NULL;
	} else {
		/* The copy is in the channel's own buffer: no slot was
		 * reserved when it was made.
		 */
		p = NULL;
		if (c->rx.nstash && !READ_ONCE(c->rx.stop))
			p = c->rx.stash[--c->rx.nstash];
		if (!p)
			p = vmb_rx_take_slot(&c->rx);
		if (!p)
			return false;
		memcpy(p->buf, desc, len);
	}
	/* Reserve for the next copy only if one is already there. */
	*slot = vmb_rx_accept(c, len, p, avail > len + VMB_PKT_TRAILER);
	return true;
}

/* Where the iterator copies the next packet. */
static void vmb_rx_copy_to(struct hv_ring_buffer_info *rbi, void *spare,
			   struct vmb_rx_packet *slot)
{
	rbi->pkt_buffer = slot ? slot->buf : spare;
}

static void vmb_rx_end_batch(struct vmb_channel *c)
{
	u32 n = c->rx.batch_count;

	if (!n)
		return;
	c->rx.batch_count = 0;
	c->rx.stats.batches++;
	trace_vmbkmcl_batch_complete(c, n);
	if (c->processing_complete)
		c->processing_complete(c, n);
}

static void vmb_rx_batch(struct vmb_channel *c)
{
	struct vmbus_channel *ch = c->vmbus;
	struct hv_ring_buffer_info *rbi = &ch->inbound;
	const struct vmpacket_descriptor *desc;
	struct vmpacket_descriptor next;
	struct vmb_rx_packet *slot;
	void *spare = rbi->pkt_buffer;

	slot = NULL;
	for (;;) {
		hv_begin_read(rbi);
		if (!slot && hv_get_bytes_to_read(rbi))
			slot = vmb_rx_reserve(&c->rx);
		vmb_rx_copy_to(rbi, spare, slot);
		for (desc = hv_pkt_iter_first(ch); desc;
		     desc = __hv_pkt_iter_next(ch, &next)) {
			if (!vmb_rx_one(c, desc, &next, &slot))
				break;
			vmb_rx_copy_to(rbi, spare, slot);
		}
		/* Give the host its space back before deciding to unmask. */
		hv_pkt_iter_close(ch);
		if (desc) {
			/* Stopped with packets left: stay masked. */
			c->rx.stats.stalls++;
			break;
		}
		if (!hv_end_read(rbi))
			break;
	}
	rbi->pkt_buffer = spare;
	vmb_rx_unreserve(&c->rx, slot);
	if (!c->rx.batch_count)
		c->rx.stats.empty_wakeups++;
	vmb_rx_end_batch(c);
}

static bool vmb_rx_enter(struct vmb_rx *rx)
{
	unsigned long flags;
	bool entered;

	spin_lock_irqsave(&rx->lock, flags);
	entered = !rx->running && !rx->shut;
	if (entered)
		rx->running = true;
	else
		rx->rerun = true;
	spin_unlock_irqrestore(&rx->lock, flags);
	return entered;
}

/*
 * Stop running unless a kick arrived meanwhile; returns true to go again.
 * Work that belongs to the worker (deferred packets, passive batches) is
 * handed to it as the softirq runner leaves.
 */
static bool vmb_rx_leave(struct vmb_channel *c, bool process_context)
{
	struct vmb_rx *rx = &c->rx;
	bool again, to_worker;
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	again = rx->rerun;
	rx->rerun = false;
	if (!again)
		rx->running = false;
	to_worker = !process_context && !rx->shut &&
		    (!list_empty(&rx->deferred) || rx->passive);
	/* Queued under the lock, so vmb_rx_shut()'s cancel catches it. */
	if (!again && to_worker)
		queue_work(system_wq, &rx->work);
	spin_unlock_irqrestore(&rx->lock, flags);
	/* Pairs with the barrier in the waiter's prepare_to_wait_event(). */
	if (!again && wq_has_sleeper(&rx->idle))
		wake_up(&rx->idle);
	return again;
}

static struct vmb_rx_packet *vmb_rx_next_deferred(struct vmb_rx *rx)
{
	struct vmb_rx_packet *p;
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	p = list_first_entry_or_null(&rx->deferred, struct vmb_rx_packet, node);
	if (p) {
		list_del_init(&p->node);
		p->state = VMB_RX_DELIVERING;
	}
	spin_unlock_irqrestore(&rx->lock, flags);
	return p;
}

/* Deferred packets were already taken from the ring: deliver them even
 * while paused, as Pause waits for every received packet.
 */
static void vmb_rx_redeliver_deferred(struct vmb_channel *c)
{
	struct vmb_rx_packet *p;

	might_sleep();
	while ((p = vmb_rx_next_deferred(&c->rx))) {
		c->rx.stats.redelivered++;
		vmb_rx_deliver(c, p);
		vmb_rx_after_delivery(c, p, false);
	}
	vmb_rx_end_batch(c);
}

static void vmb_rx_run(struct vmb_channel *c, bool process_context)
{
	bool kick_softirq = false, rerun = false;

	if (!vmb_rx_enter(&c->rx))
		return;
	do {
		/* Space the host freed: what waits for it goes first. */
		if (vmb_tx_drain_pending(c))
			vmb_tx_drain(c);
		/* A kick taken while we ran wants a batch in softirq. */
		kick_softirq |= rerun;
		if (process_context)
			vmb_rx_redeliver_deferred(c);
		if (process_context == READ_ONCE(c->rx.passive))
			vmb_rx_batch(c);
		rerun = true;
	} while (vmb_rx_leave(c, process_context));

	/* Dispatch-mode batches run in softirq, never in this worker. */
	if (process_context && kick_softirq && !READ_ONCE(c->rx.passive))
		vmb_rx_kick(c);
}

void vmb_rx_work(struct work_struct *work)
{
	struct vmb_channel *c = container_of(work, struct vmb_channel, rx.work);

	vmb_rx_run(c, true);
}

/**
 * vmb_rx_interrupt() - the channel callback the backend runs.
 * @context: the channel.
 *
 * Context: softirq (the channel's tasklet), serialised per channel.
 */
void vmb_rx_interrupt(void *context)
{
	struct vmb_channel *c = context;

	if (READ_ONCE(c->rx.passive))
		vmb_rx_kick(c);
	else
		vmb_rx_run(c, false);
}
