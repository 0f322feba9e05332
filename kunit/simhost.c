// SPDX-License-Identifier: GPL-2.0
/*
 * simhost - the host end of a VMBus channel, simulated in guest memory.
 *
 * See simhost.h for the model.  Ring protocol, as the host keeps it:
 *  1. The producer writes a packet and its trailer, then publishes
 *     write_index with release semantics; the consumer loads write_index
 *     with acquire semantics (hv_pkt_iter_first's virt_load_acquire) before
 *     it reads the bytes.  The same holds in reverse for read_index.
 *  2. A ring is full when a packet plus its trailer would leave no free
 *     byte: write_index == read_index always means empty.
 *  3. Offsets are byte offsets into the data area; the data pages are mapped
 *     twice behind the header page, so a packet never needs splitting.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../vmbkmcl/backend.h"
#include "simhost.h"
#include "simhost_gpadl.h"

/* How long simhost_request() waits for the guest's answer. */
#define SIMHOST_REPLY_TIMEOUT	msecs_to_jiffies(5000)

/**
 * struct simhost - one simulated host endpoint.
 * @hdev:	the fake device a client driver allocates its channel on.
 * @channel:	the guest's channel; rings exist only while open.
 * @irq:	runs the channel callback, as vmbus_on_event() does.
 * @lock:	guards @hold and @held.
 * @ring_lock:	guards host-side ring access against the rings' close.
 * @hold:	interrupts are held back (tests that batch by hand).
 * @held:	an interrupt arrived while held.
 * @rings_open:	the rings exist.
 * @interrupts:	channel callbacks run.
 * @signals:	interrupts the ring protocol raised (not forced ones).
 * @guest_signals: packets the guest wrote into an outbound ring the host
 *		had emptied: the writes that signal a real host.
 * @out_empty_at: outbound offset the host last saw the ring empty at, or
 *		U32_MAX since it last saw data.
 * @fail_open:	errno the next backend open returns, or 0.
 * @proto_version: the VMBus version the simulated host negotiated.
 * @isolated:	the guest is a confidential VM.
 * @late_teardowns: GPADL teardowns after the close on a host that
 *		ignores them: on Hyper-V each would wait for ever.
 * @clobbered:	opens of the already open channel, each of which freed
 *		its live rings as vmbus_open() does.
 * @notify:	called when vmbkmcl says it wrote to the outbound ring.
 * @notify_ctx:	its argument.
 * @ops:	the backend the device's channels use: simhost_backend, with
 *		the notify op only while @notify is set, so that a write
 *		costs what it does on hv_vmbus (which has none) otherwise.
 * @port:	the host end as device models see it (hostport.h).
 * @name:	@hdev's name, "simhost<n>", for the guest's messages.
 */
struct simhost {
	struct hv_device hdev;
	struct vmbus_channel *channel;
	struct tasklet_struct irq;
	spinlock_t lock;	/* @hold and @held */
	spinlock_t ring_lock;	/* host ring access vs @rings_open */
	bool hold;
	bool held;
	bool rings_open;
	atomic_t interrupts;
	atomic_t signals;
	u32 guest_signals;
	u32 out_empty_at;
	int fail_open;
	u32 proto_version;
	bool isolated;
	atomic_t late_teardowns;
	atomic_t clobbered;
	void (*notify)(void *ctx);
	void *notify_ctx;
	struct vmbkmcl_backend_ops ops;
	struct hostport port;
	char name[20];
};

/* Mirror of hv_ringbuffer_init(), which is not exported. */
static int simhost_map_ring(struct hv_ring_buffer_info *rbi,
			    struct page *pages, u32 page_cnt, u32 max_pkt_size)
{
	struct page **map;
	u32 i;

	map = kcalloc(2 * page_cnt - 1, sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	map[0] = pages;
	for (i = 0; i < 2 * (page_cnt - 1); i++)
		map[i + 1] = &pages[i % (page_cnt - 1) + 1];
	rbi->ring_buffer = vmap(map, 2 * page_cnt - 1, VM_MAP, PAGE_KERNEL);
	kfree(map);
	if (!rbi->ring_buffer)
		return -ENOMEM;

	rbi->ring_buffer->read_index = 0;
	rbi->ring_buffer->write_index = 0;
	rbi->ring_buffer->feature_bits.value = 1;
	rbi->ring_size = page_cnt << PAGE_SHIFT;
	rbi->ring_size_div10_reciprocal = reciprocal_value(rbi->ring_size / 10);
	rbi->ring_datasize = rbi->ring_size - sizeof(struct hv_ring_buffer);
	rbi->priv_read_index = 0;
	if (max_pkt_size) {
		rbi->pkt_buffer = kzalloc(max_pkt_size, GFP_KERNEL);
		if (!rbi->pkt_buffer)
			return -ENOMEM;
		rbi->pkt_buffer_size = max_pkt_size;
	}
	spin_lock_init(&rbi->ring_lock);
	return 0;
}

static struct vmbus_channel *simhost_alloc_channel(void)
{
	struct vmbus_channel *ch = kzalloc(sizeof(*ch), GFP_KERNEL);

