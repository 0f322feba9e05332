// SPDX-License-Identifier: GPL-2.0
/*
 * The receive engine's packet pool and flow control.
 *
 * The pool is allocated at Enable from the transaction quota then in force
 * and the maximum packet size, and freed after close: nothing is allocated
 * per packet.  A slot is "taken" from the moment the runner claims it until
 * its completion is on the ring; it is "held" while the client owns it
 * (being delivered, outstanding or deferred).  The quota caps taken slots,
 * so parked completions still apply back-pressure; Pause and Disable wait
 * only for held ones, which the client alone can release.
 */
#include <linux/cache.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "channel.h"
#include "external.h"
#include "receive.h"
#include "fault.h"
#include "verifier.h"

/* How often a quiesce that is still waiting says so. */
#define VMB_QUIESCE_WARN_INTERVAL	(10 * HZ)

/* Put a slot nobody owns any more back on the free list. */
static void vmb_rx_put_locked(struct vmb_rx *rx, struct vmb_rx_packet *p)
{
	lockdep_assert_held(&rx->lock);
	/* Only a packet with flags can have an external-data chain. */
	if (p->flags)
		vmb_rx_ext_release(rx, p);
	p->state = VMB_RX_FREE;
	list_add(&p->node, &rx->free);
	rx->taken--;
}

/* Put a slot completed without the lock back in the pool. */
static void vmb_rx_reap_chain_locked(struct vmb_rx *rx, struct llist_node *n)
{
	struct vmb_rx_packet *p, *tmp;

	llist_for_each_entry_safe(p, tmp, n, returned) {
		rx->held--;
		vmb_rx_put_locked(rx, p);
	}
}

/*
 * Put the slots completed without the lock (vmb_rx_return()) back in the
 * pool.  llist_del_all() is an xchg(), fully ordered: it pairs with the
 * cmpxchg() in the completer's llist_add(), so the client's last use of a
 * slot's buffer happens before the runner copies a new packet into it.
 */
static void vmb_rx_reap_locked(struct vmb_rx *rx)
{
	lockdep_assert_held(&rx->lock);
	vmb_rx_reap_chain_locked(rx, rx->recycle);
	rx->recycle = NULL;
	if (!llist_empty(&rx->returned))
		vmb_rx_reap_chain_locked(rx, llist_del_all(&rx->returned));
}

/*
 * Slots completed without the lock, for the runner to reuse: still
 * counted as taken and held, as a reservation is, so they go straight
 * back to work with no list and no count touched.  A client that keeps
 * packets past ProcessPacket cycles its slots this way.  Returns the
 * chain of them (refilled from @returned), or NULL when there is none or
 * delivery may not go on.
 */
static __always_inline struct llist_node *
vmb_rx_recycled_locked(struct vmb_rx *rx)
{
	lockdep_assert_held(&rx->lock);
	if (rx->stop || rx->taken > rx->quota)
		return NULL;
	if (!rx->recycle && !llist_empty(&rx->returned))
		rx->recycle = llist_del_all(&rx->returned);
	return rx->recycle;
}

/* Take the first slot off @chain, @rx->recycle, for a new packet. */
static __always_inline struct vmb_rx_packet *
vmb_rx_reuse_locked(struct vmb_rx *rx, struct llist_node *chain)
{
	struct vmb_rx_packet *p =
		llist_entry(chain, struct vmb_rx_packet, returned);

	rx->recycle = chain->next;
	/* Only a packet with flags can have an external-data chain. */
	if (p->flags)
		vmb_rx_ext_forget(rx, p);
	p->state = VMB_RX_DELIVERING;
	return p;
}

static struct vmb_rx_packet *vmb_rx_reserve_one_locked(struct vmb_rx *rx)
{
	struct llist_node *recycled = vmb_rx_recycled_locked(rx);
	struct vmb_rx_packet *p = NULL;

