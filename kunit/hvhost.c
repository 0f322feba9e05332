// SPDX-License-Identifier: GPL-2.0
/*
 * hvhost - a device on the emulated Hyper-V's VMBus host (see hvhost.h).
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "hvhost.h"

static struct hvhost_oracle hvhost_oracle_answers;

/**
 * hvhost_oracle() - what hv_utils answered, for comparison.
 *
 * Return: the record vmbkmcl_hvutils fills and vmbkmcl_hvpath reads; its
 * @valid says whether hv_utils ran.
 */
struct hvhost_oracle *hvhost_oracle(void)
{
	return &hvhost_oracle_answers;
}
EXPORT_SYMBOL_GPL(hvhost_oracle);

static u32 hvhost_open(struct hvemu_chan *ch)
{
	struct hvhost *h = hvemu_chan_ctx(ch);
	u32 refuse = READ_ONCE(h->refuse_opens);

	atomic_inc(&h->opens);
	wake_up_all(&h->wq);
	return refuse;
}

static void hvhost_close(struct hvemu_chan *ch)
{
	struct hvhost *h = hvemu_chan_ctx(ch);

	atomic_inc(&h->closes);
	wake_up_all(&h->wq);
}

/*
 * The guest signalled: tell the device model serving the port, or drain
 * the guest's ring into the queue.
 */
static void hvhost_signal(struct hvemu_chan *ch)
{
	struct hvhost *h = hvemu_chan_ctx(ch);
	/* Pairs with hvhost_port_set_notify(): @notify_ctx is set first. */
	void (*notify)(void *ctx) = smp_load_acquire(&h->notify);
	struct hvhost_pkt pkt;
	unsigned long flags;
	int ret;

	atomic_inc(&h->signals);
	if (notify) {
		notify(h->notify_ctx);
		return;
	}
	for (;;) {
		ret = hvemu_chan_read(ch, &pkt.hdr, pkt.data, sizeof(pkt.data));
		if (ret <= 0 && ret != -EMSGSIZE)
			break;
		spin_lock_irqsave(&h->lock, flags);
		if (ret == -EMSGSIZE)
			h->bad++;
		else if (h->count == HVHOST_QUEUE)
			h->lost++;
		else
			h->q[(h->head + h->count++) % HVHOST_QUEUE] = pkt;
		spin_unlock_irqrestore(&h->lock, flags);
	}
	if (ret < 0 && ret != -ENODEV) {
		spin_lock_irqsave(&h->lock, flags);
		h->bad++;
		spin_unlock_irqrestore(&h->lock, flags);
	}
	wake_up_all(&h->wq);
}

static const struct hvemu_chan_ops hvhost_ops = {
	.open = hvhost_open,
	.close = hvhost_close,
	.signal = hvhost_signal,
};

static int hvhost_port_read(struct hostport *p, struct hostport_pkt *pkt,
			    void *buf, u32 cap)
{
	struct hvhost *h = container_of(p, struct hvhost, port);
	struct hvemu_packet hp;
	int ret = hvemu_chan_read(h->ch, &hp, buf, cap);

	/* -EMSGSIZE: consumed, and cut to @cap as the port promises. */
	if (ret != 1 && ret != -EMSGSIZE)
		return ret;
	pkt->type = hp.type;
	pkt->flags = hp.flags;
	pkt->trans_id = hp.trans_id;
	pkt->len = hp.len;
	return 1;
}

static int hvhost_port_write(struct hostport *p, u16 type, u16 flags,
			     u64 trans_id, const void *data, u32 len)
{
	return hvhost_send(container_of(p, struct hvhost, port), type, flags,
			   trans_id, data, len);
}

static void hvhost_port_set_notify(struct hostport *p,
				   void (*notify)(void *ctx), void *ctx)
{
	struct hvhost *h = container_of(p, struct hvhost, port);

	h->notify_ctx = ctx;
	/* Pairs with hvhost_signal(): it reads @notify_ctx after @notify. */
	smp_store_release(&h->notify, notify);
	/* What the guest wrote before is the model's too. */
	if (notify && h->ch && hvemu_chan_is_open(h->ch))
		notify(ctx);
}

