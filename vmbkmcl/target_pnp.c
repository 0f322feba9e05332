// SPDX-License-Identifier: GPL-2.0
/*
 * Target PnP: a client channel that opens an offer it names by interface
 * type (and optionally instance) rather than its own device's.
 *
 * On Windows, VmbClientChannelInitSetTargetPnp() makes the library wait
 * for the VMBus PDO of that interface through PnP arrival notification and
 * open it when it appears; EvtChannelPnpFailure reports a connect that
 * failed after that.  On Linux an offer reaches a driver only through a
 * driver registered for its class, so vmbkmcl registers one itself, per
 * interface type asked for, the first time a channel targeting it is
 * enabled: through vmbkmcl_register_client_driver(), which on Hyper-V is
 * an hv_driver for that class and off Hyper-V binds a simulated host's
 * offers.  Its add() records the offer; its remove() closes whatever
 * channel opened the offer.  An offer is opened by at most one channel
 * (one open per offer, as in VMBus); a class some other driver serves
 * reaches vmbkmcl only if that driver is absent.
 *
 * Enable of a target channel returns STATUS_SUCCESS at once with the
 * channel WAITING; a worker opens the first free matching offer, as soon
 * as there is one, and runs Opened, Started and PostStarted as Enable
 * would.  The wait is bounded by target_wait_ms; at its end, or when the
 * open fails (the host refuses it, Opened vetoes it, the offer was
 * rescinded), the channel becomes DISABLED and EvtChannelPnpFailure gets
 * the status.  Disable cancels the wait.  A rescind of the opened offer
 * closes the channel like any rescind (Suspend, Closed); a new Enable
 * waits again.  Across hibernation the channel keeps its offer.
 *
 * Locking, outermost first: the driver's per-device binding (driver.c),
 * a channel's state_lock, then vmb_target_lock, which guards the offers,
 * the classes list, the waiting list, every claim and a channel's @target
 * pointer once set.  An offer's removal pins its claimant with a channel
 * reference.  Class registration
 * takes the driver lock, so it runs in its own work item that nothing
 * waits for under a lock; a channel's works (connect, expire) take only
 * its state_lock and vmb_target_lock, so Cleanup may cancel them
 * synchronously.  Not from EvtChannelPnpFailure: Cleanup of its channel.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "channel.h"
#include "fault.h"

static unsigned int target_wait_ms = 120000;
module_param(target_wait_ms, uint, 0644);
MODULE_PARM_DESC(target_wait_ms,
		 "how long a target PnP channel waits for its offer, ms (default 120000)");

enum vmb_target_class_state {
	VMB_TARGET_CLASS_NEW,		/* to be registered */
	VMB_TARGET_CLASS_REGISTERED,
	VMB_TARGET_CLASS_FAILED,
};

/**
 * struct vmb_target_class - vmbkmcl's own driver for one interface type.
 * @node:  on vmb_target_classes.
 * @state: enum vmb_target_class_state.
 * @err:   the registration's error, when it failed.
 * @ids:   the type, then the terminator.
 * @name:  "vmbkmcl-target-<type>".
 * @drv:   the client driver registered.
 */
struct vmb_target_class {
	struct list_head node;
	int state;
	int err;
	struct hv_vmbus_device_id ids[2];
	char name[52];
	struct vmbkmcl_client_driver drv;
};

/**
 * struct vmb_target_offer - an offer of a targeted interface type.
 * @node:    on vmb_target_offers.
 * @dev:     the device.
 * @claimed: the target that opened it, or NULL.
 * @gone:    being removed: not to be claimed.
 */
struct vmb_target_offer {
	struct list_head node;
	struct hv_device *dev;
	struct vmb_target *claimed;
	bool gone;
};

/**
 * struct vmb_target - a channel's target: the vmb_channel's @target.
 * @c:		the channel.
 * @type:	interface type asked for.
 * @instance:	instance asked for, unless @any_instance.
 * @any_instance: no instance was given.
 * @failure:	EvtChannelPnpFailure, or NULL.
 * @parent:	the device given to VmbChannelAllocate.
 * @parent_ops:	its backend.
 * @offer:	the offer claimed (open, or kept across hibernation).
 * @node:	on vmb_target_waiting while the channel waits.
 * @connect:	opens a matching offer.
 * @expire:	ends the wait.
 */
