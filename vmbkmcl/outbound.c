// SPDX-License-Identifier: GPL-2.0
/*
 * The outbound FIFO: one queue, in order, for everything the guest writes.
 *
 * hv_ringbuffer_write() never waits: a packet that does not fit fails with
 * -EAGAIN and nothing is written.  KMCL queues instead of failing, so an
 * entry (a send, or the completion of a received packet) that finds the
 * ring full, or finds others already waiting, is queued; the outbound
 * pending_send_sz is armed for the head, and the host's interrupt when
 * that much space is free runs the channel's runner, which drains the
 * queue in order.  Arming re-checks the space afterwards, because the host
 * may have freed it before it could see the threshold.
 *
 * Locking: vmb_tx.lock guards the queue and every ring write but the
 * direct writes of sends (send.h), which read only @queued.  Entries'
 * outcomes (completion routines, slot releases) run after it is dropped.
 */
#include <linux/hyperv.h>

#include "channel.h"
#include "receive.h"
#include "send.h"

/* Host interrupts to drain the queue come when 1/4 of the ring is free. */
#define VMB_OUT_WATERMARK_DIV	4

/* The outbound pending_send_sz, and its shadow the runner reads. */
static void vmb_out_set_threshold(struct vmb_channel *c, u32 space)
{
	lockdep_assert_held(&c->tx.lock);
	set_channel_pending_send_size(c->vmbus, space);
	WRITE_ONCE(c->tx.armed, space != 0);
}

/*
 * Arm the threshold for the head; true if its space is already free.  The
 * threshold is at least a quarter of the ring, so a drain writes many
 * entries per host interrupt instead of one.
 */
static bool vmb_out_arm_locked(struct vmb_channel *c)
{
	struct hv_ring_buffer_info *out = &c->vmbus->outbound;
	struct vmb_tx_entry *head;
	u32 space;

	lockdep_assert_held(&c->tx.lock);
	head = list_first_entry_or_null(&c->tx.queue, struct vmb_tx_entry, node);
	if (!head) {
		vmb_out_set_threshold(c, 0);
		return false;
	}
	space = max(head->space, out->ring_datasize / VMB_OUT_WATERMARK_DIV);
	vmb_out_set_threshold(c, space);
	/* Pairs with the host's barrier between freeing space and reading
	 * pending_send_sz: either it signals, or this sees the space.
	 */
	virt_mb();
	return hv_get_bytes_to_write(out) >= head->space;
}

/**
 * vmb_out_queue_locked() - queue @e behind whatever waits.
 * @c: the channel.
 * @e: the entry, with its space set.
 *
 * Return: true when the runner must be kicked (space freed already).
 */
bool vmb_out_queue_locked(struct vmb_channel *c, struct vmb_tx_entry *e)
{
	lockdep_assert_held(&c->tx.lock);
	list_add_tail(&e->node, &c->tx.queue);
	WRITE_ONCE(c->tx.queued, c->tx.queued + 1);
	/* Closed: no ring to arm; the open drains the queue. */
	return c->tx.open && vmb_out_arm_locked(c);
}

static int vmb_out_write(struct vmb_channel *c, struct vmb_tx_entry *e)
{
	if (e->rx)
		return vmb_rx_write_completion(c, e);
	return vmb_packet_write(c, e);
}

/* Runs the outcome of an entry that left the queue, without the lock. */
static void vmb_out_finish(struct vmb_channel *c, struct vmb_tx_entry *e)
{
	if (e->rx)
		vmb_rx_completion_done(c, e);
	else
		vmb_packet_done(c, e);
}

/**
 * vmb_tx_drain() - write queued entries while they fit, in order.
 * @c: an open channel.
 *
 * Context: the channel's runner (softirq or its worker).
 */
void vmb_tx_drain(struct vmb_channel *c)
{
	bool retried = false, wrote = false, host_owns;
	struct vmb_tx_entry *e, *tmp;
	LIST_HEAD(done);
	unsigned long flags;
	int ret;

	if (!vmb_tx_drain_pending(c))
		return;
	spin_lock_irqsave(&c->tx.lock, flags);
	while ((e = list_first_entry_or_null(&c->tx.queue,
					     struct vmb_tx_entry, node))) {
		/* Off the queue and asked before the write: a send that
		 * waits may complete, and be freed, as soon as it is out.
		 */
		host_owns = !e->rx && vmb_packet_waits(e);
		list_del_init(&e->node);
		ret = vmb_out_write(c, e);
		if (ret == -EAGAIN) {
			list_add(&e->node, &c->tx.queue);
			c->tx.stats.ring_full++;
			/* Space that appeared while arming is worth one retry. */
			if (retried || !vmb_out_arm_locked(c))
				break;
			retried = true;
			continue;
		}
		/* On the ring before a direct write can see it gone. */
		smp_store_release(&c->tx.queued, c->tx.queued - 1);
		wrote |= !ret;
		if (!ret && host_owns)
			continue;
		e->result = ret;
		list_add_tail(&e->node, &done);
	}
	if (!e)
		vmb_out_set_threshold(c, 0);
	spin_unlock_irqrestore(&c->tx.lock, flags);
	if (wrote)
		vmb_out_notify(c, c->vmbus);

	list_for_each_entry_safe(e, tmp, &done, node) {
		list_del_init(&e->node);
		vmb_out_finish(c, e);
	}
}

/**
 * vmb_out_cancel() - end queued entries with @err.
 * @c:     the channel; when open, its runner may still drain.
 * @err:   the negative errno their outcome reports.
 * @sends: sends too; otherwise only completions of received packets, and
 *         sends stay queued for the next open.
 *
 * Context: process context.
 */
void vmb_out_cancel(struct vmb_channel *c, int err, bool sends)
{
	struct vmb_tx_entry *e, *tmp;
	LIST_HEAD(done);
	unsigned long flags;

	spin_lock_irqsave(&c->tx.lock, flags);
	list_for_each_entry_safe(e, tmp, &c->tx.queue, node) {
		if (!e->rx && !sends)
			continue;
		list_move_tail(&e->node, &done);
		WRITE_ONCE(c->tx.queued, c->tx.queued - 1);
	}
	spin_unlock_irqrestore(&c->tx.lock, flags);

	list_for_each_entry_safe(e, tmp, &done, node) {
		list_del_init(&e->node);
		e->result = err;
		vmb_out_finish(c, e);
	}
}
