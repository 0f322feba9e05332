// SPDX-License-Identifier: GPL-2.0
/*
 * Retiring received packets: VmbChannelPacketComplete, PacketFail and
 * PacketDeferToPassive.
 *
 * A completion goes through the outbound FIFO (outbound.c) with the sends:
 * written at once when nothing waits and it fits, otherwise copied into
 * its own packet's slot and queued.  The slot stays out of the pool until
 * the completion is on the ring, so the quota keeps applying back-pressure
 * while the host is slow to read.
 */
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "channel.h"
#include "receive.h"
#include "send.h"
#include "trace.h"
#include "verifier.h"
#include "watch.h"

enum vmb_completion_outcome {
	VMB_COMPLETION_NONE,	/* the host asked for none */
	VMB_COMPLETION_SENT,
	VMB_COMPLETION_LOST,	/* the channel closed (or was rescinded) */
};

/* Kick a runner that stalled for want of a slot. */
static void vmb_rx_unstall(struct vmb_channel *c)
{
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&c->rx.lock, flags);
	kick = vmb_rx_unstall_locked(&c->rx);
	spin_unlock_irqrestore(&c->rx.lock, flags);
	if (kick)
		vmb_rx_kick(c);
}

/*
 * A slot came back without the lock while someone looked out for one: a
 * waiter in vmb_rx_wait(), or a runner that stalled.
 */
static noinline void vmb_rx_returned_seen(struct vmb_channel *c)
{
	struct vmb_rx *rx = &c->rx;

	if (READ_ONCE(rx->waiters))
		wake_up(&rx->idle);
	if (READ_ONCE(rx->stalled))
		vmb_rx_unstall(c);
}

/*
 * Return the slot of a packet the client kept past ProcessPacket, without
 * vmb_rx.lock: it goes on rx->returned, and whoever next needs slots or
 * the counts takes it from there under the lock (vmb_rx_reap_locked()).
 * Only from OUTSTANDING, which nothing but a completion leaves; the
 * cmpxchg() also makes a second, concurrent completion of the same packet
 * fall back to the locked path and its double-completion check instead of
 * adding the slot twice.  Returns false when @p was in another state.
 */
static __always_inline bool vmb_rx_return(struct vmb_channel *c,
					  struct vmb_rx_packet *p)
{
	struct vmb_rx *rx = &c->rx;

	struct llist_node *first;

	if (cmpxchg(&p->state, VMB_RX_OUTSTANDING, VMB_RX_FREE) !=
	    VMB_RX_OUTSTANDING)
		return false;
	/* llist_add(), inline: 6.1's is a call into lib/llist.c. */
	first = READ_ONCE(rx->returned.first);
	do {
		p->returned.next = first;
	} while (!try_cmpxchg(&rx->returned.first, &first, &p->returned));
	/*
	 * The push is a cmpxchg() loop, fully ordered: the slot is on the
	 * list before @stalled and @waiters are read.  Pairs with the
	 * smp_mb() in vmb_rx_take_slot() (@stalled set, then the list read)
	 * and with the one in prepare_to_wait_event() (@waiters counted,
	 * then vmb_rx_released() reaps the list under the lock, see
	 * vmb_rx_add_waiter()): either they see the slot, or this sees them.
	 */
	if (unlikely(READ_ONCE(rx->stalled) | READ_ONCE(rx->waiters)))
		vmb_rx_returned_seen(c);
	return true;
}

/* Return @p's slot to the pool, and restart delivery if it waited on it. */
static void vmb_rx_release(struct vmb_channel *c, struct vmb_rx_packet *p,
			   enum vmb_completion_outcome outcome)
{
	struct vmb_rx *rx = &c->rx;
	unsigned long flags;
	bool kick, wake;

	spin_lock_irqsave(&rx->lock, flags);
	if (outcome == VMB_COMPLETION_SENT)
		rx->stats.completions_sent++;
	else if (outcome == VMB_COMPLETION_LOST)
		rx->stats.completions_lost++;
	kick = vmb_rx_free_slot_locked(rx, p);
	/*
	 * Every waiter on rx->idle tests its condition under rx->lock after
	 * queueing itself (vmb_rx_check()): one that tested before this
	 * section is already on the queue, one that tests after sees the
	 * slot free.  So the test needs the lock, not a full barrier.
	 */
	wake = waitqueue_active(&rx->idle);
	spin_unlock_irqrestore(&rx->lock, flags);
	if (wake)
		wake_up(&rx->idle);
	if (kick)
		vmb_rx_kick(c);
}

