// SPDX-License-Identifier: GPL-2.0
/*
 * Binding ported drivers to devices: include/vmbkmcl/vmbkmcl_driver.h.
 *
 * On Hyper-V each client driver is an hv_driver of its own and hv_vmbus
 * calls probe, remove, suspend and resume.  Off Hyper-V (the test kernel)
 * vmbus_driver_register() fails with -ENODEV and a simulated host offers
 * devices instead, through vmbkmcl_offer_device() and friends.  Both paths
 * meet in the same functions, so a port is tested the way it runs.
 *
 * Locking: vmbkmcl_driver_lock (mutex) guards the client and device lists
 * and is held across a driver's add/remove/suspend/resume, which run in
 * process context.  Order: vmbkmcl_driver_lock, then the channel list
 * lock, then a channel's state_lock.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "channel.h"
#include "compat.h"
#include "fault.h"

/**
 * struct vmbkmcl_device - a device vmbkmcl knows of.
 * @node:      on vmbkmcl_devices.
 * @dev:       the device.
 * @drv:       the client bound to it, or NULL while none serves its class.
 * @simulated: offered by a simulated host rather than hv_vmbus.
 */
struct vmbkmcl_device {
	struct list_head node;
	struct hv_device *dev;
	struct vmbkmcl_client_driver *drv;
	bool simulated;
};

static DEFINE_MUTEX(vmbkmcl_driver_lock);
static LIST_HEAD(vmbkmcl_clients);
static LIST_HEAD(vmbkmcl_devices);

static bool vmbkmcl_serves(const struct vmbkmcl_client_driver *drv,
			   const guid_t *type)
{
	const struct hv_vmbus_device_id *id;

	for (id = drv->id_table; id && !guid_is_null(&id->guid); id++)
		if (guid_equal(&id->guid, type))
			return true;
	return false;
}

static struct vmbkmcl_device *vmbkmcl_find_device(struct hv_device *dev)
{
	struct vmbkmcl_device *d;

	lockdep_assert_held(&vmbkmcl_driver_lock);
	list_for_each_entry(d, &vmbkmcl_devices, node)
		if (d->dev == dev)
			return d;
	return NULL;
}

static int vmbkmcl_bind(struct vmbkmcl_device *d,
			struct vmbkmcl_client_driver *drv)
{
	int ret;

	lockdep_assert_held(&vmbkmcl_driver_lock);
	ret = drv->add(d->dev);
	if (ret) {
		pr_warn("vmbkmcl: %s: add failed: %d\n", drv->name, ret);
		return ret;
	}
	d->drv = drv;
	return 0;
}

/* Close the channels (rescind) or not (plain unbind), then remove. */
static void vmbkmcl_unbind(struct vmbkmcl_device *d, bool rescinded)
{
	lockdep_assert_held(&vmbkmcl_driver_lock);
	if (!d->drv)
		return;
	if (rescinded)
		vmb_device_close_channels(d->dev, false);
	d->drv->remove(d->dev);
	d->drv = NULL;
}

static struct vmbkmcl_client_driver *vmbkmcl_client_for(struct hv_device *dev)
{
	struct vmbkmcl_client_driver *drv;

	lockdep_assert_held(&vmbkmcl_driver_lock);
	list_for_each_entry(drv, &vmbkmcl_clients, node)
		if (vmbkmcl_serves(drv, &dev->dev_type))
			return drv;
	return NULL;
}

/* --- hv_vmbus's side --- */

static struct vmbkmcl_client_driver *vmbkmcl_client_of(struct hv_device *dev)
{
	return container_of(vmbk_hv_driver_of(dev), struct vmbkmcl_client_driver,
			    hv);
}

static int vmbkmcl_hv_probe(struct hv_device *dev,
			    const struct hv_vmbus_device_id *id)
{
	struct vmbkmcl_device *d = vmb_kzalloc(sizeof(*d), GFP_KERNEL);
	int ret;

	if (!d)
		return -ENOMEM;
	d->dev = dev;
	mutex_lock(&vmbkmcl_driver_lock);
	ret = vmbkmcl_bind(d, vmbkmcl_client_of(dev));
	if (!ret)
		list_add(&d->node, &vmbkmcl_devices);
	mutex_unlock(&vmbkmcl_driver_lock);
	if (ret)
		kfree(d);
	return ret;
}

