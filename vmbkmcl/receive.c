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
 *  4. Each packet is copied once: the runner reads its header from the
 *     ring, checks it, and copies the packet straight into a slot of the
 *     pool preallocated at Enable (a completion, which needs none, into
 *     the channel's own copy buffer).  With no slot free the packet stays
 *     in the ring.  The slot, and so the Buffer the client was given,
 *     lives until VmbChannelPacketComplete.
 *  5. Host input is checked (rx_validate.c) before anything is delivered;
 *     a bad packet is counted and skipped by its true length, and a ring
 *     whose framing cannot be trusted stops the inbound queue.
 *  6. The runner reserves slots under one lock, VMB_RX_STASH at a time
 *     off the free list or every slot completed elsewhere at once, and
 *     gives back what the batch did not use before it returns.  After
 *     delivery it settles the packet: still the client's (outstanding)
 *     with a cmpxchg, deferred or freed under vmb_rx.lock; an
 *     outstanding packet's completion returns it without the lock
 *     (completion.c, vmb_rx_return()).  A packet completed inside its own
 *     ProcessPacket (same task context as the runner) is only marked
 *     VMB_RX_RETIRED, once its completion, if the host asked for one, is
 *     on the ring, and the runner keeps its slot for the next packet.  So
 *     neither client takes a lock per packet in the runner.
 */
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "channel.h"
#include "external.h"
#include "receive.h"
#include "send.h"
#include "trace.h"
#include "watch.h"

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

/*
 * ProcessPacket for @p, its fields passed as the caller has them at hand
 * rather than read back.  The caller emits the tracepoints.
 */
static __always_inline void vmb_rx_deliver(struct vmb_channel *c,
					   struct vmb_rx_packet *p,
					   u32 off, u32 len, u32 flags)
{
	p->deliverer = current;
	c->process_packet(c, p, p->buf + off, len, flags);
	c->rx.batch_count++;
}

static noinline void vmb_rx_trace_accept_probed(struct vmb_channel *c,
						u64 id, u32 len, u32 data_len)
{
	trace_vmbkmcl_packet_received(c, id, len);
	trace_vmbkmcl_packet_delivered(c, id, data_len);
}

/*
 * A packet taken from the ring, about to be delivered.  With jump labels
 * each tracepoint's test is a nop; without, gcc -Os makes it a call, and
 * its inline test is a load, a test and a branch: the watch word tests
 * both tracepoints at once.
 */
static __always_inline void vmb_rx_trace_accept(struct vmb_channel *c,
						u64 id, u32 len, u32 data_len)
{
	if (IS_ENABLED(CONFIG_JUMP_LABEL)) {
		trace_vmbkmcl_packet_received(c, id, len);
		trace_vmbkmcl_packet_delivered(c, id, data_len);
	} else if (vmb_watching(BIT(VMB_WATCH_RECEIVED) |
				BIT(VMB_WATCH_DELIVERED))) {
		vmb_rx_trace_accept_probed(c, id, len, data_len);
	}
}

/*
 * After ProcessPacket returned a packet the client still owns or deferred,
 * the long way: the state changed under the runner.  A deferred packet
 * notes its payload offset, @off, for its redelivery.
 */
static noinline void vmb_rx_settle_locked(struct vmb_channel *c,
					  struct vmb_rx_packet *p, u32 off)
{
	struct vmb_rx *rx = &c->rx;
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	switch (p->state) {
	case VMB_RX_DELIVERING:
		p->state = VMB_RX_OUTSTANDING;
		break;
	case VMB_RX_DEFERRED:
		p->data_offset = off;
		list_add_tail(&p->node, &rx->deferred);
		break;
	case VMB_RX_RETIRED:
		/* The runner is running: there is nothing to kick. */
		vmb_rx_free_slot_locked(rx, p);
		break;
	}
	spin_unlock_irqrestore(&rx->lock, flags);
}

static __always_inline void vmb_rx_after_delivery(struct vmb_channel *c,
						  struct vmb_rx_packet *p,
						  u32 off)
{
	/* Still the client's: only a completion on another CPU can change
	 * the state meanwhile, and if it wins, the lock sorts it out.
	 */
	if (likely(p->state == VMB_RX_DELIVERING &&
		   cmpxchg(&p->state, VMB_RX_DELIVERING, VMB_RX_OUTSTANDING) ==
		   VMB_RX_DELIVERING))
		return;
	vmb_rx_settle_locked(c, p, off);
}

/*
 * Deliver the packet copied into @p, whose header @hdr was checked.  Only
 * what a completion or the settle reads back is stored (a deferred
 * packet's payload offset is noted as it is deferred), and the runner
 * counts the packets of a batch as it ends.  Returns @p when it was
 * completed inside its ProcessPacket: the runner keeps its slot for the
 * next packet.
 */
static __always_inline struct vmb_rx_packet *
vmb_rx_accept(struct vmb_channel *c, struct vmb_rx_packet *p,
	      const struct vmpacket_descriptor *hdr, u32 len)
{
	u32 off = (u32)hdr->offset8 << 3;
	u32 flags = hdr->type == VM_PKT_DATA_INBAND ?
		    0 : VMBUS_CHANNEL_PROCESS_PACKET_FLAGS;

	vmb_rx_trace_accept(c, hdr->trans_id, len, len - off);
	p->data_len = len - off;
	p->trans_id = hdr->trans_id;
	p->completion_requested =
		hdr->flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
	p->flags = flags;
	vmb_rx_deliver(c, p, off, len - off, flags);
	/* Completed inside its ProcessPacket: the slot is still counted as
	 * taken and held, exactly as a reservation is, and nobody else can
	 * see it, so it needs no lock.  A chain built for its external data
	 * (only a packet with flags has one) is the old packet's: forget it.
	 */
	if (p->state == VMB_RX_RETIRED) {
		p->state = VMB_RX_DELIVERING;
		if (unlikely(flags))
			vmb_rx_ext_forget(&c->rx, p);
		return p;
	}
	vmb_rx_after_delivery(c, p, off);
	return NULL;
}

/* The ring's framing cannot be trusted: stop the inbound queue for good. */
static void vmb_rx_stop_corrupt(struct vmb_channel *c, const char *what,
				u32 value)
{
	unsigned long flags;

	spin_lock_irqsave(&c->rx.lock, flags);
	c->rx.stop |= VMB_RX_STOP_CORRUPT;
	spin_unlock_irqrestore(&c->rx.lock, flags);
	c->rx.stats.ring_corrupt++;
	pr_err_ratelimited("vmbkmcl: %s: inbound ring framing broken (%s %u at offset %u); inbound queue stopped\n",
			   c->name, what, value,
			   c->vmbus->inbound.priv_read_index);
}

/*
 * A slot for the data packet at hand: the one the last packet left, else
 * the stash.  The stash is refilled without a lock from the slots
 * completed elsewhere, else under one lock, only once the client kept a
 * packet of this batch with more to come: a client that completes inside
 * ProcessPacket needs the one slot it keeps handing back.  NULL stops
 * delivery with the packet left in the ring (no slot, or stopped).
 */
static __always_inline struct vmb_rx_packet *
vmb_rx_slot(struct vmb_channel *c, struct vmb_rx_packet **slot, bool more)
{
	struct vmb_rx *rx = &c->rx;
	struct vmb_rx_packet *p = *slot;
	unsigned long flags;

	if (unlikely(READ_ONCE(rx->stop)))
		return vmb_rx_take_slot(rx);	/* NULL: records the stall */
	if (p) {
		*slot = NULL;
		return p;
	}
	if (rx->stash || vmb_rx_stash_returned(rx))
		return vmb_rx_stash_pop(rx);
	if (!more || !rx->batch_count)
		return vmb_rx_take_slot(rx);
	spin_lock_irqsave(&rx->lock, flags);
	p = vmb_rx_reserve_locked(rx);
	spin_unlock_irqrestore(&rx->lock, flags);
	return p ?: vmb_rx_take_slot(rx);
}

/*
 * A completion of a send of ours, with a good header: the transaction
 * its id names ends, and its routine gets the payload, copied out of the
 * ring into the channel's copy buffer.  Needs no slot, and flows even
 * while delivery is stopped, so PostStarted may wait for one.
 */
static __always_inline void vmb_rx_completion(struct vmb_channel *c,
					      const struct vmpacket_descriptor *hdr,
					      const void *data, u32 len)
{
	void *copy = c->vmbus->inbound.pkt_buffer;
	struct vmb_packet *p;

	if (unlikely(!vmb_tx_complete(&c->tx, hdr->trans_id, &p))) {
		vmb_tx_drop_completion(c, hdr);
		return;
	}
	/* Tested here, as in vmb_rx_deliver(). */
	if (trace_vmbkmcl_transaction_completed_enabled())
		trace_vmbkmcl_transaction_completed(c, hdr->trans_id, len);
	memcpy(copy, data, len);
	p->routine(p, STATUS_SUCCESS, len ? copy : NULL, len);
}

/*
 * Everything but a good inband packet or completion, which vmb_rx_one()
 * takes (vmb_rx_framed() is this header check's framing): external data,
 * a packet to drop.  Returns false to stop with the packet left in the
 * ring.
 */
static noinline bool vmb_rx_one_slow(struct vmb_channel *c, const void *raw,
				     const struct vmpacket_descriptor *hdr,
				     u32 len, bool more,
				     struct vmb_rx_packet **slot)
{
	enum vmb_rx_drop why = vmb_rx_check_header(c, hdr, len);
	struct vmb_rx_packet *p;

	if (why != VMB_DROP_NR)
		goto drop;
	p = vmb_rx_slot(c, slot, more);
	if (!p)
		return false;
	/* The checked header over the copy's: external data reads it. */
	memcpy(p->buf, raw, len);
	memcpy(p->buf, hdr, sizeof(*hdr));
	why = vmb_rx_check_layout((const void *)p->buf);
	if (why != VMB_DROP_NR) {
		/* Unused: it waits for the next packet. */
		*slot = p;
		goto drop;
	}
	*slot = vmb_rx_accept(c, p, hdr, len);
	return true;
drop:
	vmb_rx_count_drop(c, why, hdr);
	return true;
}

/*
 * vmb_rx_check_header()'s checks of a @len-byte packet with its data at
 * @off, inline for the two common types.
 */
static __always_inline bool vmb_rx_framed(struct vmb_channel *c, u32 len,
					  u32 off)
{
	return len <= c->rx.buf_size &&
	       off >= sizeof(struct vmpacket_descriptor) && off <= len &&
	       len - off <= c->max_packet_size;
}

/*
 * The packet at the read index @raw, @avail bytes written from there on.
 * Its header is read once, and what is checked is what the copy carries
 * and the runner advances by.  Returns the ring bytes to advance past, 0
 * to stop with the packet left in the ring.  *@slot is a slot the last
 * packet left for this one.
 */
static __always_inline u32 vmb_rx_one(struct vmb_channel *c, const void *raw,
				      u32 avail, struct vmb_rx_packet **slot)
{
	struct vmpacket_descriptor hdr;
	struct vmb_rx_packet *p;
	bool more, good;
	u32 len, off;

	memcpy(&hdr, raw, sizeof(hdr));
	/* The host may rewrite the ring meanwhile: what is checked and used
	 * is this copy, never a second read gcc might make of the ring.
	 */
	barrier();
	len = (u32)hdr.len8 << 3;
	if (unlikely(len < sizeof(hdr) || len + VMB_PKT_TRAILER > avail)) {
		vmb_rx_stop_corrupt(c, "len8", hdr.len8);
		return 0;
	}
	more = avail > len + VMB_PKT_TRAILER;
	off = (u32)hdr.offset8 << 3;
	good = vmb_rx_framed(c, len, off);
	if (unlikely(!good || hdr.type != VM_PKT_DATA_INBAND)) {
		if (good && hdr.type == VM_PKT_COMP)
			vmb_rx_completion(c, &hdr, raw + off, len - off);
		else if (!vmb_rx_one_slow(c, raw, &hdr, len, more, slot))
			return 0;
		return len + VMB_PKT_TRAILER;
	}
	p = vmb_rx_slot(c, slot, more);
	if (!p)
		return 0;
	/* Only the payload: nothing reads an inband packet's header back. */
	memcpy(p->buf + off, raw + off, len - off);
	*slot = vmb_rx_accept(c, p, &hdr, len);
	return len + VMB_PKT_TRAILER;
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

/*
 * Deliver what the ring holds: hv_begin_read(), the packets, then
 * hv_pkt_iter_close() and hv_end_read(), again while bytes arrived.  The
 * runner walks the ring itself rather than with hv_pkt_iter_first(),
 * which reads the write index for every packet and clamps a bad len8 or
 * offset8 in its copy without saying so: the write index read once per
 * pass covers whole packets, as the host moves it past a packet only once
 * written, and each header is checked as read.  The ring's data pages
 * are mapped twice in a row, so a packet that wraps reads as one, and
 * with fewer than ring_datasize bytes to read no read leaves the mapping.
 */
static void vmb_rx_batch(struct vmb_channel *c)
{
	struct vmbus_channel *ch = c->vmbus;
	struct hv_ring_buffer_info *rbi = &ch->inbound;
	struct vmb_rx_packet *slot = NULL;
	u32 avail, used = 0;

	for (;;) {
		hv_begin_read(rbi);
		avail = vmb_rx_bytes_to_read(rbi);
		/* Less than the ring holds, or the index leads out of it. */
		if (unlikely(avail >= rbi->ring_datasize)) {
			vmb_rx_stop_corrupt(c, "write index",
					    READ_ONCE(rbi->ring_buffer->write_index));
			break;
		}
		for (; avail; avail -= used) {
			used = vmb_rx_one(c, rbi->ring_buffer->buffer +
					  rbi->priv_read_index, avail, &slot);
			if (!used)
				break;
			rbi->priv_read_index += used;
			if (rbi->priv_read_index >= rbi->ring_datasize)
				rbi->priv_read_index -= rbi->ring_datasize;
		}
		/* Give the host its space back before deciding to unmask. */
		hv_pkt_iter_close(ch);
		if (avail) {
			/* Stopped with packets left: stay masked. */
			c->rx.stats.stalls++;
			break;
		}
		if (!hv_end_read(rbi))
			break;
	}
	vmb_rx_unreserve(&c->rx, slot);
	/* Every ProcessPacket of this batch was a packet off the ring. */
	c->rx.stats.packets += c->rx.batch_count;
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
		trace_vmbkmcl_packet_delivered(c, p->trans_id, p->data_len);
		vmb_rx_deliver(c, p, p->data_offset, p->data_len, p->flags);
		vmb_rx_after_delivery(c, p, p->data_offset);
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