struct vmb_target {
	struct vmb_channel *c;
	guid_t type;
	guid_t instance;
	bool any_instance;
	PFN_VMB_CHANNEL_PNP_FAILURE failure;
	struct hv_device *parent;
	const struct vmbkmcl_backend_ops *parent_ops;
	struct vmb_target_offer *offer;
	struct list_head node;
	struct work_struct connect;
	struct delayed_work expire;
};

static DEFINE_MUTEX(vmb_target_lock);
static LIST_HEAD(vmb_target_classes);
static LIST_HEAD(vmb_target_offers);
static LIST_HEAD(vmb_target_waiting);

static void vmb_target_class_work(struct work_struct *work);
static DECLARE_WORK(vmb_target_class_registrar, vmb_target_class_work);

/**
 * vmbkmcl_target_wait_ms() - set how long target channels wait (tests).
 * @ms: the new bound, in milliseconds.
 *
 * Return: the previous bound.
 */
unsigned int vmbkmcl_target_wait_ms(unsigned int ms)
{
	return xchg(&target_wait_ms, ms);
}
EXPORT_SYMBOL_GPL(vmbkmcl_target_wait_ms);

static bool vmb_target_matches(const struct vmb_target *t,
			       const struct hv_device *dev)
{
	return guid_equal(&dev->dev_type, &t->type) &&
	       (t->any_instance || guid_equal(&dev->dev_instance, &t->instance));
}

/* Let every waiting channel that @dev (or, for NULL, anything) fits try. */
static void vmb_target_kick_locked(const struct hv_device *dev)
{
	struct vmb_target *t;

	lockdep_assert_held(&vmb_target_lock);
	list_for_each_entry(t, &vmb_target_waiting, node)
		if (!dev || vmb_target_matches(t, dev))
			queue_work(system_wq, &t->connect);
}

/* --- vmbkmcl's own driver for the targeted classes --- */

static int vmb_target_add(struct hv_device *dev)
{
	struct vmb_target_offer *o = vmb_kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return -ENOMEM;
	o->dev = dev;
	mutex_lock(&vmb_target_lock);
	list_add_tail(&o->node, &vmb_target_offers);
	vmb_target_kick_locked(dev);
	mutex_unlock(&vmb_target_lock);
	return 0;
}

static struct vmb_target_offer *vmb_target_offer_of(struct hv_device *dev)
{
	struct vmb_target_offer *o;

	lockdep_assert_held(&vmb_target_lock);
	list_for_each_entry(o, &vmb_target_offers, node)
		if (o->dev == dev)
			return o;
	return NULL;
}

/* Give @t's offer back and put the channel on its parent again. */
static void vmb_target_unclaim_locked(struct vmb_target *t)
{
	struct vmb_channel *c = t->c;

	lockdep_assert_held(&c->state_lock);
	lockdep_assert_held(&vmb_target_lock);
	if (!t->offer)
		return;
	t->offer->claimed = NULL;
	if (!t->offer->gone)
		vmb_target_kick_locked(t->offer->dev);
	t->offer = NULL;
	c->device = t->parent;
	c->ops = t->parent_ops;
}

/*
 * The offer is going: close the channel on it, then forget it.  The
 * claimant is pinned by a reference taken while it held the claim
 * (Cleanup gives the claim back, under vmb_target_lock, before it drops
 * the channel's last reference).
 */
static void vmb_target_remove(struct hv_device *dev)
{
	struct vmb_target_offer *o;
	struct vmb_channel *c = NULL;

	mutex_lock(&vmb_target_lock);
	o = vmb_target_offer_of(dev);
	if (o) {
		o->gone = true;
		if (o->claimed) {
			c = o->claimed->c;
			kref_get(&c->ref);
		}
	}
	mutex_unlock(&vmb_target_lock);
	if (c) {
		/* Waits for an open in progress, then closes. */
		VmbChannelDisable(c);
		mutex_lock(&c->state_lock);
		mutex_lock(&vmb_target_lock);
		if (c->target && c->target->offer == o)	/* kept for hibernation */
			vmb_target_unclaim_locked(c->target);
		mutex_unlock(&vmb_target_lock);
		mutex_unlock(&c->state_lock);
		vmb_channel_put(c);
	}
	if (!o)
		return;
	mutex_lock(&vmb_target_lock);
	if (o->claimed) {
		/* Reclaimed by a hibernation reopen meanwhile: drop it. */
		pr_err("vmbkmcl: %s: target offer removed while reopening\n",
		       o->claimed->c->name);
		o->claimed->offer = NULL;
	}
	list_del(&o->node);
	mutex_unlock(&vmb_target_lock);
	kfree(o);
}

