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
 * Locking: vmbkmcl_driver_lock (mutex) guards the client and device
 * lists and each device's @binding, and is never held across client code.
 * Each device has its own lock, held across that device's add, remove,
 * suspend and resume: one device's calls are serialised (as hv_vmbus does
 * with the device lock), different devices' run concurrently, so an add
 * that waits for its host holds up no other bind and no other rescind.
 * Order: a device's lock, then vmbkmcl_driver_lock; then the channel list
 * lock, then a channel's state_lock, none held across a client callback
 * but the last (Documentation/porting-guide.rst, "Locking").
 */
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "channel.h"
#include "compat.h"
#include "fault.h"

/**
 * struct vmbkmcl_device - a device vmbkmcl knows of.
 * @node:      on vmbkmcl_devices, until it is removed.
 * @ref:       the list's reference and its users'.
 * @lock:      held across the client's calls for this device.
 * @dev:       the device.
 * @drv:       the client bound to it, or NULL; under @lock.
 * @binding:   the client being bound (its add may be running), under
 *             vmbkmcl_driver_lock, so unregistering it waits for the add.
 * @tried:     the last client whose add failed on it, under
 *             vmbkmcl_driver_lock: a driver registering is offered each
 *             device once.
 * @simulated: offered by a simulated host rather than hv_vmbus.
 * @gone:      removed (rescinded or unbound by hv_vmbus); under @lock.
 */
