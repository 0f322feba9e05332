/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The watch word: what sends a receive fast path the long way.
 *
 * The verifier (verifier.c) and a probe on a per-packet receive
 * tracepoint (trace.c, through the tracepoints' register callbacks) each
 * set a bit here, so a fast path tests all it must see in one load and a
 * branch.  Without jump labels a tracepoint's own test is a load, a test
 * and a branch each, and the verifier's another; the fast paths test this
 * word instead, and leave the checks and the tracing to the long way.  A
 * bit may lag its switch by a packet or two, as a tracepoint does.
 */
#ifndef _VMBKMCL_WATCH_H
#define _VMBKMCL_WATCH_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/types.h>

enum vmb_watch_bit {
	VMB_WATCH_VERIFIER,		/* the verifier module parameter */
	VMB_WATCH_RECEIVED,		/* vmbkmcl_packet_received is probed */
	VMB_WATCH_DELIVERED,		/* vmbkmcl_packet_delivered */
	VMB_WATCH_COMPLETED,		/* vmbkmcl_packet_completed */
};

/* One byte, so a fast path tests it with one instruction and a branch. */
extern u8 vmb_watch;

/* Is anything in @mask (BIT(VMB_WATCH_*)s) switched on? */
static __always_inline bool vmb_watching(u8 mask)
{
	/* A plain read, so gcc tests the byte in place: a switch seen a
	 * packet late is harmless, and every caller reads it once per
	 * packet, between calls.
	 */
	return unlikely(data_race(vmb_watch) & mask);
}

void vmb_watch_assign(enum vmb_watch_bit bit, bool on);

/* The register callbacks of the watched tracepoints (trace.c). */
int vmb_watch_received_reg(void);
void vmb_watch_received_unreg(void);
int vmb_watch_delivered_reg(void);
void vmb_watch_delivered_unreg(void);
int vmb_watch_completed_reg(void);
void vmb_watch_completed_unreg(void);

#endif /* _VMBKMCL_WATCH_H */