	if (recycled)
		return vmb_rx_reuse_locked(rx, recycled);
	/* Returned slots count as taken until reaped: reap at the limit. */
	if (rx->taken >= rx->quota || list_empty(&rx->free))
		vmb_rx_reap_locked(rx);
	if (!rx->stop && rx->taken < rx->quota)
		p = list_first_entry_or_null(&rx->free, struct vmb_rx_packet,
					     node);
	if (p) {
		list_del_init(&p->node);
		p->state = VMB_RX_DELIVERING;
		rx->taken++;
		rx->held++;
	}
	return p;
}

/* A slot for a packet that needs one now; failing records a stall. */
struct vmb_rx_packet *vmb_rx_take_slot(struct vmb_rx *rx)
{
	struct vmb_rx_packet *p;
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	p = vmb_rx_reserve_one_locked(rx);
	if (!p) {
		WRITE_ONCE(rx->stalled, true);
		/*
		 * A completion that returned its slot without the lock reads
		 * @stalled after its llist_add() (vmb_rx_return()): either it
		 * sees the stall and kicks, or this sees its slot.
		 */
		smp_mb();
		if (!llist_empty(&rx->returned)) {
			p = vmb_rx_reserve_one_locked(rx);
			if (p)
				WRITE_ONCE(rx->stalled, false);
		}
	}
	spin_unlock_irqrestore(&rx->lock, flags);
	return p;
}

/*
 * Refill the runner's stash while delivery may go on, and take one slot
 * of it for the packet at hand: every slot completed elsewhere at once,
 * as the chain it already is, else up to VMB_RX_STASH slots off the free
 * list.  The slots stay VMB_RX_FREE until vmb_rx_stash_pop() hands one
 * to a packet, so a stale completion of one is still named.  Failing
 * records no stall: the caller then asks vmb_rx_take_slot(), which does.
 */
struct vmb_rx_packet *vmb_rx_reserve_locked(struct vmb_rx *rx)
{
	struct llist_node *chain = vmb_rx_recycled_locked(rx);
	struct vmb_rx_packet *p;
	u32 n = 0;

	if (chain) {
		rx->recycle = NULL;
		rx->stash = chain;
		return vmb_rx_stash_pop(rx);
	}
	if (rx->stop)
		return NULL;
	/* Returned slots count as taken until reaped: reap at the limit. */
	if (rx->taken >= rx->quota || list_empty(&rx->free))
		vmb_rx_reap_locked(rx);
	/* Free slots are VMB_RX_FREE already. */
	while (n < VMB_RX_STASH && rx->taken + n < rx->quota &&
	       !list_empty(&rx->free)) {
		p = list_first_entry(&rx->free, struct vmb_rx_packet, node);
		list_del_init(&p->node);
		p->returned.next = rx->stash;
		rx->stash = &p->returned;
		n++;
	}
	rx->taken += n;
	rx->held += n;
	return n ? vmb_rx_stash_pop(rx) : NULL;
}

static void vmb_rx_unreserve_locked(struct vmb_rx *rx, struct vmb_rx_packet *p)
{
	lockdep_assert_held(&rx->lock);
	rx->held--;
	rx->taken--;
	p->state = VMB_RX_FREE;
	list_add(&p->node, &rx->free);
}

/*
 * Give back the reservations the batch did not use: @p (may be NULL) to
 * the free list, the stash onto @rx->recycle, as it is (counted as taken
 * and held, VMB_RX_FREE), where the next batch or reap finds it.  Nothing
 * waits for them.
 */
void vmb_rx_unreserve(struct vmb_rx *rx, struct vmb_rx_packet *p)
{
	struct llist_node *tail;
	unsigned long flags;

	if (!p && !rx->stash)
		return;
	spin_lock_irqsave(&rx->lock, flags);
	if (p)
		vmb_rx_unreserve_locked(rx, p);
	if (rx->stash) {
		/* Rare: the stash came off the free list, not @recycle. */
		if (rx->recycle) {
			tail = rx->stash;
			while (tail->next)
				tail = tail->next;
			tail->next = rx->recycle;
		}
		rx->recycle = rx->stash;
		rx->stash = NULL;
	}
	spin_unlock_irqrestore(&rx->lock, flags);
}

