// SPDX-License-Identifier: GPL-2.0
/*
 * recorder - a KMCL client for tests that logs every callback it gets.
 * See recorder.h.
 */
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "../vmbkmcl/verifier.h"
#include "recorder.h"

/* Bounded waits: generous for TCG, short enough to fail a hung case. */
#define REC_WAIT_TIMEOUT	msecs_to_jiffies(10000)

static enum rec_ctx rec_context(void)
{
	if (in_serving_softirq())
		return REC_CTX_SOFTIRQ;
	if (in_task())
		return REC_CTX_TASK;
	return REC_CTX_OTHER;
}

static u64 rec_tag(const void *buf, u32 len)
{
	u64 tag = 0;

	if (len >= sizeof(tag))
		memcpy(&tag, buf, sizeof(tag));
	return tag;
}

static void rec_log(struct recorder *r, enum rec_kind kind, u32 len,
		    u32 flags, u64 tag)
{
	unsigned long irqflags;

	spin_lock_irqsave(&r->lock, irqflags);
	if (r->nevents < r->cap) {
		r->events[r->nevents++] = (struct rec_event) {
			.kind = kind, .ctx = rec_context(), .len = len,
			.flags = flags, .tag = tag,
		};
	}
	if (kind == REC_PACKET)
		r->packets++;
	else if (kind == REC_BATCH)
		r->batches++;
	spin_unlock_irqrestore(&r->lock, irqflags);
	wake_up(&r->wq);
}

static struct recorder *rec_of(VMBCHANNEL channel)
{
	return VmbChannelGetPointer(channel);
}

static void rec_hold(struct recorder *r, VMBPACKETCOMPLETION packet,
		     void *buf)
{
	unsigned long irqflags;

	spin_lock_irqsave(&r->lock, irqflags);
	if (!WARN_ON(r->nheld >= r->cap)) {
		r->held[r->nheld] = packet;
		r->held_buf[r->nheld] = buf;
		r->nheld++;
	}
	spin_unlock_irqrestore(&r->lock, irqflags);
}

static VOID rec_process_packet(VMBCHANNEL channel, VMBPACKETCOMPLETION packet,
			       PVOID buf, UINT32 len, UINT32 flags)
{
	struct recorder *r = rec_of(channel);
	u64 tag = rec_tag(buf, len);

	rec_log(r, REC_PACKET, len, flags, tag);
	if (r->hook)
		r->hook(r, tag);
	if (tag && tag == r->fail_tag) {
		VmbChannelPacketFail(packet);
		return;
	}
	switch (r->policy) {
	case REC_HOLD:
		rec_hold(r, packet, buf);
		return;
	case REC_DEFER_ONCE:
		if (rec_context() != REC_CTX_TASK) {
			VmbChannelPacketDeferToPassive(packet);
			return;
		}
		fallthrough;
	case REC_COMPLETE_INLINE:
		VmbChannelPacketComplete(packet, &tag, sizeof(tag));
	}
}

static VOID rec_processing_complete(VMBCHANNEL channel, UINT32 n)
{
	rec_log(rec_of(channel), REC_BATCH, n, 0, 0);
}

static void rec_state(VMBCHANNEL channel, enum rec_kind kind)
{
	struct recorder *r = rec_of(channel);

	rec_log(r, kind, 0, 0, 0);
	if (r->state_hook)
		r->state_hook(r, kind);
}

static NTSTATUS rec_opened(VMBCHANNEL channel)
{
	rec_state(channel, REC_OPENED);
	return rec_of(channel)->opened_status;
}

static VOID rec_started(VMBCHANNEL channel)
{
	rec_state(channel, REC_STARTED);
}

static VOID rec_post_started(VMBCHANNEL channel)
{
	rec_state(channel, REC_POST_STARTED);
}

static VOID rec_suspend(VMBCHANNEL channel)
{
	rec_state(channel, REC_SUSPEND);
}

