// SPDX-License-Identifier: GPL-2.0
/*
 * Transfer-page external data: a receive buffer the guest shared.
 *
 * A transfer-page packet (VM_PKT_DATA_USING_XFER_PAGES) names byte ranges
 * of a "transfer page set" by a 16-bit id rather than by page numbers.
 * The set is memory the guest shared with the host through a GPADL, and
 * the id is agreed through the device's own protocol: netvsc sends its
 * receive buffer's GPADL handle with the id NETVSC_RECEIVE_BUFFER_ID in
 * NVSP_MSG1_TYPE_SEND_RECV_BUF, and the host (Hyper-V, or OpenVMM's
 * netvsp) echoes that id in every transfer-page packet, each range being
 * an offset and length into the buffer.  VMBus also defines
 * VM_PKT_ADD_XFER_PAGESET, by which a sender binds an id to a GPADL in
 * band, but no host sends it to a guest and rx_validate.c drops it.  KMCL
 * documents no call that binds an id to a GPADL, so vmbkmcl adds
 * VmbKmclChannelSetTransferPageSet(), which the driver calls where it
 * tells the host the same thing.
 *
 * Invariants:
 *  - An id names at most one GPADL of the channel and a GPADL carries at
 *    most one id.  The binding lives on the GPADL and ends with it
 *    (VmbChannelDeleteGpadl, or the withdrawal at close), so it never
 *    names memory the host no longer holds.
 *  - Every range must lie inside the bound GPADL, checked in 64 bits so
 *    that offset + length cannot wrap; an empty range names nothing and
 *    is refused too.  A refusal builds nothing, is counted and reported,
 *    and the packet stays delivered and completable.
 *  - One MDL per range, in order, over the GPADL's own mapping, from the
 *    slot's pool preallocated at Enable (rx_external.c): nothing is
 *    allocated per packet.
 *
 * Locking: the channel's GPADL list_lock (irqsave) covers both the
 * binding and the build, so a GPADL cannot leave the list mid-build.
 */
#include <linux/hyperv.h>
#include <linux/module.h>

#include "channel.h"
#include "external.h"
#include "gpadl.h"

#define VMB_XFER_HDR_SIZE	offsetof(struct vmtransfer_page_packet_header, ranges)

static struct vmb_gpadl *vmb_xfer_find_locked(struct vmb_gpadls *gs, u16 id)
{
	struct vmb_gpadl *g;

	lockdep_assert_held(&gs->list_lock);
	list_for_each_entry(g, &gs->list, node)
		if (g->xfer_bound && g->xfer_id == id)
			return g;
	return NULL;
}

/**
 * VmbKmclChannelSetTransferPageSet() - say which GPADL a transfer page set
 * id names (a vmbkmcl extension to KMCL).
 * @Channel:           the channel the GPADL was created on.
 * @TransferPageSetId: the id the host will put in transfer-page packets,
 *	as the device's protocol agreed it (netvsc: NETVSC_RECEIVE_BUFFER_ID).
 * @GpadlHandle:       a live GPADL of @Channel.
 *
 * From then on VmbChannelPacketGetExternalData() on a transfer-page
 * packet with this id returns MDLs over the GPADL's bytes.  Binding an id
 * already bound moves it; binding a GPADL that carries another id
 * replaces that id.  The binding ends when the GPADL is deleted or
 * withdrawn at close.
 *
 * Context: any context up to softirq; does not sleep.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 for a NULL channel;
 * STATUS_INVALID_PARAMETER_3 when @GpadlHandle is not a live GPADL of
 * @Channel.
 */
NTSTATUS VmbKmclChannelSetTransferPageSet(VMBCHANNEL Channel,
					  UINT16 TransferPageSetId,
					  UINT32 GpadlHandle)
{
	struct vmb_gpadl *g, *target = NULL, *old;
	struct vmb_gpadls *gs;
	unsigned long flags;

	if (!Channel)
		return STATUS_INVALID_PARAMETER_1;
	gs = &Channel->gpadls;
	spin_lock_irqsave(&gs->list_lock, flags);
	list_for_each_entry(g, &gs->list, node) {
		if (g->handle == GpadlHandle) {
			target = g;
			break;
		}
	}
	if (target) {
		old = vmb_xfer_find_locked(gs, TransferPageSetId);
		if (old)
			old->xfer_bound = false;
		target->xfer_id = TransferPageSetId;
		target->xfer_bound = true;
	}
	spin_unlock_irqrestore(&gs->list_lock, flags);
	return target ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER_3;
}
EXPORT_SYMBOL_GPL(VmbKmclChannelSetTransferPageSet);

/**
 * vmb_rx_xfer_build() - the MDL chain of a transfer-page packet.
 * @c: the channel.
 * @p: a delivered transfer-page packet; rx_validate.c checked that its
 *     ranges lie in the slot's copy.
 * @b: the slot's empty chain.
 *
 * Context: any context up to softirq; takes the GPADL list_lock.
 * Return: STATUS_SUCCESS; STATUS_ACCESS_VIOLATION for an unbound set id or
 * a range outside its GPADL; STATUS_INSUFFICIENT_RESOURCES when the
 * slot's pool is too small.
 */
NTSTATUS vmb_rx_xfer_build(struct vmb_channel *c,
			   const struct vmb_rx_packet *p,
			   struct vmb_rx_ext_build *b)
{
	const struct vmtransfer_page_packet_header *x = (const void *)p->buf;
	const struct vmtransfer_page_range *r =
		(const void *)(p->buf + VMB_XFER_HDR_SIZE);
	NTSTATUS status = STATUS_SUCCESS;
	const struct vmb_gpadl *g;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&c->gpadls.list_lock, flags);
	g = vmb_xfer_find_locked(&c->gpadls, x->xfer_pageset_id);
	if (!g) {
		vmb_rx_ext_refused(c, "transfer page set", x->xfer_pageset_id,
				   0, 0);
		status = STATUS_ACCESS_VIOLATION;
		goto out;
	}
	for (i = 0; i < x->range_cnt; i++) {
		u64 start = r[i].byte_offset, len = r[i].byte_count;

		if (!len || start + len > g->size) {
			vmb_rx_ext_refused(c, "transfer page set",
					   x->xfer_pageset_id, start, len);
			status = STATUS_ACCESS_VIOLATION;
			break;
		}
		status = vmb_rx_ext_emit(b, g, start, len);
		if (!NT_SUCCESS(status))
			break;
	}
out:
	spin_unlock_irqrestore(&c->gpadls.list_lock, flags);
	return status;
}
