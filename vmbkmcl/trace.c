// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints' one definition (vmbkmcl/trace.h).  Those a test or a
 * client may attach a probe to are exported.  The per-packet receive
 * tracepoints keep their bit of the watch word (watch.h) set while probed.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_batch_complete);
EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_packet_dropped);
EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_state_change);
EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_packet_received);
EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_packet_delivered);
EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_packet_completed);

u8 vmb_watch;

/**
 * vmb_watch_assign() - switch one bit of the watch word.
 * @bit: the bit.
 * @on:  its new value.
 *
 * The verifier and the tracepoints switch theirs from different contexts:
 * a cmpxchg() loop keeps the others'.
 *
 * Context: any context.
 */
void vmb_watch_assign(enum vmb_watch_bit bit, bool on)
{
	u8 old = READ_ONCE(vmb_watch), new;

	do {
		new = on ? old | BIT(bit) : old & ~BIT(bit);
	} while (!try_cmpxchg(&vmb_watch, &old, new));
}

/*
 * Called under tracepoints_mutex as the tracepoint's first probe comes
 * (before the tracepoint is switched on) and its last goes (before it is
 * switched off).
 */
int vmb_watch_received_reg(void)
{
	vmb_watch_assign(VMB_WATCH_RECEIVED, true);
	return 0;
}

void vmb_watch_received_unreg(void)
{
	vmb_watch_assign(VMB_WATCH_RECEIVED, false);
}

int vmb_watch_delivered_reg(void)
{
	vmb_watch_assign(VMB_WATCH_DELIVERED, true);
	return 0;
}

void vmb_watch_delivered_unreg(void)
{
	vmb_watch_assign(VMB_WATCH_DELIVERED, false);
}

int vmb_watch_completed_reg(void)
{
	vmb_watch_assign(VMB_WATCH_COMPLETED, true);
	return 0;
}

void vmb_watch_completed_unreg(void)
{
	vmb_watch_assign(VMB_WATCH_COMPLETED, false);
}
