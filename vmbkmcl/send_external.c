// SPDX-License-Identifier: GPL-2.0
/*
 * Sending external data: VmbPacketSend with an MDL,
 * VmbPacketSendWithExternalMdl and VmbPacketSendWithExternalPfns.
 *
 * The data stays where it is and the packet names its pages: each such
 * send is one GPA-direct packet (VM_PKT_DATA_USING_GPA_DIRECT) whose
 * descriptor, the struct vmbus_packet_mpb_array layout (a range count, then
 * each range: byte count, byte offset into its first page, Hyper-V page
 * numbers), is built in the packet object's descriptor room ahead of the
 * inline data and written by vmbus_sendpacket_mpb_desc().  That call always
 * asks the host for a completion, and the pages must stay put until the
 * host has finished with them, so every external-data send must be sent
 * with VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION; its completion
 * routine then tells the caller the pages are free again.
 *
 * Ranges: an MDL chain is cut into as few ranges as it can be: the bytes
 * run on in one range across an MDL boundary that falls on a 4 KiB
 * boundary, and a boundary inside a page starts a new range, as Windows
 * sends a chain.  The limit is the descriptor room: 512 bytes hold 60
 * pages in one range, 8 bytes fewer per extra range.  Kernels whose
 * vmbus_sendpacket_mpb_desc() still forced the range count to one (those
 * with vmbus_sendpacket_pagebuffer(), before the 2025 stable backports;
 * Kbuild defines VMBKMCL_MPB_SINGLE_RANGE from the header) would silently
 * drop every range after the first, so there a chain that needs two is
 * refused, as before.
 *
 * Everything is checked and built before vmb_tx_submit(); a failure
 * leaves the packet the caller's, as for any VmbPacketSend.
 * vmb_packet_prepare_external() is the building half alone, for callers
 * that submit the packet themselves (VmbPacketSend, the synchronous
 * request).
 */
#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "channel.h"
#include "external.h"
#include "send.h"

/* Descriptor bytes ahead of the first range. */
#define VMB_EXT_HDR_LEN		offsetof(struct vmbus_packet_mpb_array, range)
/* Hyper-V pages one send can name in one range: what fits in the room. */
#define VMB_EXT_MAX_PFNS \
	((VMB_TX_DESC_ROOM - sizeof(struct vmbus_packet_mpb_array)) / sizeof(u64))
#ifdef VMBKMCL_MPB_SINGLE_RANGE
#define VMB_EXT_MAX_RANGES	1
#else
#define VMB_EXT_MAX_RANGES	U32_MAX		/* bounded by the room */
#endif

/* Which argument a check failed on; each API numbers its own. */
enum vmb_ext_arg {
	VMB_EXT_MDL,		/* the MDL, or the PFN array */
	VMB_EXT_OFFSET,		/* MdlOffset */
	VMB_EXT_LENGTH,		/* MdlLength, PfnLength */
	VMB_EXT_FLAGS,
	VMB_EXT_NR
};

struct vmb_ext_args {
	NTSTATUS bad[VMB_EXT_NR];
};

static const struct vmb_ext_args vmb_send_args = {
	.bad = {
		[VMB_EXT_MDL] = STATUS_INVALID_PARAMETER_4,
		[VMB_EXT_OFFSET] = STATUS_INVALID_PARAMETER_4,
		[VMB_EXT_LENGTH] = STATUS_INVALID_PARAMETER_4,
		[VMB_EXT_FLAGS] = STATUS_INVALID_PARAMETER_5,
	},
};

static const struct vmb_ext_args vmb_send_mdl_args = {
	.bad = {
		[VMB_EXT_MDL] = STATUS_INVALID_PARAMETER_4,
		[VMB_EXT_OFFSET] = STATUS_INVALID_PARAMETER_5,
		[VMB_EXT_LENGTH] = STATUS_INVALID_PARAMETER_6,
		[VMB_EXT_FLAGS] = STATUS_INVALID_PARAMETER_7,
	},
};

static const struct vmb_ext_args vmb_send_pfns_args = {
	.bad = {
		[VMB_EXT_MDL] = STATUS_INVALID_PARAMETER_4,
		[VMB_EXT_OFFSET] = STATUS_INVALID_PARAMETER_4,
		[VMB_EXT_LENGTH] = STATUS_INVALID_PARAMETER_5,
		[VMB_EXT_FLAGS] = STATUS_INVALID_PARAMETER_6,
	},
};

static struct vmbus_packet_mpb_array *vmb_ext_desc(struct vmb_packet *p)
{
	return (struct vmbus_packet_mpb_array *)p->data;
}

