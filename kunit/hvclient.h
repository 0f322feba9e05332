/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvclient - a hv-path suite's own vmbkmcl client driver, for tests.
 *
 * The guest's end of a device class the suite offers itself (hvhost.h is
 * the host's): a vmbkmcl_client_driver that hv_vmbus probes the way it
 * probes any driver's, which counts its adds and removes, keeps the device
 * bound last, wakes the suite's waiters, and hands each call to the
 * suite's hvclient_ops for what the suite keeps per device (a recorder, a
 * channel of its own).  Each client serves one class; two clients may not
 * serve the same one.
 *
 * Locking: hvclient_lock (hvclient.c) guards the list of registered
 * clients, which maps a device's class to its client; it is not held
 * across the suite's ops.  vmbkmcl serialises one device's calls (see
 * vmbkmcl_driver.h); @adds, @removes and @dev are written there and read
 * by the suite with READ_ONCE.
 */
#ifndef _VMBKMCL_HVCLIENT_H
#define _VMBKMCL_HVCLIENT_H

#include <linux/hyperv.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <vmbkmcl/vmbkmcl_driver.h>

#include "hvhost.h"

struct hvclient;

/**
 * struct hvclient_ops - what a suite's client does with each device.
 * @add:     bind @dev: make what the suite keeps for it.  Process context.
 *           0, or a negative errno (the device is then not counted).
 * @remove:  unbind @dev; the removal is counted after it.  Process context.
 * @suspend: optional; hibernation is starting (vmbkmcl_driver.h).
 * @resume:  optional; hibernation is over.
 */
struct hvclient_ops {
	int (*add)(struct hvclient *c, struct hv_device *dev);
	void (*remove)(struct hvclient *c, struct hv_device *dev);
	int (*suspend)(struct hvclient *c, struct hv_device *dev);
	int (*resume)(struct hvclient *c, struct hv_device *dev);
};

/**
 * struct hvclient - one suite's client driver.
 * @class:   the device class it serves.
 * @ops:     the suite's part.
 * @ids:     @class as an id table, { } last.
 * @drv:     the driver vmbkmcl registers with hv_vmbus.
 * @node:    on the list of registered clients.
 * @dev:     the device added last, NULL once that one is removed.
 * @wq:      adds and removes wake waiters here; the suite may use it too.
 * @adds:    successful add calls.
 * @removes: remove calls.
 */
struct hvclient {
	guid_t class;
	const struct hvclient_ops *ops;
	struct hv_vmbus_device_id ids[2];
	struct vmbkmcl_client_driver drv;
	struct list_head node;
	struct hv_device *dev;
	wait_queue_head_t wq;
	u32 adds;
	u32 removes;
};

int hvclient_register(struct hvclient *c, const char *name,
		      const guid_t *class, const struct hvclient_ops *ops);
void hvclient_unregister(struct hvclient *c);
bool hvclient_wait(struct hvclient *c, const u32 *v, u32 n, u32 ms);
int hvclient_offer(struct hvclient *c, struct hvhost *h);

#endif /* _VMBKMCL_HVCLIENT_H */
