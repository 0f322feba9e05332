/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostport - the host end of one channel, whichever host serves it.
 *
 * A device model written against these three calls runs on both hosts the
 * suites have: simhost (simhost_port()), where vmbkmcl talks to a
 * simulated vmbus_channel, and the emulated Hyper-V (hvhost_port()),
 * where it talks to real hv_vmbus.  responder.c is such a model.
 *
 * Context: @read and @write run in process context (hvhost's may sleep);
 * @notify is called in the writer's context, up to softirq on simhost,
 * so it only queues work.  One reader at a time.
 */
#ifndef _VMBKMCL_HOSTPORT_H
#define _VMBKMCL_HOSTPORT_H

#include <linux/types.h>

/* A packet the guest wrote, as the host read it. */
struct hostport_pkt {
	u16 type;
	u16 flags;
	u64 trans_id;
	u32 len;	/* payload bytes copied, at most the buffer's size */
};

/**
 * struct hostport - a host's calls on one channel.
 * @read:       take the next packet the guest wrote; a payload longer
 *              than @cap is cut to it.  Return: 1 with a packet, 0 when
 *              there is none, negative when the rings are gone or broken.
 * @write:      write an inband-layout packet to the guest and signal it
 *              as the ring protocol says.  Return: 0, -EAGAIN when the
 *              ring is full, -ENODEV when the rings are gone.
 * @set_notify: be told when the guest wrote (signalled); NULL stops it.
 */
struct hostport {
	int (*read)(struct hostport *p, struct hostport_pkt *pkt, void *buf,
		    u32 cap);
	int (*write)(struct hostport *p, u16 type, u16 flags, u64 trans_id,
		     const void *data, u32 len);
	void (*set_notify)(struct hostport *p, void (*notify)(void *ctx),
			   void *ctx);
};

#endif /* _VMBKMCL_HOSTPORT_H */
