// SPDX-License-Identifier: GPL-2.0
/*
 * The channel object: allocation, init-time configuration and lifecycle.
 *
 * States (enum vmb_channel_state), under state_lock:
 *
 *   Allocate -> ALLOCATED --Enable--> ENABLED --Disable--> DISABLED
 *                   ^  init setters       | Pause/Start       |
 *                   |                     v                   | Enable
 *              Cleanup frees from ALLOCATED or DISABLED  <----'
 *
 * A target PnP channel (target_pnp.c) goes through WAITING on Enable,
 * until its target is offered and opened (ENABLED) or that fails
 * (DISABLED, EvtChannelPnpFailure); Disable cancels the wait.
 *
 * Init setters succeed only in ALLOCATED; afterwards, and for a NULL
 * channel, they return STATUS_INVALID_PARAMETER_1.  State callbacks run in
 * process context under state_lock, so they must not call the lifecycle
 * functions of their own channel.  Order on Enable: Opened (may veto),
 * Started, PostStarted, then packets flow.  On Pause: delivery stops,
 * callbacks drain, Suspend, then every held packet is completed.  On
 * Disable: as Pause if running, close, Closed.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "channel.h"
#include "receive.h"
#include "trace.h"
#include "fault.h"
#include "verifier.h"

/*
 * Every channel, so a device's can be found for rescind and hibernation.
 * vmb_channels_lock guards the list and each channel's @walk, @claimed and
 * @reopen; it is never held across a client callback: a device walk takes
 * a reference on one channel at a time and drops the lock before acting.
 */
static LIST_HEAD(vmb_channels);
static DEFINE_MUTEX(vmb_channels_lock);
static u32 vmb_walk_gen;

static unsigned int removal_timeout_ms = 10000;
module_param(removal_timeout_ms, uint, 0644);
MODULE_PARM_DESC(removal_timeout_ms,
		 "longest wait, on rescind, unbind and hibernation, for a client to complete the packets it holds, in ms (default 10000)");

/**
 * vmbkmcl_set_removal_timeout() - set removal_timeout_ms, for tests.
 * @ms: the new bound.
 *
 * Return: the previous one.
 */
unsigned int vmbkmcl_set_removal_timeout(unsigned int ms)
{
	return xchg(&removal_timeout_ms, ms);
}
EXPORT_SYMBOL_GPL(vmbkmcl_set_removal_timeout);

static unsigned long vmb_removal_timeout(void)
{
	return msecs_to_jiffies(READ_ONCE(removal_timeout_ms));
}

static void vmb_channel_release(struct kref *ref)
{
	struct vmb_channel *c = container_of(ref, struct vmb_channel, ref);

	mutex_destroy(&c->state_lock);
	lockdep_unregister_key(&c->state_key);
	kfree(c);
}

/**
 * vmb_channel_put() - drop a reference to a channel.
 * @c: the channel; freed with the last reference.
 *
 * Context: process context.
 */
void vmb_channel_put(struct vmb_channel *c)
{
	kref_put(&c->ref, vmb_channel_release);
}

/**
 * VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT() - prepare a callback set.
 * @Callbacks: zeroed and stamped with the version and size that
 *             VmbChannelInitSetStateChangeCallbacks() accepts.
 */
void VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(PVMB_CHANNEL_STATE_CHANGE_CALLBACKS Callbacks)
{
	memset(Callbacks, 0, sizeof(*Callbacks));
	Callbacks->Version = VMB_CHANNEL_STATE_CHANGE_CALLBACKS_VERSION_1;
	Callbacks->Size = sizeof(*Callbacks);
}
EXPORT_SYMBOL_GPL(VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT);

/**
 * VmbChannelAllocate() - create a client channel with default settings.
 * @ParentDeviceObject: the hv_device whose primary channel this opens.
 * @IsServer:           must be FALSE: a Linux guest is the client end.
 * @Channel:            receives the channel, or NULL on failure.
 *
 * Defaults: maximum packet size PAGE_SIZE, 16-page rings each way,
 * transaction quota 32, dispatch-level (softirq) delivery.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1/2/3 for a NULL
 * device, a server endpoint or a NULL @Channel;
 * STATUS_INSUFFICIENT_RESOURCES.
 */