static VOID rec_closed(VMBCHANNEL channel)
{
	rec_state(channel, REC_CLOSED);
}

/**
 * recorder_init() - allocate a recording channel on @sh's device.
 * @r:   zeroed recorder; the caller sets @r->policy and friends after.
 * @sh:  the simulated host.
 * @cap: events logged (and packets held) at most.
 *
 * Every callback is installed; the channel is not enabled.
 *
 * Context: process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int recorder_init(struct recorder *r, struct simhost *sh, u32 cap)
{
	r->sh = sh;
	return recorder_init_dev(r, simhost_device(sh), cap);
}
EXPORT_SYMBOL_GPL(recorder_init);

/**
 * recorder_init_dev() - allocate a recording channel on any device.
 * @r:   zeroed recorder; @r->sh is left as the caller set it (NULL for a
 *       device on real hv_vmbus, where there is no simhost to settle).
 * @dev: the device, e.g. one real hv_vmbus probed on the emulated host.
 * @cap: as for recorder_init().
 *
 * Context: process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int recorder_init_dev(struct recorder *r, struct hv_device *dev, u32 cap)
{
	VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;

	spin_lock_init(&r->lock);
	init_waitqueue_head(&r->wq);
	r->cap = cap;
	r->events = kvcalloc(cap, sizeof(*r->events), GFP_KERNEL);
	r->held = kvcalloc(cap, sizeof(*r->held), GFP_KERNEL);
	r->held_buf = kvcalloc(cap, sizeof(*r->held_buf), GFP_KERNEL);
	r->done = kvcalloc(cap, sizeof(*r->done), GFP_KERNEL);
	if (!r->events || !r->held || !r->held_buf || !r->done ||
	    !NT_SUCCESS(VmbChannelAllocate(dev, FALSE, &r->channel)))
		goto err;

	VmbChannelSetPointer(r->channel, r);
	VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
	cb.EvtChannelOpened = rec_opened;
	cb.EvtChannelStarted = rec_started;
	cb.EvtChannelPostStarted = rec_post_started;
	cb.EvtChannelSuspend = rec_suspend;
	cb.EvtChannelClosed = rec_closed;
	if (!NT_SUCCESS(VmbChannelInitSetStateChangeCallbacks(r->channel, &cb)) ||
	    !NT_SUCCESS(VmbChannelInitSetProcessPacketCallbacks(r->channel,
			rec_process_packet, rec_processing_complete)))
		goto err;
	return 0;
err:
	recorder_destroy(r);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(recorder_init_dev);

/**
 * recorder_enable() - enable the channel and let it settle.
 * @r: the recorder.
 *
 * Enable ends with a kick that drains what arrived while the channel was
 * starting; it is waited out here, so a test's first interrupt is its own.
 *
 * Context: process context; sleeps.
 * Return: VmbChannelEnable()'s status.
 */
NTSTATUS recorder_enable(struct recorder *r)
{
	NTSTATUS status = VmbChannelEnable(r->channel);

	if (r->sh)
		simhost_sync(r->sh);
	return status;
}
EXPORT_SYMBOL_GPL(recorder_enable);

/**
 * recorder_destroy() - complete what is held, disable and free.
 * @r: the recorder, initialised or partly so.
 *
 * Context: process context; sleeps.
 */
void recorder_destroy(struct recorder *r)
{
	if (r->channel) {
		recorder_complete_held(r, U32_MAX);
		VmbChannelDisable(r->channel);
		VmbChannelCleanup(r->channel);
		r->channel = NULL;
	}
	kvfree(r->done);
	kvfree(r->held_buf);
	kvfree(r->held);
	kvfree(r->events);
}
EXPORT_SYMBOL_GPL(recorder_destroy);