/**
 * hvhost_port() - @h as the device models see a host (hostport.h).
 * @h: an offered hvhost.
 *
 * Return: its port, valid until hvhost_rescind().
 */
struct hostport *hvhost_port(struct hvhost *h)
{
	return &h->port;
}
EXPORT_SYMBOL_GPL(hvhost_port);

/**
 * hvhost_offer() - offer a channel of class @type to the guest.
 * @h:         zeroed hvhost.
 * @type:      class GUID.
 * @sub_index: 0 for a primary channel.
 *
 * Context: process context; sleeps.
 * Return: 0, or -ENODEV without an emulated Hyper-V.
 */
int hvhost_offer(struct hvhost *h, const guid_t *type, u16 sub_index)
{
	guid_t instance;

	spin_lock_init(&h->lock);
	init_waitqueue_head(&h->wq);
	h->port.read = hvhost_port_read;
	h->port.write = hvhost_port_write;
	h->port.set_notify = hvhost_port_set_notify;
	guid_gen(&instance);
	h->ch = hvemu_offer(type, &instance, sub_index, &hvhost_ops, h);
	return h->ch ? 0 : -ENODEV;
}
EXPORT_SYMBOL_GPL(hvhost_offer);

/**
 * hvhost_rescind() - rescind the channel, wait for the guest's release.
 * @h: an offered hvhost.
 *
 * Context: process context; sleeps (bounded).
 * Return: as hvemu_rescind().
 */
int hvhost_rescind(struct hvhost *h)
{
	int ret = 0;

	if (h->ch)
		ret = hvemu_rescind(h->ch);
	h->ch = NULL;
	return ret;
}
EXPORT_SYMBOL_GPL(hvhost_rescind);

static bool hvhost_wait_atomic(struct hvhost *h, atomic_t *v, u32 n)
{
	return wait_event_timeout(h->wq, atomic_read(v) >= n,
				  msecs_to_jiffies(HVHOST_WAIT_MS)) > 0;
}

/**
 * hvhost_wait_opens_now() - wait for the guest's @n-th open, no more.
 * @h: hvhost.
 * @n: opens in all (refused ones included).
 *
 * Returns as soon as the host accepted the open, which may be before the
 * guest has seen OPENCHANNEL_RESULT and before its vmbus_open() returned:
 * a host that speaks at once, as Hyper-V's may.
 *
 * Context: process context; sleeps (bounded).
 * Return: false on timeout.
 */
bool hvhost_wait_opens_now(struct hvhost *h, u32 n)
{
	return hvhost_wait_atomic(h, &h->opens, n);
}
EXPORT_SYMBOL_GPL(hvhost_wait_opens_now);

/**
 * hvhost_wait_opens() - wait for the guest's @n-th open, and let it settle.
 * @h: hvhost.
 * @n: opens in all (refused ones included).
 *
 * Then waits HVHOST_SETTLE_MS more, so the guest has finished its
 * vmbus_open() before the host speaks (see hvhost_wait_opens_now()).
 *
 * Context: process context; sleeps (bounded).
 * Return: false on timeout.
 */
bool hvhost_wait_opens(struct hvhost *h, u32 n)
{
	if (!hvhost_wait_atomic(h, &h->opens, n))
		return false;
	msleep(HVHOST_SETTLE_MS);
	return true;
}
EXPORT_SYMBOL_GPL(hvhost_wait_opens);

/**
 * hvhost_wait_closes() - wait for the guest's @n-th close of the channel.
 * @h: hvhost.
 * @n: closes in all.
 *
 * Context: process context; sleeps (bounded).
 * Return: false on timeout.
 */
bool hvhost_wait_closes(struct hvhost *h, u32 n)
{
	return hvhost_wait_atomic(h, &h->closes, n);
}
EXPORT_SYMBOL_GPL(hvhost_wait_closes);

