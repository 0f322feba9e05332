// SPDX-License-Identifier: GPL-2.0
/*
 * The verifier: API misuse a porter could make, caught and named.
 *
 * Cheap checks (a state already at hand) always run and always refuse the
 * call.  The verifier module parameter adds what costs more: that a packet
 * handed to Complete or Fail really is one vmbkmcl delivered.  A violation
 * is a WARN_ONCE naming the rule with the verifier on (it is on in the
 * debug run), a rate-limited error otherwise, or is handed to a test's
 * capture function.
 *
 * Locking: vmb_slot_lock (spinlock, irqsave) guards the list of packet
 * pools the foreign-packet check searches.
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "channel.h"
#include "verifier.h"
#include "watch.h"

bool vmb_verifier_on;

/* The parameter, and the verifier's bit of the watch word (watch.h). */
static int vmb_verifier_param_set(const char *val,
				  const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		vmb_watch_assign(VMB_WATCH_VERIFIER, vmb_verifier_on);
	return ret;
}

/* As param_ops_bool: "verifier" alone switches it on. */
static const struct kernel_param_ops vmb_verifier_param_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = vmb_verifier_param_set,
	.get = param_get_bool,
};

module_param_cb(verifier, &vmb_verifier_param_ops, &vmb_verifier_on, 0644);
MODULE_PARM_DESC(verifier, "check and warn about KMCL API misuse (default off)");

static const char * const vmb_rule_names[VMB_RULE_NR] = {
	[VMB_RULE_INIT_AFTER_ENABLE] = "init setter after Enable",
	[VMB_RULE_DOUBLE_COMPLETE] = "packet completed twice",
	[VMB_RULE_FOREIGN_PACKET] = "not a packet vmbkmcl delivered",
	[VMB_RULE_SEND_NOT_OPEN] = "send on a channel that is not open",
	[VMB_RULE_SLEEP_IN_ATOMIC] = "sleeping call in atomic context",
	[VMB_RULE_FREE_IN_FLIGHT] = "packet freed while in flight",
	[VMB_RULE_DEFER_OUTSIDE_CALLBACK] = "DeferToPassive outside ProcessPacket",
	[VMB_RULE_COMPLETION_TOO_LARGE] = "completion larger than the maximum packet",
	[VMB_RULE_CLEANUP_ENABLED] = "Cleanup of an enabled channel",
	[VMB_RULE_REMOVE_LEFT_ENABLED] = "remove left the channel enabled; force-closed",
};

/*
 * Rules broken where vmbkmcl cannot refuse a call but has to repair the
 * client's omission: they warn with or without the verifier.
 */
static const unsigned long vmb_rules_always_warn = BIT(VMB_RULE_REMOVE_LEFT_ENABLED);

struct vmb_slot_range {
	struct list_head node;
	const struct vmb_rx_packet *slots;
	u32 n;
};

static LIST_HEAD(vmb_slot_ranges);
static DEFINE_SPINLOCK(vmb_slot_lock);
static void (*vmb_capture)(unsigned int rule, const char *name);

/**
 * vmb_report_violation() - report @rule, which vmb_violated() saw broken.
 * @rule:    which.
 * @channel: the channel's name, for the message.
 *
 * Context: any context.
 * Return: true, for vmb_violated() to return.
 */
bool vmb_report_violation(enum vmb_rule rule, const char *channel)
{
	void (*capture)(unsigned int rule, const char *name);

	capture = READ_ONCE(vmb_capture);
	if (capture)
		capture(rule, vmb_rule_names[rule]);
	else if (READ_ONCE(vmb_verifier_on) ||
		 (vmb_rules_always_warn & BIT(rule)))
		WARN_ONCE(1, "vmbkmcl: %s: %s\n", channel, vmb_rule_names[rule]);
	else
		pr_err_ratelimited("vmbkmcl: %s: %s; call refused\n", channel,
				   vmb_rule_names[rule]);
	return true;
}

/**
 * vmb_verify_atomic() - is a call that sleeps made where it cannot?
 * @channel: the channel's name.
 *
 * Catches softirq, hardirq and interrupts-off callers (spinlock holders
 * need the debug kernel's might_sleep()).
 *
 * Return: true if so: the caller must return at once.
 */
bool vmb_verify_atomic(const char *channel)
{
	return vmb_violated(in_interrupt() || irqs_disabled(),
			    VMB_RULE_SLEEP_IN_ATOMIC, channel);
}

static bool vmb_is_delivered_slot(const struct vmb_rx_packet *p)
{
	struct vmb_slot_range *r;
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&vmb_slot_lock, flags);
	list_for_each_entry(r, &vmb_slot_ranges, node) {
		if (p >= r->slots && p < r->slots + r->n) {
			found = (p - r->slots) * sizeof(*p) ==
				(uintptr_t)p - (uintptr_t)r->slots;
			break;
		}
	}
	spin_unlock_irqrestore(&vmb_slot_lock, flags);
	return found;
}

/**
 * vmb_verify_foreign_rx_packet() - is @p not a packet vmbkmcl delivered?
 * @p: what the client passed as a VMBPACKETCOMPLETION.
 *
 * The costly half of vmb_verify_rx_packet(), run with the verifier on.
 *
 * Context: any context.
 * Return: true if it is foreign (reported): the caller must return at once.
 */
bool vmb_verify_foreign_rx_packet(const struct vmb_rx_packet *p)
{
	return vmb_violated(!vmb_is_delivered_slot(p), VMB_RULE_FOREIGN_PACKET,
			    "?");
}

/**
 * vmb_verifier_add_slots() - a packet pool came into being.
 * @slots: its slots.
 * @n:     how many.
 *
 * Context: process context.
 */
void vmb_verifier_add_slots(const struct vmb_rx_packet *slots, u32 n)
{
	struct vmb_slot_range *r = kzalloc(sizeof(*r), GFP_KERNEL);

	/* Without the record only the foreign-packet check is weaker. */
	if (!r)
		return;
	r->slots = slots;
	r->n = n;
	spin_lock_irq(&vmb_slot_lock);
	list_add(&r->node, &vmb_slot_ranges);
	spin_unlock_irq(&vmb_slot_lock);
}

/**
 * vmb_verifier_remove_slots() - a packet pool is going away.
 * @slots: its slots.
 *
 * Context: process context.
 */
void vmb_verifier_remove_slots(const struct vmb_rx_packet *slots)
{
	struct vmb_slot_range *r, *found = NULL;

	spin_lock_irq(&vmb_slot_lock);
	list_for_each_entry(r, &vmb_slot_ranges, node) {
		if (r->slots == slots) {
			list_del(&r->node);
			found = r;
			break;
		}
	}
	spin_unlock_irq(&vmb_slot_lock);
	kfree(found);
}

/**
 * vmbkmcl_verifier_capture() - hand violations to @fn, for tests.
 * @fn: called with the rule and its name instead of warning; NULL stops.
 */
void vmbkmcl_verifier_capture(void (*fn)(unsigned int rule, const char *name))
{
	WRITE_ONCE(vmb_capture, fn);
}
EXPORT_SYMBOL_GPL(vmbkmcl_verifier_capture);

/**
 * vmbkmcl_verifier_enable() - switch the costly checks on or off.
 * @on: as the verifier module parameter.
 */
void vmbkmcl_verifier_enable(bool on)
{
	WRITE_ONCE(vmb_verifier_on, on);
	vmb_watch_assign(VMB_WATCH_VERIFIER, on);
}
EXPORT_SYMBOL_GPL(vmbkmcl_verifier_enable);