/**
 * recorder_kunit_start() - a simulated host with a recording channel on it.
 * @test: the test, failed and aborted if either cannot be had.
 * @r:    zeroed recorder in the test's fixture.
 * @cap:  as for recorder_init().
 *
 * @r keeps the host even when the recorder fails, so a suite's exit can
 * always call recorder_kunit_stop().
 *
 * Context: process context; sleeps.
 * Return: the host.
 */
struct simhost *recorder_kunit_start(struct kunit *test, struct recorder *r,
				     u32 cap)
{
	struct simhost *sh = simhost_create();

	KUNIT_ASSERT_NOT_NULL(test, sh);
	r->sh = sh;
	KUNIT_ASSERT_EQ(test, recorder_init(r, sh, cap), 0);
	return sh;
}
EXPORT_SYMBOL_GPL(recorder_kunit_start);

/**
 * recorder_kunit_stop() - undo recorder_kunit_start(), however far it got.
 * @r: the recorder.
 *
 * Context: process context; sleeps.
 */
void recorder_kunit_stop(struct recorder *r)
{
	struct simhost *sh = r->sh;

	recorder_destroy(r);
	simhost_destroy(sh);
}
EXPORT_SYMBOL_GPL(recorder_kunit_stop);

/**
 * counting_client_init() - zero the count, ready the wait queue.
 * @cc: the client; VmbChannelSetPointer() of its channel points here.
 */
void counting_client_init(struct counting_client *cc)
{
	atomic_set(&cc->packets, 0);
	init_waitqueue_head(&cc->wq);
}
EXPORT_SYMBOL_GPL(counting_client_init);

/**
 * counting_client_packet() - complete @packet, count it, wake.
 * @channel: a channel whose pointer is a struct counting_client.
 * @packet:  the packet.
 * @buf:     its payload, unread.
 * @len:     its length.
 * @flags:   its flags.
 */
void counting_client_packet(VMBCHANNEL channel, VMBPACKETCOMPLETION packet,
			    PVOID buf, UINT32 len, UINT32 flags)
{
	struct counting_client *cc = VmbChannelGetPointer(channel);

	VmbChannelPacketComplete(packet, NULL, 0);
	atomic_inc(&cc->packets);
	wake_up(&cc->wq);
}
EXPORT_SYMBOL_GPL(counting_client_packet);

static bool rec_reached(struct recorder *r, u32 packets, u32 batches)
{
	unsigned long irqflags;
	bool done;

	spin_lock_irqsave(&r->lock, irqflags);
	done = r->packets >= packets && r->batches >= batches;
	spin_unlock_irqrestore(&r->lock, irqflags);
	return done;
}

/**
 * recorder_wait() - wait until at least @packets ProcessPacket and
 * @batches ProcessingComplete calls were logged.
 * @r:       the recorder.
 * @packets: ProcessPacket calls.
 * @batches: ProcessingComplete calls.
 *
 * Context: process context; sleeps, at most 10 s.
 * Return: true if reached, false on timeout.
 */
bool recorder_wait(struct recorder *r, u32 packets, u32 batches)
{
	return wait_event_timeout(r->wq, rec_reached(r, packets, batches),
				  REC_WAIT_TIMEOUT) > 0;
}
EXPORT_SYMBOL_GPL(recorder_wait);

/**
 * recorder_complete_held() - complete the oldest held packets, in order,
 * each with its tag as the completion payload.
 * @r: the recorder.
 * @n: how many, at most.
 *
 * Return: how many were completed.
 */
u32 recorder_complete_held(struct recorder *r, u32 n)
{
	unsigned long irqflags;
	u32 done = 0;

	for (;;) {
		VMBPACKETCOMPLETION packet;
		u64 tag;

		spin_lock_irqsave(&r->lock, irqflags);
		if (done == n || !r->nheld) {
			spin_unlock_irqrestore(&r->lock, irqflags);
			return done;
		}
		packet = r->held[0];
		memcpy(&tag, r->held_buf[0], sizeof(tag));
		r->nheld--;
		memmove(r->held, r->held + 1, r->nheld * sizeof(*r->held));
		memmove(r->held_buf, r->held_buf + 1,
			r->nheld * sizeof(*r->held_buf));
		spin_unlock_irqrestore(&r->lock, irqflags);
		VmbChannelPacketComplete(packet, &tag, sizeof(tag));
		done++;
	}
}
EXPORT_SYMBOL_GPL(recorder_complete_held);