/* Register the classes channels asked for; nothing waits on this. */
static void vmb_target_class_work(struct work_struct *work)
{
	struct vmb_target_class *k, *next;
	int ret;

	for (;;) {
		next = NULL;
		mutex_lock(&vmb_target_lock);
		list_for_each_entry(k, &vmb_target_classes, node) {
			if (k->state == VMB_TARGET_CLASS_NEW) {
				next = k;
				break;
			}
		}
		mutex_unlock(&vmb_target_lock);
		if (!next)
			return;
		/* Binds offers already made: vmb_target_add() kicks. */
		ret = vmbkmcl_register_client_driver(&next->drv);
		if (ret)
			pr_warn("vmbkmcl: cannot register for interface %pUl: %d\n",
				&next->ids[0].guid, ret);
		mutex_lock(&vmb_target_lock);
		next->err = ret;
		next->state = ret ? VMB_TARGET_CLASS_FAILED :
				    VMB_TARGET_CLASS_REGISTERED;
		/* A failure is reported by the waiting channels' work. */
		vmb_target_kick_locked(NULL);
		mutex_unlock(&vmb_target_lock);
	}
}

/* The class of @type: found, or made and queued for registration. */
static struct vmb_target_class *vmb_target_class_locked(const guid_t *type)
{
	struct vmb_target_class *k;

	lockdep_assert_held(&vmb_target_lock);
	list_for_each_entry(k, &vmb_target_classes, node)
		if (guid_equal(&k->ids[0].guid, type))
			return k;
	k = vmb_kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return NULL;
	guid_copy(&k->ids[0].guid, type);
	snprintf(k->name, sizeof(k->name), "vmbkmcl-target-%pUl", type);
	k->drv.name = k->name;
	k->drv.id_table = k->ids;
	k->drv.add = vmb_target_add;
	k->drv.remove = vmb_target_remove;
	list_add_tail(&k->node, &vmb_target_classes);
	queue_work(system_wq, &vmb_target_class_registrar);
	return k;
}

/* --- a channel's wait --- */

/* End @t's wait without an open: DISABLED, and the client is told. */
static void vmb_target_fail(struct vmb_target *t, NTSTATUS status)
{
	struct vmb_channel *c = t->c;

	lockdep_assert_held(&c->state_lock);
	mutex_lock(&vmb_target_lock);
	list_del_init(&t->node);
	vmb_target_unclaim_locked(t);
	mutex_unlock(&vmb_target_lock);
	c->state = VMB_CHANNEL_DISABLED;
	pr_info("vmbkmcl: %s: target %pUl not opened: %#x\n", c->name,
		&t->type, status);
}

/* Claim a free offer for @t; the class must be registered by now. */
static NTSTATUS vmb_target_claim(struct vmb_target *t)
{
	struct vmb_target_class *k;
	struct vmb_target_offer *o;
	NTSTATUS status = STATUS_PENDING;

	mutex_lock(&vmb_target_lock);
	k = vmb_target_class_locked(&t->type);
	if (!k) {
		status = STATUS_INSUFFICIENT_RESOURCES;
	} else if (k->state == VMB_TARGET_CLASS_FAILED) {
		status = vmb_errno_to_status(k->err);
	} else if (k->state == VMB_TARGET_CLASS_REGISTERED) {
		list_for_each_entry(o, &vmb_target_offers, node) {
			if (o->claimed || o->gone ||
			    READ_ONCE(o->dev->channel->rescind) ||
			    !vmb_target_matches(t, o->dev))
				continue;
			o->claimed = t;
			t->offer = o;
			list_del_init(&t->node);
			status = STATUS_SUCCESS;
			break;
		}
	}
	mutex_unlock(&vmb_target_lock);
	return status;
}