NTSTATUS VmbChannelAllocate(PDEVICE_OBJECT ParentDeviceObject,
			    BOOLEAN IsServer, VMBCHANNEL *Channel)
{
	struct vmb_channel *c;

	might_sleep();
	if (!Channel)
		return STATUS_INVALID_PARAMETER_3;
	*Channel = NULL;
	if (!ParentDeviceObject)
		return STATUS_INVALID_PARAMETER_1;
	if (IsServer)
		return STATUS_INVALID_PARAMETER_2;

	c = vmb_kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return STATUS_INSUFFICIENT_RESOURCES;
	c->device = ParentDeviceObject;
	c->ops = vmbkmcl_backend_for(ParentDeviceObject);
	kref_init(&c->ref);
	lockdep_register_key(&c->state_key);
	__mutex_init(&c->state_lock, "vmb_channel.state_lock", &c->state_key);
	c->state = VMB_CHANNEL_ALLOCATED;
	c->max_packet_size = VMB_DEFAULT_MAX_PACKET_SIZE;
	c->in_ring_pages = VMB_DEFAULT_RING_PAGES;
	c->out_ring_pages = VMB_DEFAULT_RING_PAGES;
	VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&c->callbacks);
	strscpy(c->name, "vmbkmcl", sizeof(c->name));
	vmb_rx_init(c);
	vmb_tx_init(c);
	mutex_lock(&vmb_channels_lock);
	list_add_tail(&c->node, &vmb_channels);
	mutex_unlock(&vmb_channels_lock);
	vmb_gpadls_init(c);
	*Channel = c;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_GPL(VmbChannelAllocate);

/**
 * vmb_init_begin() - start an init setter: take the lock, check the state.
 * @c: the channel, or NULL.
 *
 * Context: process context; sleeps.
 * Return: true with @c's state_lock held; false (lock not held) when @c is
 * NULL or no longer initialising.
 */
bool vmb_init_begin(struct vmb_channel *c)
{
	if (!c)
		return false;
	mutex_lock(&c->state_lock);
	if (c->state == VMB_CHANNEL_ALLOCATED)
		return true;
	mutex_unlock(&c->state_lock);
	vmb_violated(true, VMB_RULE_INIT_AFTER_ENABLE, c->name);
	return false;
}

/**
 * vmb_init_end() - end an init setter.
 * @c:      the channel vmb_init_begin() locked.
 * @status: what the setter returns.
 *
 * Return: @status.
 */
NTSTATUS vmb_init_end(struct vmb_channel *c, NTSTATUS status)
{
	mutex_unlock(&c->state_lock);
	return status;
}

/**
 * VmbChannelInitSetProcessPacketCallbacks() - set the packet callbacks.
 * @Channel:                    a channel not yet enabled.
 * @ProcessPacket:      called once per received packet.
 * @ProcessingComplete: optional; called once after the last ProcessPacket
 *                      of each batch.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS, or STATUS_INVALID_PARAMETER_1 for a NULL channel
 * or one already enabled or disabled.
 */
NTSTATUS
VmbChannelInitSetProcessPacketCallbacks(VMBCHANNEL Channel,
					PFN_VMB_CHANNEL_PROCESS_PACKET ProcessPacket,
					PFN_VMB_CHANNEL_PROCESSING_COMPLETE ProcessingComplete)
{
	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	Channel->process_packet = ProcessPacket;
	Channel->processing_complete = ProcessingComplete;
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbChannelInitSetProcessPacketCallbacks);

/**
 * VmbChannelInitSetMaximumPacketSize() - the largest packet either way.
 * @Channel:    a channel not yet enabled.
 * @PacketSize: payload bytes, > 0; bounds sends and received payloads.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_1, or
 * STATUS_INVALID_PARAMETER_2 for 0 or a size no ring could carry.
 */
NTSTATUS VmbChannelInitSetMaximumPacketSize(VMBCHANNEL Channel,
					    UINT32 PacketSize)
{
	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	if (!PacketSize || PacketSize > VMB_MAX_RING_PAGES * PAGE_SIZE)
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_2);
	Channel->max_packet_size = PacketSize;
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbChannelInitSetMaximumPacketSize);

/**
 * VmbChannelInitSetMaximumExternalData() - bound external data per packet.
 * @Channel:     a channel not yet enabled.
 * @DataSize:    bytes, > 0.
 * @ChainLength: MDLs in a chain, > 0.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_1, _2 or _3.
 */
