/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvemu - an emulated Hyper-V inside the test kernel (internal interfaces).
 *
 * What it is: the hypervisor half (hv.c: the Hyper-V CPUID leaves, the
 * synthetic MSRs, the hypercall page, the SynIC message and event-flag
 * pages, the callback-vector interrupt) and a VMBus host on it (vmbus.c:
 * the channel-message protocol; ring.c: the host end of each channel's
 * rings through the guest's GPADL).  It exists only in the test kernel
 * vmbkmcl's harness builds (kunit/hvemu/, applied by scripts/testkernel.sh)
 * and does nothing unless the kernel is booted with hvemu=1.
 *
 * What it may touch: guest memory the guest handed to the "hypervisor"
 * (SynIC pages, hypercall page, post-message input page, GPADL pages),
 * the local APIC (to raise the callback vector), and nothing of hv_vmbus's
 * internals: it sees hv_vmbus only through the hypervisor interface.
 */
#ifndef _HVEMU_INTERNAL_H
#define _HVEMU_INTERNAL_H

#include <linux/hvemu.h>
#include <linux/types.h>

/* hv.c, for vmbus.c: queue a SynIC message for (vp, sint); any context. */
int hvemu_deliver(u32 vp, u32 sint, u32 type, const void *payload, u32 len);
/* hv.c, for vmbus.c: set event flag @bit of @sint on @vp, interrupt it. */
void hvemu_set_event(u32 vp, u32 sint, u32 bit);
/* hv.c, for vmbus.c: count a transition hvemu_event_count() reports. */
void hvemu_count_event(enum hvemu_event ev);
/* hv.c: the guest memory at @gpa, @len bytes within one page, or NULL. */
void *hvemu_gpa(u64 gpa, u32 len);

/* vmbus.c, for hv.c: the guest's HVCALL_POST_MESSAGE; atomic context. */
u16 hvemu_vmbus_post(u32 conn_id, u32 type, const void *payload, u32 len);
/* vmbus.c, for hv.c: the guest's HVCALL_SIGNAL_EVENT; atomic context. */
u16 hvemu_vmbus_signal(u32 conn_id);
/* vmbus.c, for hv.c: start the host once the hypervisor is up. */
int hvemu_vmbus_init(void);

#endif /* _HVEMU_INTERNAL_H */
