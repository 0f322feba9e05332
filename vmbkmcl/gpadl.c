// SPDX-License-Identifier: GPL-2.0
/*
 * GPADLs: guest memory described to the host by handle.
 *
 * Invariants:
 *  - A GPADL is made from one page-aligned buffer of whole pages, as
 *    vmbus_establish_gpadl() needs (it lists the pages from offset 0 and
 *    makes them host-visible page by page in confidential VMs).  One made
 *    from an MDL chain is mapped once with vmap() so the backend gets one
 *    contiguous address; vmbus_establish_gpadl() takes vmalloc addresses.
 *  - GPADLs may be created while the channel's rings are open: from
 *    EvtChannelOpened until VmbChannelDisable closes the rings.  Those
 *    still live then are withdrawn right after the close and before
 *    EvtChannelClosed, as vmbus_close() does for the rings' own GPADL and
 *    netvsc for its buffers on current hosts; on hosts older than
 *    Windows 10, which ignore a teardown after the close, right before
 *    it, as netvsc does there.  Deleting them later does nothing.
 *  - Memory the host may still see (the backend says so after a failed
 *    creation or a teardown, in confidential VMs) is never handed back:
 *    vmbkmcl pins its pages where it can (vmb_gpadl_leak()), keeps its own
 *    mapping of them, counts it and says so.
 *
 * Locking: see gpadl.h.
 */
#include <linux/bsearch.h>
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "channel.h"
#include "external.h"
#include "gpadl.h"
#include "fault.h"

#define VMB_GPADL_FLAGS		VMBUS_CHANNEL_GPADL_READ_ONLY

/**
 * vmb_gpadls_init() - initialise the GPADL set of a new channel.
 * @c: the channel.
 *
 * Context: any context.
 */
void vmb_gpadls_init(struct vmb_channel *c)
{
	struct vmb_gpadls *gs = &c->gpadls;

	mutex_init(&gs->lock);
	spin_lock_init(&gs->list_lock);
	INIT_LIST_HEAD(&gs->list);
}

static int vmb_gpadl_pfn_cmp(const void *a, const void *b)
{
	const struct vmb_gpadl_pfn *x = a, *y = b;

	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return 0;
}

static struct vmb_gpadl *vmb_gpadl_alloc(u32 npages)
{
	struct vmb_gpadl *g = vmb_kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return NULL;
	g->npages = npages;
	g->size = npages << PAGE_SHIFT;
	g->pages = vmb_kvcalloc(npages, sizeof(*g->pages), GFP_KERNEL);
	g->by_pfn = vmb_kvcalloc(npages, sizeof(*g->by_pfn), GFP_KERNEL);
	if (!g->pages || !g->by_pfn) {
		kvfree(g->by_pfn);
		kvfree(g->pages);
		kfree(g);
		return NULL;
	}
	return g;
}

/* Free what only vmbkmcl saw: the host never had, or no longer has, it. */
static void vmb_gpadl_free(struct vmb_gpadl *g)
{
	if (g->vmapped)
		vunmap(g->va);
	kvfree(g->by_pfn);
	kvfree(g->pages);
	kfree(g);
}

/*
 * The host may still see @g's pages: keep them from the allocator for
 * ever, and keep our mapping of them, but free the bookkeeping.  A page
 * can be pinned only if it has a reference count of its own (vmalloc
 * pages, single pages, compound allocations): slab objects and the tail
 * pages of a non-compound multi-page allocation cannot be.
 */
static void vmb_gpadl_leak(struct vmb_channel *c, struct vmb_gpadl *g)
{
	unsigned long flags;
	u32 i;

	for (i = 0; i < g->npages; i++)
		if (!PageSlab(g->pages[i]) && page_count(g->pages[i]))
			get_page(g->pages[i]);
	pr_err("vmbkmcl: %s: GPADL %u (%u bytes) may still be visible to the host; its pages are leaked\n",
	       c->name, g->handle, g->size);
	spin_lock_irqsave(&c->gpadls.list_lock, flags);
	c->gpadls.stats.leaked++;
	spin_unlock_irqrestore(&c->gpadls.list_lock, flags);
	kvfree(g->by_pfn);
	kvfree(g->pages);
	kfree(g);
}