NTSTATUS VmbChannelInitSetMaximumExternalData(VMBCHANNEL Channel,
					      UINT32 DataSize,
					      UINT32 ChainLength)
{
	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	if (!DataSize)
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_2);
	if (!ChainLength)
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_3);
	Channel->max_external_data = DataSize;
	Channel->max_external_chain = ChainLength;
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbChannelInitSetMaximumExternalData);

/**
 * VmbChannelInitSetClientContextSize() - per-packet context size.
 * @Channel:     a channel not yet enabled.
 * @ContextSize: bytes.
 *
 * Recorded only: version 1 of the API has no accessor for the area.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS or STATUS_INVALID_PARAMETER_1.
 */
NTSTATUS VmbChannelInitSetClientContextSize(VMBCHANNEL Channel,
					    UINT32 ContextSize)
{
	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	Channel->client_context_size = ContextSize;
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbChannelInitSetClientContextSize);

/**
 * VmbChannelInitSetFlags() - generic channel flags.
 * @Channel: a channel not yet enabled.
 * @Flags:   no flag is defined, so only 0 is accepted.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_1, or
 * STATUS_INVALID_PARAMETER_2 for any bit set.
 */
NTSTATUS VmbChannelInitSetFlags(VMBCHANNEL Channel, UINT32 Flags)
{
	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	return vmb_init_end(Channel, Flags ? STATUS_INVALID_PARAMETER_2 :
				     STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbChannelInitSetFlags);

/**
 * VmbChannelInitSetFriendlyName() - name the channel in logs and debugfs.
 * @Channel: a channel not yet enabled.
 * @Name:    copied; characters outside printable ASCII become '?', and
 *           the name is cut at 31 characters.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_1, or
 * STATUS_INVALID_PARAMETER_2 for a NULL or empty name.
 */
NTSTATUS VmbChannelInitSetFriendlyName(VMBCHANNEL Channel,
				       PCUNICODE_STRING Name)
{
	u32 i, n;

	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	if (!Name || !Name->Buffer || Name->Length < sizeof(u16))
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_2);
	n = min_t(u32, Name->Length / sizeof(u16), VMB_NAME_MAX - 1);
	for (i = 0; i < n; i++) {
		u16 ch = Name->Buffer[i];

		Channel->name[i] = ch >= 0x20 && ch < 0x7f ? ch : '?';
	}
	Channel->name[n] = '\0';
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbChannelInitSetFriendlyName);

/**
 * VmbChannelInitSetStateChangeCallbacks() - install the state callbacks.
 * @Channel:              a channel not yet enabled.
 * @StateChangeCallbacks: prepared by VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT;
 *                        copied; any callback may be NULL.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_1, or
 * STATUS_INVALID_PARAMETER_2 for a NULL set or a wrong Version or Size.
 */
NTSTATUS
VmbChannelInitSetStateChangeCallbacks(VMBCHANNEL Channel,
				      PVMB_CHANNEL_STATE_CHANGE_CALLBACKS StateChangeCallbacks)
{
	const VMB_CHANNEL_STATE_CHANGE_CALLBACKS *cb = StateChangeCallbacks;

	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	if (!cb || cb->Version != VMB_CHANNEL_STATE_CHANGE_CALLBACKS_VERSION_1 ||
	    cb->Size != sizeof(*cb))
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_2);
	Channel->callbacks = *cb;
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbChannelInitSetStateChangeCallbacks);

/**
 * VmbClientChannelInitSetRingBufferPageCount() - size the rings.
 * @Channel:           a channel not yet enabled.
 * @IncomingPageCount: data pages of the host-to-guest ring, > 0.
 * @OutgoingPageCount: data pages of the guest-to-host ring, > 0.
 *
 * Each ring gets one more page for its header.  Both rings and headers
 * must fit in 1024 pages.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_1, or
 * STATUS_INVALID_PARAMETER_2/3 for a zero or too large count.
 */
NTSTATUS VmbClientChannelInitSetRingBufferPageCount(VMBCHANNEL Channel,
						    UINT32 IncomingPageCount,
						    UINT32 OutgoingPageCount)
{
	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	if (!IncomingPageCount || IncomingPageCount >= VMB_MAX_RING_PAGES - 2)
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_2);
	if (!OutgoingPageCount ||
	    OutgoingPageCount > VMB_MAX_RING_PAGES - IncomingPageCount - 2)
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_3);
	Channel->in_ring_pages = IncomingPageCount;
	Channel->out_ring_pages = OutgoingPageCount;
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbClientChannelInitSetRingBufferPageCount);

/**
 * vmbkmcl_channel_init_set_packet_pool() - size VmbPacketAllocate's pool.
 * @Channel:      a channel not yet enabled.
 * @Preallocated: packets made at the first Enable and kept until Cleanup,
 *                at least 1 (default 64): VmbPacketAllocate takes these
 *                without allocating.
 * @Maximum:      packets out at once, at least @Preallocated and at most
 *                VMBKMCL_PACKET_POOL_LIMIT (default 1024).  Past
 *                @Preallocated, VmbPacketAllocate allocates (GFP_ATOMIC);
 *                at @Maximum it returns NULL.  The transaction table is
 *                sized to hold @Maximum sends awaiting completion.
 *
 * A vmbkmcl extension, not KMCL: for a port that keeps many requests
 * outstanding (a storage VSC), so that they come from the pool rather
 * than from an atomic allocation each.  Packets are
 * VmbChannelSizeofPacket() bytes each.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 for a NULL channel or
 * one already enabled; STATUS_INVALID_PARAMETER_2 for a @Preallocated of
 * 0 or over the limit; STATUS_INVALID_PARAMETER_3 for a @Maximum below
 * @Preallocated or over the limit.
 */
NTSTATUS vmbkmcl_channel_init_set_packet_pool(VMBCHANNEL Channel,
					      UINT32 Preallocated,
					      UINT32 Maximum)
{
	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	if (!Preallocated || Preallocated > VMBKMCL_PACKET_POOL_LIMIT)
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_2);
	if (Maximum < Preallocated || Maximum > VMBKMCL_PACKET_POOL_LIMIT)
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_3);
	Channel->tx.pool_size = Preallocated;
	Channel->tx.pool_max = Maximum;
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(vmbkmcl_channel_init_set_packet_pool);

/* --- lifecycle --- */

/*
 * A device has one primary channel, and vmbus_open() on one already open
 * does not just fail: it allocates new rings over the live ones and its
 * error path frees them.  So only one vmbkmcl channel of a device may
 * hold it open, and a second Enable is refused before the backend (and
 * the vmbus_channel) is touched.
 */
static bool vmb_channel_claim(struct vmb_channel *c)
{
	struct vmb_channel *o;
	bool ok = true;

	mutex_lock(&vmb_channels_lock);
	list_for_each_entry(o, &vmb_channels, node)
		if (o != c && o->device == c->device && o->claimed)
			ok = false;
	if (ok)
		c->claimed = true;
	mutex_unlock(&vmb_channels_lock);
	return ok;
}

static void vmb_channel_unclaim(struct vmb_channel *c)
{
	mutex_lock(&vmb_channels_lock);
	c->claimed = false;
	mutex_unlock(&vmb_channels_lock);
}

static NTSTATUS vmb_channel_open(struct vmb_channel *c)
{
	int ret;

	lockdep_assert_held(&c->state_lock);
	if (!vmb_channel_claim(c)) {
		pr_warn("vmbkmcl: %s: the device's channel is already open through another VMBCHANNEL\n",
			c->name);
		return STATUS_DEVICE_BUSY;
	}
	ret = vmb_tx_setup(c);
	if (ret)
		goto err_unclaim;
	ret = vmb_rx_setup(c);
	if (ret)
		goto err_unclaim;
	ret = c->ops->open(c->device, (c->out_ring_pages + 1) << PAGE_SHIFT,
			   (c->in_ring_pages + 1) << PAGE_SHIFT,
			   c->rx.buf_size, vmb_rx_interrupt, c, &c->vmbus);
	if (ret)
		goto err_rx_teardown;
	vmb_rx_open(c);
	vmb_tx_set_open(c, true);
	/* Sends queued while closed go first, in order. */
	if (READ_ONCE(c->tx.queued))
		vmb_rx_kick(c);
	vmb_gpadls_open(c);
	return STATUS_SUCCESS;

err_rx_teardown:
	vmb_rx_shut(c);
	vmb_rx_teardown(c);
err_unclaim:
	vmb_channel_unclaim(c);
	return ret == -EBUSY ? STATUS_DEVICE_BUSY : vmb_errno_to_status(ret);
}

/*
 * Refuse sends, stop the runner (the worker may be draining sends even
 * on a paused channel), close, then end what the host can no longer
 * complete.
 */