	if (!ch)
		return NULL;
	spin_lock_init(&ch->sched_lock);
	init_completion(&ch->rescind_event);
	INIT_LIST_HEAD(&ch->sc_list);
	INIT_LIST_HEAD(&ch->listentry);
	mutex_init(&ch->inbound.ring_buffer_mutex);
	mutex_init(&ch->outbound.ring_buffer_mutex);
	ch->state = CHANNEL_OFFER_STATE;
	return ch;
}

static bool simhost_ring_size_ok(u32 size)
{
	return size >= SIMHOST_RING_MIN_SIZE && PAGE_ALIGNED(size);
}

/**
 * simhost_open_rings() - give the channel rings, as vmbus_open() would.
 * @sh:            the simhost, rings not open.
 * @inbound_size:  host-to-guest ring size in bytes, header page included.
 * @outbound_size: guest-to-host ring size in bytes, header page included.
 * @max_pkt_size:  size of the guest's packet copy buffer (the channel's
 *                 max_pkt_size); 0 leaves the inbound ring without one.
 *
 * Context: process context; sleeps.
 * Return: 0, -EINVAL for bad sizes or open rings, or -ENOMEM.
 */
int simhost_open_rings(struct simhost *sh, u32 inbound_size,
		       u32 outbound_size, u32 max_pkt_size)
{
	struct vmbus_channel *ch = sh->channel;
	u32 send_pages = outbound_size >> PAGE_SHIFT;
	int ret;

	might_sleep();
	if (sh->rings_open || !simhost_ring_size_ok(inbound_size) ||
	    !simhost_ring_size_ok(outbound_size))
		return -EINVAL;
	ret = vmbus_alloc_ring(ch, outbound_size, inbound_size);
	if (ret)
		return ret;
	ret = simhost_map_ring(&ch->outbound, ch->ringbuffer_page, send_pages, 0);
	if (!ret)
		ret = simhost_map_ring(&ch->inbound,
				       &ch->ringbuffer_page[send_pages],
				       inbound_size >> PAGE_SHIFT, max_pkt_size);
	if (ret) {
		/* Unmaps what was mapped and frees pkt_buffer and the pages. */
		vmbus_free_ring(ch);
		return ret;
	}
	ch->max_pkt_size = max_pkt_size;
	/* The two fields that keep the ring code from signalling a host. */
	ch->outbound.ring_buffer->interrupt_mask = 1;
	ch->inbound.ring_buffer->pending_send_sz = 0;
	sh->out_empty_at = 0;
	spin_lock_irq(&sh->ring_lock);
	sh->rings_open = true;
	spin_unlock_irq(&sh->ring_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(simhost_open_rings);

/**
 * simhost_close_rings() - free the rings; no callback runs afterwards.
 * @sh: the simhost; nothing happens if its rings are not open.
 *
 * Context: process context; sleeps.
 */
void simhost_close_rings(struct simhost *sh)
{
	struct vmbus_channel *ch = sh->channel;

	might_sleep();
	if (!sh->rings_open)
		return;
	/* Host writers and readers finish, and later ones see it closed. */
	spin_lock_irq(&sh->ring_lock);
	sh->rings_open = false;
	spin_unlock_irq(&sh->ring_lock);
	/* As vmbus_reset_channel_cb(): wait out the callback, then drop it. */
	tasklet_disable(&sh->irq);
	WRITE_ONCE(ch->onchannel_callback, NULL);
	tasklet_enable(&sh->irq);
	tasklet_kill(&sh->irq);
	vmbus_free_ring(ch);
	ch->inbound.priv_read_index = 0;
}
EXPORT_SYMBOL_GPL(simhost_close_rings);

static void simhost_irq(struct tasklet_struct *t)
{
	struct simhost *sh = from_tasklet(sh, t, irq);
	struct vmbus_channel *ch = sh->channel;
	void (*callback)(void *context) = READ_ONCE(ch->onchannel_callback);

	if (!callback)
		return;
	atomic_inc(&sh->interrupts);
	callback(ch->channel_callback_context);
}

/* --- the backend vmbkmcl uses for simhost's device --- */

static struct simhost *simhost_of(struct hv_device *dev)
{
	return container_of(dev, struct simhost, hdev);
}

static int simhost_backend_open(struct hv_device *dev, u32 send_size,
				u32 recv_size, u32 max_pkt_size,
				void (*callback)(void *ctx), void *ctx,
				struct vmbus_channel **chan)
{
	struct simhost *sh = simhost_of(dev);
	int ret;

	/*
	 * As vmbus_open(): the rings are allocated before __vmbus_open()
	 * looks at the state, and on an open channel its error path frees
	 * the live rings (vmbus_free_ring() unmaps both and frees the copy
	 * buffer).  The guest's rings are really gone then, as on Hyper-V.
	 */
	if (sh->rings_open) {
		ret = vmbus_alloc_ring(sh->channel, send_size, recv_size);
		if (!ret)
			vmbus_free_ring(sh->channel);
		atomic_inc(&sh->clobbered);
		return -EINVAL;
	}
	/* As vmbus_open() on a rescinded channel. */
	if (READ_ONCE(sh->channel->rescind))
		return -ENODEV;
	ret = xchg(&sh->fail_open, 0);
	if (ret)
		return ret;
	ret = simhost_open_rings(sh, recv_size, send_size, max_pkt_size);
	if (ret)
		return ret;
	sh->channel->callback_mode = HV_CALL_DIRECT;
	sh->channel->channel_callback_context = ctx;
	WRITE_ONCE(sh->channel->onchannel_callback, callback);
	*chan = sh->channel;
	return 0;
}

static void simhost_backend_close(struct hv_device *dev,
				  struct vmbus_channel *chan)
{
	simhost_close_rings(simhost_of(dev));
}

static void simhost_backend_kick(struct vmbus_channel *chan)
{
	tasklet_schedule(&simhost_of(chan->device_obj)->irq);
}

static void simhost_backend_notify(struct vmbus_channel *chan)
{
	struct simhost *sh = simhost_of(chan->device_obj);
	void (*notify)(void *ctx) = READ_ONCE(sh->notify);

	if (notify)
		notify(sh->notify_ctx);
}

static bool simhost_backend_teardown_before_close(struct hv_device *dev)
{
	return READ_ONCE(simhost_of(dev)->proto_version) < VERSION_WIN10;
}

static bool simhost_backend_isolated(struct hv_device *dev)
{
	return READ_ONCE(simhost_of(dev)->isolated);
}

/**
 * simhost_teardown_ignored() - would this host ignore a GPADL teardown now?
 * @dev: the simulated device.
 *
 * Hosts older than Windows 10 drop a teardown that comes after the
 * channel's close, and vmbus_teardown_gpadl() then waits for ever; simhost
 * counts each instead (simhost_late_teardowns()).
 *
 * Return: true if so.
 */
bool simhost_teardown_ignored(struct hv_device *dev)
{
	struct simhost *sh = simhost_of(dev);

	if (READ_ONCE(sh->proto_version) >= VERSION_WIN10 || sh->rings_open)
		return false;
	atomic_inc(&sh->late_teardowns);
	return true;
}

/**
 * simhost_set_proto_version() - the VMBus version the host negotiated.
 * @sh:      the simhost.
 * @version: a VERSION_* of hyperv.h; the default is VERSION_WIN10_V5_3.
 */
void simhost_set_proto_version(struct simhost *sh, u32 version)
{
	WRITE_ONCE(sh->proto_version, version);
}
EXPORT_SYMBOL_GPL(simhost_set_proto_version);

/**
 * simhost_late_teardowns() - GPADL teardowns an old host would have ignored.
 * @sh: the simhost.
 *
 * Return: the count.
 */
u32 simhost_late_teardowns(struct simhost *sh)
{
	return atomic_read(&sh->late_teardowns);
}
EXPORT_SYMBOL_GPL(simhost_late_teardowns);

/**
 * simhost_set_isolated() - run the guest as a confidential VM, or not.
 * @sh:       the simhost.
 * @isolated: as hv_is_isolation_supported() would say.
 */
void simhost_set_isolated(struct simhost *sh, bool isolated)
{
	WRITE_ONCE(sh->isolated, isolated);
}
EXPORT_SYMBOL_GPL(simhost_set_isolated);

static const struct vmbkmcl_backend_ops simhost_backend = {
	.open = simhost_backend_open,
	.close = simhost_backend_close,
	.kick = simhost_backend_kick,
	.create_gpadl = simhost_gpadl_create,
	.teardown_gpadl = simhost_gpadl_teardown,
	.teardown_before_close = simhost_backend_teardown_before_close,
	.isolated = simhost_backend_isolated,
};

/**
 * simhost_set_notify() - be told when vmbkmcl writes to the outbound ring.
 * @sh:     the simhost.
 * @notify: called in the writer's context (up to softirq); NULL stops it.
 * @ctx:    its argument.
 */
void simhost_set_notify(struct simhost *sh, void (*notify)(void *ctx),
			void *ctx)
{
	sh->notify_ctx = ctx;
	WRITE_ONCE(sh->notify, notify);
	/* A write that read the op before it went reads @notify NULL. */
	WRITE_ONCE(sh->ops.notify, notify ? simhost_backend_notify : NULL);
}
EXPORT_SYMBOL_GPL(simhost_set_notify);

static int simhost_port_read(struct hostport *p, struct hostport_pkt *pkt,
			     void *buf, u32 cap)
{
	struct simhost *sh = container_of(p, struct simhost, port);
	struct simhost_packet sp;
	int ret = simhost_read(sh, &sp, buf, cap);

	if (ret == -ENODATA)
		return 0;
	if (ret)
		return ret;
	pkt->type = sp.desc.type;
	pkt->flags = sp.desc.flags;
	pkt->trans_id = sp.desc.trans_id;
	pkt->len = min(sp.data_len, cap);
	return 1;
}

static int simhost_port_write(struct hostport *p, u16 type, u16 flags,
			      u64 trans_id, const void *data, u32 len)
{
	return simhost_write_inband(container_of(p, struct simhost, port),
				    type, flags, trans_id, data, len);
}

static void simhost_port_set_notify(struct hostport *p,
				    void (*notify)(void *ctx), void *ctx)
{
	simhost_set_notify(container_of(p, struct simhost, port), notify, ctx);
}

/**
 * simhost_port() - @sh as the device models see a host (hostport.h).
 * @sh: the simhost.
 *
 * Return: its port, valid until simhost_destroy().
 */
struct hostport *simhost_port(struct simhost *sh)
{
	return &sh->port;
}
EXPORT_SYMBOL_GPL(simhost_port);

/**
 * simhost_fail_next_open() - make the next open fail, as a host refusing.
 * @sh:  the simhost.
 * @err: the negative errno vmbus_open() would return (-EAGAIN: refused,
 *       -ENOMEM, -ENODEV: rescinded).
 */
void simhost_fail_next_open(struct simhost *sh, int err)
{
	WRITE_ONCE(sh->fail_open, err);
}
EXPORT_SYMBOL_GPL(simhost_fail_next_open);

/**
 * simhost_clobbered() - opens that reached an already open channel.
 * @sh: the simhost.
 *
 * Each freed the channel's live rings, as vmbus_open() would: any later
 * ring access is a use after free.
 *
 * Return: the count.
 */
u32 simhost_clobbered(struct simhost *sh)
{
	return atomic_read(&sh->clobbered);
}
EXPORT_SYMBOL_GPL(simhost_clobbered);

/**
 * simhost_guest_signals() - outbound writes that would signal a real host.
 * @sh: the simhost.
 *
 * A guest signals when it writes into a ring it sees empty; the host sees
 * that as a packet starting where it last found the ring empty.
 *
 * Return: the count so far.
 */
u32 simhost_guest_signals(struct simhost *sh)
{
	return READ_ONCE(sh->guest_signals);
}
EXPORT_SYMBOL_GPL(simhost_guest_signals);

/* Numbers the simhosts' device names. */
static atomic_t simhost_ids = ATOMIC_INIT(0);

/**
 * simhost_create() - a simulated device with its channel, rings not open.
 *
 * Context: process context; sleeps.
 * Return: the simhost, or NULL on allocation failure.  vmbkmcl channels
 * allocated on simhost_device() use simhost as their backend: Enable opens
 * the rings, Disable closes them.
 */
struct simhost *simhost_create(void)
{
	struct simhost *sh;

	might_sleep();
	sh = kzalloc(sizeof(*sh), GFP_KERNEL);
	if (!sh)
		return NULL;
	sh->channel = simhost_alloc_channel();
	if (!sh->channel)
		goto err_free_sh;
	spin_lock_init(&sh->lock);
	spin_lock_init(&sh->ring_lock);
	tasklet_setup(&sh->irq, simhost_irq);
	sh->proto_version = VERSION_WIN10_V5_3;
	sh->port.read = simhost_port_read;
	sh->port.write = simhost_port_write;
	sh->port.set_notify = simhost_port_set_notify;
	guid_gen(&sh->hdev.dev_instance);
	/* Never registered: dev_name() reads the init name. */
	snprintf(sh->name, sizeof(sh->name), "simhost%u",
		 atomic_inc_return(&simhost_ids));
	sh->hdev.device.init_name = sh->name;
	sh->hdev.channel = sh->channel;
	sh->channel->device_obj = &sh->hdev;
	sh->ops = simhost_backend;
	if (vmbkmcl_backend_override(&sh->hdev, &sh->ops))
		goto err_free_channel;
	return sh;

err_free_channel:
	kfree(sh->channel);
err_free_sh:
	kfree(sh);
	return NULL;
}
EXPORT_SYMBOL_GPL(simhost_create);

/**
 * simhost_set_class() - the device class (offer type) of the device.
 * @sh:   the simhost, not yet offered.
 * @type: the class GUID a client driver serves.
 */
void simhost_set_class(struct simhost *sh, const guid_t *type)
{
	guid_copy(&sh->hdev.dev_type, type);
}
EXPORT_SYMBOL_GPL(simhost_set_class);

/**
 * simhost_offer() - offer the device to the driver serving its class.
 * @sh: the simhost.
 *
 * Context: process context; sleeps (the driver's add runs now, or when
 * the driver registers).
 * Return: as vmbkmcl_offer_device().
 */
int simhost_offer(struct simhost *sh)
{
	return vmbkmcl_offer_device(&sh->hdev);
}
EXPORT_SYMBOL_GPL(simhost_offer);

/**
 * simhost_rescind() - take the device away, as the host's rescind does.
 * @sh: the simhost.
 *
 * As hv_vmbus: the channel's rescind flag is set (sends fail with
 * -ENODEV) and its callback stopped, then the device is removed: its
 * channels close and the driver's remove runs.
 *
 * Context: process context; sleeps.
 */
void simhost_rescind(struct simhost *sh)
{
	struct vmbus_channel *ch = sh->channel;

	WRITE_ONCE(ch->rescind, true);
	tasklet_disable(&sh->irq);
	WRITE_ONCE(ch->onchannel_callback, NULL);
	tasklet_enable(&sh->irq);
	vmbkmcl_rescind_device(&sh->hdev);
}
EXPORT_SYMBOL_GPL(simhost_rescind);

/**
 * simhost_hibernate() - suspend the device as for hibernation.
 * @sh: the simhost.
 *
 * Context: process context; sleeps.
 * Return: as vmbkmcl_suspend_device().
 */
int simhost_hibernate(struct simhost *sh)
{
	return vmbkmcl_suspend_device(&sh->hdev);
}
EXPORT_SYMBOL_GPL(simhost_hibernate);

/**
 * simhost_thaw() - resume the device after simhost_hibernate().
 * @sh: the simhost.
 *
 * Context: process context; sleeps.
 * Return: as vmbkmcl_resume_device().
 */
int simhost_thaw(struct simhost *sh)
{
	return vmbkmcl_resume_device(&sh->hdev);
}
EXPORT_SYMBOL_GPL(simhost_thaw);

/**
 * simhost_destroy() - remove the device if offered, close the rings if
 * open, and free everything.
 * @sh: the simhost; NULL is ignored.  Channels a test allocated on its
 *      device itself must have been cleaned up.
 *
 * Context: process context; sleeps.
 */
void simhost_destroy(struct simhost *sh)
{
	if (!sh)
		return;
	vmbkmcl_rescind_device(&sh->hdev);
	simhost_close_rings(sh);
	simhost_gpadl_forget(sh);
	vmbkmcl_backend_restore(&sh->hdev);
	kfree(sh->channel);
	kfree(sh);
}
EXPORT_SYMBOL_GPL(simhost_destroy);

/**
 * simhost_channel() - the guest's view of the simulated channel.
 * @sh: the simhost.
 *
 * Return: the channel, valid until simhost_destroy().
 */
struct vmbus_channel *simhost_channel(struct simhost *sh)
{
	return sh->channel;
}
EXPORT_SYMBOL_GPL(simhost_channel);

/**
 * simhost_device() - the device to allocate vmbkmcl channels on.
 * @sh: the simhost.
 *
 * Return: the device, valid until simhost_destroy().
 */
struct hv_device *simhost_device(struct simhost *sh)
{
	return &sh->hdev;
}
EXPORT_SYMBOL_GPL(simhost_device);

/* Interrupt the guest: now, or when interrupts are no longer held. */
static void simhost_signal(struct simhost *sh)
{
	unsigned long flags;
	bool now;

	atomic_inc(&sh->signals);
	spin_lock_irqsave(&sh->lock, flags);
	now = !sh->hold;
	if (!now)
		sh->held = true;
	spin_unlock_irqrestore(&sh->lock, flags);
	if (now)
		tasklet_schedule(&sh->irq);
}

/**
 * simhost_interrupt() - run the channel callback once, whatever the ring
 * state, as a spurious or forced interrupt.
 * @sh: the simhost.
 *
 * Context: any context.
 */
void simhost_interrupt(struct simhost *sh)
{
	tasklet_schedule(&sh->irq);
}
EXPORT_SYMBOL_GPL(simhost_interrupt);

/**
 * simhost_hold_interrupts() - hold back or release the guest's interrupts.
 * @sh:   the simhost.
 * @hold: true: interrupts the ring protocol raises are remembered, not
 *        delivered; false: deliver one if any was held.
 *
 * Context: any context.
 */
void simhost_hold_interrupts(struct simhost *sh, bool hold)
{
	unsigned long flags;
	bool deliver;

	spin_lock_irqsave(&sh->lock, flags);
	sh->hold = hold;
	deliver = !hold && sh->held;
	if (deliver)
		sh->held = false;
	spin_unlock_irqrestore(&sh->lock, flags);
	if (deliver)
		tasklet_schedule(&sh->irq);
}
EXPORT_SYMBOL_GPL(simhost_hold_interrupts);

/**
 * simhost_sync() - wait until no interrupt is pending or running.
 * @sh: the simhost.
 *
 * After it, every interrupt raised before the call has been delivered and
 * its callback has returned; work the callback queued may still run.
 *
 * Context: process context; sleeps.
 */
void simhost_sync(struct simhost *sh)
{
	might_sleep();
	/* The tasklet sets RUN before it clears SCHED, so SCHED clear then
	 * RUN clear means the last one has finished.
	 */
	while (test_bit(TASKLET_STATE_SCHED, &sh->irq.state))
		usleep_range(100, 200);
	tasklet_unlock_wait(&sh->irq);
}
EXPORT_SYMBOL_GPL(simhost_sync);

/**
 * simhost_rings_open() - whether the channel has rings now.
 * @sh: the simhost.
 *
 * Return: true between a successful open and the close.
 */
bool simhost_rings_open(struct simhost *sh)
{
	return sh->rings_open;
}
EXPORT_SYMBOL_GPL(simhost_rings_open);

/**
 * simhost_interrupts() - channel callbacks run so far.
 * @sh: the simhost.
 *
 * Return: the count.
 */
u32 simhost_interrupts(struct simhost *sh)
{
	return atomic_read(&sh->interrupts);
}
EXPORT_SYMBOL_GPL(simhost_interrupts);

/**
 * simhost_signals() - interrupts the ring protocol raised so far: inbound
 * empty to non-empty with the guest unmasked, and outbound space reaching
 * the guest's pending_send_sz.
 * @sh: the simhost.
 *
 * Return: the count.
 */
u32 simhost_signals(struct simhost *sh)
{
	return atomic_read(&sh->signals);
}
EXPORT_SYMBOL_GPL(simhost_signals);

static u32 ring_free_bytes(u32 write, u32 read, u32 datasize)
{
	return write >= read ? datasize - (write - read) : read - write;
}

/**
 * simhost_inbound_free() - free bytes in the guest's inbound ring.
 * @sh: the simhost.
 *
 * Return: what a host write sees as free, trailer space included.
 */
u32 simhost_inbound_free(struct simhost *sh)
{
	struct hv_ring_buffer_info *rbi = &sh->channel->inbound;

	return ring_free_bytes(rbi->ring_buffer->write_index,
			       READ_ONCE(rbi->ring_buffer->read_index),
			       rbi->ring_datasize);
}
EXPORT_SYMBOL_GPL(simhost_inbound_free);

static int simhost_ring_write(struct simhost *sh, const void *pkt, u32 len)
{
	struct hv_ring_buffer_info *rbi = &sh->channel->inbound;
	struct hv_ring_buffer *rb = rbi->ring_buffer;
	u32 write = rb->write_index;
	u64 trailer = (u64)write << 32;

	if (!IS_ALIGNED(len, sizeof(u64)))
		return -EINVAL;
	if (ring_free_bytes(write, READ_ONCE(rb->read_index),
			    rbi->ring_datasize) <= len + sizeof(trailer))
		return -EAGAIN;

	/* write < datasize and len < datasize: the double map covers it. */
	memcpy(rb->buffer + write, pkt, len);
	memcpy(rb->buffer + write + len, &trailer, sizeof(trailer));
	/* Pairs with the guest's virt_load_acquire() of write_index. */
	smp_store_release(&rb->write_index,
			  (write + len + sizeof(trailer)) % rbi->ring_datasize);

	/*
	 * Signal as hv_signal_on_write() does the other way: only when the
	 * guest is unmasked and the ring was empty.  The barrier pairs with
	 * the one in hv_end_read(): either the guest sees the new write_index
	 * after unmasking, or this sees interrupt_mask == 0.
	 */
	virt_mb();
	if (READ_ONCE(rb->interrupt_mask))
		return 0;
	/* interrupt_mask before read_index, as hv_signal_on_write() reads */
	virt_rmb();
	if (write == READ_ONCE(rb->read_index))
		simhost_signal(sh);
	return 0;
}

/**
 * simhost_write_raw() - write @len bytes into the guest's inbound ring as
 * one packet, followed by the trailer the host writes.
 * @sh:  the simhost.
 * @pkt: packet bytes, descriptor first; not checked, so tests can write
 *       malformed packets.
 * @len: bytes, a multiple of 8.
 *
 * Return: 0, -EINVAL for a length that is not a multiple of 8, -EAGAIN
 * when the ring lacks room (nothing is written), or -ENODEV once the rings
 * are closed (host access holds ring_lock, so a close never frees them
 * underneath).
 */
int simhost_write_raw(struct simhost *sh, const void *pkt, u32 len)
{
	unsigned long flags;
	int ret = -ENODEV;

	spin_lock_irqsave(&sh->ring_lock, flags);
	if (sh->rings_open)
		ret = simhost_ring_write(sh, pkt, len);
	spin_unlock_irqrestore(&sh->ring_lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_write_raw);

/**
 * simhost_write_inband() - write one well-formed packet to the guest.
 * @sh:       the simhost.
 * @type:     descriptor type (VM_PKT_*).
 * @flags:    descriptor flags.
 * @trans_id: transaction id.
 * @data:     payload; may be NULL when @len is 0.
 * @len:      payload bytes; zero-padded to 8 on the ring.
 *
 * Context: process or softirq context; does not sleep.
 * Return: as simhost_write_raw(), or -ENOMEM.
 */
int simhost_write_inband(struct simhost *sh, u16 type, u16 flags,
			 u64 trans_id, const void *data, u32 len)
{
	u32 hdr = sizeof(struct vmpacket_descriptor);
	u32 pkt_len = ALIGN(hdr + len, sizeof(u64));
	struct vmpacket_descriptor *desc;
	int ret;

	desc = kzalloc(pkt_len, GFP_ATOMIC);
	if (!desc)
		return -ENOMEM;
	desc->type = type;
	desc->flags = flags;
	desc->trans_id = trans_id;
	desc->offset8 = hdr / sizeof(u64);
	desc->len8 = pkt_len / sizeof(u64);
	if (len)
		memcpy((u8 *)desc + hdr, data, len);
	ret = simhost_write_raw(sh, desc, pkt_len);
	kfree(desc);
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_write_inband);

/**
 * simhost_outbound_pending() - bytes the guest wrote that the host has not
 * read yet.
 * @sh: the simhost.
 *
 * Return: the byte count, trailers included.
 */
u32 simhost_outbound_pending(struct simhost *sh)
{
	struct hv_ring_buffer_info *rbi = &sh->channel->outbound;
	struct hv_ring_buffer *rb = rbi->ring_buffer;
	u32 write;

	/* Pairs with the release of write_index in hv_ringbuffer_write(). */
	write = smp_load_acquire(&rb->write_index);
	return rbi->ring_datasize -
	       ring_free_bytes(write, rb->read_index, rbi->ring_datasize);
}
EXPORT_SYMBOL_GPL(simhost_outbound_pending);

/*
 * The host's half of the guest's flow control: the guest set
 * pending_send_sz when a send did not fit; signal once the space it asked
 * for is free (old free < pending <= new free, as OpenVMM puts it).
 */
static void simhost_signal_space(struct simhost *sh, u32 was_free,
				 u32 now_free)
{
	struct hv_ring_buffer *rb = sh->channel->outbound.ring_buffer;
	u32 pending;

	/* Pairs with the guest's barrier after it sets pending_send_sz. */
	virt_mb();
	pending = READ_ONCE(rb->pending_send_sz);
	if (pending && was_free < pending && pending <= now_free)
		simhost_signal(sh);
}

static int simhost_ring_read(struct simhost *sh, struct simhost_packet *pkt,
			     void *buf, u32 buf_len)
{
	struct hv_ring_buffer_info *rbi = &sh->channel->outbound;
	struct hv_ring_buffer *rb = rbi->ring_buffer;
	u32 dsize = rbi->ring_datasize;
	u32 read = rb->read_index;
	/* Pairs with the release of write_index in hv_ringbuffer_write(). */
	u32 write = smp_load_acquire(&rb->write_index);
	u32 avail = dsize - ring_free_bytes(write, read, dsize);
	u32 len, off;
	u64 trailer;

	if (!avail) {
		sh->out_empty_at = read;
		return -ENODATA;
	}
	if (avail < sizeof(pkt->desc) + sizeof(trailer))
		return -EBADMSG;
	memcpy(&pkt->desc, rb->buffer + read, sizeof(pkt->desc));
	len = pkt->desc.len8 * sizeof(u64);
	off = pkt->desc.offset8 * sizeof(u64);
	if (len + sizeof(trailer) > avail || off < sizeof(pkt->desc) ||
	    off > len)
		return -EBADMSG;

	pkt->data_len = len - off;
	if (buf)
		memcpy(buf, rb->buffer + read + off, min(pkt->data_len, buf_len));
	memcpy(&trailer, rb->buffer + read + len, sizeof(trailer));
	pkt->start = trailer >> 32;
	if (pkt->start == sh->out_empty_at)
		WRITE_ONCE(sh->guest_signals, sh->guest_signals + 1);
	sh->out_empty_at = avail == len + sizeof(trailer) ?
			   (read + avail) % dsize : U32_MAX;
	/* Pairs with the guest's read of read_index before it writes. */
	smp_store_release(&rb->read_index, (read + len + sizeof(trailer)) % dsize);
	simhost_signal_space(sh, dsize - avail,
			     dsize - avail + len + sizeof(trailer));
	return 0;
}

/**
 * simhost_read() - consume the next packet the guest wrote.
 * @sh:      the simhost.
 * @pkt:     filled with the descriptor, start offset and payload length
 *           (the 8-byte-padded length the descriptor gives).
 * @buf:     receives up to @buf_len payload bytes; may be NULL.
 * @buf_len: size of @buf.
 *
 * Return: 0; -ENODATA when the guest wrote nothing; -EBADMSG when the
 * descriptor's lengths do not fit what was written (the packet is left);
 * -ENODEV once the rings are closed.
 */
int simhost_read(struct simhost *sh, struct simhost_packet *pkt,
		 void *buf, u32 buf_len)
{
	unsigned long flags;
	int ret = -ENODEV;

	spin_lock_irqsave(&sh->ring_lock, flags);
	if (sh->rings_open)
		ret = simhost_ring_read(sh, pkt, buf, buf_len);
	spin_unlock_irqrestore(&sh->ring_lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_read);

/**
 * simhost_peek() - copy the start of the next packet the guest wrote,
 * leaving it unread.
 * @sh:  the simhost.
 * @buf: receives up to @cap bytes from the packet's descriptor on.
 * @cap: size of @buf.
 *
 * Return: the bytes the guest has written and the host not read (> 0),
 * -ENODATA when none, or -ENODEV once the rings are closed.
 */
int simhost_peek(struct simhost *sh, void *buf, u32 cap)
{
	struct hv_ring_buffer *rb;
	unsigned long flags;
	int ret = -ENODEV;
	u32 pending;

	spin_lock_irqsave(&sh->ring_lock, flags);
	if (sh->rings_open) {
		rb = sh->channel->outbound.ring_buffer;
		pending = simhost_outbound_pending(sh);
		/* The data pages are mapped twice: a packet never wraps. */
		if (pending)
			memcpy(buf, rb->buffer + rb->read_index,
			       min(pending, cap));
		ret = pending ? (int)pending : -ENODATA;
	}
	spin_unlock_irqrestore(&sh->ring_lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_peek);

/**
 * simhost_request() - send one inband message and wait for the answer.
 * @sh:        the simhost.
 * @msg:       the message.
 * @len:       its bytes, a multiple of 8.
 * @reply:     receives the guest's next packet's payload.
 * @cap:       size of @reply.
 * @reply_len: receives the payload length (padded to 8).
 *
 * Context: process context; sleeps, at most 5 s.
 * Return: 0, -ETIMEDOUT when no answer came, or the write's error.
 */
int simhost_request(struct simhost *sh, const void *msg, u32 len,
		    void *reply, u32 cap, u32 *reply_len)
{
	unsigned long deadline = jiffies + SIMHOST_REPLY_TIMEOUT;
	struct simhost_packet pkt;
	int ret;

	might_sleep();
	ret = simhost_write_inband(sh, VM_PKT_DATA_INBAND, 0, 0, msg, len);
	if (ret)
		return ret;
	while ((ret = simhost_read(sh, &pkt, reply, cap)) == -ENODATA) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(20, 100);
	}
	if (!ret)
		*reply_len = pkt.data_len;
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_request);

MODULE_DESCRIPTION("Simulated VMBus host for vmbkmcl tests and demos");
MODULE_LICENSE("GPL");