/**
 * struct vmb_ext_builder - the descriptor being built in a packet.
 * @p:       the packet; the descriptor is at @p->data.
 * @range:   the range being filled, or NULL before the first.
 * @npfns:   pages in @range so far.
 * @used:    descriptor bytes so far.
 * @nranges: ranges so far.
 */
struct vmb_ext_builder {
	struct vmb_packet *p;
	struct hv_mpb_array *range;
	u32 npfns;
	u32 used;
	u32 nranges;
};

static void vmb_ext_begin(struct vmb_ext_builder *b, struct vmb_packet *p)
{
	b->p = p;
	b->range = NULL;
	b->npfns = 0;
	b->used = VMB_EXT_HDR_LEN;
	b->nranges = 0;
}

/* Open a range whose first byte is @offset into its first page. */
static enum vmb_ext_arg vmb_ext_new_range(struct vmb_ext_builder *b,
					  u32 offset)
{
	if (b->nranges == VMB_EXT_MAX_RANGES)
		return VMB_EXT_MDL;
	if (b->used + sizeof(struct hv_mpb_array) > VMB_TX_DESC_ROOM)
		return VMB_EXT_LENGTH;
	b->range = (struct hv_mpb_array *)(b->p->data + b->used);
	b->range->offset = offset;
	b->range->len = 0;
	b->used += sizeof(struct hv_mpb_array);
	b->npfns = 0;
	b->nranges++;
	return VMB_EXT_NR;
}

static bool vmb_ext_add_pfn(struct vmb_ext_builder *b, u64 pfn)
{
	if (b->used + sizeof(u64) > VMB_TX_DESC_ROOM)
		return false;
	b->range->pfn_array[b->npfns++] = pfn;
	b->used += sizeof(u64);
	return true;
}

/* The descriptor is complete: the inline data goes after it. */
static void vmb_ext_finish(struct vmb_ext_builder *b, const void *buf, u32 len)
{
	struct vmb_packet *p = b->p;

	p->desc_len = b->used;
	memcpy(p->data + p->desc_len, buf, len);
	p->src = p->data + p->desc_len;
	p->len = len;
	p->type = VM_PKT_DATA_USING_GPA_DIRECT;
	vmb_ext_desc(p)->rangecount = b->nranges;
}

/* The packet's checks, then ours, before anything is built. */
static NTSTATUS vmb_ext_prepare(struct vmb_packet *p, const void *buf,
				u32 len, u32 flags,
				const struct vmb_ext_args *args)
{
	NTSTATUS status = vmb_packet_prepare(p, NULL, 0, flags);

	if (!NT_SUCCESS(status))
		return status;
	if (len && !buf)
		return STATUS_INVALID_PARAMETER_2;
	if (len > p->channel->max_packet_size)
		return STATUS_INVALID_PARAMETER_3;
	if (!(flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION))
		return args->bad[VMB_EXT_FLAGS];
	/*
	 * In a confidential VM the pages are private: the host would read
	 * ciphertext, or fault.  Refuse rather than bounce them: the port
	 * passes such data in a GPADL (made host-visible when created).
	 */
	if (p->channel->ops->isolated &&
	    p->channel->ops->isolated(p->channel->device))
		return STATUS_NOT_SUPPORTED;
	return STATUS_SUCCESS;
}

/*
 * Add bytes [@from, @to) of @mdl (offsets from the start of its first
 * page) to the descriptor: to the open range when they continue it on a
 * 4 KiB boundary, else in a new range.
 */
static enum vmb_ext_arg vmb_ext_add_bytes(struct vmb_ext_builder *b,
					  const MDL *mdl, u64 from, u64 to)
{
	bool joins = b->range && !(from & ~HV_HYP_PAGE_MASK) &&
		     !((b->range->offset + b->range->len) & ~HV_HYP_PAGE_MASK);
	enum vmb_ext_arg bad;
	u64 hv;

	if (!joins) {
		bad = vmb_ext_new_range(b, from & ~HV_HYP_PAGE_MASK);
		if (bad != VMB_EXT_NR)
			return bad;
	}
	for (hv = from >> HV_HYP_PAGE_SHIFT;
	     hv <= (to - 1) >> HV_HYP_PAGE_SHIFT; hv++) {
		u64 at = hv << HV_HYP_PAGE_SHIFT;

		if (!vmb_ext_add_pfn(b, page_to_hvpfn(mdl->Pages[at >> PAGE_SHIFT]) +
				     ((at & ~PAGE_MASK) >> HV_HYP_PAGE_SHIFT)))
			return VMB_EXT_LENGTH;
	}
	b->range->len += to - from;
	return VMB_EXT_NR;
}