static void vmb_channel_close(struct vmb_channel *c)
{
	lockdep_assert_held(&c->state_lock);
	vmb_tx_set_open(c, false);
	vmb_rx_shut(c);
	/* Older hosts ignore a teardown after the close, and it never ends. */
	if (c->ops->teardown_before_close &&
	    c->ops->teardown_before_close(c->device))
		vmb_gpadls_close(c);
	c->ops->close(c->device, c->vmbus);
	vmb_gpadls_close(c);
	vmb_tx_shutdown(c);
	vmb_rx_teardown(c);
	c->vmbus = NULL;
	vmb_channel_unclaim(c);
}

/* Started, then PostStarted, then packets: with delivery still stopped. */
static void vmb_channel_start_locked(struct vmb_channel *c, unsigned int stop)
{
	lockdep_assert_held(&c->state_lock);
	trace_vmbkmcl_state_change(c, "started");
	if (c->callbacks.EvtChannelStarted)
		c->callbacks.EvtChannelStarted(c);
	if (c->callbacks.EvtChannelPostStarted)
		c->callbacks.EvtChannelPostStarted(c);
	vmb_rx_resume(c, stop);
}

/*
 * Stop delivery, let callbacks drain, Suspend, wait for held packets, at
 * most @bound jiffies for the last (MAX_SCHEDULE_TIMEOUT: as long as the
 * client takes).
 */
static void vmb_channel_quiesce_locked(struct vmb_channel *c,
				       unsigned int reason, unsigned long bound)
{
	lockdep_assert_held(&c->state_lock);
	trace_vmbkmcl_state_change(c, reason == VMB_RX_STOP_PAUSED ?
				   "pausing" : "closing");
	vmb_rx_stop(c, reason);
	vmb_rx_wait_idle(c);
	if (c->callbacks.EvtChannelSuspend)
		c->callbacks.EvtChannelSuspend(c);
	vmb_rx_wait_released(c, bound);
}

static bool vmb_channel_paused(struct vmb_channel *c)
{
	return READ_ONCE(c->rx.stop) & VMB_RX_STOP_PAUSED;
}

/**
 * vmb_channel_enable_locked() - open @c on its device and start it.
 * @c: an allocated or disabled channel with a ProcessPacket callback.
 *
 * Context: process context under @c's state_lock; sleeps.
 * Return: as VmbChannelEnable(); on failure the state is unchanged.
 */
NTSTATUS vmb_channel_enable_locked(struct vmb_channel *c)
{
	NTSTATUS status;

	lockdep_assert_held(&c->state_lock);
	status = vmb_channel_open(c);
	if (!NT_SUCCESS(status))
		return status;
	if (c->callbacks.EvtChannelOpened) {
		status = c->callbacks.EvtChannelOpened(c);
		if (!NT_SUCCESS(status)) {
			vmb_channel_close(c);
			return status;
		}
	}
	c->state = VMB_CHANNEL_ENABLED;
	trace_vmbkmcl_state_change(c, "enabled");
	vmb_debugfs_add_channel(c);
	if (c->pause_on_enable)
		vmb_rx_resume(c, VMB_RX_STOP_STARTING);	/* stays paused */
	else
		vmb_channel_start_locked(c, VMB_RX_STOP_STARTING);
	c->pause_on_enable = false;	/* a Pause before Enable is used up */
	return STATUS_SUCCESS;
}

/**
 * VmbChannelEnable() - open the channel and start it.
 * @Channel: an allocated or disabled channel with a ProcessPacket callback.
 *
 * Returns once the channel is open: EvtChannelOpened has run and, unless
 * VmbChannelPause() was called before, EvtChannelStarted and
 * EvtChannelPostStarted too.  If Opened fails, the channel is closed again
 * and keeps its previous state.  A channel given a target by
 * VmbClientChannelInitSetTargetPnp() instead returns at once and opens
 * when the target is offered (target_pnp.c).
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 for NULL;
 * STATUS_INVALID_DEVICE_STATE when already enabled or waiting, or without a
 * ProcessPacket callback; Opened's failure status; or the open's failure
 * (STATUS_INSUFFICIENT_RESOURCES, STATUS_DEVICE_REMOVED, ...).
 */
