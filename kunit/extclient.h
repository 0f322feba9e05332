/* SPDX-License-Identifier: GPL-2.0 */
/*
 * extclient - a KMCL client for external-data tests.
 *
 * It owns one vmbkmcl channel on a simhost device.  Its ProcessPacket asks
 * VmbChannelPacketGetExternalData for every packet, in the callback's own
 * context, and records the status, the chain's shape and its bytes (read
 * through MmGetSystemAddressForMdlSafe), then completes the packet, or
 * holds the first one when @hold is set.  Its packets' completion routine
 * records the status and frees the packet.
 *
 * Locking: the records are under @lock (callbacks run in softirq);
 * waiters sleep on @wq.
 */
#ifndef _VMBKMCL_EXTCLIENT_H
#define _VMBKMCL_EXTCLIENT_H

#include <kunit/test.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <vmbkmcl/mdl.h>

#include "simhost.h"

/* Packets whose GetExternalData status and Flags are logged. */
#define EXTCLIENT_LOG		4
/* External bytes copied out per packet, at most. */
#define EXTCLIENT_COPY_MAX	(4 * PAGE_SIZE)

/**
 * struct extclient - see the top of this file.
 * @sh:		the simulated host.
 * @ch:		the channel.
 * @lock:	guards the records.
 * @wq:		woken on every packet and send completion.
 * @packets:	ProcessPacket calls.
 * @flags:	the last packet's Flags.
 * @statuses:	GetExternalData's status for the first packets.
 * @flag_log:	Flags of the first packets.
 * @ext_status:	the last packet's GetExternalData status.
 * @ext_mdl:	the chain it returned, or NULL.
 * @ext_mdls:	MDLs in it.
 * @ext_bytes:	bytes it described.
 * @ext_copy:	those bytes, up to EXTCLIENT_COPY_MAX.
 * @hold:	hold the next packet instead of completing it.
 * @held:	the packet held, for the test to complete.
 * @sends_done:	send completion routines run.
 * @send_status: the last one's status.
 * @verify:	optional; called for every packet after the record is
 *		made, before the packet is completed, with @lock held and
 *		the packet's inline payload.
 */
struct extclient {
	struct simhost *sh;
	VMBCHANNEL ch;
	spinlock_t lock;	/* the records */
	wait_queue_head_t wq;
	u32 packets;
	u32 flags;
	NTSTATUS statuses[EXTCLIENT_LOG];
	u32 flag_log[EXTCLIENT_LOG];
	NTSTATUS ext_status;
	PMDL ext_mdl;
	u32 ext_mdls;
	u32 ext_bytes;
	u8 *ext_copy;
	bool hold;
	VMBPACKETCOMPLETION held;
	u32 sends_done;
	NTSTATUS send_status;
	void (*verify)(struct extclient *x, const void *buf, u32 len);
};

PMDL ext_kunit_mdl(struct kunit *test, void *va, u32 len);
int extclient_init(struct extclient *x, struct simhost *sh);
NTSTATUS extclient_enable(struct extclient *x);
void extclient_destroy(struct extclient *x);
VMBPACKET extclient_packet(struct extclient *x);
bool extclient_wait(struct extclient *x, const u32 *counter, u32 n);

#endif /* _VMBKMCL_EXTCLIENT_H */
