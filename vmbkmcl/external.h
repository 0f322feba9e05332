/* SPDX-License-Identifier: GPL-2.0 */
/*
 * External data: the pages a packet names instead of carrying them.
 *
 * Outbound, a send with an MDL or PFNs becomes a GPA-direct packet whose
 * descriptor (the vmbus_packet_mpb_array layout: one range of byte count,
 * byte offset and Hyper-V PFNs) sits in the packet object ahead of the
 * inline data (send_external.c).  Inbound, a GPA-direct packet's ranges
 * become a chain of MDLs over GPADLs this channel created, built in a
 * per-slot pool preallocated at Enable (rx_external.c); a transfer-page
 * packet's ranges become one MDL each over the GPADL its transfer page
 * set id is bound to (rx_xfer.c).  mdl.c holds the
 * MDL helpers both use.
 */
#ifndef _VMBKMCL_EXTERNAL_H
#define _VMBKMCL_EXTERNAL_H

#include <linux/hyperv.h>
#include <vmbkmcl/mdl.h>

struct vmb_channel;
struct vmb_gpadl;
struct vmb_packet;
struct vmb_rx;
struct vmb_rx_packet;

/* The GPA-direct prefix up to the first range; mainline drops its copy. */
struct vmb_gpa_direct_hdr {
	struct vmpacket_descriptor d;
	u32 reserved;
	u32 range_cnt;
} __packed;

/* One range: then DIV_ROUND_UP(byte_offset + byte_count, 4 KiB) PFNs. */
struct vmb_gpa_range_hdr {
	u32 byte_count;
	u32 byte_offset;
} __packed;

/* A chain being built in one slot's pool (rx_external.c). */
struct vmb_rx_ext_build {
	MDL *mdls;
	struct page **pages;
	u32 chain;
	u32 npages;
	u32 nmdl;
	u32 used;
};

/* Received external data is preallocated for, per slot, from these
 * unless VmbChannelInitSetMaximumExternalData() says otherwise.
 */
#define VMB_DEFAULT_MAX_EXTERNAL_DATA	(64 * 1024)
#define VMB_DEFAULT_MAX_EXTERNAL_CHAIN	4

/* mdl.c */
struct page *vmb_kernel_page(const void *va);
struct page *vmb_mdl_page_at(const MDL *mdl, u64 pos);
bool vmb_mdl_has_pages(const MDL *mdl);

/* send_external.c */
NTSTATUS vmb_packet_prepare_external(struct vmb_packet *p, const void *buf,
				     u32 len, const MDL *mdl, u32 flags);

/* rx_external.c */
int vmb_rx_ext_setup(struct vmb_channel *c);
void vmb_rx_ext_teardown(struct vmb_channel *c);
void vmb_rx_ext_release(struct vmb_rx *rx, struct vmb_rx_packet *p);
void vmb_rx_ext_forget(struct vmb_rx *rx, struct vmb_rx_packet *p);
NTSTATUS vmb_rx_ext_emit(struct vmb_rx_ext_build *b,
			 const struct vmb_gpadl *g, u64 start, u32 len);
void vmb_rx_ext_refused(struct vmb_channel *c, const char *what, u32 id,
			u64 start, u64 len);

/* rx_xfer.c */
NTSTATUS vmb_rx_xfer_build(struct vmb_channel *c,
			   const struct vmb_rx_packet *p,
			   struct vmb_rx_ext_build *b);

#endif /* _VMBKMCL_EXTERNAL_H */
