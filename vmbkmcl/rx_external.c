// SPDX-License-Identifier: GPL-2.0
/*
 * Received external data: VmbChannelPacketGetExternalData.
 * (Transfer-page packets' ranges are resolved in rx_xfer.c.)
 *
 * A GPA-direct packet names guest pages by Hyper-V page number.  The host
 * may only name memory the guest shared with it, so every page must lie
 * in a GPADL this channel created; the external data is then a chain of
 * MDLs over those GPADLs' own mappings, one MDL per run of pages that are
 * consecutive in one GPADL (a range whose pages jump between GPADLs, or
 * within one, gives several MDLs).  Each MDL therefore has a kernel
 * address from the start, and MmGetSystemAddressForMdlSafe() on it never
 * maps anything, so it works in softirq.
 *
 * Invariants:
 *  - Nothing is allocated per packet: each receive slot has MDLs and page
 *    pointers preallocated at Enable, sized by
 *    VmbChannelInitSetMaximumExternalData (ChainLength MDLs; DataSize
 *    bytes, plus two partial pages per MDL).  External data needing more
 *    fails with STATUS_INSUFFICIENT_RESOURCES.
 *  - The chain is built at most once per delivery of a slot and lives
 *    until the packet is completed, when vmb_rx_free_slot_locked() forgets
 *    it; the pages stay mapped as long as their GPADLs, which the client
 *    must not delete while it holds such a packet.
 *  - Only the slot's own validated copy of the packet is read, never the
 *    ring.  Pages are resident kernel memory, so STATUS_PENDING (paging
 *    in) never happens here.
 *
 * Locking: the slot belongs to the client while it holds the packet; the
 * GPADL list is read under its list_lock (gpadl.h).
 */
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "channel.h"
#include "external.h"
#include "gpadl.h"
#include "fault.h"

/**
 * struct vmb_rx_ext - the external-data MDL pools of a channel's slots.
 * @chain:  MDLs per slot.
 * @npages: page pointers per slot.
 * @mdls:   @chain MDLs per slot, slot by slot.
 * @pages:  @npages page pointers per slot, slot by slot.
 * @built:  per slot, MDLs of the chain built for the packet it holds, or
 *	    0 when none was asked for.
 */
struct vmb_rx_ext {
	u32 chain;
	u32 npages;
	MDL *mdls;
	struct page **pages;
	u32 *built;
};

/**
 * vmb_rx_ext_setup() - preallocate the external-data pools at Enable.
 * @c: the channel, its slots just allocated.
 *
 * Context: process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int vmb_rx_ext_setup(struct vmb_channel *c)
{
	u32 data = c->max_external_data ?: VMB_DEFAULT_MAX_EXTERNAL_DATA;
	u32 n = c->rx.nslots;
	struct vmb_rx_ext *ext;

	might_sleep();
	ext = vmb_kzalloc(sizeof(*ext), GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	ext->chain = c->max_external_chain ?: VMB_DEFAULT_MAX_EXTERNAL_CHAIN;
	ext->npages = DIV_ROUND_UP(data, PAGE_SIZE) + 2 * ext->chain;
	ext->mdls = vmb_kvcalloc(array_size(n, ext->chain), sizeof(*ext->mdls),
				 GFP_KERNEL);
	if (!ext->mdls)
		goto err_free_ext;
	ext->pages = vmb_kvcalloc(array_size(n, ext->npages),
				  sizeof(*ext->pages), GFP_KERNEL);
	if (!ext->pages)
		goto err_free_mdls;
	ext->built = vmb_kvcalloc(n, sizeof(*ext->built), GFP_KERNEL);
	if (!ext->built)
		goto err_free_pages;
	c->rx.ext = ext;
	return 0;

err_free_pages:
	kvfree(ext->pages);
err_free_mdls:
	kvfree(ext->mdls);
err_free_ext:
	kfree(ext);
	return -ENOMEM;
}

/**
 * vmb_rx_ext_teardown() - free the pools once every slot is back.
 * @c: the channel, closed.
 *
 * Context: process context.
 */
void vmb_rx_ext_teardown(struct vmb_channel *c)
{
	struct vmb_rx_ext *ext = c->rx.ext;

	if (!ext)
		return;
	kvfree(ext->built);
	kvfree(ext->pages);
	kvfree(ext->mdls);
	kfree(ext);
	c->rx.ext = NULL;
}

/**
 * vmb_rx_ext_forget() - forget the chain built for a slot's last packet.
 * @rx: the receive engine.
 * @p:  a slot nobody else can see: being freed under @rx->lock, or
 *	retired and handed straight to the next packet by the runner.
 *
 * Context: any context.
 */