/*
 * Return a slot to the pool.  Returns true when delivery had stalled and
 * must be kicked.
 */
bool vmb_rx_free_slot_locked(struct vmb_rx *rx, struct vmb_rx_packet *p)
{
	lockdep_assert_held(&rx->lock);
	if (p->state != VMB_RX_PARKED)
		rx->held--;
	vmb_rx_put_locked(rx, p);
	return vmb_rx_unstall_locked(rx);
}

/*
 * A slot came back: true when delivery had stalled for want of one and
 * must be kicked.
 */
bool vmb_rx_unstall_locked(struct vmb_rx *rx)
{
	lockdep_assert_held(&rx->lock);
	if (rx->stalled && !rx->stop) {
		WRITE_ONCE(rx->stalled, false);
		return true;
	}
	return false;
}

static bool vmb_rx_check(struct vmb_rx *rx, bool (*cond)(struct vmb_rx *))
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&rx->lock, flags);
	ok = cond(rx);
	spin_unlock_irqrestore(&rx->lock, flags);
	return ok;
}

static bool vmb_rx_idle(struct vmb_rx *rx)
{
	return !rx->running && list_empty(&rx->deferred);
}

static bool vmb_rx_not_running(struct vmb_rx *rx)
{
	return !rx->running;
}

static bool vmb_rx_released(struct vmb_rx *rx)
{
	vmb_rx_reap_locked(rx);
	return !rx->held;
}

static void vmb_rx_free_pool(struct vmb_channel *c);

/**
 * vmb_rx_init() - initialise the receive engine of a new channel.
 * @c: the channel.
 */
void vmb_rx_init(struct vmb_channel *c)
{
	struct vmb_rx *rx = &c->rx;

	spin_lock_init(&rx->lock);
	INIT_LIST_HEAD(&rx->free);
	init_llist_head(&rx->returned);
	rx->recycle = NULL;
	INIT_LIST_HEAD(&rx->deferred);
	INIT_WORK(&rx->work, vmb_rx_work);
	init_waitqueue_head(&rx->idle);
	rx->quota = VMB_DEFAULT_QUOTA;
}

/**
 * vmb_rx_setup() - allocate the packet pool before the channel opens.
 * @c: the channel, not yet open.
 *
 * Delivery starts stopped (VMB_RX_STOP_STARTING, and VMB_RX_STOP_PAUSED if
 * Pause was called before Enable).
 *
 * Context: process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int vmb_rx_setup(struct vmb_channel *c)
{
	struct vmb_rx *rx = &c->rx;
	u32 i, stride;

	might_sleep();
	/* A pool orphaned by a bounded close goes once the client let go. */
	if (rx->slots) {
		if (!vmb_rx_check(rx, vmb_rx_released))
			return -EBUSY;
		vmb_rx_free_pool(c);
	}
	rx->buf_size = ALIGN(c->max_packet_size, sizeof(u64)) +
		       VMB_RX_HEADER_ROOM;
	rx->nslots = max_t(u32, rx->quota, VMB_DEFAULT_QUOTA);
	rx->slots = vmb_kcalloc(rx->nslots, sizeof(*rx->slots), GFP_KERNEL);
	if (!rx->slots)
		return -ENOMEM;
	/* Every buffer starts a cache line, so none shares one with its
	 * neighbour and each copy into one costs the same.
	 */
	stride = ALIGN(rx->buf_size, SMP_CACHE_BYTES);
	rx->buffers = vmb_kvmalloc_array(rx->nslots, stride, GFP_KERNEL);
	if (!rx->buffers)
		goto err_free_slots;
	if (vmb_rx_ext_setup(c))
		goto err_free_buffers;

	INIT_LIST_HEAD(&rx->free);
	init_llist_head(&rx->returned);
	rx->recycle = NULL;
	for (i = 0; i < rx->nslots; i++) {
		struct vmb_rx_packet *p = &rx->slots[i];

		p->channel = c;
		p->buf = rx->buffers + (size_t)i * stride;
		list_add_tail(&p->node, &rx->free);
	}
	rx->taken = 0;
	rx->held = 0;
	rx->stalled = false;
	rx->running = false;
	rx->rerun = false;
	rx->batch_count = 0;
	rx->stash = NULL;
	/* No runner until vmb_rx_open(): the rings are not published yet. */
	rx->shut = true;
	rx->stop = VMB_RX_STOP_STARTING |
		   (c->pause_on_enable ? VMB_RX_STOP_PAUSED : 0);
	vmb_verifier_add_slots(rx->slots, rx->nslots);
	return 0;