/* Also the path of a rescind: the channel's rescind flag is then set. */
static void vmbkmcl_hv_remove_device(struct hv_device *dev)
{
	struct vmbkmcl_device *d;

	mutex_lock(&vmbkmcl_driver_lock);
	d = vmbkmcl_find_device(dev);
	if (d) {
		vmbkmcl_unbind(d, READ_ONCE(dev->channel->rescind));
		list_del(&d->node);
	}
	mutex_unlock(&vmbkmcl_driver_lock);
	kfree(d);
}

static VMBK_HV_REMOVE_RET vmbkmcl_hv_remove(struct hv_device *dev)
{
	vmbkmcl_hv_remove_device(dev);
	return VMBK_HV_REMOVED;
}

static int vmbkmcl_hv_suspend(struct hv_device *dev)
{
	return vmbkmcl_suspend_device(dev);
}

static int vmbkmcl_hv_resume(struct hv_device *dev)
{
	return vmbkmcl_resume_device(dev);
}

/* --- the client driver API --- */

/**
 * __vmbkmcl_register_client_driver() - register a ported driver.
 * @drv:      the driver; @name, @id_table, @add and @remove set.
 * @owner:    THIS_MODULE.
 * @mod_name: KBUILD_MODNAME.
 *
 * Registers an hv_driver for @drv's device classes, and binds @drv to the
 * devices a simulated host has offered in them.  Without a VMBus (not a
 * Hyper-V guest) only the latter happens.
 *
 * Context: process context; sleeps.
 * Return: 0, -EINVAL for an incomplete driver, or hv_vmbus's error.
 */
