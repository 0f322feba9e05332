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
 *  4. Each packet is copied once, from the iterator's buffer into a slot of
 *     the pool preallocated at Enable; the slot, and so the Buffer the
 *     client was given, lives until VmbChannelPacketComplete.
 *  5. Host input is checked (rx_validate.c) before anything is delivered;
 *     a bad packet is counted and skipped by its true length, and a ring
 *     whose framing cannot be trusted stops the inbound queue.
 */
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "channel.h"
#include "receive.h"
#include "send.h"
#include "trace.h"

void vmb_rx_kick(struct vmb_channel *c)
{
	if (READ_ONCE(c->rx.passive))
		queue_work(system_wq, &c->rx.work);
	else
		c->ops->kick(c->vmbus);
}

static void vmb_rx_deliver(struct vmb_channel *c, struct vmb_rx_packet *p)
{
	trace_vmbkmcl_packet_delivered(c, p->trans_id, p->data_len);
	c->process_packet(c, p, p->buf + p->data_offset, p->data_len, p->flags);
	c->rx.batch_count++;
}

/* After ProcessPacket returned: where does the slot go? */
static void vmb_rx_after_delivery(struct vmb_channel *c,
				  struct vmb_rx_packet *p)
{
	struct vmb_rx *rx = &c->rx;
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	if (p->state == VMB_RX_DELIVERING)
		p->state = VMB_RX_OUTSTANDING;
	else if (p->state == VMB_RX_DEFERRED)
		list_add_tail(&p->node, &rx->deferred);
	spin_unlock_irqrestore(&rx->lock, flags);
}

static void vmb_rx_accept(struct vmb_channel *c,
			  const struct vmpacket_descriptor *desc, u32 len,
			  struct vmb_rx_packet *p)
{
	trace_vmbkmcl_packet_received(c, desc->trans_id, len);
	memcpy(p->buf, desc, len);
	p->data_offset = desc->offset8 << 3;
	p->data_len = len - p->data_offset;
	p->trans_id = desc->trans_id;
	p->completion_requested =
		desc->flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
	p->flags = desc->type == VM_PKT_DATA_INBAND ?
		   0 : VMBUS_CHANNEL_PROCESS_PACKET_FLAGS;
	c->rx.stats.packets++;
	vmb_rx_deliver(c, p);
	vmb_rx_after_delivery(c, p);
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
 * Handle the packet the iterator just copied; returns the descriptor to
 * advance past (its len8 is the true frame length), or NULL to stop with
 * the packet left in the ring.
 */
static const struct vmpacket_descriptor *
vmb_rx_one(struct vmb_channel *c, const struct vmpacket_descriptor *desc,
	   struct vmpacket_descriptor *skip)
{
	struct hv_ring_buffer_info *rbi = &c->vmbus->inbound;
	const struct vmpacket_descriptor *raw =
		(const void *)(rbi->ring_buffer->buffer + rbi->priv_read_index);
	u32 len = vmb_rx_frame_len(c->vmbus, raw);
	struct vmb_rx_packet *p;
	enum vmb_rx_drop why;

	if (!len) {
		vmb_rx_stop_corrupt(c, raw);
		return NULL;
	}
	why = vmb_rx_validate(c, desc, raw, len);
	/* Completions need no slot and flow even while delivery is stopped,
	 * so PostStarted may wait for one.
	 */
	if (why == VMB_DROP_NR && desc->type == VM_PKT_COMP &&
	    !vmb_tx_on_completion(c, desc, len))
		why = VMB_DROP_UNEXPECTED_COMPLETION;
	if (why != VMB_DROP_NR || desc->type == VM_PKT_COMP) {
		if (why != VMB_DROP_NR)
			vmb_rx_count_drop(c, why, desc);
		/* Advance by the true length, not the iterator's clamp. */
		*skip = *desc;
		skip->len8 = len >> 3;
		return skip;
	}
	p = vmb_rx_take_slot(&c->rx);
	if (!p)
		return NULL;
	vmb_rx_accept(c, desc, len, p);
	return desc;
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
	const struct vmpacket_descriptor *desc, *next;
	struct vmpacket_descriptor skip;

	for (;;) {
		hv_begin_read(&ch->inbound);
		for (desc = hv_pkt_iter_first(ch); desc;
		     desc = __hv_pkt_iter_next(ch, next)) {
			next = vmb_rx_one(c, desc, &skip);
			if (!next)
				break;
		}
		/* Give the host its space back before deciding to unmask. */
		hv_pkt_iter_close(ch);
		if (desc) {
			/* Stopped with packets left: stay masked. */
			c->rx.stats.stalls++;
			break;
		}
		if (!hv_end_read(&ch->inbound))
			break;
	}
	if (!c->rx.batch_count)
		c->rx.stats.empty_wakeups++;
	vmb_rx_end_batch(c);
}

static bool vmb_rx_enter(struct vmb_rx *rx)
{
	unsigned long flags;
	bool entered;

	spin_lock_irqsave(&rx->lock, flags);
	entered = !rx->running;
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
	to_worker = !process_context &&
		    (!list_empty(&rx->deferred) || rx->passive);
	spin_unlock_irqrestore(&rx->lock, flags);
	if (!again)
		wake_up(&rx->idle);
	if (!again && to_worker)
		queue_work(system_wq, &rx->work);
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
		vmb_rx_after_delivery(c, p);
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
		c->ops->kick(c->vmbus);
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
		queue_work(system_wq, &c->rx.work);
	else
		vmb_rx_run(c, false);
}
