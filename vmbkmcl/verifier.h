/* SPDX-License-Identifier: GPL-2.0 */
/*
 * API-misuse checks (verifier.c).  A check that fails reports its rule and
 * the call is refused, so a porter's mistake costs a message and a failure
 * status rather than memory corruption.
 */
#ifndef _VMBKMCL_VERIFIER_H
#define _VMBKMCL_VERIFIER_H

#include <linux/types.h>

struct vmb_channel;
struct vmb_rx_packet;

enum vmb_rule {
	VMB_RULE_INIT_AFTER_ENABLE,
	VMB_RULE_DOUBLE_COMPLETE,
	VMB_RULE_FOREIGN_PACKET,
	VMB_RULE_SEND_NOT_OPEN,
	VMB_RULE_SLEEP_IN_ATOMIC,
	VMB_RULE_FREE_IN_FLIGHT,
	VMB_RULE_DEFER_OUTSIDE_CALLBACK,
	VMB_RULE_COMPLETION_TOO_LARGE,
	VMB_RULE_CLEANUP_ENABLED,
	VMB_RULE_REMOVE_LEFT_ENABLED,
	VMB_RULE_NR
};

/* The verifier module parameter: the costly checks run. */
extern bool vmb_verifier_on;

bool vmb_report_violation(enum vmb_rule rule, const char *channel);

/**
 * vmb_violated() - report @rule if @broken.
 * @broken:  the misuse happened.
 * @rule:    which.
 * @channel: the channel's name, for the message.
 *
 * Inline, as it sits on every send and completion: a check that holds
 * costs its test and nothing else.
 *
 * Context: any context.
 * Return: @broken: the caller refuses the call.
 */
static __always_inline bool vmb_violated(bool broken, enum vmb_rule rule,
					 const char *channel)
{
	if (likely(!broken))
		return false;
	return vmb_report_violation(rule, channel);
}

bool vmb_verify_atomic(const char *channel);
bool vmb_verify_foreign_rx_packet(const struct vmb_rx_packet *p);
void vmb_verifier_add_slots(const struct vmb_rx_packet *slots, u32 n);
void vmb_verifier_remove_slots(const struct vmb_rx_packet *slots);

/* For tests: have violations handed to @fn instead of warned about. */
void vmbkmcl_verifier_capture(void (*fn)(unsigned int rule, const char *name));
void vmbkmcl_verifier_enable(bool on);

#endif /* _VMBKMCL_VERIFIER_H */