static void vmb_target_connect(struct work_struct *work)
{
	struct vmb_target *t = container_of(work, struct vmb_target, connect);
	struct vmb_channel *c = t->c;
	NTSTATUS status;

	mutex_lock(&c->state_lock);
	if (c->state != VMB_CHANNEL_WAITING) {
		mutex_unlock(&c->state_lock);
		return;
	}
	status = vmb_target_claim(t);
	if (status == STATUS_PENDING) {
		mutex_unlock(&c->state_lock);
		return;
	}
	if (NT_SUCCESS(status)) {
		cancel_delayed_work(&t->expire);
		c->device = t->offer->dev;
		c->ops = vmbkmcl_backend_for(c->device);
		c->state = VMB_CHANNEL_DISABLED;
		status = vmb_channel_enable_locked(c);
	}
	if (!NT_SUCCESS(status))
		vmb_target_fail(t, status);
	mutex_unlock(&c->state_lock);
	if (!NT_SUCCESS(status) && t->failure)
		t->failure(c, status);
}

static void vmb_target_expire(struct work_struct *work)
{
	struct vmb_target *t = container_of(to_delayed_work(work),
					    struct vmb_target, expire);
	struct vmb_channel *c = t->c;
	bool expired;

	mutex_lock(&c->state_lock);
	expired = c->state == VMB_CHANNEL_WAITING;
	if (expired)
		vmb_target_fail(t, STATUS_NO_SUCH_DEVICE);
	mutex_unlock(&c->state_lock);
	if (expired && t->failure)
		t->failure(c, STATUS_NO_SUCH_DEVICE);
}

/**
 * VmbClientChannelInitSetTargetPnp() - open the offer of an interface
 * rather than the parent device's.
 * @Channel:            a channel not yet enabled, allocated on any device.
 * @InterfaceType:      the offer's interface (class) type.
 * @InterfaceInstance:  its instance, or NULL for any instance.
 * @PnpFailureCallback: optional; told when the channel does not open.
 *
 * VmbChannelEnable() then returns at once and the channel opens when a
 * matching offer no other channel has opened exists, with the usual
 * callbacks; if it does not within target_wait_ms, or the open fails,
 * the channel is disabled and @PnpFailureCallback gets the status
 * (STATUS_NO_SUCH_DEVICE for the former).  A second call replaces the
 * target.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 for a NULL channel
 * or one no longer initialising; _2 for a NULL @InterfaceType;
 * STATUS_INSUFFICIENT_RESOURCES.
 */
NTSTATUS VmbClientChannelInitSetTargetPnp(VMBCHANNEL Channel,
					  LPCGUID InterfaceType,
					  LPCGUID InterfaceInstance,
					  PFN_VMB_CHANNEL_PNP_FAILURE PnpFailureCallback)
{
	struct vmb_target *t;

	if (!vmb_init_begin(Channel))
		return STATUS_INVALID_PARAMETER_1;
	if (!InterfaceType)
		return vmb_init_end(Channel, STATUS_INVALID_PARAMETER_2);
	t = Channel->target;
	if (!t) {
		t = vmb_kzalloc(sizeof(*t), GFP_KERNEL);
		if (!t)
			return vmb_init_end(Channel,
					    STATUS_INSUFFICIENT_RESOURCES);
		t->c = Channel;
		t->parent = Channel->device;
		t->parent_ops = Channel->ops;
		INIT_LIST_HEAD(&t->node);
		INIT_WORK(&t->connect, vmb_target_connect);
		INIT_DELAYED_WORK(&t->expire, vmb_target_expire);
		Channel->target = t;
	}
	guid_copy(&t->type, InterfaceType);
	t->any_instance = !InterfaceInstance;
	if (InterfaceInstance)
		guid_copy(&t->instance, InterfaceInstance);
	t->failure = PnpFailureCallback;
	return vmb_init_end(Channel, STATUS_SUCCESS);
}
EXPORT_SYMBOL_GPL(VmbClientChannelInitSetTargetPnp);

/**
 * vmb_target_enable_locked() - VmbChannelEnable() of a target channel.
 * @c: the channel, allocated or disabled, with a target.
 *
 * Reopens at once the offer kept across hibernation; otherwise starts the
 * wait.
 *
 * Context: process context under @c's state_lock; sleeps.
 * Return: STATUS_SUCCESS, or the reopen's failure.
 */