/**
 * recorder_count() - events of @kind logged so far.
 * @r:    the recorder.
 * @kind: the callback.
 *
 * Return: the count.
 */
u32 recorder_count(struct recorder *r, enum rec_kind kind)
{
	unsigned long irqflags;
	u32 i, n = 0;

	spin_lock_irqsave(&r->lock, irqflags);
	for (i = 0; i < r->nevents; i++)
		n += r->events[i].kind == kind;
	spin_unlock_irqrestore(&r->lock, irqflags);
	return n;
}
EXPORT_SYMBOL_GPL(recorder_count);

/**
 * recorder_wait_count() - wait until @n events of @kind were logged.
 * @r:    the recorder.
 * @kind: the callback.
 * @n:    events.
 *
 * Context: process context; sleeps, at most 10 s.
 * Return: true if reached.
 */
bool recorder_wait_count(struct recorder *r, enum rec_kind kind, u32 n)
{
	return wait_event_timeout(r->wq, recorder_count(r, kind) >= n,
				  REC_WAIT_TIMEOUT) > 0;
}
EXPORT_SYMBOL_GPL(recorder_wait_count);

static VOID rec_send_done(VMBPACKET packet, NTSTATUS status, PVOID buf,
			  UINT32 len)
{
	struct recorder *r = VmbChannelGetPointer(VmbPacketGetChannel(packet));
	unsigned long irqflags;

	spin_lock_irqsave(&r->lock, irqflags);
	if (r->ndone < r->cap)
		r->done[r->ndone] = (struct rec_done) {
			.packet = packet, .status = status, .len = len,
			.tag = rec_tag(buf, buf ? len : 0),
			.sent = (u64)(uintptr_t)VmbPacketGetPointer(packet),
		};
	r->ndone++;
	spin_unlock_irqrestore(&r->lock, irqflags);
	wake_up(&r->wq);
	/* A send ended by a close is not sent again. */
	if (r->resend && status == STATUS_SUCCESS)
		r->resend(r, packet);
}

static atomic_t rec_misuse[VMB_RULE_NR];

static void rec_count_misuse(unsigned int rule, const char *name)
{
	if (rule < VMB_RULE_NR)
		atomic_inc(&rec_misuse[rule]);
}

/**
 * rec_expect_misuse() - a suite that misuses the API on purpose says so.
 * @suite: the suite (use as its suite_init).
 *
 * The verifier's reports are counted instead of warned about, so a run
 * with the verifier on does not take a deliberate misuse for a bug.
 *
 * Return: 0.
 */
int rec_expect_misuse(struct kunit_suite *suite)
{
	u32 i;

	for (i = 0; i < VMB_RULE_NR; i++)
		atomic_set(&rec_misuse[i], 0);
	vmbkmcl_verifier_capture(rec_count_misuse);
	return 0;
}
EXPORT_SYMBOL_GPL(rec_expect_misuse);

/**
 * rec_misuse_done() - the suite is over: warn again.
 * @suite: the suite (use as its suite_exit).
 */
void rec_misuse_done(struct kunit_suite *suite)
{
	vmbkmcl_verifier_capture(NULL);
}
EXPORT_SYMBOL_GPL(rec_misuse_done);

/**
 * rec_misuse_count() - reports of @rule since rec_expect_misuse().
 * @rule: enum vmb_rule.
 *
 * Return: the count.
 */
u32 rec_misuse_count(unsigned int rule)
{
	return rule < VMB_RULE_NR ? atomic_read(&rec_misuse[rule]) : 0;
}
EXPORT_SYMBOL_GPL(rec_misuse_count);

