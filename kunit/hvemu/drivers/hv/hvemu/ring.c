// SPDX-License-Identifier: GPL-2.0
/*
 * hvemu: the host end of a channel's rings, reached through the GPADL the
 * guest described them with (see emu.h).
 *
 * The guest's pages are in the host's address space here, so the GPADL's
 * PFNs are mapped directly: each ring's header page, then its data pages
 * twice, as hv_ringbuffer_init() maps them, so a packet that wraps is
 * still contiguous.  Every index and descriptor the guest controls is
 * checked before use; a bad one makes the call fail with -EPROTO and
 * leaves the ring alone, as a host that distrusts its guest would.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ring.h"

static struct hv_ring_buffer *hvemu_ring_vmap(const u64 *pfns, u32 n)
{
	struct hv_ring_buffer *rb;
	struct page **map;
	u32 i;

	map = kcalloc(2 * n - 1, sizeof(*map), GFP_KERNEL);
	if (!map)
		return NULL;
	for (i = 0; i < n; i++)
		if (!pfn_valid(pfns[i]))
			goto fail;
	map[0] = pfn_to_page(pfns[0]);
	for (i = 0; i < 2 * (n - 1); i++)
		map[i + 1] = pfn_to_page(pfns[1 + i % (n - 1)]);
	rb = vmap(map, 2 * n - 1, VM_MAP, PAGE_KERNEL);
	kfree(map);
	return rb;
fail:
	kfree(map);
	return NULL;
}

int hvemu_ring_map(struct hvemu_ring *r, const u64 *pfns, u32 npfns,
		   u32 downstream)
{
	if (downstream < 2 || downstream + 2 > npfns)
		return -EINVAL;
	r->out = hvemu_ring_vmap(pfns, downstream);
	r->in = hvemu_ring_vmap(pfns + downstream, npfns - downstream);
	if (!r->out || !r->in) {
		hvemu_ring_unmap(r);
		return -EINVAL;
	}
	r->out_size = (downstream - 1) << PAGE_SHIFT;
	r->in_size = (npfns - downstream - 1) << PAGE_SHIFT;
	/* The host sets pending_send_sz when it waits: say so. */
	r->in->feature_bits.feat_pending_send_sz = 1;
	return 0;
}

void hvemu_ring_unmap(struct hvemu_ring *r)
{
	if (r->out)
		vunmap(r->out);
	if (r->in)
		vunmap(r->in);
	r->out = NULL;
	r->in = NULL;
}

/*
 * Check the guest-owned indices and find room for @total bytes (and the
 * trailing u64 the protocol keeps after each packet) at the write index.
 */
static int hvemu_ring_reserve(struct hvemu_ring *r, u32 total, u32 *wi)
{
	struct hv_ring_buffer *rb = r->in;
	u32 size = r->in_size;
	u32 ri, avail;

	*wi = READ_ONCE(rb->write_index);
	ri = READ_ONCE(rb->read_index);
	if (*wi >= size || ri >= size || !IS_ALIGNED(ri, 8) || total > size)
		return -EPROTO;
	avail = *wi >= ri ? size - (*wi - ri) : ri - *wi;
	if (total + sizeof(u64) >= avail)
		return -EAGAIN;
	return 0;
}

/* The packet at @wi is written: close its framing, publish, signal? */
static void hvemu_ring_publish(struct hvemu_ring *r, u32 wi, u32 total,
			       bool *signal)
{
	struct hv_ring_buffer *rb = r->in;
	u32 size = r->in_size;

	*(u64 *)(rb->buffer + wi + total) = (u64)wi << 32;
	/* The packet before the index that publishes it. */
	smp_wmb();
	WRITE_ONCE(rb->write_index, (wi + total + sizeof(u64)) % size);
	/* The index before reading the guest's mask and read index. */
	smp_mb();
	/* The guest wants a signal on empty-to-non-empty, unless masked. */
	*signal = !READ_ONCE(rb->interrupt_mask) &&
		  READ_ONCE(rb->read_index) == wi;
}

int hvemu_ring_write(struct hvemu_ring *r, u16 type, u16 flags, u64 trans_id,
		     const void *data, u32 len, bool *signal)
{
	struct vmpacket_descriptor *d;
	u32 total, wi;
	int ret;

	*signal = false;
	total = ALIGN(sizeof(*d) + len, sizeof(u64));
	ret = hvemu_ring_reserve(r, total, &wi);
	if (ret)
		return ret;
	d = (void *)(r->in->buffer + wi);
	d->type = type;
	d->offset8 = sizeof(*d) >> 3;
	d->len8 = total >> 3;
	d->flags = flags;
	d->trans_id = trans_id;
	memcpy(d + 1, data, len);
	memset((u8 *)(d + 1) + len, 0, total - sizeof(*d) - len);
	hvemu_ring_publish(r, wi, total, signal);
	return 0;
}

int hvemu_ring_write_raw(struct hvemu_ring *r, const void *bytes, u32 len,
			 bool *signal)
{
	u32 wi;
	int ret;

	*signal = false;
	if (!len || !IS_ALIGNED(len, sizeof(u64)))
		return -EINVAL;
	ret = hvemu_ring_reserve(r, len, &wi);
	if (ret)
		return ret;
	memcpy(r->in->buffer + wi, bytes, len);
	hvemu_ring_publish(r, wi, len, signal);
	return 0;
}

int hvemu_ring_read(struct hvemu_ring *r, struct hvemu_packet *pkt,
		    void *buf, u32 cap, bool *signal)
{
	struct hv_ring_buffer *rb = r->out;
	u32 size = r->out_size;
	struct vmpacket_descriptor d;
	u32 wi, ri, avail, total, off, plen, pending;

	*signal = false;
	/* The guest's index before the bytes it publishes. */
	wi = smp_load_acquire(&rb->write_index);
	ri = READ_ONCE(rb->read_index);
	if (wi >= size || ri >= size || !IS_ALIGNED(wi, 8) ||
	    !IS_ALIGNED(ri, 8))
		return -EPROTO;
	if (wi == ri)
		return 0;
	avail = wi > ri ? wi - ri : size - ri + wi;
	memcpy(&d, rb->buffer + ri, sizeof(d));
	total = (u32)d.len8 << 3;
	off = (u32)d.offset8 << 3;
	if (total < sizeof(d) || off < sizeof(d) || off > total ||
	    total + sizeof(u64) > avail)
		return -EPROTO;
	plen = total - off;
	pkt->type = d.type;
	pkt->flags = d.flags;
	pkt->trans_id = d.trans_id;
	pkt->len = min(plen, cap);
	memcpy(buf, rb->buffer + ri + off, pkt->len);
	/* Done with the bytes before the guest may overwrite them. */
	smp_mb();
	WRITE_ONCE(rb->read_index, (ri + total + sizeof(u64)) % size);
	/* The index before reading the guest's pending_send_sz. */
	smp_mb();
	/* A guest waiting for room (pending_send_sz) is signalled once. */
	pending = READ_ONCE(rb->pending_send_sz);
	if (pending && rb->feature_bits.feat_pending_send_sz) {
		u32 free_before = size - avail;

		*signal = free_before < pending &&
			  free_before + total + sizeof(u64) >= pending;
	}
	return plen > cap ? -EMSGSIZE : 1;
}