/* Index @g's pages by PFN, once its pages are known. */
static void vmb_gpadl_index(struct vmb_gpadl *g)
{
	u32 i;

	for (i = 0; i < g->npages; i++) {
		g->by_pfn[i].pfn = page_to_pfn(g->pages[i]);
		g->by_pfn[i].index = i;
	}
	sort(g->by_pfn, g->npages, sizeof(*g->by_pfn), vmb_gpadl_pfn_cmp, NULL);
}

/*
 * Hand @g to the host.  On failure @g is the caller's to free, or to leak
 * when *@shared says the host may see it all the same.
 */
static NTSTATUS vmb_gpadl_publish(struct vmb_channel *c, struct vmb_gpadl *g,
				  bool *shared)
{
	struct vmb_gpadls *gs = &c->gpadls;
	NTSTATUS status = STATUS_SUCCESS;
	unsigned long flags;
	int ret;

	*shared = false;
	vmb_gpadl_index(g);
	mutex_lock(&gs->lock);
	if (!gs->open) {
		status = STATUS_INVALID_DEVICE_STATE;
		goto out_unlock;
	}
	ret = c->ops->create_gpadl(c->device, c->vmbus, g->va, g->size,
				   &g->handle, &g->cookie, shared);
	spin_lock_irqsave(&gs->list_lock, flags);
	if (ret) {
		gs->stats.failed++;
		status = vmb_errno_to_status(ret);
	} else {
		list_add_tail(&g->node, &gs->list);
		gs->stats.live++;
		gs->stats.created++;
	}
	spin_unlock_irqrestore(&gs->list_lock, flags);
out_unlock:
	mutex_unlock(&gs->lock);
	return status;
}

static NTSTATUS vmb_gpadl_create(struct vmb_channel *c, struct vmb_gpadl *g,
				 PUINT32 GpadlHandle)
{
	NTSTATUS status;
	bool shared;

	status = vmb_gpadl_publish(c, g, &shared);
	if (NT_SUCCESS(status))
		*GpadlHandle = g->handle;
	else if (shared)
		vmb_gpadl_leak(c, g);
	else
		vmb_gpadl_free(g);
	return status;
}

/**
 * VmbChannelCreateGpadlFromBuffer() - describe a buffer to the host.
 * @Channel:     an open channel: from EvtChannelOpened until Disable.
 * @Flags:       0 or VMBUS_CHANNEL_GPADL_READ_ONLY (a hint; not enforced).
 * @Buffer:      page-aligned kmalloc, page-allocator or vmalloc memory,
 *               which must stay allocated until the GPADL is deleted.
 * @ByteCount:   bytes, a non-zero multiple of PAGE_SIZE.
 * @GpadlHandle: receives the handle to give the host.
 *
 * Returns once the host has acknowledged the GPADL.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 to _5 for a NULL
 * channel, unknown flags, a bad buffer, a bad size or a NULL handle
 * pointer; STATUS_INVALID_DEVICE_STATE when the channel is not open;
 * STATUS_INSUFFICIENT_RESOURCES; or the host's refusal
 * (STATUS_DEVICE_REMOVED after a rescind, STATUS_UNSUCCESSFUL).
 */