void vmb_rx_ext_forget(struct vmb_rx *rx, struct vmb_rx_packet *p)
{
	if (rx->ext)
		rx->ext->built[p - rx->slots] = 0;
}

/**
 * vmb_rx_ext_release() - forget a slot's external data as it is freed.
 * @rx: the receive engine.
 * @p:  the slot.
 *
 * Context: under @rx->lock.
 */
void vmb_rx_ext_release(struct vmb_rx *rx, struct vmb_rx_packet *p)
{
	lockdep_assert_held(&rx->lock);
	vmb_rx_ext_forget(rx, p);
}

/**
 * vmb_rx_ext_emit() - append an MDL for @len bytes at byte @start of @g.
 * @b:     the chain being built.
 * @g:     a live GPADL; @start + @len lies inside it.
 * @start: byte offset in @g.
 * @len:   bytes, > 0.
 *
 * Context: under the channel's GPADL list_lock.
 * Return: STATUS_SUCCESS, or STATUS_INSUFFICIENT_RESOURCES when the slot's
 * pool has no MDL or not enough page pointers left.
 */
NTSTATUS vmb_rx_ext_emit(struct vmb_rx_ext_build *b,
			 const struct vmb_gpadl *g, u64 start, u32 len)
{
	u8 *va = g->va + start;
	u32 first = start >> PAGE_SHIFT, k;
	MDL *m;

	if (b->nmdl == b->chain)
		return STATUS_INSUFFICIENT_RESOURCES;
	m = &b->mdls[b->nmdl];
	m->ByteOffset = offset_in_page(va);
	m->ByteCount = len;
	m->PageCount = DIV_ROUND_UP(m->ByteOffset + len, PAGE_SIZE);
	if (m->PageCount > b->npages - b->used)
		return STATUS_INSUFFICIENT_RESOURCES;
	m->Pages = b->pages + b->used;
	for (k = 0; k < m->PageCount; k++)
		m->Pages[k] = g->pages[first + k];
	b->used += m->PageCount;
	m->StartVa = va - m->ByteOffset;
	m->MappedSystemVa = va;
	m->MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL | MDL_PAGES_LOCKED;
	m->Next = NULL;
	if (b->nmdl)
		b->mdls[b->nmdl - 1].Next = m;
	b->nmdl++;
	return STATUS_SUCCESS;
}

/**
 * vmb_rx_ext_refused() - count and report external data the host named
 * outside the channel's GPADLs.
 * @c:     the channel.
 * @what:  "page" or "transfer page set".
 * @id:    the page number's low bits or the set id.
 * @start: the offending offset (0 when it is the id itself).
 * @len:   the offending length.
 *
 * Context: under @c's GPADL list_lock.
 */
void vmb_rx_ext_refused(struct vmb_channel *c, const char *what, u32 id,
			u64 start, u64 len)
{
	lockdep_assert_held(&c->gpadls.list_lock);
	c->gpadls.stats.refused++;
	pr_warn_ratelimited("vmbkmcl: %s: host named memory outside the channel's GPADLs: %s %#x, bytes %llu+%llu\n",
			    c->name, what, id, start, len);
}

/* One GPA range: its pages, run by run, each run inside one GPADL. */
static NTSTATUS vmb_rx_ext_range(struct vmb_channel *c,
				 struct vmb_rx_ext_build *b,
				 const struct vmb_gpa_range_hdr *r,
				 const u64 *pfn)
{
	u32 npfn = DIV_ROUND_UP((u64)r->byte_offset + r->byte_count,
				HV_HYP_PAGE_SIZE);
	u32 skip = r->byte_offset, left = r->byte_count, i = 0, j, off, run;
	const struct vmb_gpadl *g;
	NTSTATUS status;

	while (i < npfn) {
		g = vmb_gpadl_find_locked(&c->gpadls, pfn[i], &off);
		if (!g) {
			vmb_rx_ext_refused(c, "page", (u32)pfn[i], 0,
					   HV_HYP_PAGE_SIZE);
			return STATUS_ACCESS_VIOLATION;
		}
		for (j = i + 1; j < npfn; j++)
			if (!vmb_gpadl_hvpfn_is(g, off + ((u64)(j - i) <<
							  HV_HYP_PAGE_SHIFT),
						pfn[j]))
				break;
		run = min_t(u32, left, ((j - i) << HV_HYP_PAGE_SHIFT) - skip);
		status = vmb_rx_ext_emit(b, g, (u64)off + skip, run);
		if (!NT_SUCCESS(status))
			return status;
		left -= run;
		skip = 0;
		i = j;
	}
	return STATUS_SUCCESS;
}

