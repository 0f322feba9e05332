/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recorder - a KMCL client for tests that logs every callback it gets.
 *
 * A recorder owns one vmbkmcl channel on a simhost device, installs every
 * callback, and appends an event per call: which callback, in which
 * context, with what length and flags, and the packet's tag (the first 8
 * payload bytes, which rec_write() sets to the packet's id).  Tests assert
 * on the log.  How it answers packets is its policy: complete each inline,
 * hold them for the test to complete later, or defer each to passive once;
 * a packet whose tag is @fail_tag is failed (VmbChannelPacketFail) instead.
 * @hook, if set, runs inside ProcessPacket before the policy, and
 * @state_hook inside each state callback after it is logged.
 *
 * Locking: the log and the held list are under @lock (callbacks arrive in
 * softirq); waiters sleep on @wq.
 */
#ifndef _VMBKMCL_RECORDER_H
#define _VMBKMCL_RECORDER_H

#include <kunit/test.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

#include "simhost.h"

enum rec_kind {
	REC_PACKET,
	REC_BATCH,
	REC_OPENED,
	REC_STARTED,
	REC_POST_STARTED,
	REC_SUSPEND,
	REC_CLOSED,
};

enum rec_ctx {
	REC_CTX_SOFTIRQ = 1,
	REC_CTX_TASK,
	REC_CTX_OTHER,
};

enum rec_policy {
	REC_COMPLETE_INLINE,	/* complete inside ProcessPacket */
	REC_HOLD,		/* keep; the test completes */
	REC_DEFER_ONCE,		/* DeferToPassive, then complete inline */
};

/**
 * struct rec_event - one callback.
 * @kind:  enum rec_kind.
 * @ctx:   enum rec_ctx it ran in.
 * @len:   packet BufferLength, or PacketsProcessed for REC_BATCH.
 * @flags: packet Flags.
 * @tag:   first 8 payload bytes, 0 if shorter.
 */
struct rec_event {
	u8 kind;
	u8 ctx;
	u32 len;
	u32 flags;
	u64 tag;
};

/* Payload bytes the recorder completes with: the packet's tag. */
#define REC_COMPLETION_LEN	sizeof(u64)
/* Largest payload rec_write() builds (on the stack). */
#define REC_MAX_PAYLOAD		512

/**
 * struct rec_done - one run of a send's completion routine.
 * @packet: the packet.
 * @status: its status.
 * @len:    reply bytes.
 * @tag:    first 8 reply bytes, 0 if shorter.
 * @sent:   the packet's own tag (its pointer value).
 */
struct rec_done {
	VMBPACKET packet;
	NTSTATUS status;
	u32 len;
	u64 tag;
	u64 sent;
};

struct recorder {
	struct simhost *sh;
	VMBCHANNEL channel;
	spinlock_t lock;	/* the log and the held list */
	wait_queue_head_t wq;
	enum rec_policy policy;
	NTSTATUS opened_status;
	struct rec_event *events;
	u32 nevents;
	u32 cap;
	u32 packets;
	u32 batches;
	VMBPACKETCOMPLETION *held;
	void **held_buf;
	u32 nheld;
	u64 fail_tag;
	void (*hook)(struct recorder *r, u64 tag);
	void (*state_hook)(struct recorder *r, enum rec_kind kind);
	struct rec_done *done;
	u32 ndone;
	void (*resend)(struct recorder *r, VMBPACKET packet);
};

int recorder_init(struct recorder *r, struct simhost *sh, u32 cap);
int recorder_init_dev(struct recorder *r, struct hv_device *dev, u32 cap);
NTSTATUS recorder_enable(struct recorder *r);
void recorder_destroy(struct recorder *r);
struct simhost *recorder_kunit_start(struct kunit *test, struct recorder *r,
				     u32 cap);
void recorder_kunit_stop(struct recorder *r);

/* A client with no ProcessingComplete: counts and completes inline. */
struct counting_client {
	atomic_t packets;
	wait_queue_head_t wq;
};

void counting_client_init(struct counting_client *cc);
void counting_client_packet(VMBCHANNEL channel, VMBPACKETCOMPLETION packet,
			    PVOID buf, UINT32 len, UINT32 flags);
bool recorder_wait(struct recorder *r, u32 packets, u32 batches);
u32 recorder_complete_held(struct recorder *r, u32 n);
u32 recorder_count(struct recorder *r, enum rec_kind kind);

NTSTATUS recorder_send(struct recorder *r, VMBPACKET packet, u64 tag,
		       u32 len, u32 flags);
bool recorder_wait_done(struct recorder *r, u32 n);
bool recorder_wait_count(struct recorder *r, enum rec_kind kind, u32 n);
u32 recorder_done_count(struct recorder *r);

int rec_expect_misuse(struct kunit_suite *suite);
void rec_misuse_done(struct kunit_suite *suite);
u32 rec_misuse_count(unsigned int rule);

int rec_write(struct simhost *sh, u64 id, u32 len, u16 flags);
bool rec_payload_ok(const void *buf, u32 len, u64 id);

/*
 * Wait for what vmbkmcl queued on system_wq (the passive-level receive
 * runner).  Not flush_scheduled_work(): in Debian's 6.12 it flushes
 * another queue (system_percpu_wq, where schedule_work() goes now) and
 * warns at build time.
 */
static inline void rec_flush_system_wq(void)
{
	__flush_workqueue(system_wq);
}

#endif /* _VMBKMCL_RECORDER_H */