err_free_buffers:
	kvfree(rx->buffers);
	rx->buffers = NULL;
err_free_slots:
	kfree(rx->slots);
	rx->slots = NULL;
	return -ENOMEM;
}

/* Free the pool, its external-data pools and the verifier's record. */
static void vmb_rx_free_pool(struct vmb_channel *c)
{
	struct vmb_rx *rx = &c->rx;

	vmb_rx_ext_teardown(c);
	vmb_verifier_remove_slots(rx->slots);
	kvfree(rx->buffers);
	kfree(rx->slots);
	rx->buffers = NULL;
	rx->slots = NULL;
	rx->nslots = 0;
}

/**
 * vmb_rx_shut() - stop the runner for good before the rings close.
 * @c: the channel, about to be closed.
 *
 * No kick schedules the runner after this, a runner in progress finishes,
 * and the worker is cancelled: in passive mode it is the worker, not the
 * backend's tasklet, that reads the rings, and the close waits only for
 * the tasklet.  Called with delivery stopped, so the runner only drains
 * sends and returns.
 *
 * Context: process context, not from the runner; sleeps.
 */
void vmb_rx_shut(struct vmb_channel *c)
{
	struct vmb_rx *rx = &c->rx;
	unsigned long flags;

	might_sleep();
	spin_lock_irqsave(&rx->lock, flags);
	rx->shut = true;
	spin_unlock_irqrestore(&rx->lock, flags);
	wait_event(rx->idle, vmb_rx_check(rx, vmb_rx_not_running));
	cancel_work_sync(&rx->work);
}

/**
 * vmb_rx_teardown() - free the pool once the channel is closed.
 * @c: the channel; its runner is shut (vmb_rx_shut()) and
 *     vmb_tx_shutdown() has ended queued completions.
 *
 * Deferred packets were the runner's to deliver again; with the rings
 * gone they are dropped.  Packets the client still holds (a close whose
 * wait for them was bounded and ran out) keep the pool alive: their
 * buffers stay valid, completing them later only returns their slot, and
 * the pool is freed at the next Enable or at Cleanup.
 *
 * Context: process context; sleeps.
 */
void vmb_rx_teardown(struct vmb_channel *c)
{
	struct vmb_rx *rx = &c->rx;
	struct vmb_rx_packet *p, *tmp;
	unsigned long flags;
	u32 held;

	might_sleep();
	cancel_work_sync(&rx->work);
	spin_lock_irqsave(&rx->lock, flags);
	list_for_each_entry_safe(p, tmp, &rx->deferred, node) {
		list_del_init(&p->node);
		vmb_rx_free_slot_locked(rx, p);
	}
	vmb_rx_reap_locked(rx);
	held = rx->held;
	spin_unlock_irqrestore(&rx->lock, flags);
	if (held) {
		pr_warn("vmbkmcl: %s: closed with %u received packets not completed; their completions are lost\n",
			c->name, held);
		return;
	}
	WARN_ON(rx->taken);
	vmb_rx_free_pool(c);
}

/**
 * vmb_rx_cleanup() - free what a channel's receive engine still has.
 * @c: a channel being cleaned up, not enabled.
 *
 * A pool the client still holds packets of is leaked rather than freed
 * under it.
 */
void vmb_rx_cleanup(struct vmb_channel *c)
{
	if (!c->rx.slots)
		return;
	if (!vmb_rx_check(&c->rx, vmb_rx_released)) {
		pr_err("vmbkmcl: %s: cleaned up with %u received packets not completed; leaking their pool\n",
		       c->name, READ_ONCE(c->rx.held));
		return;
	}
	vmb_rx_free_pool(c);
}

