/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the receive engine's files: receive.c (batch loop and
 * runner), rx_validate.c (host input checks), completion.c (retiring
 * packets) and rx_control.c (the packet pool and flow control).
 */
#ifndef _VMBKMCL_RECEIVE_H
#define _VMBKMCL_RECEIVE_H

#include "channel.h"
#include "external.h"
#include "verifier.h"

/* receive.c */
void vmb_rx_open(struct vmb_channel *c);
void vmb_rx_kick(struct vmb_channel *c);
void vmb_rx_work(struct work_struct *work);

/* Bytes the host wrote past the runner's read position. */
static inline u32 vmb_rx_bytes_to_read(struct hv_ring_buffer_info *rbi)
{
	u32 read = rbi->priv_read_index;
	u32 write;

	/* Pairs with the host's release of the write index after the
	 * packet, as in hv_pkt_iter_avail(): no packet load passes it.
	 */
	write = virt_load_acquire(&rbi->ring_buffer->write_index);

	return write >= read ? write - read : rbi->ring_datasize - read + write;
}

/**
 * vmb_verify_rx_packet() - may @p be completed or failed now?
 * @p: what the client passed as a VMBPACKETCOMPLETION.
 *
 * Inline, as every completion makes it: with the verifier off it costs
 * two tests of the packet's state.
 *
 * Context: any context.
 * Return: true if not: the caller must return at once.
 */
static __always_inline bool vmb_verify_rx_packet(const struct vmb_rx_packet *p)
{
	u8 state;

	if (unlikely(READ_ONCE(vmb_verifier_on)) &&
	    vmb_verify_foreign_rx_packet(p))
		return true;
	state = READ_ONCE(p->state);
	return vmb_violated(state == VMB_RX_FREE || state == VMB_RX_PARKED,
			    VMB_RULE_DOUBLE_COMPLETE, p->channel->name);
}

/*
 * The next slot of the runner's stash (not empty), for the packet at
 * hand.  The runner's alone: no lock.  A slot whose last packet had
 * flags may still name that packet's external-data chain: forget it.
 */
static __always_inline struct vmb_rx_packet *
vmb_rx_stash_pop(struct vmb_rx *rx)
{
	struct vmb_rx_packet *p =
		llist_entry(rx->stash, struct vmb_rx_packet, returned);

	rx->stash = rx->stash->next;
	if (unlikely(p->flags))
		vmb_rx_ext_forget(rx, p);
	WRITE_ONCE(p->state, VMB_RX_DELIVERING);
	return p;
}

/*
 * Refill the runner's empty stash, without vmb_rx.lock, with every slot
 * completed elsewhere (vmb_rx_return()), while the quota is not exceeded
 * (as vmb_rx_recycled_locked() decides under the lock; the caller saw
 * delivery not stopped).  They are counted as taken and held on the list
 * as in the stash, so no count changes and a reap under the lock takes
 * what is left.  llist_del_all() is an xchg(), fully ordered: it pairs
 * with the completer's push, so the client's last use of a slot's buffer
 * happens before the runner copies a new packet into it.  A client that
 * keeps packets past ProcessPacket so takes no lock for its slots.
 */
static __always_inline bool vmb_rx_stash_returned(struct vmb_rx *rx)
{
	if (llist_empty(&rx->returned) ||
	    READ_ONCE(rx->taken) > READ_ONCE(rx->quota))
		return false;
	rx->stash = llist_del_all(&rx->returned);
	return rx->stash;
}

/* rx_validate.c */
enum vmb_rx_drop vmb_rx_check_header(struct vmb_channel *c,
				     const struct vmpacket_descriptor *hdr,
				     u32 len);
enum vmb_rx_drop vmb_rx_check_layout(const struct vmpacket_descriptor *desc);
void vmb_rx_count_drop(struct vmb_channel *c, enum vmb_rx_drop why,
		       const struct vmpacket_descriptor *desc);
const char *vmb_rx_drop_name(enum vmb_rx_drop why);

/* rx_control.c */
struct vmb_rx_packet *vmb_rx_take_slot(struct vmb_rx *rx);
struct vmb_rx_packet *vmb_rx_reserve_locked(struct vmb_rx *rx);
void vmb_rx_unreserve(struct vmb_rx *rx, struct vmb_rx_packet *p);
bool vmb_rx_free_slot_locked(struct vmb_rx *rx, struct vmb_rx_packet *p);
bool vmb_rx_unstall_locked(struct vmb_rx *rx);

#endif /* _VMBKMCL_RECEIVE_H */