/*
 * Is @p being completed from inside its own ProcessPacket, or from an
 * interrupt nested in it?  Then nothing runs concurrently with the runner
 * on @p, and marking it is enough: the runner settles it under the lock it
 * takes after delivery anyway.  The same task on another CPU is
 * impossible: the task the runner interrupted, or runs as, runs nowhere
 * else meanwhile.
 */
static __always_inline bool vmb_rx_completing_own(struct vmb_rx_packet *p)
{
	return READ_ONCE(p->state) == VMB_RX_DELIVERING &&
	       READ_ONCE(p->deliverer) == current;
}

/*
 * Nothing more is owed the host for @p (it wanted no completion, or its
 * completion is on the ring): mark it, if completed inside its own
 * ProcessPacket, or give its slot back, without the lock if it was kept
 * past ProcessPacket.
 */
static __always_inline void vmb_rx_retire(struct vmb_channel *c,
					  struct vmb_rx_packet *p)
{
	if (vmb_rx_completing_own(p)) {
		WRITE_ONCE(p->state, VMB_RX_RETIRED);
		return;
	}
	if (!vmb_rx_return(c, p))
		vmb_rx_release(c, p, VMB_COMPLETION_NONE);
}

/**
 * vmb_rx_write_completion() - write a queued completion to the ring.
 * @c: the channel.
 * @e: the received packet's outbound entry.
 *
 * Context: under vmb_tx.lock.
 * Return: as vmb_ring_write().
 */
int vmb_rx_write_completion(struct vmb_channel *c, struct vmb_tx_entry *e)
{
	struct vmb_rx_packet *p = container_of(e, struct vmb_rx_packet,
					       tx_entry);

	lockdep_assert_held(&c->tx.lock);
	return vmb_ring_write(c->vmbus, p->buf, p->completion_len,
			      p->trans_id, VM_PKT_COMP, 0);
}

/**
 * vmb_rx_completion_done() - a queued completion left the queue.
 * @c: the channel.
 * @e: the received packet's outbound entry, with its result.
 */
void vmb_rx_completion_done(struct vmb_channel *c, struct vmb_tx_entry *e)
{
	vmb_rx_release(c, container_of(e, struct vmb_rx_packet, tx_entry),
		       e->result ? VMB_COMPLETION_LOST : VMB_COMPLETION_SENT);
}

/* The ring is full or others wait: keep the completion in @p's slot. */
static bool vmb_rx_queue_completion_locked(struct vmb_channel *c,
					   struct vmb_rx_packet *p,
					   const void *buf, u32 len)
{
	struct vmb_rx *rx = &c->rx;

	lockdep_assert_held(&c->tx.lock);
	spin_lock(&rx->lock);
	p->state = VMB_RX_PARKED;
	rx->held--;
	rx->stats.completions_parked++;
	spin_unlock(&rx->lock);
	/* The client may answer from inside the packet it got. */
	memmove(p->buf, buf, len);
	p->completion_len = len;
	p->tx_entry.rx = true;
	p->tx_entry.space = vmb_out_space(sizeof(struct vmpacket_descriptor) +
					  len);
	return vmb_out_queue_locked(c, &p->tx_entry);
}

/*
 * Write a requested completion under vmb_tx.lock, or queue it: something
 * is queued, the ring is full or the channel is closing.  Out of line, so
 * the direct write in vmb_rx_complete() keeps a small frame.
 */
static noinline void vmb_rx_complete_locked(struct vmb_channel *c,
					    struct vmb_rx_packet *p,
					    void *PacketCompletionBuffer,
					    u32 BufSize)
{
	unsigned long flags;
	bool kick;
	int ret;

	spin_lock_irqsave(&c->tx.lock, flags);
	/* Held past a bounded close: the ring it answered on is gone. */
	if (!c->tx.open) {
		spin_unlock_irqrestore(&c->tx.lock, flags);
		vmb_rx_release(c, p, VMB_COMPLETION_LOST);
		return;
	}
	if (!vmb_out_busy_locked(c)) {
		struct vmbus_channel *ch = c->vmbus;

		ret = vmb_ring_write(ch, PacketCompletionBuffer, BufSize,
				     p->trans_id, VM_PKT_COMP, 0);
		if (ret != -EAGAIN) {
			if (!ret)
				c->rx.direct_sent++;
			spin_unlock_irqrestore(&c->tx.lock, flags);
			if (ret) {
				vmb_rx_release(c, p, VMB_COMPLETION_LOST);
				return;
			}
			vmb_out_notify(c, ch);
			/* On the ring (and counted): retired like a packet
			 * that wanted no completion.
			 */
			vmb_rx_retire(c, p);
			return;
		}
	}
	kick = vmb_rx_queue_completion_locked(c, p, PacketCompletionBuffer,
					      BufSize);
	spin_unlock_irqrestore(&c->tx.lock, flags);
	wake_up(&c->rx.idle);
	if (kick)
		vmb_rx_kick(c);
}