/*
 * Describe @len bytes from @off in the chain @mdl.  Returns VMB_EXT_NR on
 * success, else the argument at fault.
 */
static enum vmb_ext_arg vmb_ext_from_mdl(struct vmb_ext_builder *b,
					 const MDL *mdl, u64 off, u64 len)
{
	u64 lo = off, left = len;
	enum vmb_ext_arg bad;

	while (lo >= mdl->ByteCount) {
		lo -= mdl->ByteCount;
		mdl = mdl->Next;
	}
	while (left) {
		u64 from, seg;

		while (lo == mdl->ByteCount) {
			mdl = mdl->Next;
			lo = 0;
		}
		from = mdl->ByteOffset + lo;
		seg = min_t(u64, left, mdl->ByteCount - lo);
		bad = vmb_ext_add_bytes(b, mdl, from, from + seg);
		if (bad != VMB_EXT_NR)
			return bad;
		left -= seg;
		lo += seg;
	}
	return VMB_EXT_NR;
}

/* Check everything and build the packet; the caller submits it. */
static NTSTATUS vmb_prepare_mdl(struct vmb_packet *p, const void *buf,
				u32 len, const MDL *mdl, u32 off, u32 length,
				u32 flags, const struct vmb_ext_args *args)
{
	bool force = flags & VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH;
	struct vmb_ext_builder b;
	enum vmb_ext_arg bad;
	NTSTATUS status;
	MDL only_first;
	const MDL *m;
	u64 total = 0;

	status = vmb_ext_prepare(p, buf, len, flags, args);
	if (!NT_SUCCESS(status))
		return status;
	if (!mdl)
		return args->bad[VMB_EXT_MDL];
	for (m = mdl; m; m = m->Next) {
		if (!vmb_mdl_has_pages(m))
			return args->bad[VMB_EXT_MDL];
		total += m->ByteCount;
	}
	/* FORCE_MDL_LENGTH: the first MDL only, up to its last page's end. */
	if (force) {
		only_first = *mdl;
		only_first.Next = NULL;
		only_first.ByteCount = ((u64)mdl->PageCount << PAGE_SHIFT) -
				       mdl->ByteOffset;
		mdl = &only_first;
		total = mdl->ByteCount;
	}
	if (off >= total)
		return args->bad[VMB_EXT_OFFSET];
	if (length > total - off)
		return args->bad[VMB_EXT_LENGTH];
	vmb_ext_begin(&b, p);
	bad = vmb_ext_from_mdl(&b, mdl, off, length ?: total - off);
	if (bad != VMB_EXT_NR)
		return args->bad[bad];
	vmb_ext_finish(&b, buf, len);
	return STATUS_SUCCESS;
}

/**
 * vmb_packet_prepare_external() - vmb_packet_prepare() for a send with an
 * MDL, as VmbPacketSend and VmbChannelSendSynchronousRequest take one.
 * @p:     the packet.
 * @buf:   inline data.
 * @len:   inline bytes.
 * @mdl:   the external data: the whole chain.
 * @flags: VMBUS_CHANNEL_FORMAT_FLAG_*; WAIT_FOR_COMPLETION is required,
 *         FORCE_MDL_LENGTH is ignored.
 *
 * Checks the arguments, copies the inline data and builds the GPA-direct
 * descriptor; the caller then hands the packet to vmb_tx_submit().
 *
 * Context: any context up to softirq.
 * Return: STATUS_SUCCESS, or the failure VmbPacketSend() returns, with
 * the MDL as parameter 4 and the flags as parameter 5.
 */
NTSTATUS vmb_packet_prepare_external(struct vmb_packet *p, const void *buf,
				     u32 len, const MDL *mdl, u32 flags)
{
	return vmb_prepare_mdl(p, buf, len, mdl, 0, 0,
			       flags & ~VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH,
			       &vmb_send_args);
}

