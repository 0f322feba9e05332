/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GPADLs of a channel, as gpadl.c keeps them: what channel.c's
 * lifecycle hooks and rx_external.c's lookups need.
 *
 * Locking, said once:
 *  - vmb_gpadls.lock (mutex) serialises creating, deleting and the
 *    teardown at close, and is held across the backend's sleeping calls;
 *    it guards @open.  It nests inside the channel's state_lock (GPADLs
 *    are made in EvtChannelOpened and may be deleted in EvtChannelClosed).
 *  - vmb_gpadls.list_lock (spinlock, irqsave) guards @list and @stats, so
 *    a received packet's external data is checked against the list from
 *    softirq.  A GPADL is on the list exactly while the host holds it.
 */
#ifndef _VMBKMCL_GPADL_H
#define _VMBKMCL_GPADL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct page;
struct vmb_channel;

/**
 * struct vmb_gpadl_stats - GPADL counters of a channel.
 * @live:	GPADLs the host holds now.
 * @created:	GPADLs created.
 * @deleted:	GPADLs withdrawn by VmbChannelDeleteGpadl.
 * @closed:	GPADLs withdrawn by vmbkmcl because the channel closed.
 * @failed:	creations the host or backend refused.
 * @refused:	VmbChannelPacketGetExternalData calls refused because the
 *		host named memory outside the channel's GPADLs.
 * @leaked:	GPADLs whose pages may still be visible to the host after a
 *		failed creation or a teardown, kept from reuse for ever.
 */
struct vmb_gpadl_stats {
	u64 live;
	u64 created;
	u64 deleted;
	u64 closed;
	u64 failed;
	u64 refused;
	u64 leaked;
};

/**
 * struct vmb_gpadls - the GPADLs of one channel.
 * @lock:	see the top of this file.
 * @list_lock:	see the top of this file.
 * @list:	live GPADLs (struct vmb_gpadl).
 * @open:	the channel's rings are open: GPADLs may be created.
 * @stats:	counters.
 */
struct vmb_gpadls {
	struct mutex lock;	/* create, delete, close; @open */
	spinlock_t list_lock;	/* @list and @stats */
	struct list_head list;
	bool open;
	struct vmb_gpadl_stats stats;
};

/* A page of a GPADL, for lookups by page frame number. */
struct vmb_gpadl_pfn {
	unsigned long pfn;
	u32 index;
};

/**
 * struct vmb_gpadl - one GPADL.
 * @node:	on vmb_gpadls.list.
 * @handle:	what the host calls it.
 * @cookie:	the backend's.
 * @va:		page-aligned kernel address of its bytes, as the host got them.
 * @size:	bytes, a PAGE_SIZE multiple.
 * @npages:	pages.
 * @pages:	the pages, in order.
 * @by_pfn:	the pages sorted by PFN, for lookups.
 * @vmapped:	@va is a vmap() of @pages made here (GPADLs from MDLs).
 * @xfer_bound:	@xfer_id names this GPADL in transfer-page packets
 *		(VmbKmclChannelSetTransferPageSet); under list_lock.
 * @xfer_id:	that transfer page set id.
 */
struct vmb_gpadl {
	struct list_head node;
	u32 handle;
	void *cookie;
	u8 *va;
	u32 size;
	u32 npages;
	struct page **pages;
	struct vmb_gpadl_pfn *by_pfn;
	bool vmapped;
	bool xfer_bound;
	u16 xfer_id;
};

void vmb_gpadls_init(struct vmb_channel *c);
void vmb_gpadls_open(struct vmb_channel *c);
void vmb_gpadls_close(struct vmb_channel *c);
struct vmb_gpadl *vmb_gpadl_find_locked(struct vmb_gpadls *gs, u64 hvpfn,
					u32 *off);
bool vmb_gpadl_hvpfn_is(const struct vmb_gpadl *g, u64 off, u64 hvpfn);
void vmbkmcl_channel_gpadl_stats(struct vmb_channel *c,
				 struct vmb_gpadl_stats *stats);

#endif /* _VMBKMCL_GPADL_H */
