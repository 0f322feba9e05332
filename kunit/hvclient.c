// SPDX-License-Identifier: GPL-2.0
/*
 * hvclient - a hv-path suite's own vmbkmcl client driver (see hvclient.h).
 *
 * vmbkmcl calls a client driver with the device only; the device's class
 * (hv_vmbus sets @dev_type from the offer) names the client.
 */
#include <linux/module.h>
#include <linux/mutex.h>

#include "hvclient.h"

static DEFINE_MUTEX(hvclient_lock);
static LIST_HEAD(hvclient_list);

static struct hvclient *hvclient_find(const guid_t *class)
{
	struct hvclient *c;

	lockdep_assert_held(&hvclient_lock);
	list_for_each_entry(c, &hvclient_list, node)
		if (guid_equal(&c->class, class))
			return c;
	return NULL;
}

/*
 * Only a registered client's driver is called, and it leaves the list
 * after its driver is unregistered: the client outlives the lookup.
 */
static struct hvclient *hvclient_of(struct hv_device *dev)
{
	struct hvclient *c;

	mutex_lock(&hvclient_lock);
	c = hvclient_find(&dev->dev_type);
	mutex_unlock(&hvclient_lock);
	return c;
}

static int hvclient_add(struct hv_device *dev)
{
	struct hvclient *c = hvclient_of(dev);
	int ret;

	if (!c)
		return -ENODEV;
	ret = c->ops->add(c, dev);
	if (ret)
		return ret;
	WRITE_ONCE(c->dev, dev);
	WRITE_ONCE(c->adds, c->adds + 1);
	wake_up_all(&c->wq);
	return 0;
}

static void hvclient_remove(struct hv_device *dev)
{
	struct hvclient *c = hvclient_of(dev);

	if (!c)
		return;
	c->ops->remove(c, dev);
	if (READ_ONCE(c->dev) == dev)
		WRITE_ONCE(c->dev, NULL);
	WRITE_ONCE(c->removes, c->removes + 1);
	wake_up_all(&c->wq);
}

static int hvclient_suspend(struct hv_device *dev)
{
	struct hvclient *c = hvclient_of(dev);

	return c ? c->ops->suspend(c, dev) : 0;
}

static int hvclient_resume(struct hv_device *dev)
{
	struct hvclient *c = hvclient_of(dev);

	return c ? c->ops->resume(c, dev) : 0;
}

/**
 * hvclient_register() - register a suite's client driver.
 * @c:     zeroed client, static or living until hvclient_unregister().
 * @name:  driver name.
 * @class: the device class it serves; the suite offers it (hvclient_offer()).
 * @ops:   the suite's part; @add and @remove set.
 *
 * For a suite's suite_init.  KUnit runs a module's suites from the module
 * notifier, before the module's sysfs kobject exists, so a driver owned
 * by the module cannot be registered yet: the driver has no owner, and
 * the suite's suite_exit unregisters it before the module can go.
 *
 * Context: process context; sleeps.
 * Return: 0; -ENODEV without an emulated Hyper-V (the suite does not
 * run); -EEXIST if another client serves @class; or the registration's
 * error.
 */
int hvclient_register(struct hvclient *c, const char *name,
		      const guid_t *class, const struct hvclient_ops *ops)
{
	int ret;

	if (!hvemu_present())
		return -ENODEV;
	c->class = *class;
	c->ops = ops;
	guid_copy(&c->ids[0].guid, class);
	init_waitqueue_head(&c->wq);
	c->drv.name = name;
	c->drv.id_table = c->ids;
	c->drv.add = hvclient_add;
	c->drv.remove = hvclient_remove;
	c->drv.suspend = ops->suspend ? hvclient_suspend : NULL;
	c->drv.resume = ops->resume ? hvclient_resume : NULL;

	mutex_lock(&hvclient_lock);
	if (hvclient_find(class)) {
		mutex_unlock(&hvclient_lock);
		return -EEXIST;
	}
	list_add_tail(&c->node, &hvclient_list);
	mutex_unlock(&hvclient_lock);

	ret = __vmbkmcl_register_client_driver(&c->drv, NULL, NULL);
	if (ret) {
		mutex_lock(&hvclient_lock);
		list_del(&c->node);
		mutex_unlock(&hvclient_lock);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(hvclient_register);

/**
 * hvclient_unregister() - unregister a suite's client driver.
 * @c: a registered client.
 *
 * The suite's @remove runs for each device still bound.
 *
 * Context: process context; sleeps.
 */
void hvclient_unregister(struct hvclient *c)
{
	vmbkmcl_unregister_client_driver(&c->drv);
	mutex_lock(&hvclient_lock);
	list_del(&c->node);
	mutex_unlock(&hvclient_lock);
}
EXPORT_SYMBOL_GPL(hvclient_unregister);

/**
 * hvclient_wait() - wait for a count woken on @c->wq to reach @n.
 * @c:  client.
 * @v:  @c->adds, @c->removes, or a count of the suite's that it wakes
 *      @c->wq for.
 * @n:  the count to wait for.
 * @ms: how long at most.
 *
 * Context: process context; sleeps (bounded).
 * Return: false on timeout.
 */
bool hvclient_wait(struct hvclient *c, const u32 *v, u32 n, u32 ms)
{
	return wait_event_timeout(c->wq, READ_ONCE(*v) >= n,
				  msecs_to_jiffies(ms)) > 0;
}
EXPORT_SYMBOL_GPL(hvclient_wait);

/**
 * hvclient_offer() - offer a device of @c's class, and wait for its add.
 * @c: a registered client.
 * @h: zeroed hvhost: the device's host end.
 *
 * Context: process context; sleeps (bounded).
 * Return: 0 once @c added the device (it is @c->dev), an hvhost_offer()
 * error, or -ETIMEDOUT.
 */
int hvclient_offer(struct hvclient *c, struct hvhost *h)
{
	u32 adds = READ_ONCE(c->adds);
	int ret = hvhost_offer(h, &c->class, 0);

	if (ret)
		return ret;
	return hvclient_wait(c, &c->adds, adds + 1, HVHOST_WAIT_MS) ?
	       0 : -ETIMEDOUT;
}
EXPORT_SYMBOL_GPL(hvclient_offer);