NTSTATUS VmbChannelCreateGpadlFromBuffer(VMBCHANNEL Channel, UINT32 Flags,
					 PVOID Buffer, UINT32 ByteCount,
					 PUINT32 GpadlHandle)
{
	struct vmb_gpadl *g;
	u32 i;

	might_sleep();
	if (!Channel)
		return STATUS_INVALID_PARAMETER_1;
	if (Flags & ~VMB_GPADL_FLAGS)
		return STATUS_INVALID_PARAMETER_2;
	if (!Buffer || !PAGE_ALIGNED(Buffer))
		return STATUS_INVALID_PARAMETER_3;
	if (!ByteCount || !PAGE_ALIGNED(ByteCount))
		return STATUS_INVALID_PARAMETER_4;
	if (!GpadlHandle)
		return STATUS_INVALID_PARAMETER_5;

	g = vmb_gpadl_alloc(ByteCount >> PAGE_SHIFT);
	if (!g)
		return STATUS_INSUFFICIENT_RESOURCES;
	g->va = Buffer;
	for (i = 0; i < g->npages; i++) {
		g->pages[i] = vmb_kernel_page(g->va + i * PAGE_SIZE);
		if (!g->pages[i]) {
			vmb_gpadl_free(g);
			return STATUS_INVALID_PARAMETER_3;
		}
	}
	return vmb_gpadl_create(Channel, g, GpadlHandle);
}
EXPORT_SYMBOL_GPL(VmbChannelCreateGpadlFromBuffer);

/* Bytes an MDL chain describes. */
static u64 vmb_mdl_chain_bytes(const MDL *mdl)
{
	u64 n = 0;

	for (; mdl; mdl = mdl->Next)
		n += mdl->ByteCount;
	return n;
}

/*
 * The whole pages of @len bytes from @start in the chain at @mdl, into
 * @pages.  Every page must be whole: the range starts and ends on page
 * boundaries, and so does every MDL boundary inside it.
 */
static NTSTATUS vmb_gpadl_pages_of_mdl(const MDL *mdl, u64 start, u32 len,
				       struct page **pages)
{
	u64 lo = start;
	u32 i;

	while (lo >= mdl->ByteCount) {
		lo -= mdl->ByteCount;
		mdl = mdl->Next;
	}
	for (i = 0; i < len >> PAGE_SHIFT; i++) {
		while (mdl && lo == mdl->ByteCount) {
			mdl = mdl->Next;
			lo = 0;
		}
		if (!mdl)
			return STATUS_INVALID_PARAMETER_5;
		if (!PAGE_ALIGNED(mdl->ByteOffset + lo))
			return i ? STATUS_INVALID_PARAMETER_3 :
				   STATUS_INVALID_PARAMETER_4;
		if (mdl->ByteCount - lo < PAGE_SIZE)
			return STATUS_INVALID_PARAMETER_3;
		pages[i] = vmb_mdl_page_at(mdl, lo);
		lo += PAGE_SIZE;
	}
	return STATUS_SUCCESS;
}

/**
 * VmbChannelCreateGpadlFromMdl() - describe part of an MDL chain to the
 * host.
 * @Channel:     an open channel: from EvtChannelOpened until Disable.
 * @Flags:       0 or VMBUS_CHANNEL_GPADL_READ_ONLY (a hint; not enforced).
 * @Mdl:         a chain (through Next) of MDLs with their pages filled in,
 *               which must stay valid until the GPADL is deleted.
 * @StartOffsetWithinMdl: bytes into the chain; must fall on a page
 *               boundary of the MDL it lands in.
 * @DataLengthWithinMdl: bytes, a PAGE_SIZE multiple; 0 means to the end of
 *               the chain.
 * @GpadlHandle: receives the handle to give the host.
 *
 * Every MDL boundary inside the range must fall on page boundaries, so
 * that the range is a list of whole pages.  The pages are mapped once with
 * vmap() for the GPADL's life.
 *
 * Context: process context; sleeps.
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 to _6 for a NULL
 * channel, unknown flags, a bad chain, a bad start, a bad length or a NULL
 * handle pointer; otherwise as VmbChannelCreateGpadlFromBuffer().
 */
