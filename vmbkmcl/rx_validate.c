// SPDX-License-Identifier: GPL-2.0
/*
 * Host input validation for the receive engine.
 *
 * The host is untrusted.  The runner reads each packet's header out of the
 * ring once (receive.c) and checks it here, copies the packet and puts the
 * checked header over the copy's, then checks the copy against the layout
 * its type promises.  Only the copy is used afterwards; nothing read from
 * the host becomes a pointer.
 */
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "channel.h"
#include "external.h"
#include "receive.h"
#include "trace.h"

#define VMB_XFER_HDR_SIZE	offsetof(struct vmtransfer_page_packet_header, ranges)

static const char * const vmb_drop_names[VMB_DROP_NR] = {
	[VMB_DROP_BAD_TYPE] = "bad type",
	[VMB_DROP_BAD_OFFSET] = "bad data offset",
	[VMB_DROP_OVERSIZE] = "larger than the maximum packet size",
	[VMB_DROP_BAD_XFER_PAGES] = "bad transfer-page header",
	[VMB_DROP_BAD_GPA_RANGES] = "bad GPA ranges",
	[VMB_DROP_UNEXPECTED_COMPLETION] = "completion for no request",
};

static bool vmb_rx_xfer_pages_ok(const struct vmpacket_descriptor *desc,
				 u32 off)
{
	const struct vmtransfer_page_packet_header *x = (const void *)desc;

	if (off < VMB_XFER_HDR_SIZE)
		return false;
	return x->range_cnt &&
	       x->range_cnt <= (off - VMB_XFER_HDR_SIZE) /
			       sizeof(struct vmtransfer_page_range);
}

static bool vmb_rx_gpa_ranges_ok(const struct vmpacket_descriptor *desc,
				 u32 off)
{
	const struct vmb_gpa_direct_hdr *g = (const void *)desc;
	u32 pos = sizeof(*g), i;

	if (off < sizeof(*g) || !g->range_cnt)
		return false;
	for (i = 0; i < g->range_cnt; i++) {
		const struct vmb_gpa_range_hdr *r;
		u32 pages;

		if (pos + sizeof(*r) > off)
			return false;
		r = (const void *)((const u8 *)desc + pos);
		if (!r->byte_count || r->byte_offset >= HV_HYP_PAGE_SIZE)
			return false;
		pages = DIV_ROUND_UP((u64)r->byte_offset + r->byte_count,
				     HV_HYP_PAGE_SIZE);
		if (pages > (off - pos - sizeof(*r)) / sizeof(u64))
			return false;
		pos += sizeof(*r) + pages * sizeof(u64);
	}
	return true;
}

/*
 * Check a packet's header, read once from the ring, for a packet of @len
 * bytes whose framing the runner already checked.  Returns VMB_DROP_NR
 * for a good header, else the reason.
 */
enum vmb_rx_drop vmb_rx_check_header(struct vmb_channel *c,
				     const struct vmpacket_descriptor *hdr,
				     u32 len)
{
	u32 off = (u32)hdr->offset8 << 3;

	if (len > c->rx.buf_size)
		return VMB_DROP_OVERSIZE;
	if (off < sizeof(*hdr) || off > len)
		return VMB_DROP_BAD_OFFSET;
	/* The BufferLength a client would be given: its declared bound. */
	if (len - off > c->max_packet_size)
		return VMB_DROP_OVERSIZE;

	switch (hdr->type) {
	case VM_PKT_DATA_INBAND:
	case VM_PKT_DATA_USING_XFER_PAGES:
	case VM_PKT_DATA_USING_GPA_DIRECT:
		return VMB_DROP_NR;
	case VM_PKT_COMP:
		/* Its id is checked against the transaction table. */
		return VMB_DROP_NR;
	default:
		return VMB_DROP_BAD_TYPE;
	}
}

/*
 * Check the copy @desc of a packet with a good header against the layout
 * its type promises.  Returns VMB_DROP_NR for a good packet, else the
 * reason.
 */
enum vmb_rx_drop vmb_rx_check_layout(const struct vmpacket_descriptor *desc)
{
	u32 off = (u32)desc->offset8 << 3;

	switch (desc->type) {
	case VM_PKT_DATA_USING_XFER_PAGES:
		return vmb_rx_xfer_pages_ok(desc, off) ?
		       VMB_DROP_NR : VMB_DROP_BAD_XFER_PAGES;
	case VM_PKT_DATA_USING_GPA_DIRECT:
		return vmb_rx_gpa_ranges_ok(desc, off) ?
		       VMB_DROP_NR : VMB_DROP_BAD_GPA_RANGES;
	default:
		return VMB_DROP_NR;
	}
}

void vmb_rx_count_drop(struct vmb_channel *c, enum vmb_rx_drop why,
		       const struct vmpacket_descriptor *desc)
{
	c->rx.stats.dropped[why]++;
	trace_vmbkmcl_packet_dropped(c, desc->type, desc->len8 << 3,
				     vmb_drop_names[why]);
	pr_warn_ratelimited("vmbkmcl: %s: dropped packet (%s): type %u offset8 %u len8 %u\n",
			    c->name, vmb_drop_names[why], desc->type,
			    desc->offset8, desc->len8);
}

/**
 * vmb_rx_drop_name() - what a drop reason means, in words.
 * @why: the reason.
 *
 * Return: a constant string.
 */
const char *vmb_rx_drop_name(enum vmb_rx_drop why)
{
	return why < VMB_DROP_NR ? vmb_drop_names[why] : "?";
}
