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

unsigned long vmb_watch;

/*
 * Called under tracepoints_mutex as the tracepoint's first probe comes
 * (before the tracepoint is switched on) and its last goes (before it is
 * switched off).
 */
int vmb_watch_received_reg(void)
{
	set_bit(VMB_WATCH_RECEIVED, &vmb_watch);
	return 0;
}

void vmb_watch_received_unreg(void)
{
	clear_bit(VMB_WATCH_RECEIVED, &vmb_watch);
}

int vmb_watch_delivered_reg(void)
{
	set_bit(VMB_WATCH_DELIVERED, &vmb_watch);
	return 0;
}

void vmb_watch_delivered_unreg(void)
{
	clear_bit(VMB_WATCH_DELIVERED, &vmb_watch);
}

int vmb_watch_completed_reg(void)
{
	set_bit(VMB_WATCH_COMPLETED, &vmb_watch);
	return 0;
}

void vmb_watch_completed_unreg(void)
{
	clear_bit(VMB_WATCH_COMPLETED, &vmb_watch);
}