/**
 * vmb_rx_stop() - stop delivery for @reason (VMB_RX_STOP_*).
 * @c:      the channel.
 * @reason: the stop bit to set.
 *
 * The runner finishes the packet it is delivering, ends the batch and
 * leaves the rest in the ring, masked.
 */
void vmb_rx_stop(struct vmb_channel *c, unsigned int reason)
{
	unsigned long flags;

	spin_lock_irqsave(&c->rx.lock, flags);
	c->rx.stop |= reason;
	spin_unlock_irqrestore(&c->rx.lock, flags);
}

/**
 * vmb_rx_resume() - lift stop @reasons and drain what waited meanwhile.
 * @c:       an enabled channel.
 * @reasons: the stop bits to clear.
 */
void vmb_rx_resume(struct vmb_channel *c, unsigned int reasons)
{
	unsigned long flags;
	bool go;

	spin_lock_irqsave(&c->rx.lock, flags);
	c->rx.stop &= ~reasons;
	go = !c->rx.stop;
	if (go)
		WRITE_ONCE(c->rx.stalled, false);
	spin_unlock_irqrestore(&c->rx.lock, flags);
	if (go)
		vmb_rx_kick(c);
}

/*
 * Count a waiter in or out.  A completion that returns its slot without
 * the lock reads @waiters after its llist_add() (vmb_rx_return()); a
 * waiter counted before its wait_event_timeout() tests its condition
 * after prepare_to_wait_event()'s full barrier: either the completion
 * sees the waiter and wakes it, or the waiter sees the slot.
 */
static void vmb_rx_add_waiter(struct vmb_rx *rx, int n)
{
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	WRITE_ONCE(rx->waiters, rx->waiters + n);
	spin_unlock_irqrestore(&rx->lock, flags);
}

/*
 * Wait for the client's own callbacks or completions, saying every
 * interval what it waits for, at most @timeout jiffies
 * (MAX_SCHEDULE_TIMEOUT: until they come).  Returns false if the time ran
 * out first.
 */
static bool vmb_rx_wait(struct vmb_channel *c, bool (*cond)(struct vmb_rx *),
			const char *what, unsigned long timeout)
{
	struct vmb_rx *rx = &c->rx;
	unsigned long step;
	bool ok;

	might_sleep();
	vmb_rx_add_waiter(rx, 1);
	for (;;) {
		step = min_t(unsigned long, timeout, VMB_QUIESCE_WARN_INTERVAL);
		ok = wait_event_timeout(rx->idle, vmb_rx_check(rx, cond), step);
		if (ok)
			break;
		if (timeout != MAX_SCHEDULE_TIMEOUT)
			timeout -= step;
		if (!timeout)
			break;
		pr_warn("vmbkmcl: %s: still waiting for %s (%u packets held)\n",
			c->name, what, READ_ONCE(rx->held));
	}
	vmb_rx_add_waiter(rx, -1);
	return ok;
}

/**
 * vmb_rx_wait_idle() - wait until no callback runs or is queued.
 * @c: the channel, with delivery stopped.
 *
 * Not bounded: a callback that is running is using the rings, which
 * cannot be freed under it.
 *
 * Context: process context, not from a packet callback; sleeps.
 */
void vmb_rx_wait_idle(struct vmb_channel *c)
{
	vmb_rx_wait(c, vmb_rx_idle, "packet callbacks to return",
		    MAX_SCHEDULE_TIMEOUT);
}

/**
 * vmb_rx_wait_released() - wait until the client completed every packet.
 * @c:       the channel, with delivery stopped.
 * @timeout: in jiffies; MAX_SCHEDULE_TIMEOUT waits as long as it takes.
 *
 * Context: process context, not from a packet callback; sleeps.
 * Return: true once every packet is completed, false if @timeout ran out.
 */
