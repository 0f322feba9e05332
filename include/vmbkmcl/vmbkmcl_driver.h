/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbkmcl_driver.h - how a ported driver binds to its devices on Linux.
 *
 * Windows gives a VSC its channel through PnP; here the driver registers
 * the device classes it serves, and vmbkmcl calls @add once per device
 * offered in one of them, in process context.  @add then does what the
 * Windows driver did in its device-add path: VmbChannelAllocate() on the
 * hv_device it is given, VmbChannelInit*(), VmbChannelEnable().  This,
 * and the few channel settings below that KMCL V1 lacks, is the only API
 * a port needs besides KMCL.
 *
 * When the host rescinds a device, vmbkmcl ends its sends with
 * STATUS_DEVICE_REMOVED and closes its channels (the driver sees
 * EvtChannelSuspend if running, then EvtChannelClosed) before @remove;
 * @remove then cleans up (VmbChannelDisable() is a no-op by then,
 * VmbChannelCleanup() frees).  A channel @remove leaves enabled is closed
 * after it, with a warning.  For hibernation vmbkmcl closes the
 * channels around @suspend and re-enables them after @resume, with the
 * usual callbacks; a driver renegotiates in EvtChannelOpened or
 * PostStarted as after any open.
 *
 * Locking: @add, @remove, @suspend and @resume of one device are
 * serialised; different devices' run concurrently, and no global vmbkmcl
 * lock is held across them, so @add may wait for its host.  They may
 * call any KMCL function.
 */
#ifndef _VMBKMCL_DRIVER_H
#define _VMBKMCL_DRIVER_H

#include <linux/hyperv.h>
#include <linux/list.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

/**
 * struct vmbkmcl_client_driver - a ported driver.
 * @name:     driver name.
 * @id_table: device classes served, as hv_vmbus_device_id, { } last.
 * @add:      bind to @dev: allocate and enable its channel(s).  Process
 *            context.  Returns 0 or a negative errno.
 * @remove:   unbind: clean up the channel(s).  Process context.
 * @suspend:  optional; hibernation is starting, channels still open.
 * @resume:   optional; hibernation is over, channels not yet re-enabled.
 * @hv:       private: the hv_driver registered with hv_vmbus.
 * @node:     private.
 * @on_vmbus: private: @hv is registered with hv_vmbus.
 */
struct vmbkmcl_client_driver {
	const char *name;
	const struct hv_vmbus_device_id *id_table;
	int (*add)(struct hv_device *dev);
	void (*remove)(struct hv_device *dev);
	int (*suspend)(struct hv_device *dev);
	int (*resume)(struct hv_device *dev);
	struct hv_driver hv;
	struct list_head node;
	bool on_vmbus;
};

int __vmbkmcl_register_client_driver(struct vmbkmcl_client_driver *drv,
				     struct module *owner,
				     const char *mod_name);
void vmbkmcl_unregister_client_driver(struct vmbkmcl_client_driver *drv);

#define vmbkmcl_register_client_driver(drv) \
	__vmbkmcl_register_client_driver(drv, THIS_MODULE, KBUILD_MODNAME)

/*
 * Extensions to KMCL V1.  Channel settings it has no call for, made like
 * the InitSet calls: after VmbChannelAllocate(), before the first
 * VmbChannelEnable().
 */

/* Most packets vmbkmcl_channel_init_set_packet_pool() accepts. */
#define VMBKMCL_PACKET_POOL_LIMIT	65536

NTSTATUS vmbkmcl_channel_init_set_packet_pool(VMBCHANNEL Channel,
					      UINT32 Preallocated,
					      UINT32 Maximum);

/*
 * VMBus transaction ids, which KMCL V1 keeps to itself: for protocols
 * whose answers are inband packets carrying the request's id, as
 * Hyper-V's integration components (samples/heartbeat).
 */
UINT64 vmbkmcl_packet_transaction_id(VMBPACKETCOMPLETION PacketCompletionContext);
void vmbkmcl_packet_set_reply_id(VMBPACKET PacketObject, UINT64 TransactionId);

#endif /* _VMBKMCL_DRIVER_H */
