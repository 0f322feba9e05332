/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control-plane seam between the KMCL core and whatever is on the other
 * side of the channel.
 *
 * The data plane never goes through here: the core reads and writes the
 * rings of the struct vmbus_channel that open() returns, with the real
 * hv_begin_read()/hv_pkt_iter_close()/hv_end_read() and
 * vmbus_sendpacket*().  Only what would need a real
 * Hyper-V host (the open and close handshakes, scheduling the channel
 * callback) is an op.  backend_hv.c is the production backend; the KUnit
 * simulated host registers its own for the fake devices it creates.
 */
#ifndef _VMBKMCL_BACKEND_H
#define _VMBKMCL_BACKEND_H

#include <linux/hyperv.h>

/**
 * struct vmbkmcl_backend_ops - how a channel is opened, closed and kicked.
 * @open:  open @dev's primary channel with rings of @send_size and
 *         @recv_size bytes (header page included) and an inbound copy
 *         buffer of @max_pkt_size bytes, in HV_CALL_DIRECT read mode, so
 *         that @callback(@ctx) runs in softirq context, serialised, on each
 *         host interrupt and each kick.  Returns 0 with *@chan set, or a
 *         negative errno.  Process context.
 * @close: undo a successful @open.  On return @callback neither runs nor
 *         will run.  Process context; never from @callback.
 * @kick:  run @callback soon, in its usual context, as if the host had
 *         interrupted.  Any context.
 * @notify: optional; the guest wrote to the outbound ring.  Production
 *         leaves it NULL: hv_ringbuffer_write() signals the host itself.
 *         May be set and cleared while channels run: read once a write.
 *         Any context up to softirq.
 * @create_gpadl: describe @size bytes at @kbuf (page-aligned kmalloc,
 *         vmalloc or vmap memory, @size a PAGE_SIZE multiple) to the host
 *         as a GPADL of @chan, an open channel of @dev.  Returns 0 with
 *         *@handle and *@cookie (what @teardown_gpadl takes) set, or a
 *         negative errno with *@shared saying whether the buffer could be
 *         left visible to the host all the same (then it must be leaked).
 *         Process context; sleeps until the host answers.
 * @teardown_gpadl: withdraw a GPADL made by @create_gpadl and free
 *         @cookie.  Returns true if its buffer may still be visible to the
 *         host and must be leaked.  Process context; sleeps until the host
 *         lets go.
 * @teardown_before_close: optional; true when the host ignores GPADL
 *         teardowns once the channel is closed (hosts older than Windows
 *         10, VMBus 4.0), so the core withdraws client GPADLs before
 *         @close, as netvsc does.  Process context.
 * @isolated: optional; true in a confidential VM: guest memory is private
 *         unless made host-visible, as vmbus_establish_gpadl() does for a
 *         GPADL, so it may not be named by GPA in a packet.  Any context.
 */
struct vmbkmcl_backend_ops {
	int (*open)(struct hv_device *dev, u32 send_size, u32 recv_size,
		    u32 max_pkt_size, void (*callback)(void *ctx), void *ctx,
		    struct vmbus_channel **chan);
	void (*close)(struct hv_device *dev, struct vmbus_channel *chan);
	void (*kick)(struct vmbus_channel *chan);
	void (*notify)(struct vmbus_channel *chan);
	int (*create_gpadl)(struct hv_device *dev, struct vmbus_channel *chan,
			    void *kbuf, u32 size, u32 *handle, void **cookie,
			    bool *shared);
	bool (*teardown_gpadl)(struct hv_device *dev,
			       struct vmbus_channel *chan, void *cookie);
	bool (*teardown_before_close)(struct hv_device *dev);
	bool (*isolated)(struct hv_device *dev);
};

bool vmbkmcl_hv_gpadl_still_shared(const struct vmbus_gpadl *gpadl,
				   bool rescinded);

extern const struct vmbkmcl_backend_ops vmbkmcl_hv_backend;

int vmbkmcl_backend_override(struct hv_device *dev,
			     const struct vmbkmcl_backend_ops *ops);

/*
 * What hv_vmbus does to a device, done by a simulated host (driver.c):
 * offer it to the driver serving its class, rescind it, and hibernate.
 */
int vmbkmcl_offer_device(struct hv_device *dev);
void vmbkmcl_rescind_device(struct hv_device *dev);
int vmbkmcl_suspend_device(struct hv_device *dev);
int vmbkmcl_resume_device(struct hv_device *dev);
void vmbkmcl_device_log_stats(struct hv_device *dev);
void vmbkmcl_backend_restore(struct hv_device *dev);
const struct vmbkmcl_backend_ops *vmbkmcl_backend_for(struct hv_device *dev);

#endif /* _VMBKMCL_BACKEND_H */