NTSTATUS VmbChannelCreateGpadlFromMdl(VMBCHANNEL Channel, UINT32 Flags,
				      PMDL Mdl, UINT32 StartOffsetWithinMdl,
				      UINT32 DataLengthWithinMdl,
				      PUINT32 GpadlHandle)
{
	u64 total, len;
	struct vmb_gpadl *g;
	const MDL *m;
	NTSTATUS status;

	might_sleep();
	if (!Channel)
		return STATUS_INVALID_PARAMETER_1;
	if (Flags & ~VMB_GPADL_FLAGS)
		return STATUS_INVALID_PARAMETER_2;
	if (!Mdl)
		return STATUS_INVALID_PARAMETER_3;
	for (m = Mdl; m; m = m->Next)
		if (!vmb_mdl_has_pages(m))
			return STATUS_INVALID_PARAMETER_3;
	total = vmb_mdl_chain_bytes(Mdl);
	if (StartOffsetWithinMdl >= total)
		return STATUS_INVALID_PARAMETER_4;
	len = DataLengthWithinMdl ?: total - StartOffsetWithinMdl;
	if (!PAGE_ALIGNED(len) || len > U32_MAX ||
	    StartOffsetWithinMdl + len > total)
		return STATUS_INVALID_PARAMETER_5;
	if (!GpadlHandle)
		return STATUS_INVALID_PARAMETER_6;

	g = vmb_gpadl_alloc(len >> PAGE_SHIFT);
	if (!g)
		return STATUS_INSUFFICIENT_RESOURCES;
	status = vmb_gpadl_pages_of_mdl(Mdl, StartOffsetWithinMdl, len,
					g->pages);
	if (!NT_SUCCESS(status))
		goto err_free;
	g->va = vmap(g->pages, g->npages, VM_MAP, PAGE_KERNEL);
	if (!g->va) {
		status = STATUS_INSUFFICIENT_RESOURCES;
		goto err_free;
	}
	g->vmapped = true;
	return vmb_gpadl_create(Channel, g, GpadlHandle);

err_free:
	vmb_gpadl_free(g);
	return status;
}
EXPORT_SYMBOL_GPL(VmbChannelCreateGpadlFromMdl);

/* Withdraw @g, which is off the list, from the host. */
static void vmb_gpadl_withdraw(struct vmb_channel *c, struct vmb_gpadl *g)
{
	lockdep_assert_held(&c->gpadls.lock);
	if (c->ops->teardown_gpadl(c->device, c->vmbus, g->cookie))
		vmb_gpadl_leak(c, g);
	else
		vmb_gpadl_free(g);
}

/**
 * VmbChannelDeleteGpadl() - withdraw a GPADL from the host.
 * @Channel:     the channel it was created on.
 * @GpadlHandle: its handle.  One vmbkmcl already withdrew when the channel
 *               closed, or one never created, is ignored.
 *
 * Returns once the host has let go of the memory, which may then be freed.
 *
 * Context: process context; sleeps until the host answers.
 */
void VmbChannelDeleteGpadl(VMBCHANNEL Channel, UINT32 GpadlHandle)
{
	struct vmb_gpadls *gs;
	struct vmb_gpadl *g, *found = NULL;
	unsigned long flags;

	might_sleep();
	if (!Channel)
		return;
	gs = &Channel->gpadls;
	mutex_lock(&gs->lock);
	spin_lock_irqsave(&gs->list_lock, flags);
	list_for_each_entry(g, &gs->list, node) {
		if (g->handle == GpadlHandle) {
			found = g;
			list_del(&g->node);
			gs->stats.live--;
			gs->stats.deleted++;
			break;
		}
	}
	spin_unlock_irqrestore(&gs->list_lock, flags);
	if (found)
		vmb_gpadl_withdraw(Channel, found);
	else
		pr_debug("vmbkmcl: %s: no GPADL %u to delete\n", Channel->name,
			 GpadlHandle);
	mutex_unlock(&gs->lock);
}
EXPORT_SYMBOL_GPL(VmbChannelDeleteGpadl);

/**
 * vmb_gpadls_open() - the rings are open: GPADLs may be created.
 * @c: the channel, being enabled.
 *
 * Context: process context, under the channel's state_lock; sleeps.
 */
