/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simhost - the host end of a VMBus channel, simulated in guest memory.
 *
 * A simhost owns a struct vmbus_channel whose two rings are laid out exactly
 * as hv_ringbuffer_init() lays them out (header page, data pages mapped twice
 * so a wrapped packet is contiguous), so the guest side runs the real
 * hv_pkt_iter_*() and vmbus_sendpacket*() code against it.  The host side is
 * played here: it writes packets into the guest's inbound ring, reads what
 * the guest wrote into its outbound ring, and raises the channel interrupt.
 *
 * No hypercall is ever made: the guest-outbound interrupt_mask is held at 1
 * (the host's "don't signal me") and the guest-inbound pending_send_sz at 0,
 * which are the only two conditions under which the ring code signals.
 *
 * Two ways in: simhost_open_rings() alone gives a test a bare channel to
 * drive the Linux ring code with; or a vmbkmcl channel allocated on
 * simhost_device() opens and closes the rings itself through simhost's
 * backend ops, and the host interrupts it, from a tasklet as
 * vmbus_on_event() does, whenever the ring protocol says a real host would:
 * on empty to non-empty with the guest unmasked, and when the guest's
 * pending_send_sz is reached.
 *
 * Locking: one host thread at a time per direction; the caller serialises
 * simhost_write*() against each other and simhost_read() against itself.
 */
#ifndef _VMBKMCL_SIMHOST_H
#define _VMBKMCL_SIMHOST_H

#include <linux/hyperv.h>
#include <linux/types.h>

#include "hostport.h"

struct simhost;

/* Ring sizes in bytes, header page included, as vmbus_open() takes them. */
#define SIMHOST_RING_MIN_SIZE	(2 * PAGE_SIZE)
/* Bytes one inband packet of @len payload bytes occupies, trailer included. */
#define SIMHOST_INBAND_FOOTPRINT(len) \
	(ALIGN(sizeof(struct vmpacket_descriptor) + (len), sizeof(u64)) + \
	 sizeof(u64))

/**
 * struct simhost_packet - one packet the guest wrote, as the host parsed it.
 * @desc:	the descriptor, copied out of the ring.
 * @start:	ring offset the packet started at (the trailer's upper half).
 * @data_len:	payload bytes on the ring, padding included.
 */
struct simhost_packet {
	struct vmpacket_descriptor desc;
	u32 start;
	u32 data_len;
};

struct simhost *simhost_create(void);
void simhost_destroy(struct simhost *sh);
struct hostport *simhost_port(struct simhost *sh);
struct vmbus_channel *simhost_channel(struct simhost *sh);
struct hv_device *simhost_device(struct simhost *sh);
int simhost_open_rings(struct simhost *sh, u32 inbound_size,
		       u32 outbound_size, u32 max_pkt_size);
void simhost_close_rings(struct simhost *sh);

void simhost_set_class(struct simhost *sh, const guid_t *type);
int simhost_offer(struct simhost *sh);
void simhost_rescind(struct simhost *sh);
int simhost_hibernate(struct simhost *sh);
int simhost_thaw(struct simhost *sh);
void simhost_fail_next_open(struct simhost *sh, int err);
u32 simhost_clobbered(struct simhost *sh);
void simhost_set_proto_version(struct simhost *sh, u32 version);
u32 simhost_late_teardowns(struct simhost *sh);
bool simhost_teardown_ignored(struct hv_device *dev);
void simhost_set_isolated(struct simhost *sh, bool isolated);

void simhost_interrupt(struct simhost *sh);
void simhost_hold_interrupts(struct simhost *sh, bool hold);
void simhost_sync(struct simhost *sh);
bool simhost_rings_open(struct simhost *sh);
u32 simhost_interrupts(struct simhost *sh);
u32 simhost_signals(struct simhost *sh);
u32 simhost_guest_signals(struct simhost *sh);
void simhost_set_notify(struct simhost *sh, void (*notify)(void *ctx),
			void *ctx);

int simhost_write_raw(struct simhost *sh, const void *pkt, u32 len);
int simhost_write_inband(struct simhost *sh, u16 type, u16 flags,
			 u64 trans_id, const void *data, u32 len);
u32 simhost_inbound_free(struct simhost *sh);

int simhost_read(struct simhost *sh, struct simhost_packet *pkt,
		 void *buf, u32 buf_len);
u32 simhost_outbound_pending(struct simhost *sh);
int simhost_peek(struct simhost *sh, void *buf, u32 cap);
int simhost_request(struct simhost *sh, const void *msg, u32 len,
		    void *reply, u32 cap, u32 *reply_len);

#endif /* _VMBKMCL_SIMHOST_H */
