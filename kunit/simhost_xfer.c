// SPDX-License-Identifier: GPL-2.0
/*
 * simhost's transfer-page side: a host that delivers into a receive
 * buffer the guest shared, as Hyper-V's and OpenVMM's netvsp do.
 *
 * The guest creates a GPADL and tells the host, through the device's own
 * protocol, which transfer page set id names it.  The host then writes
 * each message into the buffer through the GPADL's page numbers
 * (simhost_gpadl_write()) and sends a VM_PKT_DATA_USING_XFER_PAGES packet
 * naming the set id and the byte ranges it wrote; it may reuse a range
 * only once the guest has completed the packet that named it.  The
 * writer below sends whatever ranges it is given, in or out of the
 * buffer, so tests can play a hostile host too.
 *
 * Locking: as simhost_write_raw(): the caller serialises host writes.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "simhost_xfer.h"

#define SIMHOST_XFER_HDR_SIZE \
	offsetof(struct vmtransfer_page_packet_header, ranges)

/**
 * simhost_write_xfer_pages() - the host sends a transfer-page packet.
 * @sh:       the simhost.
 * @flags:    descriptor flags (VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED).
 * @trans_id: the host's transaction id.
 * @set_id:   the transfer page set id.
 * @ranges:   @nranges byte ranges of the set, sent as given.
 * @nranges:  ranges, > 0.
 * @data:     @len inline payload bytes after the ranges, or NULL.
 * @len:      inline bytes.
 *
 * Context: process context.
 * Return: 0, -ENOMEM, or as simhost_write_raw() (-EAGAIN: ring full).
 */
int simhost_write_xfer_pages(struct simhost *sh, u16 flags, u64 trans_id,
			     u16 set_id,
			     const struct vmtransfer_page_range *ranges,
			     u32 nranges, const void *data, u32 len)
{
	u32 desc_len = SIMHOST_XFER_HDR_SIZE + nranges * sizeof(*ranges);
	u32 pkt_len = ALIGN(ALIGN(desc_len, sizeof(u64)) + len, sizeof(u64));
	struct vmtransfer_page_packet_header *x;
	u8 *pos;
	int ret;

	x = kzalloc(pkt_len, GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	x->d.type = VM_PKT_DATA_USING_XFER_PAGES;
	x->d.flags = flags;
	x->d.trans_id = trans_id;
	x->d.offset8 = ALIGN(desc_len, sizeof(u64)) / sizeof(u64);
	x->d.len8 = pkt_len / sizeof(u64);
	x->xfer_pageset_id = set_id;
	x->range_cnt = nranges;
	pos = (u8 *)x + SIMHOST_XFER_HDR_SIZE;
	memcpy(pos, ranges, nranges * sizeof(*ranges));
	if (len)
		memcpy((u8 *)x + ALIGN(desc_len, sizeof(u64)), data, len);
	ret = simhost_write_raw(sh, x, pkt_len);
	kfree(x);
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_write_xfer_pages);