NTSTATUS VmbChannelEnable(VMBCHANNEL Channel)
{
	struct vmb_channel *c = Channel;
	NTSTATUS status;

	if (!c)
		return STATUS_INVALID_PARAMETER_1;
	if (vmb_verify_atomic(c->name))
		return STATUS_INVALID_DEVICE_STATE;
	might_sleep();
	mutex_lock(&c->state_lock);
	if (c->state == VMB_CHANNEL_ENABLED || c->state == VMB_CHANNEL_GONE ||
	    c->state == VMB_CHANNEL_WAITING || !c->process_packet)
		status = STATUS_INVALID_DEVICE_STATE;
	else if (c->target)
		status = vmb_target_enable_locked(c);
	else
		status = vmb_channel_enable_locked(c);
	mutex_unlock(&c->state_lock);
	return status;
}
EXPORT_SYMBOL_GPL(VmbChannelEnable);

/*
 * Disable @c if enabled, waiting at most @bound jiffies for the packets
 * the client holds; with @reopen, mark it for vmb_device_reopen_channels().
 */
static void vmb_channel_disable(struct vmb_channel *c, unsigned long bound,
				bool reopen)
{
	mutex_lock(&c->state_lock);
	if (c->state == VMB_CHANNEL_WAITING) {
		/* Nothing open: end the wait; after hibernation, wait again. */
		vmb_target_cancel_locked(c);
		if (reopen) {
			mutex_lock(&vmb_channels_lock);
			c->reopen = true;
			mutex_unlock(&vmb_channels_lock);
		}
		goto out;
	}
	if (c->state != VMB_CHANNEL_ENABLED)
		goto out;
	if (vmb_channel_paused(c))
		vmb_rx_stop(c, VMB_RX_STOP_CLOSING);
	else
		vmb_channel_quiesce_locked(c, VMB_RX_STOP_CLOSING, bound);
	vmb_channel_close(c);
	c->state = VMB_CHANNEL_DISABLED;
	trace_vmbkmcl_state_change(c, "disabled");
	if (c->target)
		vmb_target_closed_locked(c, reopen);
	if (reopen) {
		mutex_lock(&vmb_channels_lock);
		c->reopen = true;
		mutex_unlock(&vmb_channels_lock);
	}
	if (c->callbacks.EvtChannelClosed)
		c->callbacks.EvtChannelClosed(c);
out:
	mutex_unlock(&c->state_lock);
}

/**
 * VmbChannelDisable() - stop and close an enabled channel.
 * @Channel: the channel; anything but an enabled channel is left alone.
 *
 * Returns after EvtChannelSuspend (if the channel was running), the wait
 * for every received packet to be completed, the close, and
 * EvtChannelClosed.  Completions the full ring still held are lost.
 *
 * Context: process context, not from a channel callback; sleeps.
 */
void VmbChannelDisable(VMBCHANNEL Channel)
{
	struct vmb_channel *c = Channel;

	if (!c || vmb_verify_atomic(c->name))
		return;
	might_sleep();
	vmb_channel_disable(c, MAX_SCHEDULE_TIMEOUT, false);
}
EXPORT_SYMBOL_GPL(VmbChannelDisable);

/**
 * VmbChannelCleanup() - free a channel.
 * @Channel: an allocated or disabled channel; NULL is ignored.  An enabled
 *           one is disabled first, with a warning, as that is a bug.
 *
 * Context: process context; sleeps.
 */
void VmbChannelCleanup(VMBCHANNEL Channel)
{
	if (!Channel || vmb_verify_atomic(Channel->name))
		return;
	might_sleep();
	if (vmb_violated(READ_ONCE(Channel->state) == VMB_CHANNEL_ENABLED,
			 VMB_RULE_CLEANUP_ENABLED, Channel->name) ||
	    READ_ONCE(Channel->state) == VMB_CHANNEL_WAITING)
		VmbChannelDisable(Channel);
	vmb_target_free(Channel);
	/*
	 * A device walk holding a reference finds it gone and leaves it.
	 * Cleanup may run in another channel's state callback, under that
	 * channel's state_lock: a different lock of the same class.
	 */
	mutex_lock_nested(&Channel->state_lock, SINGLE_DEPTH_NESTING);
	Channel->state = VMB_CHANNEL_GONE;
	mutex_unlock(&Channel->state_lock);
	mutex_lock(&vmb_channels_lock);
	list_del(&Channel->node);
	mutex_unlock(&vmb_channels_lock);
	vmb_debugfs_remove_channel(Channel);
	vmb_rx_cleanup(Channel);
	vmb_tx_teardown(Channel);
	vmb_channel_put(Channel);
}
EXPORT_SYMBOL_GPL(VmbChannelCleanup);