/*
 * Send the completion the host asked for of @p: at once while the channel
 * is open and nothing is queued, else the locked way; then its slot goes
 * back.
 */
static __always_inline void vmb_rx_send_completion(struct vmb_channel *c,
						   struct vmb_rx_packet *p,
						   void *PacketCompletionBuffer,
						   u32 BufSize)
{
	int ret;

	if (vmb_violated(BufSize > c->rx.buf_size,
			 VMB_RULE_COMPLETION_TOO_LARGE, c->name))
		BufSize = 0;

	/* Open and nothing queued: no order to keep but the ring's. */
	ret = vmb_out_write_direct(c, PacketCompletionBuffer, BufSize,
				   p->trans_id, VM_PKT_COMP, 0);
	if (likely(ret != -EAGAIN)) {
		if (ret) {
			vmb_rx_release(c, p, VMB_COMPLETION_LOST);
			return;
		}
		this_cpu_inc(c->tx.direct_count->completions);
		vmb_rx_retire(c, p);
		return;
	}
	vmb_rx_complete_locked(c, p, PacketCompletionBuffer, BufSize);
}

/*
 * Everything VmbChannelPacketComplete() does but the common cases: a
 * completion from another context, the verifier.  Out of line, so the
 * common case costs no stack frame.
 */
static noinline void vmb_rx_complete(struct vmb_rx_packet *p,
				     void *PacketCompletionBuffer,
				     u32 BufSize)
{
	struct vmb_channel *c;

	if (vmb_verify_rx_packet(p))
		return;
	c = p->channel;
	trace_vmbkmcl_packet_completed(c, p->trans_id, BufSize);
	if (!p->completion_requested) {
		vmb_rx_retire(c, p);
		return;
	}
	vmb_rx_send_completion(c, p, PacketCompletionBuffer, BufSize);
}

/*
 * A completion the host asked for, of a packet being delivered or kept
 * (so not completed before), with nothing watching: what is left of
 * vmb_rx_complete() once VmbChannelPacketComplete() has seen that.
 */
static noinline void vmb_rx_complete_requested(struct vmb_rx_packet *p,
					       void *PacketCompletionBuffer,
					       u32 BufSize)
{
	vmb_rx_send_completion(p->channel, p, PacketCompletionBuffer, BufSize);
}

/*
 * Complete a packet kept past ProcessPacket that wants no completion,
 * with nothing watching: its slot goes back without the lock.  A call of
 * its own, so the inline case in VmbChannelPacketComplete() keeps nothing
 * across its calls.  If @p was no longer outstanding, the long way
 * decides.
 */
static noinline void vmb_rx_complete_kept(struct vmb_rx_packet *p,
					  void *PacketCompletionBuffer,
					  u32 BufSize)
{
	if (!vmb_rx_return(p->channel, p))
		vmb_rx_complete(p, PacketCompletionBuffer, BufSize);
}

/**
 * VmbChannelPacketComplete() - retire a received packet.
 * @PacketCompletionContext: the packet ProcessPacket was given.
 * @PacketCompletionBuffer: completion payload, sent only if the host
 *	requested a completion; may be NULL with @BufSize 0, and may point
 *	into the packet's own buffer.
 * @BufSize: payload bytes, at most the channel's maximum packet size.
 *
 * The packet's buffer is invalid once this returns.  Completions reach the
 * host in the order they are made; one that finds the outgoing ring full
 * waits inside vmbkmcl and is sent when the host frees space.
 *
 * Context: any context up to softirq; does not sleep.
 */
