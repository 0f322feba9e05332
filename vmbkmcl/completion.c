// SPDX-License-Identifier: GPL-2.0
/*
 * Retiring received packets: VmbChannelPacketComplete, PacketFail and
 * PacketDeferToPassive.
 *
 * A completion is written to the ring under vmb_rx.lock, so completions
 * reach the host in the order the client made them.  One that finds the
 * ring full is parked in its own slot (the slot stays out of the pool, so
 * the quota keeps applying), the outbound pending_send_sz is armed, and the
 * runner sends parked completions, in order, when the host frees space.
 */
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "channel.h"
#include "receive.h"

/*
 * The outbound free space a completion of @len bytes needs, as
 * pending_send_sz: the packet and its trailer, plus one more 8-byte unit,
 * because hv_ringbuffer_write() wants strictly more room than it writes
 * (a full ring would otherwise look empty) and the host signals as soon
 * as free space reaches pending_send_sz.
 */
static u32 vmb_completion_space(u32 len)
{
	return ALIGN(sizeof(struct vmpacket_descriptor) + len, sizeof(u64)) +
	       VMB_PKT_TRAILER + sizeof(u64);
}

/*
 * Send @p's completion, or park it behind earlier ones when the ring is
 * full.  Under the lock, so completions reach the ring in the order the
 * client completed.  Returns false when parked.
 */
static bool vmb_rx_send_or_park_locked(struct vmb_channel *c,
				       struct vmb_rx_packet *p,
				       void *buf, u32 len)
{
	struct vmb_rx *rx = &c->rx;
	int ret;

	lockdep_assert_held(&rx->lock);
	if (list_empty(&rx->parked)) {
		ret = vmbus_sendpacket(c->vmbus, buf, len, p->trans_id,
				       VM_PKT_COMP, 0);
		if (ret != -EAGAIN) {
			if (ret)
				rx->stats.completions_lost++;
			else
				rx->stats.completions_sent++;
			return true;
		}
	}
	memcpy(p->buf, buf, len);
	p->completion_len = len;
	p->state = VMB_RX_PARKED;
	list_add_tail(&p->node, &rx->parked);
	rx->held--;
	rx->stats.completions_parked++;
	set_channel_pending_send_size(c->vmbus, vmb_completion_space(len));
	return false;
}

/* Send parked completions while they fit.  Returns true to kick. */
bool vmb_rx_flush_parked(struct vmb_channel *c)
{
	struct vmb_rx *rx = &c->rx;
	struct vmb_rx_packet *p;
	unsigned long flags;
	bool kick = false;
	int ret;

	spin_lock_irqsave(&rx->lock, flags);
	while ((p = list_first_entry_or_null(&rx->parked,
					     struct vmb_rx_packet, node))) {
		ret = vmbus_sendpacket(c->vmbus, p->buf, p->completion_len,
				       p->trans_id, VM_PKT_COMP, 0);
		if (ret == -EAGAIN)
			break;
		if (ret)
			rx->stats.completions_lost++;
		else
			rx->stats.completions_sent++;
		list_del(&p->node);
		kick |= vmb_rx_free_slot_locked(rx, p);
	}
	set_channel_pending_send_size(c->vmbus, p ?
			vmb_completion_space(p->completion_len) : 0);
	spin_unlock_irqrestore(&rx->lock, flags);
	wake_up(&rx->idle);
	return kick;
}

/* The host may have freed the space before it saw pending_send_sz. */
static bool vmb_rx_space_for_parked(struct vmb_channel *c)
{
	struct hv_ring_buffer_info *out = &c->vmbus->outbound;

	/* Pairs with the host's barrier between freeing space and reading
	 * pending_send_sz: either it signals us or we see the space here.
	 */
	virt_mb();
	return hv_get_bytes_to_write(out) >=
	       READ_ONCE(out->ring_buffer->pending_send_sz);
}

/**
 * VmbChannelPacketComplete() - retire a received packet.
 * @PacketCompletionContext: the packet ProcessPacket was given.
 * @PacketCompletionBuffer: completion payload, sent only if the host
 *	requested a completion; may be NULL with @BufSize 0.
 * @BufSize: payload bytes, at most the channel's maximum packet size.
 *
 * The packet's buffer is invalid once this returns.  When the outbound
 * ring is full the completion is kept and sent, in order, once the host
 * frees space.
 *
 * Context: any context up to softirq; does not sleep.
 */
VOID VmbChannelPacketComplete(VMBPACKETCOMPLETION PacketCompletionContext,
			      PVOID PacketCompletionBuffer, UINT32 BufSize)
{
	struct vmb_rx_packet *p = PacketCompletionContext;
	struct vmb_channel *c = p->channel;
	struct vmb_rx *rx = &c->rx;
	bool kick = false;
	unsigned long flags;

	if (p->completion_requested &&
	    WARN_ONCE(BufSize > rx->buf_size,
		      "vmbkmcl: %s: %u-byte completion exceeds the maximum packet size\n",
		      c->name, BufSize))
		BufSize = 0;

	spin_lock_irqsave(&rx->lock, flags);
	if (p->completion_requested &&
	    !vmb_rx_send_or_park_locked(c, p, PacketCompletionBuffer, BufSize)) {
		spin_unlock_irqrestore(&rx->lock, flags);
		if (vmb_rx_space_for_parked(c))
			vmb_rx_kick(c);
		return;
	}
	kick = vmb_rx_free_slot_locked(rx, p);
	spin_unlock_irqrestore(&rx->lock, flags);
	wake_up(&rx->idle);
	if (kick)
		vmb_rx_kick(c);
}
EXPORT_SYMBOL_GPL(VmbChannelPacketComplete);

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
VOID VmbChannelPacketFail(VMBPACKETCOMPLETION PacketCompletionContext)
{
	struct vmb_rx_packet *p = PacketCompletionContext;
	struct vmb_rx *rx = &p->channel->rx;
	unsigned long flags;

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
VOID VmbChannelPacketDeferToPassive(VMBPACKETCOMPLETION PacketCompletionContext)
{
	struct vmb_rx_packet *p = PacketCompletionContext;
	struct vmb_rx *rx = &p->channel->rx;
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	if (!WARN_ONCE(p->state != VMB_RX_DELIVERING,
		       "vmbkmcl: %s: DeferToPassive outside ProcessPacket\n",
		       p->channel->name))
		p->state = VMB_RX_DEFERRED;
	spin_unlock_irqrestore(&rx->lock, flags);
}
EXPORT_SYMBOL_GPL(VmbChannelPacketDeferToPassive);