/*
 * Pause or Start: on an enabled channel, quiesce or restart; before
 * Enable, arm or cancel a pause that Enable will apply.
 */
static void vmb_channel_set_paused(struct vmb_channel *c, bool pause)
{
	if (!c || vmb_verify_atomic(c->name))
		return;
	might_sleep();
	mutex_lock(&c->state_lock);
	if (c->state != VMB_CHANNEL_ENABLED)
		c->pause_on_enable = pause;
	else if (pause && !vmb_channel_paused(c))
		vmb_channel_quiesce_locked(c, VMB_RX_STOP_PAUSED,
					   MAX_SCHEDULE_TIMEOUT);
	else if (!pause && vmb_channel_paused(c))
		vmb_channel_start_locked(c, VMB_RX_STOP_PAUSED |
					    VMB_RX_STOP_FAILED);
	mutex_unlock(&c->state_lock);
}

/**
 * VmbChannelPause() - stop delivery and wait until the client is idle.
 * @Channel: the channel.
 *
 * On a running channel: no new packet is delivered, callbacks in flight
 * return, EvtChannelSuspend runs, and the call returns once every received
 * packet is completed.  On a channel not yet enabled, it makes the next
 * Enable leave the channel paused.  On a paused channel it does nothing.
 *
 * Context: process context, not from a channel callback; sleeps.
 */
void VmbChannelPause(VMBCHANNEL Channel)
{
	vmb_channel_set_paused(Channel, true);
}
EXPORT_SYMBOL_GPL(VmbChannelPause);

/**
 * VmbChannelStart() - leave the paused state.
 * @Channel: the channel.
 *
 * On a paused, enabled channel: EvtChannelStarted, EvtChannelPostStarted,
 * then delivery resumes with what arrived meanwhile (a queue stopped by
 * VmbChannelPacketFail restarts too).  On a channel not yet enabled it
 * cancels an earlier Pause.  Otherwise it does nothing.
 *
 * Context: process context, not from a channel callback; sleeps.
 */
void VmbChannelStart(VMBCHANNEL Channel)
{
	vmb_channel_set_paused(Channel, false);
}
EXPORT_SYMBOL_GPL(VmbChannelStart);

/**
 * VmbChannelSetPointer() - store the driver's context pointer.
 * @Channel: the channel.
 * @Pointer: any value; NULL initially.
 */
void VmbChannelSetPointer(VMBCHANNEL Channel, PVOID Pointer)
{
	WRITE_ONCE(Channel->pointer, Pointer);
}
EXPORT_SYMBOL_GPL(VmbChannelSetPointer);

/**
 * VmbChannelGetPointer() - read the driver's context pointer.
 * @Channel: the channel.
 *
 * Return: what VmbChannelSetPointer() stored last, or NULL.
 */
PVOID VmbChannelGetPointer(VMBCHANNEL Channel)
{
	return READ_ONCE(Channel->pointer);
}
EXPORT_SYMBOL_GPL(VmbChannelGetPointer);

/**
 * VmbChannelGetInterfaceInstance() - the channel's instance GUID.
 * @Channel:           the channel.
 * @InterfaceInstance: receives the offer's instance GUID, valid from
 *                     Allocate on (the device is bound by then); for a
 *                     target PnP channel, the opened offer's once open,
 *                     else the instance asked for, or GUID_NULL.
 */
void VmbChannelGetInterfaceInstance(VMBCHANNEL Channel,
				    LPGUID InterfaceInstance)
{
	if (!vmb_target_instance(Channel, InterfaceInstance))
		guid_copy(InterfaceInstance, &Channel->device->dev_instance);
}
EXPORT_SYMBOL_GPL(VmbChannelGetInterfaceInstance);

/* A new device walk: channels it visited carry its number. */
static u32 vmb_walk_begin(void)
{
	u32 walk;

	mutex_lock(&vmb_channels_lock);
	walk = ++vmb_walk_gen ?: ++vmb_walk_gen;
	mutex_unlock(&vmb_channels_lock);
	return walk;
}

/*
 * The next channel of @dev that @walk has not visited and @want accepts
 * (called under the list lock), with a reference the caller drops; the
 * list lock is not held on return, so the caller may run client code.
 * Walks of one device are serialised by its driver binding (driver.c).
 */