NTSTATUS vmb_target_enable_locked(struct vmb_channel *c)
{
	struct vmb_target *t = c->target;
	NTSTATUS status;

	lockdep_assert_held(&c->state_lock);
	if (t->offer) {
		status = vmb_channel_enable_locked(c);
		if (!NT_SUCCESS(status)) {
			mutex_lock(&vmb_target_lock);
			vmb_target_unclaim_locked(t);
			mutex_unlock(&vmb_target_lock);
		}
		return status;
	}
	c->state = VMB_CHANNEL_WAITING;
	mutex_lock(&vmb_target_lock);
	list_add_tail(&t->node, &vmb_target_waiting);
	mutex_unlock(&vmb_target_lock);
	queue_work(system_wq, &t->connect);
	mod_delayed_work(system_wq, &t->expire,
			 msecs_to_jiffies(READ_ONCE(target_wait_ms)));
	return STATUS_SUCCESS;
}

/**
 * vmb_target_cancel_locked() - VmbChannelDisable() of a waiting channel.
 * @c: the channel.
 *
 * Context: process context under @c's state_lock.
 */
void vmb_target_cancel_locked(struct vmb_channel *c)
{
	lockdep_assert_held(&c->state_lock);
	mutex_lock(&vmb_target_lock);
	list_del_init(&c->target->node);
	mutex_unlock(&vmb_target_lock);
	cancel_delayed_work(&c->target->expire);
	c->state = VMB_CHANNEL_DISABLED;
}

/**
 * vmb_target_closed_locked() - a target channel was closed.
 * @c:      the channel, just disabled.
 * @reopen: it closed for hibernation and will reopen its offer.
 *
 * The offer is given back, unless @reopen.
 *
 * Context: process context under @c's state_lock.
 */
void vmb_target_closed_locked(struct vmb_channel *c, bool reopen)
{
	lockdep_assert_held(&c->state_lock);
	if (reopen)
		return;
	mutex_lock(&vmb_target_lock);
	vmb_target_unclaim_locked(c->target);
	mutex_unlock(&vmb_target_lock);
}

/**
 * vmb_target_free() - VmbChannelCleanup() of a channel, disabled by now.
 * @c: the channel.
 *
 * Context: process context; sleeps.  Not from @c's EvtChannelPnpFailure.
 */
void vmb_target_free(struct vmb_channel *c)
{
	struct vmb_target *t = c->target;

	if (!t)
		return;
	cancel_work_sync(&t->connect);
	cancel_delayed_work_sync(&t->expire);
	/* As in Cleanup: maybe inside another channel's state callback. */
	mutex_lock_nested(&c->state_lock, SINGLE_DEPTH_NESTING);
	mutex_lock(&vmb_target_lock);
	list_del_init(&t->node);
	vmb_target_unclaim_locked(t);
	c->target = NULL;
	mutex_unlock(&vmb_target_lock);
	mutex_unlock(&c->state_lock);
	kfree(t);
}

/**
 * vmb_target_instance() - VmbChannelGetInterfaceInstance() of a target
 * channel not on its offer.
 * @c:        the channel.
 * @instance: receives the instance asked for, or GUID_NULL for any.
 *
 * Return: false when @c has no target or is on its offer (the offer's
 * instance is then the answer).
 */
bool vmb_target_instance(struct vmb_channel *c, guid_t *instance)
{
	struct vmb_target *t = c->target;

	if (!t || READ_ONCE(c->device) != t->parent)
		return false;
	if (t->any_instance)
		guid_copy(instance, &guid_null);
	else
		guid_copy(instance, &t->instance);
	return true;
}

/**
 * vmb_target_exit() - unregister vmbkmcl's own class drivers.
 *
 * Context: module exit; every channel is gone.
 */
void vmb_target_exit(void)
{
	struct vmb_target_class *k, *tmp;

	cancel_work_sync(&vmb_target_class_registrar);
	list_for_each_entry_safe(k, tmp, &vmb_target_classes, node) {
		if (k->state == VMB_TARGET_CLASS_REGISTERED)
			vmbkmcl_unregister_client_driver(&k->drv);
		list_del(&k->node);
		kfree(k);
	}
}