static u8 rec_pattern(u64 id, u32 i);

/**
 * recorder_send() - send @packet with a tagged payload; its completion
 * routine logs to @r->done.
 * @r:      the recorder.
 * @packet: an idle packet of @r's channel.
 * @tag:    first 8 payload bytes; also stored as the packet's pointer.
 * @len:    payload bytes, 8 to REC_MAX_PAYLOAD.
 * @flags:  VMBUS_CHANNEL_FORMAT_FLAG_*.
 *
 * Return: VmbPacketSend()'s status.
 */
NTSTATUS recorder_send(struct recorder *r, VMBPACKET packet, u64 tag,
		       u32 len, u32 flags)
{
	u8 buf[REC_MAX_PAYLOAD];
	u32 i;

	if (WARN_ON(len < sizeof(tag) || len > sizeof(buf)))
		return STATUS_INVALID_PARAMETER;
	memcpy(buf, &tag, sizeof(tag));
	for (i = sizeof(tag); i < len; i++)
		buf[i] = rec_pattern(tag, i);
	VmbPacketSetCompletionRoutine(packet, rec_send_done);
	VmbPacketSetPointer(packet, (void *)(uintptr_t)tag);
	return VmbPacketSend(packet, buf, len, NULL, flags);
}
EXPORT_SYMBOL_GPL(recorder_send);

/**
 * recorder_done_count() - completion routines run so far.
 * @r: the recorder.
 *
 * Return: the count.
 */
u32 recorder_done_count(struct recorder *r)
{
	return READ_ONCE(r->ndone);
}
EXPORT_SYMBOL_GPL(recorder_done_count);

/**
 * recorder_wait_done() - wait for @n completion routines in all.
 * @r: the recorder.
 * @n: routines.
 *
 * Context: process context; sleeps, at most 10 s.
 * Return: true if reached.
 */
bool recorder_wait_done(struct recorder *r, u32 n)
{
	return wait_event_timeout(r->wq, recorder_done_count(r) >= n,
				  REC_WAIT_TIMEOUT) > 0;
}
EXPORT_SYMBOL_GPL(recorder_wait_done);

static u8 rec_pattern(u64 id, u32 i)
{
	return (u8)(id * 7 + i);
}

/**
 * rec_write() - write one inband packet tagged with @id.
 * @sh:    the simulated host.
 * @id:    the tag (first 8 payload bytes) and transaction id.
 * @len:   payload bytes, at least 8; the rest is a pattern of @id.
 * @flags: descriptor flags, e.g. VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED.
 *
 * Return: as simhost_write_inband().
 */
int rec_write(struct simhost *sh, u64 id, u32 len, u16 flags)
{
	u8 buf[REC_MAX_PAYLOAD];
	u32 i;

	if (WARN_ON(len < sizeof(id) || len > sizeof(buf)))
		return -EINVAL;
	memcpy(buf, &id, sizeof(id));
	for (i = sizeof(id); i < len; i++)
		buf[i] = rec_pattern(id, i);
	return simhost_write_inband(sh, VM_PKT_DATA_INBAND, flags, id, buf, len);
}
EXPORT_SYMBOL_GPL(rec_write);

/**
 * rec_payload_ok() - does @buf hold what rec_write() wrote for @id?
 * @buf: payload as delivered.
 * @len: bytes written (the delivered length is padded to 8).
 * @id:  the tag.
 *
 * Return: true if every byte matches.
 */
bool rec_payload_ok(const void *buf, u32 len, u64 id)
{
	const u8 *b = buf;
	u32 i;

	if (len < sizeof(id) || memcmp(b, &id, sizeof(id)))
		return false;
	for (i = sizeof(id); i < len; i++)
		if (b[i] != rec_pattern(id, i))
			return false;
	return true;
}
EXPORT_SYMBOL_GPL(rec_payload_ok);