void VmbChannelPacketComplete(VMBPACKETCOMPLETION PacketCompletionContext,
			      PVOID PacketCompletionBuffer, UINT32 BufSize)
{
	struct vmb_rx_packet *p = PacketCompletionContext;
	u8 state = READ_ONCE(p->state);

	/* The common cases, with neither the verifier nor a probe on the
	 * completed tracepoint watching (vmb_rx_complete() checks and
	 * traces): a packet being delivered or outstanding has not been
	 * completed before, so the double-completion check
	 * vmb_verify_rx_packet() makes holds already.  The state is read
	 * once: only this packet's own completion may move it on from
	 * either.
	 */
	if (!vmb_watching(BIT(VMB_WATCH_VERIFIER) |
			  BIT(VMB_WATCH_COMPLETED))) {
		if (p->completion_requested) {
			if (state == VMB_RX_DELIVERING ||
			    state == VMB_RX_OUTSTANDING) {
				vmb_rx_complete_requested(p,
							  PacketCompletionBuffer,
							  BufSize);
				return;
			}
		} else if (state == VMB_RX_DELIVERING &&
			   READ_ONCE(p->deliverer) == current) {
			/* Inside its own ProcessPacket. */
			WRITE_ONCE(p->state, VMB_RX_RETIRED);
			return;
		} else if (state == VMB_RX_OUTSTANDING) {
			/* Kept past it. */
			vmb_rx_complete_kept(p, PacketCompletionBuffer,
					     BufSize);
			return;
		}
	}
	vmb_rx_complete(p, PacketCompletionBuffer, BufSize);
}
EXPORT_SYMBOL_GPL(VmbChannelPacketComplete);

/**
 * vmbkmcl_packet_transaction_id() - a received packet's transaction id.
 * @PacketCompletionContext: a packet ProcessPacket was given, not yet
 *                           completed.
 *
 * The host's VMBus transaction id, as the packet carried it (untrusted:
 * echo it, never use it as a pointer).  A vmbkmcl extension: for a
 * protocol whose answers are inband packets carrying the request's id
 * (vmbkmcl_packet_set_reply_id()), as Hyper-V's integration components.
 *
 * Context: any context.
 * Return: the id.
 */
UINT64 vmbkmcl_packet_transaction_id(VMBPACKETCOMPLETION PacketCompletionContext)
{
	return PacketCompletionContext->trans_id;
}
EXPORT_SYMBOL_GPL(vmbkmcl_packet_transaction_id);

/**
 * VmbChannelPacketFail() - give up on a received packet and stop the
 * inbound queue.
 * @PacketCompletionContext: the packet ProcessPacket was given.
 *
 * The packet is retired without a completion (the peer learns of the
 * failure through its own protocol).  No further packet is delivered until
 * VmbChannelPause() and VmbChannelStart(), or Disable and Enable.
 *
 * Context: any context up to softirq; does not sleep.
 */
void VmbChannelPacketFail(VMBPACKETCOMPLETION PacketCompletionContext)
{
	struct vmb_rx_packet *p = PacketCompletionContext;
	struct vmb_rx *rx;
	unsigned long flags;

	if (vmb_verify_rx_packet(p))
		return;
	rx = &p->channel->rx;
	trace_vmbkmcl_packet_failed(p->channel, p->trans_id, p->data_len);
	spin_lock_irqsave(&rx->lock, flags);
	rx->stop |= VMB_RX_STOP_FAILED;
	vmb_rx_free_slot_locked(rx, p);
	spin_unlock_irqrestore(&rx->lock, flags);
	wake_up(&rx->idle);
}
EXPORT_SYMBOL_GPL(VmbChannelPacketFail);

/**
 * VmbChannelPacketDeferToPassive() - deliver this packet again at process
 * context.
 * @PacketCompletionContext: the packet being delivered.
 *
 * Only from inside ProcessPacket.  The packet is delivered to ProcessPacket
 * once more, from a worker, after the current callback returns; it must
 * not be completed in between.  Deferred packets are redelivered in the
 * order they were deferred.
 *
 * Context: inside ProcessPacket.
 */
void VmbChannelPacketDeferToPassive(VMBPACKETCOMPLETION PacketCompletionContext)
{
	struct vmb_rx_packet *p = PacketCompletionContext;
	struct vmb_rx *rx = &p->channel->rx;
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	if (!vmb_violated(p->state != VMB_RX_DELIVERING,
			  VMB_RULE_DEFER_OUTSIDE_CALLBACK, p->channel->name))
		p->state = VMB_RX_DEFERRED;
	spin_unlock_irqrestore(&rx->lock, flags);
}
EXPORT_SYMBOL_GPL(VmbChannelPacketDeferToPassive);

