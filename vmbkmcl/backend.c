// SPDX-License-Identifier: GPL-2.0
/*
 * Which backend a device's channels use.
 *
 * Every hv_device uses the production backend unless a test host has
 * registered an override for it: the simulated host does so for the fake
 * devices it creates, and only for those.  The list is short-lived and
 * tiny (one entry per simulated device), so a mutex and a list do.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "backend.h"

struct vmbkmcl_override {
	struct list_head node;
	struct hv_device *dev;
	const struct vmbkmcl_backend_ops *ops;
};

static LIST_HEAD(vmbkmcl_overrides);
static DEFINE_MUTEX(vmbkmcl_overrides_lock);

static struct vmbkmcl_override *vmbkmcl_override_find(struct hv_device *dev)
{
	struct vmbkmcl_override *o;

	lockdep_assert_held(&vmbkmcl_overrides_lock);
	list_for_each_entry(o, &vmbkmcl_overrides, node)
		if (o->dev == dev)
			return o;
	return NULL;
}

/**
 * vmbkmcl_backend_override() - make channels of @dev use @ops.
 * @dev: a device that is not on a real VMBus (a simulated one).
 * @ops: its backend; must stay valid until vmbkmcl_backend_restore().
 *
 * Context: process context; sleeps.
 * Return: 0, -EEXIST if @dev already has an override, or -ENOMEM.
 */
int vmbkmcl_backend_override(struct hv_device *dev,
			     const struct vmbkmcl_backend_ops *ops)
{
	struct vmbkmcl_override *o;
	int ret = 0;

	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->dev = dev;
	o->ops = ops;
	mutex_lock(&vmbkmcl_overrides_lock);
	if (vmbkmcl_override_find(dev))
		ret = -EEXIST;
	else
		list_add(&o->node, &vmbkmcl_overrides);
	mutex_unlock(&vmbkmcl_overrides_lock);
	if (ret)
		kfree(o);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbkmcl_backend_override);

/**
 * vmbkmcl_backend_restore() - drop @dev's override.
 * @dev: the device; its channels must all have been cleaned up.
 *
 * Context: process context; sleeps.
 */
void vmbkmcl_backend_restore(struct hv_device *dev)
{
	struct vmbkmcl_override *o;

	mutex_lock(&vmbkmcl_overrides_lock);
	o = vmbkmcl_override_find(dev);
	if (o)
		list_del(&o->node);
	mutex_unlock(&vmbkmcl_overrides_lock);
	kfree(o);
}
EXPORT_SYMBOL_GPL(vmbkmcl_backend_restore);

/**
 * vmbkmcl_backend_for() - the backend for channels of @dev.
 * @dev: the parent device.
 *
 * Context: process context; sleeps.
 * Return: @dev's override, or the production hv_vmbus backend.
 */
const struct vmbkmcl_backend_ops *vmbkmcl_backend_for(struct hv_device *dev)
{
	const struct vmbkmcl_backend_ops *ops = &vmbkmcl_hv_backend;
	struct vmbkmcl_override *o;

	mutex_lock(&vmbkmcl_overrides_lock);
	o = vmbkmcl_override_find(dev);
	if (o)
		ops = o->ops;
	mutex_unlock(&vmbkmcl_overrides_lock);
	return ops;
}