/**
 * VmbPacketSendWithExternalMdl() - send inline data plus part of an MDL
 * chain by reference.
 * @PacketObject:    the packet, not in flight, with a completion routine.
 * @Buffer:          inline data, copied before this returns.
 * @BufferLength:    inline bytes, at most the maximum packet size.
 * @ExternalDataMdl: a chain of MDLs with their pages filled in; the
 *	pages must stay allocated until the completion routine runs.
 * @MdlOffset:       bytes into the chain where the external data starts.
 * @MdlLength:       bytes; 0 means to the end of the chain.
 * @Flags:           VMBUS_CHANNEL_FORMAT_FLAG_*; WAIT_FOR_COMPLETION is
 *	required.  With FORCE_MDL_LENGTH only the first MDL is used, and
 *	@MdlOffset + @MdlLength may run past its ByteCount up to the end of
 *	its last page.
 *
 * The host gets one GPA-direct packet naming the pages under the external
 * bytes: one range per run of the chain that joins on 4 KiB boundaries,
 * a new one where an MDL boundary falls inside a page.  The descriptor
 * holds at most 60 pages of 4 KiB in one range, 1 fewer per extra range.
 *
 * Context: any context up to softirq.
 * Return: STATUS_SUCCESS (the completion routine will run once);
 * STATUS_INVALID_PARAMETER_1 to _3 as for VmbPacketSend();
 * STATUS_INVALID_PARAMETER_4 for a NULL MDL, one without pages, or (only
 * on a kernel whose vmbus_sendpacket_mpb_desc() sends one range) a chain
 * that does not join into one range; _5 for an offset at or past the end;
 * _6 for a length past the end or more pages and ranges than the
 * descriptor holds; _7 without WAIT_FOR_COMPLETION; STATUS_NOT_SUPPORTED
 * in a confidential VM, whose private pages are not named to the host;
 * otherwise as VmbPacketSend().
 */
NTSTATUS VmbPacketSendWithExternalMdl(VMBPACKET PacketObject, PVOID Buffer,
				      UINT32 BufferLength,
				      PMDL ExternalDataMdl, UINT32 MdlOffset,
				      UINT32 MdlLength, UINT32 Flags)
{
	NTSTATUS status;

	status = vmb_prepare_mdl(PacketObject, Buffer, BufferLength,
				 ExternalDataMdl, MdlOffset, MdlLength, Flags,
				 &vmb_send_mdl_args);
	if (!NT_SUCCESS(status))
		return status;
	return vmb_tx_submit(PacketObject, VMB_SUBMIT_QUEUE);
}
EXPORT_SYMBOL_GPL(VmbPacketSendWithExternalMdl);

/**
 * VmbPacketSendWithExternalPfns() - send inline data plus whole pages by
 * page number.
 * @PacketObject:     the packet, not in flight, with a completion routine.
 * @Buffer:           inline data, copied before this returns.
 * @BufferLength:     inline bytes, at most the maximum packet size.
 * @ExternalDataPfns: Hyper-V page frame numbers (4 KiB pages, as
 *	page_to_hvpfn() gives them) of RAM that stays allocated until the
 *	completion routine runs.
 * @PfnLength:        how many, 1 to 60; the external data is all of them,
 *	in order, from the first byte of the first.
 * @Flags:            VMBUS_CHANNEL_FORMAT_FLAG_*; WAIT_FOR_COMPLETION is
 *	required.
 *
 * Context: any context up to softirq.
 * Return: STATUS_SUCCESS (the completion routine will run once);
 * STATUS_INVALID_PARAMETER_1 to _3 as for VmbPacketSend();
 * STATUS_INVALID_PARAMETER_4 for a NULL array or a page that is not RAM;
 * _5 for a count of 0 or over 60; _6 without WAIT_FOR_COMPLETION;
 * STATUS_NOT_SUPPORTED in a confidential VM; otherwise as VmbPacketSend().
 */
NTSTATUS VmbPacketSendWithExternalPfns(VMBPACKET PacketObject, PVOID Buffer,
				       UINT32 BufferLength,
				       PPFN_NUMBER ExternalDataPfns,
				       UINT32 PfnLength, UINT32 Flags)
{
	const struct vmb_ext_args *args = &vmb_send_pfns_args;
	struct vmb_ext_builder b;
	NTSTATUS status;
	u32 i;

	status = vmb_ext_prepare(PacketObject, Buffer, BufferLength, Flags,
				 args);
	if (!NT_SUCCESS(status))
		return status;
	if (!ExternalDataPfns)
		return args->bad[VMB_EXT_MDL];
	if (!PfnLength || PfnLength > VMB_EXT_MAX_PFNS)
		return args->bad[VMB_EXT_LENGTH];
	vmb_ext_begin(&b, PacketObject);
	vmb_ext_new_range(&b, 0);
	for (i = 0; i < PfnLength; i++) {
		if (!pfn_valid(ExternalDataPfns[i] / NR_HV_HYP_PAGES_IN_PAGE))
			return args->bad[VMB_EXT_MDL];
		vmb_ext_add_pfn(&b, ExternalDataPfns[i]);
	}
	b.range->len = PfnLength << HV_HYP_PAGE_SHIFT;
	vmb_ext_finish(&b, Buffer, BufferLength);
	return vmb_tx_submit(PacketObject, VMB_SUBMIT_QUEUE);
}
EXPORT_SYMBOL_GPL(VmbPacketSendWithExternalPfns);
