/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvhost - a device on the emulated Hyper-V's VMBus host, for tests.
 *
 * The host end of one offered channel (linux/hvemu.h) with the plumbing a
 * test wants: every packet the guest writes is read off the ring as soon
 * as the guest signals and queued here, so a test sends with
 * hvhost_send() and waits for what came back with hvhost_recv(); opens
 * and closes are counted.  Or a device model shared with simhost
 * (responder.c) serves the channel through hvhost_port(): once it asks
 * to be notified, the guest's packets are its to read, not queued.  The
 * guest side is whatever real driver binds to the offer through real
 * hv_vmbus: hv_utils, a vmbkmcl sample, or a test's own vmbkmcl client
 * (hvclient.h).
 *
 * Locking: @lock guards the queue; the hvemu ops run on hvemu's
 * workqueues; a test is the only sender.
 */
#ifndef _VMBKMCL_HVHOST_H
#define _VMBKMCL_HVHOST_H

#include <linux/hvemu.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "hostport.h"

#define HVHOST_QUEUE		64
#define HVHOST_MAX_PKT		512
#define HVHOST_WAIT_MS		5000
#define HVHOST_SETTLE_MS	100
/* hvhost_round_trip()'s packets: the tag, then zeros. */
#define HVHOST_TRIP_LEN		64

struct hvhost_pkt {
	struct hvemu_packet hdr;
	u8 data[HVHOST_MAX_PKT];
};

struct hvhost {
	struct hvemu_chan *ch;
	spinlock_t lock;	/* the queue */
	wait_queue_head_t wq;
	struct hvhost_pkt q[HVHOST_QUEUE];
	u32 head;
	u32 count;
	u32 lost;
	u32 bad;
	atomic_t opens;
	atomic_t closes;
	atomic_t signals;
	u32 refuse_opens;
	u64 next_trans;
	struct hostport port;
	void (*notify)(void *ctx);
	void *notify_ctx;
};

int hvhost_offer(struct hvhost *h, const guid_t *type, u16 sub_index);
int hvhost_rescind(struct hvhost *h);
struct hostport *hvhost_port(struct hvhost *h);
bool hvhost_wait_opens(struct hvhost *h, u32 n);
bool hvhost_wait_opens_now(struct hvhost *h, u32 n);
bool hvhost_wait_closes(struct hvhost *h, u32 n);
int hvhost_send(struct hvhost *h, u16 type, u16 flags, u64 trans_id,
		const void *data, u32 len);
int hvhost_recv(struct hvhost *h, struct hvhost_pkt *out, u32 ms);
int hvhost_request(struct hvhost *h, const void *msg, u32 len,
		   struct hvhost_pkt *reply);
u32 hvhost_round_trip(struct hvhost *h, u32 n, u64 first,
		      struct hvhost_pkt *scratch);

/*
 * What hv_utils (the oracle, vmbkmcl_hvutils suite) answered the host's
 * heartbeat negotiation and heartbeat with, kept for the sample's suite to
 * compare against in the same boot.
 */
struct hvhost_oracle {
	bool valid;
	struct hvhost_pkt negotiate;
	struct hvhost_pkt heartbeat;
};

struct hvhost_oracle *hvhost_oracle(void);

#endif /* _VMBKMCL_HVHOST_H */