/* Every range of the GPA-direct packet in @p, in order. */
static NTSTATUS vmb_rx_ext_build(struct vmb_channel *c,
				 struct vmb_rx_packet *p,
				 struct vmb_rx_ext_build *b)
{
	const struct vmb_gpa_direct_hdr *hdr = (const void *)p->buf;
	u32 pos = sizeof(*hdr), i;
	unsigned long flags;
	NTSTATUS status = STATUS_SUCCESS;

	/* rx_validate.c checked that every range and PFN lies in the copy. */
	spin_lock_irqsave(&c->gpadls.list_lock, flags);
	for (i = 0; i < hdr->range_cnt && NT_SUCCESS(status); i++) {
		const struct vmb_gpa_range_hdr *r = (const void *)(p->buf + pos);
		u32 npfn = DIV_ROUND_UP((u64)r->byte_offset + r->byte_count,
					HV_HYP_PAGE_SIZE);

		status = vmb_rx_ext_range(c, b, r, (const u64 *)(r + 1));
		pos += sizeof(*r) + npfn * sizeof(u64);
	}
	spin_unlock_irqrestore(&c->gpadls.list_lock, flags);
	return status;
}

/**
 * VmbChannelPacketGetExternalData() - the external data of a received
 * packet, as an MDL chain.
 * @PacketCompletionContext: a packet ProcessPacket was given with
 *	VMBUS_CHANNEL_PROCESS_PACKET_FLAGS, not yet completed.
 * @Flags:	0 or VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY (the
 *	mapping is writable all the same).
 * @Mdl:	receives the first MDL of the chain, or NULL on failure.
 *
 * For a GPA-direct packet every page must lie in a GPADL this channel
 * created; the chain has one MDL per run of pages consecutive in one
 * GPADL.  For a transfer-page packet the set id must be bound to a GPADL
 * of the channel (VmbKmclChannelSetTransferPageSet()) and every range must
 * lie inside it; the chain has one MDL per range, in order.  The chain is
 * the library's: it is already mapped (MappedSystemVa is set, so
 * MmGetSystemAddressForMdlSafe() just returns it), it
 * must not be freed, and it is valid until the packet is completed.
 * Calling again for the same packet returns the same chain.  The pages
 * are resident, so STATUS_PENDING is never returned.
 *
 * Context: any context up to softirq; does not sleep.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 for a NULL packet or
 * one without external data; _2 for unknown flags; _3 for a NULL @Mdl;
 * STATUS_ACCESS_VIOLATION when the host named memory outside the
 * channel's GPADLs (a page, an unbound transfer page set, or a range past
 * its GPADL); STATUS_INSUFFICIENT_RESOURCES when
 * the data needs more MDLs or pages than the channel preallocated.
 */
NTSTATUS VmbChannelPacketGetExternalData(VMBPACKETCOMPLETION PacketCompletionContext,
					 UINT32 Flags, PMDL *Mdl)
{
	struct vmb_rx_packet *p = PacketCompletionContext;
	struct vmb_rx_ext_build b = {};
	struct vmb_rx_ext *ext;
	struct vmb_channel *c;
	NTSTATUS status;
	u16 type;
	u32 slot;

	if (!Mdl)
		return STATUS_INVALID_PARAMETER_3;
	*Mdl = NULL;
	if (!p)
		return STATUS_INVALID_PARAMETER_1;
	if (Flags & ~VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY)
		return STATUS_INVALID_PARAMETER_2;
	/* An inband packet (no flags) has no header in its buffer. */
	if (!p->flags)
		return STATUS_INVALID_PARAMETER_1;
	type = ((const struct vmpacket_descriptor *)p->buf)->type;
	if (type != VM_PKT_DATA_USING_GPA_DIRECT &&
	    type != VM_PKT_DATA_USING_XFER_PAGES)
		return STATUS_INVALID_PARAMETER_1;

	c = p->channel;
	ext = c->rx.ext;
	slot = p - c->rx.slots;
	if (!ext->built[slot]) {
		b.chain = ext->chain;
		b.npages = ext->npages;
		b.mdls = ext->mdls + (size_t)slot * ext->chain;
		b.pages = ext->pages + (size_t)slot * ext->npages;
		status = type == VM_PKT_DATA_USING_XFER_PAGES ?
			 vmb_rx_xfer_build(c, p, &b) :
			 vmb_rx_ext_build(c, p, &b);
		if (!NT_SUCCESS(status))
			return status;
		ext->built[slot] = b.nmdl;
	}
	*Mdl = ext->mdls + (size_t)slot * ext->chain;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_GPL(VmbChannelPacketGetExternalData);
