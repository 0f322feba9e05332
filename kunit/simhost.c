// SPDX-License-Identifier: GPL-2.0
/*
 * simhost - the host end of a VMBus channel, simulated in guest memory.
 *
 * See simhost.h for the model.  Ring protocol, as the host keeps it:
 *  1. The producer writes a packet and its trailer, then publishes
 *     write_index with release semantics; the consumer loads write_index
 *     with acquire semantics (hv_pkt_iter_first's virt_load_acquire) before
 *     it reads the bytes.  The same holds in reverse for read_index.
 *  2. A ring is full when a packet plus its trailer would leave no free
 *     byte: write_index == read_index always means empty.
 *  3. Offsets are byte offsets into the data area; the data pages are mapped
 *     twice behind the header page, so a packet never needs splitting.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "simhost.h"

struct simhost {
	struct vmbus_channel *channel;
};

/* Mirror of hv_ringbuffer_init(), which is not exported. */
static int simhost_map_ring(struct hv_ring_buffer_info *rbi,
			    struct page *pages, u32 page_cnt, u32 max_pkt_size)
{
	struct page **map;
	u32 i;

	map = kcalloc(2 * page_cnt - 1, sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	map[0] = pages;
	for (i = 0; i < 2 * (page_cnt - 1); i++)
		map[i + 1] = &pages[i % (page_cnt - 1) + 1];
	rbi->ring_buffer = vmap(map, 2 * page_cnt - 1, VM_MAP, PAGE_KERNEL);
	kfree(map);
	if (!rbi->ring_buffer)
		return -ENOMEM;

	rbi->ring_buffer->read_index = 0;
	rbi->ring_buffer->write_index = 0;
	rbi->ring_buffer->feature_bits.value = 1;
	rbi->ring_size = page_cnt << PAGE_SHIFT;
	rbi->ring_size_div10_reciprocal = reciprocal_value(rbi->ring_size / 10);
	rbi->ring_datasize = rbi->ring_size - sizeof(struct hv_ring_buffer);
	rbi->priv_read_index = 0;
	if (max_pkt_size) {
		rbi->pkt_buffer = kzalloc(max_pkt_size, GFP_KERNEL);
		if (!rbi->pkt_buffer)
			return -ENOMEM;
		rbi->pkt_buffer_size = max_pkt_size;
	}
	spin_lock_init(&rbi->ring_lock);
	return 0;
}

static struct vmbus_channel *simhost_alloc_channel(void)
{
	struct vmbus_channel *ch = kzalloc(sizeof(*ch), GFP_KERNEL);