static struct vmb_channel *vmb_walk_next(struct hv_device *dev, u32 walk,
					 bool (*want)(struct vmb_channel *c))
{
	struct vmb_channel *c, *found = NULL;

	mutex_lock(&vmb_channels_lock);
	list_for_each_entry(c, &vmb_channels, node) {
		if (c->device != dev || c->walk == walk || !want(c))
			continue;
		c->walk = walk;
		kref_get(&c->ref);
		found = c;
		break;
	}
	mutex_unlock(&vmb_channels_lock);
	return found;
}

static bool vmb_channel_any(struct vmb_channel *c)
{
	return true;
}

/* Open, or waiting for its PnP target (that wait ends with the device). */
static bool vmb_channel_enabled(struct vmb_channel *c)
{
	enum vmb_channel_state state = READ_ONCE(c->state);

	return state == VMB_CHANNEL_ENABLED || state == VMB_CHANNEL_WAITING;
}

static bool vmb_channel_to_reopen(struct vmb_channel *c)
{
	lockdep_assert_held(&vmb_channels_lock);
	if (!c->reopen)
		return false;
	c->reopen = false;
	return true;
}

/**
 * vmb_device_close_channels() - disable every enabled channel of @dev.
 * @dev: the device, rescinded, hibernating or unbound.
 * @why: enum vmb_close_reason.
 *
 * Each sees what VmbChannelDisable() gives: Suspend if it was running,
 * Closed.  On a rescind, sends queued or awaiting the host on every
 * channel of @dev, synchronous requests among them, end with
 * STATUS_DEVICE_REMOVED first: the host
 * completes nothing after it, and a client may wait for them in Suspend
 * or before completing a packet.  Channels closed for hibernation are
 * marked for vmb_device_reopen_channels().  The wait for the packets the
 * client holds is bounded by removal_timeout_ms here; see
 * vmb_rx_teardown() for what happens to those still held.
 *
 * Context: process context; sleeps.  No vmbkmcl lock is held across the
 * client's callbacks.  Not from a channel callback.
 */
void vmb_device_close_channels(struct hv_device *dev,
			       enum vmb_close_reason why)
{
	struct vmb_channel *c;
	u32 walk;

	might_sleep();
	/* Every channel's sends, disabled ones' queued sends too. */
	if (why == VMB_CLOSE_RESCIND) {
		walk = vmb_walk_begin();
		while ((c = vmb_walk_next(dev, walk, vmb_channel_any))) {
			vmb_tx_fail_all(c);
			vmb_channel_put(c);
		}
	}
	walk = vmb_walk_begin();
	while ((c = vmb_walk_next(dev, walk, vmb_channel_enabled))) {
		if (why == VMB_CLOSE_LEFT_OPEN)
			vmb_violated(true, VMB_RULE_REMOVE_LEFT_ENABLED,
				     c->name);
		vmb_channel_disable(c, vmb_removal_timeout(),
				    why == VMB_CLOSE_HIBERNATE);
		vmb_channel_put(c);
	}
}

/**
 * vmb_device_reopen_channels() - enable the channels closed for hibernation.
 * @dev: the device.
 *
 * Context: process context; sleeps.  No vmbkmcl lock is held across the
 * client's callbacks.  Not from a channel callback.
 */
void vmb_device_reopen_channels(struct hv_device *dev)
{
	u32 walk = vmb_walk_begin();
	struct vmb_channel *c;
	NTSTATUS status;

	might_sleep();
	while ((c = vmb_walk_next(dev, walk, vmb_channel_to_reopen))) {
		status = VmbChannelEnable(c);
		if (!NT_SUCCESS(status))
			pr_warn("vmbkmcl: %s: re-enable after resume failed: %#x\n",
				c->name, status);
		vmb_channel_put(c);
	}
}

/**
 * vmb_device_visit_channels() - call @fn for each channel of @dev.
 * @dev: the device.
 * @fn:  called with the channel list locked; must not allocate or free a
 *       channel.
 *
 * Context: process context; sleeps.
 */
void vmb_device_visit_channels(struct hv_device *dev, void (*fn)(struct vmb_channel *c))
{
	struct vmb_channel *c;

	mutex_lock(&vmb_channels_lock);
	list_for_each_entry(c, &vmb_channels, node)
		if (c->device == dev)
			fn(c);
	mutex_unlock(&vmb_channels_lock);
}