struct vmbkmcl_device {
	struct list_head node;
	struct kref ref;
	struct mutex lock;	/* the client's calls for this device */
	struct hv_device *dev;
	struct vmbkmcl_client_driver *drv;
	struct vmbkmcl_client_driver *binding;
	struct vmbkmcl_client_driver *tried;
	bool simulated;
	bool gone;
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

static struct vmbkmcl_device *vmbkmcl_device_new(struct hv_device *dev,
						 bool simulated)
{
	struct vmbkmcl_device *d = vmb_kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return NULL;
	kref_init(&d->ref);
	mutex_init(&d->lock);
	INIT_LIST_HEAD(&d->node);
	d->dev = dev;
	d->simulated = simulated;
	return d;
}

static void vmbkmcl_device_release(struct kref *ref)
{
	struct vmbkmcl_device *d = container_of(ref, struct vmbkmcl_device,
						ref);

	mutex_destroy(&d->lock);
	kfree(d);
}

static void vmbkmcl_device_put(struct vmbkmcl_device *d)
{
	kref_put(&d->ref, vmbkmcl_device_release);
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

/* @dev's entry with a reference, or NULL; with @unlist, off the list. */
static struct vmbkmcl_device *vmbkmcl_get_device(struct hv_device *dev,
						 bool unlist)
{
	struct vmbkmcl_device *d;

	mutex_lock(&vmbkmcl_driver_lock);
	d = vmbkmcl_find_device(dev);
	if (d && unlist)
		list_del_init(&d->node);	/* the list's reference is ours */
	else if (d)
		kref_get(&d->ref);
	mutex_unlock(&vmbkmcl_driver_lock);
	return d;
}

static int vmbkmcl_bind(struct vmbkmcl_device *d,
			struct vmbkmcl_client_driver *drv)
{
	int ret;

	lockdep_assert_held(&d->lock);
	ret = drv->add(d->dev);
	if (ret) {
		pr_warn("vmbkmcl: %s: add failed: %d\n", drv->name, ret);
		return ret;
	}
	d->drv = drv;
	return 0;
}

/*
 * Close the channels (rescind) or not (plain unbind), then remove; then
 * close what remove left enabled, so the host never interrupts into a
 * client that may be unloaded next.
 */
static void vmbkmcl_unbind(struct vmbkmcl_device *d, bool rescinded)
{
	lockdep_assert_held(&d->lock);
	if (!d->drv)
		return;
	if (rescinded)
		vmb_device_close_channels(d->dev, VMB_CLOSE_RESCIND);
	d->drv->remove(d->dev);
	d->drv = NULL;
	vmb_device_close_channels(d->dev, VMB_CLOSE_LEFT_OPEN);
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

/*
 * Bind @d (referenced, @d->binding set to @drv) to @drv under its own
 * lock, then clear @d->binding; the add runs with no global lock held.
 */
static int vmbkmcl_bind_device(struct vmbkmcl_device *d,
			       struct vmbkmcl_client_driver *drv)
{
	int ret = -ENODEV;

	mutex_lock(&d->lock);
	if (!d->gone && !d->drv)
		ret = vmbkmcl_bind(d, drv);
	mutex_lock(&vmbkmcl_driver_lock);
	d->binding = NULL;
	if (ret)
		d->tried = drv;
	mutex_unlock(&vmbkmcl_driver_lock);
	mutex_unlock(&d->lock);
	return ret;
}

/* Remove @d (off the list, its reference ours): unbind and drop it. */
static void vmbkmcl_remove(struct vmbkmcl_device *d, bool rescinded)
{
	mutex_lock(&d->lock);
	d->gone = true;
	if (d->drv)
		vmbkmcl_unbind(d, rescinded);
	else if (rescinded)
		vmb_device_close_channels(d->dev, VMB_CLOSE_RESCIND);
	mutex_unlock(&d->lock);
	vmbkmcl_device_put(d);
}

/* --- hv_vmbus's side --- */

static struct vmbkmcl_client_driver *vmbkmcl_client_of(struct hv_device *dev)
{
	return container_of(vmbk_hv_driver_of(dev), struct vmbkmcl_client_driver,
			    hv);
}

/* hv_vmbus holds the device lock: no remove of @dev runs meanwhile. */
static int vmbkmcl_hv_probe(struct hv_device *dev,
			    const struct hv_vmbus_device_id *id)
{
	struct vmbkmcl_device *d = vmbkmcl_device_new(dev, false);
	int ret;

	if (!d)
		return -ENOMEM;
	mutex_lock(&d->lock);
	ret = vmbkmcl_bind(d, vmbkmcl_client_of(dev));
	mutex_unlock(&d->lock);
	if (ret) {
		vmbkmcl_device_put(d);
		return ret;
	}
	mutex_lock(&vmbkmcl_driver_lock);
	list_add(&d->node, &vmbkmcl_devices);
	mutex_unlock(&vmbkmcl_driver_lock);
	return 0;
}

/* Also the path of a rescind: the channel's rescind flag is then set. */
static void vmbkmcl_hv_remove_device(struct hv_device *dev)
{
	struct vmbkmcl_device *d = vmbkmcl_get_device(dev, true);

	if (d)
		vmbkmcl_remove(d, READ_ONCE(dev->channel->rescind));
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

/*
 * A simulated device @drv serves, unbound and not yet offered to it, with
 * a reference and @binding set; NULL when there is none.
 */
static struct vmbkmcl_device *
vmbkmcl_next_to_bind(struct vmbkmcl_client_driver *drv)
{
	struct vmbkmcl_device *d;

	mutex_lock(&vmbkmcl_driver_lock);
	list_for_each_entry(d, &vmbkmcl_devices, node) {
		if (!d->simulated || d->drv || d->binding || d->tried == drv ||
		    !vmbkmcl_serves(drv, &d->dev->dev_type))
			continue;
		d->binding = drv;
		kref_get(&d->ref);
		mutex_unlock(&vmbkmcl_driver_lock);
		return d;
	}
	mutex_unlock(&vmbkmcl_driver_lock);
	return NULL;
}

/*
 * A device bound to @drv, or being bound to it, with a reference; NULL
 * when there is none.  Unbinding it clears what made it match.
 */
static struct vmbkmcl_device *
vmbkmcl_next_bound(struct vmbkmcl_client_driver *drv)
{
	struct vmbkmcl_device *d;

	mutex_lock(&vmbkmcl_driver_lock);
	list_for_each_entry(d, &vmbkmcl_devices, node) {
		if (READ_ONCE(d->drv) != drv && d->binding != drv)
			continue;
		kref_get(&d->ref);
		mutex_unlock(&vmbkmcl_driver_lock);
		return d;
	}
	mutex_unlock(&vmbkmcl_driver_lock);
	return NULL;
}

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
	mutex_unlock(&vmbkmcl_driver_lock);
	while ((d = vmbkmcl_next_to_bind(drv))) {
		vmbkmcl_bind_device(d, drv);	/* a failure is logged */
		vmbkmcl_device_put(d);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(__vmbkmcl_register_client_driver);

/**
 * vmbkmcl_unregister_client_driver() - unbind and unregister a driver.
 * @drv: a registered driver.
 *
 * Its @remove runs for every device it is bound to, after any @add of it
 * still running has returned.
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
	list_del(&drv->node);
	mutex_unlock(&vmbkmcl_driver_lock);
	while ((d = vmbkmcl_next_bound(drv))) {
		mutex_lock(&d->lock);
		if (d->drv == drv)
			vmbkmcl_unbind(d, false);
		mutex_unlock(&d->lock);
		vmbkmcl_device_put(d);
	}
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
	struct vmbkmcl_client_driver *drv = NULL;
	struct vmbkmcl_device *d;
	int ret = 0;

	d = vmbkmcl_device_new(dev, true);
	if (!d)
		return -ENOMEM;
	mutex_lock(&vmbkmcl_driver_lock);
	if (vmbkmcl_find_device(dev)) {
		ret = -EEXIST;
	} else {
		drv = vmbkmcl_client_for(dev);
		d->binding = drv;
		list_add_tail(&d->node, &vmbkmcl_devices);
		kref_get(&d->ref);	/* ours, while we bind */
	}
	mutex_unlock(&vmbkmcl_driver_lock);
	if (ret) {
		vmbkmcl_device_put(d);
		return ret;
	}
	if (drv)
		ret = vmbkmcl_bind_device(d, drv);
	if (ret) {
		/* As before the offer: a later offer may try again. */
		mutex_lock(&vmbkmcl_driver_lock);
		if (!list_empty(&d->node)) {
			list_del_init(&d->node);
			vmbkmcl_device_put(d);
		}
		mutex_unlock(&vmbkmcl_driver_lock);
	}
	vmbkmcl_device_put(d);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbkmcl_offer_device);

/**
 * vmbkmcl_rescind_device() - a simulated host takes @dev away.
 * @dev: a device; the caller has set its channel's rescind flag and
 *       stopped its callback, as hv_vmbus does before removal.
 *
 * Sends end first, then its channels close (Suspend if running, Closed),
 * then the driver's remove runs if one is bound, as on a Hyper-V rescind;
 * it waits for an add of the device still running.
 *
 * Context: process context; sleeps.
 */
void vmbkmcl_rescind_device(struct hv_device *dev)
{
	struct vmbkmcl_device *d = vmbkmcl_get_device(dev, true);

	if (d)
		vmbkmcl_remove(d, true);
	else
		vmb_device_close_channels(dev, VMB_CLOSE_RESCIND);
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
	struct vmbkmcl_device *d = vmbkmcl_get_device(dev, false);
	int ret = 0;

	if (d)
		mutex_lock(&d->lock);
	if (d && d->drv && d->drv->suspend)
		ret = d->drv->suspend(dev);
	if (!ret)
		vmb_device_close_channels(dev, VMB_CLOSE_HIBERNATE);
	if (d) {
		mutex_unlock(&d->lock);
		vmbkmcl_device_put(d);
	}
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
	struct vmbkmcl_device *d = vmbkmcl_get_device(dev, false);
	int ret = 0;

	if (d)
		mutex_lock(&d->lock);
	if (d && d->drv && d->drv->resume)
		ret = d->drv->resume(dev);
	if (!ret)
		vmb_device_reopen_channels(dev);
	if (d) {
		mutex_unlock(&d->lock);
		vmbkmcl_device_put(d);
	}
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
		list_del_init(&d->node);
		vmbkmcl_device_put(d);
	}
	mutex_unlock(&vmbkmcl_driver_lock);
}