	if (!ch)
		return NULL;
	spin_lock_init(&ch->sched_lock);
	init_completion(&ch->rescind_event);
	INIT_LIST_HEAD(&ch->sc_list);
	INIT_LIST_HEAD(&ch->listentry);
	mutex_init(&ch->inbound.ring_buffer_mutex);
	mutex_init(&ch->outbound.ring_buffer_mutex);
	ch->state = CHANNEL_OFFER_STATE;
	return ch;
}

static bool simhost_ring_size_ok(u32 size)
{
	return size >= SIMHOST_RING_MIN_SIZE && PAGE_ALIGNED(size);
}

/**
 * simhost_create() - build a channel with rings and no host behind it.
 * @inbound_size:  host-to-guest ring size in bytes, header page included.
 * @outbound_size: guest-to-host ring size in bytes, header page included.
 * @max_pkt_size:  size of the guest's packet copy buffer (channel
 *                 max_pkt_size); 0 leaves the inbound ring without one.
 *
 * Context: process context; sleeps.
 * Return: the simhost, or NULL on bad sizes or allocation failure.
 */
struct simhost *simhost_create(u32 inbound_size, u32 outbound_size,
			       u32 max_pkt_size)
{
	u32 send_pages = outbound_size >> PAGE_SHIFT;
	struct vmbus_channel *ch;
	struct simhost *sh;

	might_sleep();
	if (!simhost_ring_size_ok(inbound_size) ||
	    !simhost_ring_size_ok(outbound_size))
		return NULL;

	sh = kzalloc(sizeof(*sh), GFP_KERNEL);
	if (!sh)
		return NULL;
	ch = simhost_alloc_channel();
	if (!ch)
		goto err_free_sh;
	if (vmbus_alloc_ring(ch, outbound_size, inbound_size))
		goto err_free_channel;
	if (simhost_map_ring(&ch->outbound, ch->ringbuffer_page, send_pages, 0))
		goto err_free_ring;
	if (simhost_map_ring(&ch->inbound, &ch->ringbuffer_page[send_pages],
			     inbound_size >> PAGE_SHIFT, max_pkt_size))
		goto err_free_ring;
	ch->max_pkt_size = max_pkt_size;

	/* The two fields that keep the ring code from signalling a host. */
	ch->outbound.ring_buffer->interrupt_mask = 1;
	ch->inbound.ring_buffer->pending_send_sz = 0;

	sh->channel = ch;
	return sh;

err_free_ring:
	/* Unmaps what was mapped and frees pkt_buffer and the pages. */
	vmbus_free_ring(ch);
err_free_channel:
	kfree(ch);
err_free_sh:
	kfree(sh);
	return NULL;
}
EXPORT_SYMBOL_GPL(simhost_create);

/**
 * simhost_destroy() - free the channel and its rings.
 * @sh: the simhost; NULL is ignored.
 *
 * Context: process context; sleeps.
 */
void simhost_destroy(struct simhost *sh)
{
	if (!sh)
		return;
	vmbus_free_ring(sh->channel);
	kfree(sh->channel);
	kfree(sh);
}
EXPORT_SYMBOL_GPL(simhost_destroy);

/**
 * simhost_channel() - the guest's view of the simulated channel.
 * @sh: the simhost.
 *
 * Return: the channel, valid until simhost_destroy().
 */
struct vmbus_channel *simhost_channel(struct simhost *sh)
{
	return sh->channel;
}
EXPORT_SYMBOL_GPL(simhost_channel);

static u32 ring_free_bytes(u32 write, u32 read, u32 datasize)
{
	return write >= read ? datasize - (write - read) : read - write;
}

/**
 * simhost_inbound_free() - free bytes in the guest's inbound ring.
 * @sh: the simhost.
 *
 * Return: what a host write sees as free, trailer space included.
 */
u32 simhost_inbound_free(struct simhost *sh)
{
	struct hv_ring_buffer_info *rbi = &sh->channel->inbound;

	return ring_free_bytes(rbi->ring_buffer->write_index,
			       READ_ONCE(rbi->ring_buffer->read_index),
			       rbi->ring_datasize);
}
EXPORT_SYMBOL_GPL(simhost_inbound_free);

/**
 * simhost_write_raw() - write @len bytes into the guest's inbound ring as
 * one packet, followed by the trailer the host writes.
 * @sh:  the simhost.
 * @pkt: packet bytes, descriptor first; not checked, so tests can write
 *       malformed packets.
 * @len: bytes, a multiple of 8.
 *
 * Return: 0, -EINVAL for a length that is not a multiple of 8, or -EAGAIN
 * when the ring lacks room (nothing is written).
 */
int simhost_write_raw(struct simhost *sh, const void *pkt, u32 len)
{
	struct hv_ring_buffer_info *rbi = &sh->channel->inbound;
	struct hv_ring_buffer *rb = rbi->ring_buffer;
	u32 write = rb->write_index;
	u64 trailer = (u64)write << 32;

	if (!IS_ALIGNED(len, sizeof(u64)))
		return -EINVAL;
	if (ring_free_bytes(write, READ_ONCE(rb->read_index),
			    rbi->ring_datasize) <= len + sizeof(trailer))
		return -EAGAIN;

	/* write < datasize and len < datasize: the double map covers it. */
	memcpy(rb->buffer + write, pkt, len);
	memcpy(rb->buffer + write + len, &trailer, sizeof(trailer));
	/* Pairs with the guest's virt_load_acquire() of write_index. */
	smp_store_release(&rb->write_index,
			  (write + len + sizeof(trailer)) % rbi->ring_datasize);
	return 0;
}
EXPORT_SYMBOL_GPL(simhost_write_raw);

/**
 * simhost_write_inband() - write one well-formed packet to the guest.
 * @sh:       the simhost.
 * @type:     descriptor type (VM_PKT_*).
 * @flags:    descriptor flags.
 * @trans_id: transaction id.
 * @data:     payload; may be NULL when @len is 0.
 * @len:      payload bytes; zero-padded to 8 on the ring.
 *
 * Context: process or softirq context; does not sleep.
 * Return: as simhost_write_raw(), or -ENOMEM.
 */
int simhost_write_inband(struct simhost *sh, u16 type, u16 flags,
			 u64 trans_id, const void *data, u32 len)
{
	u32 hdr = sizeof(struct vmpacket_descriptor);
	u32 pkt_len = ALIGN(hdr + len, sizeof(u64));
	struct vmpacket_descriptor *desc;
	int ret;

	desc = kzalloc(pkt_len, GFP_ATOMIC);
	if (!desc)
		return -ENOMEM;
	desc->type = type;
	desc->flags = flags;
	desc->trans_id = trans_id;
	desc->offset8 = hdr / sizeof(u64);
	desc->len8 = pkt_len / sizeof(u64);
	if (len)
		memcpy((u8 *)desc + hdr, data, len);
	ret = simhost_write_raw(sh, desc, pkt_len);
	kfree(desc);
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_write_inband);

/**
 * simhost_outbound_pending() - bytes the guest wrote that the host has not
 * read yet.
 * @sh: the simhost.
 *
 * Return: the byte count, trailers included.
 */
u32 simhost_outbound_pending(struct simhost *sh)
{
	struct hv_ring_buffer_info *rbi = &sh->channel->outbound;
	struct hv_ring_buffer *rb = rbi->ring_buffer;

	return rbi->ring_datasize -
	       ring_free_bytes(smp_load_acquire(&rb->write_index),
			       rb->read_index, rbi->ring_datasize);
}
EXPORT_SYMBOL_GPL(simhost_outbound_pending);

/**
 * simhost_read() - consume the next packet the guest wrote.
 * @sh:      the simhost.
 * @pkt:     filled with the descriptor, start offset and payload length
 *           (the 8-byte-padded length the descriptor gives).
 * @buf:     receives up to @buf_len payload bytes; may be NULL.
 * @buf_len: size of @buf.
 *
 * Return: 0; -ENODATA when the guest wrote nothing; -EBADMSG when the
 * descriptor's lengths do not fit what was written (the packet is left).
 */
int simhost_read(struct simhost *sh, struct simhost_packet *pkt,
		 void *buf, u32 buf_len)
{
	struct hv_ring_buffer_info *rbi = &sh->channel->outbound;
	struct hv_ring_buffer *rb = rbi->ring_buffer;
	u32 dsize = rbi->ring_datasize;
	u32 read = rb->read_index;
	u32 write = smp_load_acquire(&rb->write_index);
	u32 avail = dsize - ring_free_bytes(write, read, dsize);
	u32 len, off;
	u64 trailer;

	if (!avail)
		return -ENODATA;
	if (avail < sizeof(pkt->desc) + sizeof(trailer))
		return -EBADMSG;
	memcpy(&pkt->desc, rb->buffer + read, sizeof(pkt->desc));
	len = pkt->desc.len8 * sizeof(u64);
	off = pkt->desc.offset8 * sizeof(u64);
	if (len + sizeof(trailer) > avail || off < sizeof(pkt->desc) ||
	    off > len)
		return -EBADMSG;

	pkt->data_len = len - off;
	if (buf)
		memcpy(buf, rb->buffer + read + off, min(pkt->data_len, buf_len));
	memcpy(&trailer, rb->buffer + read + len, sizeof(trailer));
	pkt->start = trailer >> 32;
	/* Pairs with the guest's read of read_index before it writes. */
	smp_store_release(&rb->read_index, (read + len + sizeof(trailer)) % dsize);
	return 0;
}
EXPORT_SYMBOL_GPL(simhost_read);

MODULE_DESCRIPTION("Simulated VMBus host for vmbkmcl tests and demos");
MODULE_LICENSE("GPL");