/**
 * hvhost_send() - write a packet to the guest.
 * @h:        hvhost.
 * @type:     packet type.
 * @flags:    descriptor flags.
 * @trans_id: transaction id.
 * @data:     payload.
 * @len:      its bytes.
 *
 * Return: as hvemu_chan_write().
 */
int hvhost_send(struct hvhost *h, u16 type, u16 flags, u64 trans_id,
		const void *data, u32 len)
{
	return hvemu_chan_write(h->ch, type, flags, trans_id, data, len);
}
EXPORT_SYMBOL_GPL(hvhost_send);

/**
 * hvhost_recv() - take the oldest packet the guest sent.
 * @h:   hvhost.
 * @out: the packet.
 * @ms:  how long to wait for one.
 *
 * Context: process context; sleeps.
 * Return: 0, or -ETIMEDOUT.
 */
int hvhost_recv(struct hvhost *h, struct hvhost_pkt *out, u32 ms)
{
	unsigned long flags;
	int ret = -ETIMEDOUT;

	wait_event_timeout(h->wq, READ_ONCE(h->count),
			   msecs_to_jiffies(ms));
	spin_lock_irqsave(&h->lock, flags);
	if (h->count) {
		*out = h->q[h->head];
		h->head = (h->head + 1) % HVHOST_QUEUE;
		h->count--;
		ret = 0;
	}
	spin_unlock_irqrestore(&h->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(hvhost_recv);

/**
 * hvhost_request() - send an inband packet and wait for the answer.
 * @h:     hvhost.  Each request carries the next transaction id (1, 2, ...),
 *         as Hyper-V's own requests carry one.
 * @msg:   payload.
 * @len:   its bytes.
 * @reply: the guest's next packet.
 *
 * Context: process context; sleeps.
 * Return: 0, an hvemu_chan_write() error, or -ETIMEDOUT.
 */
int hvhost_request(struct hvhost *h, const void *msg, u32 len,
		   struct hvhost_pkt *reply)
{
	int ret = hvhost_send(h, VM_PKT_DATA_INBAND, 0, ++h->next_trans, msg,
			      len);

	return ret ? ret : hvhost_recv(h, reply, HVHOST_WAIT_MS);
}
EXPORT_SYMBOL_GPL(hvhost_request);

/**
 * hvhost_round_trip() - packets that want completions, and the completions.
 * @h:       hvhost, its packets queued (no device model on its port).
 * @n:       how many: inband, HVHOST_TRIP_LEN bytes each, the first 8 the
 *           packet's tag, which is also its transaction id.
 * @first:   the first packet's tag; each next one's is one more.
 * @scratch: where each packet is built, then each answer read.
 *
 * All @n are written before the first completion is awaited.
 *
 * Context: process context; sleeps (bounded).
 * Return: how many completions came back in order, each for its packet;
 * fewer than @n if a write failed or an answer timed out or was wrong.
 */
u32 hvhost_round_trip(struct hvhost *h, u32 n, u64 first,
		      struct hvhost_pkt *scratch)
{
	u32 i, ok = 0;

	for (i = 0; i < n; i++) {
		u64 tag = first + i;

		memset(scratch->data, 0, HVHOST_TRIP_LEN);
		memcpy(scratch->data, &tag, sizeof(tag));
		if (hvhost_send(h, VM_PKT_DATA_INBAND,
				VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
				tag, scratch->data, HVHOST_TRIP_LEN))
			return ok;
	}
	for (i = 0; i < n; i++) {
		if (hvhost_recv(h, scratch, HVHOST_WAIT_MS))
			break;
		ok += scratch->hdr.type == VM_PKT_COMP &&
		      scratch->hdr.trans_id == first + i;
	}
	return ok;
}
EXPORT_SYMBOL_GPL(hvhost_round_trip);

MODULE_DESCRIPTION("Devices on the emulated Hyper-V's VMBus host and their client drivers, for tests");
MODULE_LICENSE("GPL");