bool vmb_rx_wait_released(struct vmb_channel *c, unsigned long timeout)
{
	return vmb_rx_wait(c, vmb_rx_released,
			   "received packets to be completed", timeout);
}

/**
 * VmbChannelSetIncomingProcessingAtPassive() - choose the callback context.
 * @Channel:        the channel.
 * @RequirePassive: TRUE: ProcessPacket and ProcessingComplete run in
 *                  process context, from a worker; FALSE: in softirq
 *                  context, from the channel's tasklet.
 *
 * May be called at any time; a batch already running finishes in the old
 * context, and callbacks never overlap either way.
 *
 * Context: any context; does not sleep.
 */
void VmbChannelSetIncomingProcessingAtPassive(VMBCHANNEL Channel,
					      BOOLEAN RequirePassive)
{
	unsigned long flags;

	spin_lock_irqsave(&Channel->rx.lock, flags);
	WRITE_ONCE(Channel->rx.passive, !!RequirePassive);
	spin_unlock_irqrestore(&Channel->rx.lock, flags);
}
EXPORT_SYMBOL_GPL(VmbChannelSetIncomingProcessingAtPassive);

/**
 * VmbChannelSetTransactionQuota() - cap the received packets outstanding.
 * @Channel: the channel.
 * @Quota:   packets indicated but not yet completed, at least 1.
 *
 * The packet pool is sized at Enable to the larger of the quota and 32;
 * a quota raised later is capped by that pool.  Lowering it below the
 * current count only stops further delivery; raising it does not restart
 * a stalled queue: only a completion does, as on Windows.  A quota of 0 is
 * ignored.
 *
 * Context: any context; does not sleep.
 */
void VmbChannelSetTransactionQuota(VMBCHANNEL Channel, UINT32 Quota)
{
	unsigned long flags;

	if (!Quota) {
		pr_warn_ratelimited("vmbkmcl: %s: transaction quota 0 ignored\n",
				    Channel->name);
		return;
	}
	spin_lock_irqsave(&Channel->rx.lock, flags);
	Channel->rx.quota = Quota;
	spin_unlock_irqrestore(&Channel->rx.lock, flags);
}
EXPORT_SYMBOL_GPL(VmbChannelSetTransactionQuota);

/**
 * vmbkmcl_channel_rx_stats() - a snapshot of a channel's receive counters.
 * @Channel: the channel.
 * @stats:   receives the counters.
 *
 * For debugfs and tests; the counters only grow, and a snapshot taken
 * while packets flow may be a few packets old (the packet count, the
 * batch in progress).
 *
 * Context: any context.
 */
void vmbkmcl_channel_rx_stats(VMBCHANNEL Channel, struct vmb_rx_stats *stats)
{
	unsigned long flags;

	spin_lock_irqsave(&Channel->rx.lock, flags);
	*stats = Channel->rx.stats;
	spin_unlock_irqrestore(&Channel->rx.lock, flags);
	stats->completions_sent += READ_ONCE(Channel->rx.direct_sent) +
				   vmb_tx_direct_completions(Channel);
}
EXPORT_SYMBOL_GPL(vmbkmcl_channel_rx_stats);

/**
 * vmbkmcl_channel_rx_slots() - how many pool slots are out.
 * @Channel: the channel.
 * @held:    receives the packets the client owns (not yet completed).
 * @taken:   receives the slots out of the pool: @held plus completions
 *           waiting for ring space.
 *
 * For debugfs and tests: exact as of the call, slots returned without
 * the lock included.
 *
 * Context: any context.
 */
void vmbkmcl_channel_rx_slots(VMBCHANNEL Channel, u32 *held, u32 *taken)
{
	struct vmb_rx *rx = &Channel->rx;
	unsigned long flags;

	spin_lock_irqsave(&rx->lock, flags);
	vmb_rx_reap_locked(rx);
	*held = rx->held;
	*taken = rx->taken;
	spin_unlock_irqrestore(&rx->lock, flags);
}
EXPORT_SYMBOL_GPL(vmbkmcl_channel_rx_slots);
