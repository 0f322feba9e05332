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

#include "channel.h"
#include "trace.h"
#include "fault.h"
#include "verifier.h"

/* Every channel, so a device's can be found for rescind and hibernation. */
static LIST_HEAD(vmb_channels);
static DEFINE_MUTEX(vmb_channels_lock);

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
	mutex_init(&c->state_lock);
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

/*
 * Init setters: take the lock and check the state.  Returns false (lock
 * not held) when @c is NULL or no longer initialising.
 */
static bool vmb_init_begin(struct vmb_channel *c)
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

static NTSTATUS vmb_init_end(struct vmb_channel *c, NTSTATUS status)
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

/* --- lifecycle --- */

static NTSTATUS vmb_channel_open(struct vmb_channel *c)
{
	int ret;

	lockdep_assert_held(&c->state_lock);
	ret = vmb_tx_setup(c);
	if (ret)
		return vmb_errno_to_status(ret);
	ret = vmb_rx_setup(c);
	if (ret)
		return vmb_errno_to_status(ret);
	ret = c->ops->open(c->device, (c->out_ring_pages + 1) << PAGE_SHIFT,
			   (c->in_ring_pages + 1) << PAGE_SHIFT,
			   c->rx.buf_size, vmb_rx_interrupt, c, &c->vmbus);
	if (ret) {
		vmb_rx_teardown(c);
		return vmb_errno_to_status(ret);
	}
	vmb_tx_set_open(c, true);
	vmb_gpadls_open(c);
	return STATUS_SUCCESS;
}

/* Refuse sends, close, then end what the host can no longer complete. */
static void vmb_channel_close(struct vmb_channel *c)
{
	lockdep_assert_held(&c->state_lock);
	vmb_tx_set_open(c, false);
	c->ops->close(c->device, c->vmbus);
	vmb_gpadls_close(c);
	vmb_tx_shutdown(c);
	vmb_rx_teardown(c);
	c->vmbus = NULL;
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

/* Stop delivery, let callbacks drain, Suspend, wait for held packets. */
static void vmb_channel_quiesce_locked(struct vmb_channel *c,
				       unsigned int reason)
{
	lockdep_assert_held(&c->state_lock);
	trace_vmbkmcl_state_change(c, reason == VMB_RX_STOP_PAUSED ?
				   "pausing" : "closing");
	vmb_rx_stop(c, reason);
	vmb_rx_wait_idle(c);
	if (c->callbacks.EvtChannelSuspend)
		c->callbacks.EvtChannelSuspend(c);
	vmb_rx_wait_released(c);
}

static bool vmb_channel_paused(struct vmb_channel *c)
{
	return READ_ONCE(c->rx.stop) & VMB_RX_STOP_PAUSED;
}

/**
 * VmbChannelEnable() - open the channel and start it.
 * @Channel: an allocated or disabled channel with a ProcessPacket callback.
 *
 * Returns once the channel is open: EvtChannelOpened has run and, unless
 * VmbChannelPause() was called before, EvtChannelStarted and
 * EvtChannelPostStarted too.  If Opened fails, the channel is closed again
 * and keeps its previous state.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 for NULL;
 * STATUS_INVALID_DEVICE_STATE when already enabled or without a
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
	if (c->state == VMB_CHANNEL_ENABLED || !c->process_packet) {
		status = STATUS_INVALID_DEVICE_STATE;
		goto out;
	}
	status = vmb_channel_open(c);
	if (!NT_SUCCESS(status))
		goto out;
	if (c->callbacks.EvtChannelOpened) {
		status = c->callbacks.EvtChannelOpened(c);
		if (!NT_SUCCESS(status)) {
			vmb_channel_close(c);
			goto out;
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
	status = STATUS_SUCCESS;
out:
	mutex_unlock(&c->state_lock);
	return status;
}
EXPORT_SYMBOL_GPL(VmbChannelEnable);

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
	mutex_lock(&c->state_lock);
	if (c->state != VMB_CHANNEL_ENABLED)
		goto out;
	if (vmb_channel_paused(c))
		vmb_rx_stop(c, VMB_RX_STOP_CLOSING);
	else
		vmb_channel_quiesce_locked(c, VMB_RX_STOP_CLOSING);
	vmb_channel_close(c);
	c->state = VMB_CHANNEL_DISABLED;
	trace_vmbkmcl_state_change(c, "disabled");
	if (c->callbacks.EvtChannelClosed)
		c->callbacks.EvtChannelClosed(c);
out:
	mutex_unlock(&c->state_lock);
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
			 VMB_RULE_CLEANUP_ENABLED, Channel->name))
		VmbChannelDisable(Channel);
	mutex_lock(&vmb_channels_lock);
	list_del(&Channel->node);
	mutex_unlock(&vmb_channels_lock);
	vmb_debugfs_remove_channel(Channel);
	vmb_tx_teardown(Channel);
	mutex_destroy(&Channel->state_lock);
	kfree(Channel);
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
		vmb_channel_quiesce_locked(c, VMB_RX_STOP_PAUSED);
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
 *                     Allocate on (the device is bound by then).
 */
void VmbChannelGetInterfaceInstance(VMBCHANNEL Channel,
				    LPGUID InterfaceInstance)
{
	guid_copy(InterfaceInstance, &Channel->device->dev_instance);
}
EXPORT_SYMBOL_GPL(VmbChannelGetInterfaceInstance);

/**
 * vmb_device_close_channels() - disable every enabled channel of @dev.
 * @dev:    the device, rescinded or hibernating.
 * @reopen: mark them to be enabled again by vmb_device_reopen_channels().
 *
 * Each sees what VmbChannelDisable() gives: Suspend if it was running,
 * sends ended with STATUS_DEVICE_REMOVED, Closed.
 *
 * Context: process context; sleeps.  Not from a channel callback.
 */
void vmb_device_close_channels(struct hv_device *dev, bool reopen)
{
	struct vmb_channel *c;

	mutex_lock(&vmb_channels_lock);
	list_for_each_entry(c, &vmb_channels, node) {
		if (c->device != dev ||
		    READ_ONCE(c->state) != VMB_CHANNEL_ENABLED)
			continue;
		c->reopen = reopen;
		VmbChannelDisable(c);
	}
	mutex_unlock(&vmb_channels_lock);
}

/**
 * vmb_device_reopen_channels() - enable the channels closed for hibernation.
 * @dev: the device.
 *
 * Context: process context; sleeps.  Not from a channel callback.
 */
void vmb_device_reopen_channels(struct hv_device *dev)
{
	struct vmb_channel *c;
	NTSTATUS status;

	mutex_lock(&vmb_channels_lock);
	list_for_each_entry(c, &vmb_channels, node) {
		if (c->device != dev || !c->reopen)
			continue;
		c->reopen = false;
		status = VmbChannelEnable(c);
		if (!NT_SUCCESS(status))
			pr_warn("vmbkmcl: %s: re-enable after resume failed: %#x\n",
				c->name, status);
	}
	mutex_unlock(&vmb_channels_lock);
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