void vmb_gpadls_open(struct vmb_channel *c)
{
	mutex_lock(&c->gpadls.lock);
	c->gpadls.open = true;
	mutex_unlock(&c->gpadls.lock);
}

/**
 * vmb_gpadls_close() - the rings close: withdraw every GPADL left.
 * @c: the channel, about to close (hosts that ignore a teardown after the
 *     close) or closed, with its vmbus channel still set.
 *
 * Context: process context, under the channel's state_lock; sleeps.
 */
void vmb_gpadls_close(struct vmb_channel *c)
{
	struct vmb_gpadls *gs = &c->gpadls;
	struct vmb_gpadl *g, *tmp;
	unsigned long flags;
	LIST_HEAD(left);
	u64 n = 0;

	mutex_lock(&gs->lock);
	gs->open = false;
	spin_lock_irqsave(&gs->list_lock, flags);
	list_splice_init(&gs->list, &left);
	list_for_each_entry(g, &left, node)
		n++;
	gs->stats.live -= n;
	gs->stats.closed += n;
	spin_unlock_irqrestore(&gs->list_lock, flags);
	list_for_each_entry_safe(g, tmp, &left, node) {
		list_del(&g->node);
		vmb_gpadl_withdraw(c, g);
	}
	mutex_unlock(&gs->lock);
}

/**
 * vmb_gpadl_find_locked() - the GPADL holding a Hyper-V page.
 * @gs:    the channel's GPADLs.
 * @hvpfn: a Hyper-V (4 KiB) page frame number.
 * @off:   receives the page's byte offset in the GPADL.
 *
 * Context: under @gs->list_lock.
 * Return: the GPADL, or NULL when no GPADL of the channel holds the page.
 */
struct vmb_gpadl *vmb_gpadl_find_locked(struct vmb_gpadls *gs, u64 hvpfn,
					u32 *off)
{
	struct vmb_gpadl_pfn key = { .pfn = hvpfn / NR_HV_HYP_PAGES_IN_PAGE };
	u32 sub = hvpfn % NR_HV_HYP_PAGES_IN_PAGE;
	const struct vmb_gpadl_pfn *hit;
	struct vmb_gpadl *g;

	lockdep_assert_held(&gs->list_lock);
	list_for_each_entry(g, &gs->list, node) {
		hit = bsearch(&key, g->by_pfn, g->npages, sizeof(*g->by_pfn),
			      vmb_gpadl_pfn_cmp);
		if (hit) {
			*off = (hit->index << PAGE_SHIFT) +
			       (sub << HV_HYP_PAGE_SHIFT);
			return g;
		}
	}
	return NULL;
}

/**
 * vmb_gpadl_hvpfn_is() - is Hyper-V page @hvpfn at byte @off of @g?
 * @g:     the GPADL.
 * @off:   a byte offset, a multiple of 4 KiB.
 * @hvpfn: the page number.
 *
 * Context: under the channel's GPADL list_lock.
 * Return: true if @off lies in @g and its page is @hvpfn.
 */
bool vmb_gpadl_hvpfn_is(const struct vmb_gpadl *g, u64 off, u64 hvpfn)
{
	if (off >= g->size)
		return false;
	return page_to_hvpfn(g->pages[off >> PAGE_SHIFT]) +
	       ((off & ~PAGE_MASK) >> HV_HYP_PAGE_SHIFT) == hvpfn;
}

/**
 * vmbkmcl_channel_gpadl_stats() - a snapshot of a channel's GPADL counters.
 * @c:     the channel.
 * @stats: receives the counters.
 *
 * Context: any context.
 */
void vmbkmcl_channel_gpadl_stats(struct vmb_channel *c,
				 struct vmb_gpadl_stats *stats)
{
	unsigned long flags;

	spin_lock_irqsave(&c->gpadls.list_lock, flags);
	*stats = c->gpadls.stats;
	spin_unlock_irqrestore(&c->gpadls.list_lock, flags);
}
EXPORT_SYMBOL_GPL(vmbkmcl_channel_gpadl_stats);