int __vmbkmcl_register_client_driver(struct vmbkmcl_client_driver *drv,
				     struct module *owner,
				     const char *mod_name)
{
	struct vmbkmcl_device *d;
	int ret;

	might_sleep();
	if (!drv->name || !drv->id_table || !drv->add || !drv->remove)
		return -EINVAL;
	drv->hv.name = drv->name;
	drv->hv.id_table = drv->id_table;
	drv->hv.probe = vmbkmcl_hv_probe;
	drv->hv.remove = vmbkmcl_hv_remove;
	drv->hv.suspend = vmbkmcl_hv_suspend;
	drv->hv.resume = vmbkmcl_hv_resume;
	ret = __vmbus_driver_register(&drv->hv, owner, mod_name);
	if (ret && ret != -ENODEV)
		return ret;
	drv->on_vmbus = !ret;

	mutex_lock(&vmbkmcl_driver_lock);
	list_add_tail(&drv->node, &vmbkmcl_clients);
	list_for_each_entry(d, &vmbkmcl_devices, node)
		if (!d->drv && vmbkmcl_serves(drv, &d->dev->dev_type))
			vmbkmcl_bind(d, drv);
	mutex_unlock(&vmbkmcl_driver_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(__vmbkmcl_register_client_driver);

/**
 * vmbkmcl_unregister_client_driver() - unbind and unregister a driver.
 * @drv: a registered driver.
 *
 * Its @remove runs for every device it is bound to.
 *
 * Context: process context; sleeps.
 */
void vmbkmcl_unregister_client_driver(struct vmbkmcl_client_driver *drv)
{
	struct vmbkmcl_device *d;

	might_sleep();
	if (drv->on_vmbus)
		vmbus_driver_unregister(&drv->hv);
	mutex_lock(&vmbkmcl_driver_lock);
	list_for_each_entry(d, &vmbkmcl_devices, node)
		if (d->drv == drv)
			vmbkmcl_unbind(d, false);
	list_del(&drv->node);
	mutex_unlock(&vmbkmcl_driver_lock);
}
EXPORT_SYMBOL_GPL(vmbkmcl_unregister_client_driver);

/* --- the simulated host's side --- */

/**
 * vmbkmcl_offer_device() - a simulated host offers @dev.
 * @dev: a device with its class in @dev->dev_type, not on any VMBus.
 *
 * The driver serving the class, if one is registered, is bound now;
 * otherwise when one registers.
 *
 * Context: process context; sleeps.
 * Return: 0, -EEXIST if already offered, -ENOMEM, or the driver's add
 * error.
 */
int vmbkmcl_offer_device(struct hv_device *dev)
{
	struct vmbkmcl_client_driver *drv;
	struct vmbkmcl_device *d;
	int ret = 0;

	d = vmb_kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->dev = dev;
	d->simulated = true;
	mutex_lock(&vmbkmcl_driver_lock);
	if (vmbkmcl_find_device(dev)) {
		ret = -EEXIST;
		goto out;
	}
	drv = vmbkmcl_client_for(dev);
	if (drv)
		ret = vmbkmcl_bind(d, drv);
	if (!ret)
		list_add_tail(&d->node, &vmbkmcl_devices);
out:
	mutex_unlock(&vmbkmcl_driver_lock);
	if (ret)
		kfree(d);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbkmcl_offer_device);

/**
 * vmbkmcl_rescind_device() - a simulated host takes @dev away.
 * @dev: a device; the caller has set its channel's rescind flag and
 *       stopped its callback, as hv_vmbus does before removal.
 *
 * Its channels close (Suspend if running, Closed), then the driver's
 * remove runs if one is bound, as on a Hyper-V rescind.
 *
 * Context: process context; sleeps.
 */
void vmbkmcl_rescind_device(struct hv_device *dev)
{
	struct vmbkmcl_device *d;

	mutex_lock(&vmbkmcl_driver_lock);
	d = vmbkmcl_find_device(dev);
	if (d && d->drv)
		vmbkmcl_unbind(d, true);
	else
		vmb_device_close_channels(dev, false);
	if (d)
		list_del(&d->node);
	mutex_unlock(&vmbkmcl_driver_lock);
	kfree(d);
}
EXPORT_SYMBOL_GPL(vmbkmcl_rescind_device);

/**
 * vmbkmcl_suspend_device() - hibernation: quiesce and close @dev.
 * @dev: a device.
 *
 * The bound driver's suspend runs with its channels open; then each
 * enabled channel is disabled (Suspend, Closed) and marked to be
 * re-enabled.
 *
 * Context: process context; sleeps.
 * Return: 0, or the driver's suspend error (nothing is closed then).
 */
int vmbkmcl_suspend_device(struct hv_device *dev)
{
	struct vmbkmcl_device *d;
	int ret = 0;

	mutex_lock(&vmbkmcl_driver_lock);
	d = vmbkmcl_find_device(dev);
	if (d && d->drv && d->drv->suspend)
		ret = d->drv->suspend(dev);
	if (!ret)
		vmb_device_close_channels(dev, true);
	mutex_unlock(&vmbkmcl_driver_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbkmcl_suspend_device);

/**
 * vmbkmcl_resume_device() - hibernation is over: reopen @dev.
 * @dev: a device vmbkmcl_suspend_device() closed.
 *
 * The bound driver's resume runs, then the channels closed for
 * hibernation are enabled again (Opened, Started, PostStarted).
 *
 * Context: process context; sleeps.
 * Return: 0, or the driver's resume error (channels stay closed then).
 */
int vmbkmcl_resume_device(struct hv_device *dev)
{
	struct vmbkmcl_device *d;
	int ret = 0;

	mutex_lock(&vmbkmcl_driver_lock);
	d = vmbkmcl_find_device(dev);
	if (d && d->drv && d->drv->resume)
		ret = d->drv->resume(dev);
	if (!ret)
		vmb_device_reopen_channels(dev);
	mutex_unlock(&vmbkmcl_driver_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbkmcl_resume_device);

/**
 * vmbkmcl_driver_exit() - forget simulated devices left at module exit.
 */
void vmbkmcl_driver_exit(void)
{
	struct vmbkmcl_device *d, *tmp;

	mutex_lock(&vmbkmcl_driver_lock);
	list_for_each_entry_safe(d, tmp, &vmbkmcl_devices, node) {
		WARN_ON(d->drv);
		list_del(&d->node);
		kfree(d);
	}
	mutex_unlock(&vmbkmcl_driver_lock);
}
