// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_lifecycle, vmbkmcl_rescind: the channel's life under traffic.
 *
 * Lifecycle: the interface table, Pause/Start/Disable/Enable cycles while
 * the host keeps writing, hibernation with packets in flight.  Rescind:
 * the host takes the device away at every step of a channel's life; each
 * case must end in exactly one EvtChannelClosed, with no callback after
 * it, and every send, waiter and completion ended once.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#include "../vmbkmcl/channel.h"
#include "recorder.h"
#include "responder.h"

#define LOG_CAP			16384
#define PAYLOAD_LEN		64
#define CYCLES			20
/* The writer stops here, so the log never fills. */
#define WRITER_MAX		4000
#define DISABLE_EVERY		4
#define CYCLE_PAUSE_US		2000
#define HELD			3
#define MID_BATCH_PACKETS	32
#define RESCIND_AT_TAG		8
#define ASYNC_DELAY_MS		50
#define SMALL_OUT_RING_PAGES	1
#define IN_RING_PAGES		16
#define NT_TICKS_PER_MS		10000LL
/* A client's own bounded waits: long enough for TCG, short to fail. */
#define CLIENT_WAIT_MS		3000
/* removal_timeout_ms while a case tests its expiry. */
#define SHORT_REMOVAL_MS	200
/* How long a completion routine in the worker holds it. */
#define ROUTINE_HOLD_MS		200

struct life_fixture {
	struct simhost *sh;
	struct recorder rec;
	struct responder resp;
	struct delayed_work rescind_work;
	struct task_struct *writer;
	u64 written;
	unsigned int removal_ms;
	struct completion entered;
	struct completion hook_done;
	bool saw_send_done;
	bool armed;
	bool rings_open_after;
	NTSTATUS status;
};

static void rescind_now(struct work_struct *work)
{
	struct life_fixture *f = container_of(to_delayed_work(work),
					      struct life_fixture,
					      rescind_work);

	simhost_rescind(f->sh);
}

static int life_init(struct kunit *test)
{
	struct life_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	responder_start(&f->resp, simhost_port(f->sh), RESP_ECHO);
	INIT_DELAYED_WORK(&f->rescind_work, rescind_now);
	init_completion(&f->entered);
	init_completion(&f->hook_done);
	f->removal_ms = vmbkmcl_set_removal_timeout(0);
	vmbkmcl_set_removal_timeout(f->removal_ms);
	test->priv = f;
	return 0;
}

static void life_exit(struct kunit *test)
{
	struct life_fixture *f = test->priv;

	/* An init that failed an assertion left no fixture to undo. */
	if (!f)
		return;
	if (f->writer)
		kthread_stop(f->writer);
	cancel_delayed_work_sync(&f->rescind_work);
	responder_stop(&f->resp);
	recorder_kunit_stop(&f->rec);
	vmbkmcl_set_removal_timeout(f->removal_ms);
}

static bool client_wait(struct completion *done)
{
	return wait_for_completion_timeout(done,
					   msecs_to_jiffies(CLIENT_WAIT_MS)) > 0;
}

static void rescind_later(struct life_fixture *f, unsigned int ms)
{
	schedule_delayed_work(&f->rescind_work, msecs_to_jiffies(ms));
}

static struct rec_event *event(struct life_fixture *f, u32 i)
{
	return &f->rec.events[i];
}

/* Exactly one Closed, and it is the last thing the channel said. */
static void expect_closed_last(struct kunit *test, struct life_fixture *f)
{
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_CLOSED), 1U);
	KUNIT_ASSERT_GT(test, f->rec.nevents, 0U);
	KUNIT_EXPECT_EQ(test, event(f, f->rec.nevents - 1)->kind, REC_CLOSED);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
}

/* --- vmbkmcl_lifecycle --- */

static void interface_table_points_at_the_functions(struct kunit *test)
{
	KMCL_CLIENT_INTERFACE_V1 t;
	const void * const want[] = {
		VmbChannelAllocate, VmbChannelCleanup,
		VmbChannelCreateGpadlFromBuffer, VmbChannelCreateGpadlFromMdl,
		VmbChannelDeleteGpadl, VmbChannelDisable, VmbChannelEnable,
		VmbChannelGetInterfaceInstance, VmbChannelGetMmioSpace,
		VmbChannelGetPointer, VmbChannelInitSetClientContextSize,
		VmbChannelInitSetFlags, VmbChannelInitSetFriendlyName,
		VmbChannelInitSetMaximumExternalData,
		VmbChannelInitSetMaximumPacketSize,
		VmbChannelInitSetProcessPacketCallbacks,
		VmbChannelInitSetStateChangeCallbacks, VmbChannelPacketComplete,
		VmbChannelPacketDeferToPassive, VmbChannelPacketFail,
		VmbChannelPacketGetExternalData, VmbChannelPause,
		VmbChannelSendSynchronousRequest,
		VmbChannelSetIncomingProcessingAtPassive,
		VmbChannelSetInterruptLatency, VmbChannelSetPointer,
		VmbChannelSetTransactionQuota, VmbChannelSizeofPacket,
		VmbChannelStart, VmbClientChannelInitSetRingBufferPageCount,
		VmbClientChannelInitSetTargetPnp, VmbPacketAllocate,
		VmbPacketFree, VmbPacketGetChannel, VmbPacketGetPointer,
		VmbPacketInitialize, VmbPacketSend, VmbPacketSendWithExternalMdl,
		VmbPacketSendWithExternalPfns, VmbPacketSetCompletionRoutine,
		VmbPacketSetPointer,
	};
	const void * const *got = (const void *)(&t.InterfaceHeader + 1);
	const u16 v1 = KMCL_CLIENT_INTERFACE_VERSION_V1;
	u32 i;

	BUILD_BUG_ON(ARRAY_SIZE(want) != 41);
	BUILD_BUG_ON(sizeof(t) != sizeof(t.InterfaceHeader) + sizeof(want));
	KUNIT_ASSERT_EQ(test, VmbKmclQueryClientInterface(&t, sizeof(t), v1),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, t.InterfaceHeader.Size, (u16)sizeof(t));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		KUNIT_EXPECT_PTR_EQ(test, got[i], want[i]);
	KUNIT_EXPECT_EQ(test, VmbKmclQueryClientInterface(&t, sizeof(t) - 1, v1),
			STATUS_INVALID_PARAMETER_2);
	KUNIT_EXPECT_EQ(test, VmbKmclQueryClientInterface(&t, sizeof(t), v1 + 1),
			STATUS_INVALID_PARAMETER_3);
}

static int write_forever(void *data)
{
	struct life_fixture *f = data;

	while (!kthread_should_stop()) {
		if (f->written >= WRITER_MAX ||
		    rec_write(f->sh, f->written + 1, PAYLOAD_LEN, 0))
			usleep_range(50, 100);
		else
			f->written++;
		cond_resched();
	}
	return 0;
}

/*
 * While the host writes without pause, the channel is paused and started
 * and now and then disabled and enabled.  Packets may be lost with a
 * closed ring, but none may arrive twice or out of order, none while
 * paused or closed, and the state callbacks must pair up.
 */
static void pause_start_disable_enable_cycles_under_traffic(struct kunit *test)
{
	struct life_fixture *f = test->priv;
	u32 i, disables = 0, bad_order = 0, while_stopped = 0;
	bool stopped = false;
	u64 last = 0;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	f->writer = kthread_run(write_forever, f, "vmbkmcl-writer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->writer));
	for (i = 1; i <= CYCLES; i++) {
		usleep_range(CYCLE_PAUSE_US, 2 * CYCLE_PAUSE_US);
		VmbChannelPause(f->rec.channel);
		usleep_range(CYCLE_PAUSE_US, 2 * CYCLE_PAUSE_US);
		VmbChannelStart(f->rec.channel);
		if (i % DISABLE_EVERY)
			continue;
		VmbChannelDisable(f->rec.channel);
		disables++;
		usleep_range(CYCLE_PAUSE_US, 2 * CYCLE_PAUSE_US);
		KUNIT_ASSERT_EQ(test, VmbChannelEnable(f->rec.channel),
				STATUS_SUCCESS);
	}
	kthread_stop(f->writer);
	f->writer = NULL;
	simhost_sync(f->sh);

	for (i = 0; i < f->rec.nevents; i++) {
		struct rec_event *e = event(f, i);

		if (e->kind == REC_SUSPEND || e->kind == REC_CLOSED)
			stopped = true;
		else if (e->kind == REC_POST_STARTED)
			stopped = false;
		if (e->kind != REC_PACKET)
			continue;
		while_stopped += stopped;
		bad_order += e->tag <= last;
		last = e->tag;
	}
	KUNIT_EXPECT_EQ(test, bad_order, 0U);
	KUNIT_EXPECT_EQ(test, while_stopped, 0U);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_CLOSED), disables);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_OPENED), disables + 1);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_SUSPEND),
			CYCLES + disables);
	KUNIT_EXPECT_GT(test, recorder_count(&f->rec, REC_PACKET), 0U);
	kunit_info(test, "%llu written, %u delivered over %u cycles\n",
		   f->written, recorder_count(&f->rec, REC_PACKET), CYCLES);
}

struct hibernate_async {
	struct work_struct work;
	struct simhost *sh;
	int ret;
};

static void hibernate_now(struct work_struct *work)
{
	struct hibernate_async *h = container_of(work, struct hibernate_async,
						 work);

	h->ret = simhost_hibernate(h->sh);
}

static void hibernation_closes_and_reopens_delivering_each_packet_once(struct kunit *test)
{
	struct life_fixture *f = test->priv;
	struct hibernate_async h = { .sh = f->sh };
	u32 i, mark;
	u64 id;

	f->rec.policy = REC_HOLD;
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	for (id = 1; id <= HELD; id++)
		KUNIT_ASSERT_EQ(test, rec_write(f->sh, id, PAYLOAD_LEN, 0), 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, HELD, 1));

	/* Hibernation waits in Suspend for the packets the driver holds. */
	INIT_WORK_ONSTACK(&h.work, hibernate_now);
	schedule_work(&h.work);
	KUNIT_ASSERT_TRUE(test, recorder_wait_count(&f->rec, REC_SUSPEND, 1));
	msleep(ASYNC_DELAY_MS);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_SUSPEND), 1U);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_CLOSED), 0U);
	f->rec.policy = REC_COMPLETE_INLINE;
	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, U32_MAX), HELD);
	flush_work(&h.work);
	destroy_work_on_stack(&h.work);
	KUNIT_ASSERT_EQ(test, h.ret, 0);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));

	mark = f->rec.nevents;
	KUNIT_ASSERT_EQ(test, simhost_thaw(f->sh), 0);
	simhost_sync(f->sh);
	KUNIT_ASSERT_EQ(test, f->rec.nevents, mark + 3);
	KUNIT_EXPECT_EQ(test, event(f, mark)->kind, REC_OPENED);
	KUNIT_EXPECT_EQ(test, event(f, mark + 1)->kind, REC_STARTED);
	KUNIT_EXPECT_EQ(test, event(f, mark + 2)->kind, REC_POST_STARTED);
	for (; id <= 2 * HELD; id++)
		KUNIT_ASSERT_EQ(test, rec_write(f->sh, id, PAYLOAD_LEN, 0), 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 2 * HELD, 2));
	simhost_sync(f->sh);

	/* Tags 1..6, each exactly once. */
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_PACKET), 2U * HELD);
	for (i = 0, id = 1; i < f->rec.nevents; i++)
		if (event(f, i)->kind == REC_PACKET)
			KUNIT_EXPECT_EQ(test, event(f, i)->tag, id++);
}

/*
 * Passive mode: the worker drains sends even on a paused channel, and
 * vmbus_close() waits only for the tasklet.  Disable must wait for the
 * worker before the rings go: a completion routine the worker runs still
 * sees them open when it returns.
 */
static VOID hold_worker_routine(VMBPACKET packet, NTSTATUS status,
				PVOID buf, UINT32 len)
{
	struct life_fixture *f = VmbPacketGetPointer(packet);

	if (READ_ONCE(f->armed) && (current->flags & PF_WQ_WORKER)) {
		WRITE_ONCE(f->armed, false);
		complete(&f->entered);
		msleep(ROUTINE_HOLD_MS);
		f->rings_open_after = simhost_rings_open(f->sh);
		/* Without the fix the rings are gone: keep the worker off
		 * them, so the case fails instead of faulting.
		 */
		if (!f->rings_open_after)
			VmbChannelSetIncomingProcessingAtPassive(f->rec.channel,
								 FALSE);
	}
	VmbPacketFree(packet);
}

static void disable_of_paused_channel_waits_for_the_passive_worker(struct kunit *test)
{
	struct life_fixture *f = test->priv;
	const u32 n = 2 * PAGE_SIZE / SIMHOST_INBAND_FOOTPRINT(PAYLOAD_LEN);
	u8 payload[PAYLOAD_LEN] = { 0 };
	struct simhost_packet pkt;
	NTSTATUS status;
	VMBPACKET p;
	u32 i;

	f->resp.mode = RESP_STALL;
	status = VmbClientChannelInitSetRingBufferPageCount(f->rec.channel,
							    IN_RING_PAGES,
							    SMALL_OUT_RING_PAGES);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	VmbChannelSetIncomingProcessingAtPassive(f->rec.channel, TRUE);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	VmbChannelPause(f->rec.channel);
	/* Twice what the ring holds: the rest queues. */
	for (i = 0; i < n; i++) {
		p = VmbPacketAllocate(f->rec.channel);
		KUNIT_ASSERT_NOT_NULL(test, p);
		VmbPacketSetCompletionRoutine(p, hold_worker_routine);
		VmbPacketSetPointer(p, f);
		KUNIT_ASSERT_EQ(test, VmbPacketSend(p, payload, sizeof(payload),
						    NULL, 0), STATUS_SUCCESS);
	}
	WRITE_ONCE(f->armed, true);
	/* The host reads: space frees, the worker drains the queue. */
	while (!simhost_read(f->sh, &pkt, NULL, 0))
		;
	KUNIT_ASSERT_TRUE(test, client_wait(&f->entered));
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_TRUE(test, f->rings_open_after);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
}

/* --- vmbkmcl_rescind --- */

static void rescind_before_enable_fails_the_open(struct kunit *test)
{
	struct life_fixture *f = test->priv;

	simhost_rescind(f->sh);
	KUNIT_EXPECT_EQ(test, recorder_enable(&f->rec), STATUS_DEVICE_REMOVED);
	KUNIT_EXPECT_EQ(test, f->rec.nevents, 0U);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
}

static void rescind_on_opened(struct recorder *r, enum rec_kind kind)
{
	struct life_fixture *f = container_of(r, struct life_fixture, rec);

	if (kind == REC_OPENED)
		rescind_later(f, 0);
}

static void rescind_during_open_closes_once_after_it(struct kunit *test)
{
	struct life_fixture *f = test->priv;

	f->rec.state_hook = rescind_on_opened;
	KUNIT_EXPECT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	flush_delayed_work(&f->rescind_work);
	expect_closed_last(test, f);
	/* Opened, Started, PostStarted, Suspend, Closed. */
	KUNIT_EXPECT_EQ(test, f->rec.nevents, 5U);
	KUNIT_EXPECT_EQ(test, event(f, 3)->kind, REC_SUSPEND);
}

static void rescind_at_tag(struct recorder *r, u64 tag)
{
	struct life_fixture *f = container_of(r, struct life_fixture, rec);

	if (tag == RESCIND_AT_TAG)
		rescind_later(f, 0);
}

static void rescind_mid_batch_ends_delivery_at_closed(struct kunit *test)
{
	struct life_fixture *f = test->priv;
	u32 i, n = 0;
	u64 id;

	f->rec.hook = rescind_at_tag;
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	simhost_hold_interrupts(f->sh, true);
	for (id = 1; id <= MID_BATCH_PACKETS; id++)
		KUNIT_ASSERT_EQ(test, rec_write(f->sh, id, PAYLOAD_LEN, 0), 0);
	simhost_hold_interrupts(f->sh, false);
	/*
	 * The tagged packet is logged before its hook queues the rescind,
	 * so a flush here could run first: wait for Closed itself.
	 */
	KUNIT_ASSERT_TRUE(test, recorder_wait_count(&f->rec, REC_CLOSED, 1));
	expect_closed_last(test, f);
	for (i = 0; i < f->rec.nevents; i++) {
		if (event(f, i)->kind != REC_PACKET)
			continue;
		n++;
		KUNIT_EXPECT_EQ(test, event(f, i)->tag, (u64)n);
	}
	KUNIT_EXPECT_GE(test, n, (u32)RESCIND_AT_TAG);
	KUNIT_EXPECT_LE(test, n, (u32)MID_BATCH_PACKETS);
}

static void rescind_during_sync_request_returns_device_removed(struct kunit *test)
{
	struct life_fixture *f = test->priv;
	LARGE_INTEGER timeout = { .QuadPart = -10000 * NT_TICKS_PER_MS };
	u8 req[PAYLOAD_LEN] = { 0 }, reply[PAYLOAD_LEN];
	u32 len = sizeof(reply);
	NTSTATUS status;

	f->resp.mode = RESP_NEVER;
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	rescind_later(f, ASYNC_DELAY_MS);
	status = VmbChannelSendSynchronousRequest(f->rec.channel, req,
						  sizeof(req), NULL,
						  VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION,
						  reply, &len, &timeout);
	KUNIT_EXPECT_EQ(test, status, STATUS_DEVICE_REMOVED);
	flush_delayed_work(&f->rescind_work);
	expect_closed_last(test, f);
}

static void rescind_with_queued_sends_ends_each_once(struct kunit *test)
{
	struct life_fixture *f = test->priv;
	const u32 n = PAGE_SIZE / PAYLOAD_LEN;
	const u32 wait = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
	VMBPACKET p[PAGE_SIZE / PAYLOAD_LEN];
	u32 i, removed = 0;
	NTSTATUS status;

	f->resp.mode = RESP_STALL;
	status = VmbClientChannelInitSetRingBufferPageCount(f->rec.channel,
							    IN_RING_PAGES,
							    SMALL_OUT_RING_PAGES);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	for (i = 0; i < n; i++) {
		p[i] = VmbPacketAllocate(f->rec.channel);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		status = recorder_send(&f->rec, p[i], i + 1, PAYLOAD_LEN, wait);
		KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	}
	simhost_rescind(f->sh);
	expect_closed_last(test, f);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), n);
	for (i = 0; i < n; i++)
		removed += f->rec.done[i].status == STATUS_DEVICE_REMOVED;
	KUNIT_EXPECT_EQ(test, removed, n);
	for (i = 0; i < n; i++)
		VmbPacketFree(p[i]);
}

/* HELD packets that ask for completions, held by the client. */
static void hold_completion_requests(struct kunit *test,
				     struct life_fixture *f)
{
	u64 id;

	f->rec.policy = REC_HOLD;
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	for (id = 1; id <= HELD; id++)
		KUNIT_ASSERT_EQ(test, rec_write(f->sh, id, PAYLOAD_LEN,
						VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED),
				0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, HELD, 1));
}

/*
 * The client completes what it held once the rescind closed the channel:
 * each completion is counted lost, none reaches the ring.
 */
static void complete_held_after_the_close(struct kunit *test,
					  struct life_fixture *f)
{
	struct vmb_rx_stats st;

	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, U32_MAX), HELD);
	flush_delayed_work(&f->rescind_work);
	expect_closed_last(test, f);
	vmbkmcl_channel_rx_stats(f->rec.channel, &st);
	KUNIT_EXPECT_EQ(test, st.completions_lost, (u64)HELD);
	KUNIT_EXPECT_EQ(test, st.completions_sent, 0ULL);
}

static void rescind_while_packets_are_held_loses_their_completions(struct kunit *test)
{
	struct life_fixture *f = test->priv;

	hold_completion_requests(test, f);

	/* The close waits in Suspend for the held packets. */
	rescind_later(f, 0);
	msleep(ASYNC_DELAY_MS);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_CLOSED), 0U);
	complete_held_after_the_close(test, f);
}

/*
 * hv_vmbus completes nothing after a rescind.  A client that waits in
 * Suspend for a send it made sees the send end first, with
 * STATUS_DEVICE_REMOVED, rather than waiting out its own timeout.
 */
static void wait_for_send_in_suspend(struct recorder *r, enum rec_kind kind)
{
	struct life_fixture *f = container_of(r, struct life_fixture, rec);

	if (kind == REC_SUSPEND)
		f->saw_send_done =
			wait_event_timeout(r->wq, recorder_done_count(r) >= 1,
					   msecs_to_jiffies(CLIENT_WAIT_MS)) > 0;
}

static void rescind_ends_sends_before_suspend(struct kunit *test)
{
	struct life_fixture *f = test->priv;
	VMBPACKET p;

	f->resp.mode = RESP_NEVER;
	f->rec.state_hook = wait_for_send_in_suspend;
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	p = VmbPacketAllocate(f->rec.channel);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, recorder_send(&f->rec, p, 1, PAYLOAD_LEN,
					    VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION),
			STATUS_SUCCESS);
	simhost_rescind(f->sh);
	expect_closed_last(test, f);
	KUNIT_EXPECT_TRUE(test, f->saw_send_done);
	KUNIT_ASSERT_EQ(test, recorder_done_count(&f->rec), 1U);
	KUNIT_EXPECT_EQ(test, f->rec.done[0].status, STATUS_DEVICE_REMOVED);
	VmbPacketFree(p);
}

/*
 * A passive ProcessPacket waiting in a synchronous request: the rescind
 * ends the request with STATUS_DEVICE_REMOVED at once; it does not wait
 * for the callback, which waits for the request's timeout.
 */
static void sync_request_in_callback(struct recorder *r, u64 tag)
{
	struct life_fixture *f = container_of(r, struct life_fixture, rec);
	LARGE_INTEGER timeout = { .QuadPart = -CLIENT_WAIT_MS * NT_TICKS_PER_MS };
	u8 req[PAYLOAD_LEN] = { 0 };

	complete(&f->entered);
	f->status = VmbChannelSendSynchronousRequest(r->channel, req,
						     sizeof(req), NULL,
						     VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION,
						     NULL, NULL, &timeout);
}

static void rescind_ends_a_sync_request_its_callback_waits_in(struct kunit *test)
{
	struct life_fixture *f = test->priv;

	f->resp.mode = RESP_NEVER;
	f->rec.hook = sync_request_in_callback;
	VmbChannelSetIncomingProcessingAtPassive(f->rec.channel, TRUE);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, 1, PAYLOAD_LEN, 0), 0);
	KUNIT_ASSERT_TRUE(test, client_wait(&f->entered));
	simhost_rescind(f->sh);
	expect_closed_last(test, f);
	KUNIT_EXPECT_EQ(test, f->status, STATUS_DEVICE_REMOVED);
}

/*
 * A client that never completes what it holds: the rescind waits
 * removal_timeout_ms for it, then closes all the same.  The packets stay
 * valid; completing them later sends nothing and counts them lost.
 */
static void rescind_waits_a_bounded_time_for_held_packets(struct kunit *test)
{
	struct life_fixture *f = test->priv;
	bool closed;

	vmbkmcl_set_removal_timeout(SHORT_REMOVAL_MS);
	hold_completion_requests(test, f);
	rescind_later(f, 0);
	closed = recorder_wait_count(&f->rec, REC_CLOSED, 1);
	KUNIT_EXPECT_TRUE(test, closed);
	/* Held past the close: still theirs, completed into the void. */
	complete_held_after_the_close(test, f);
}

/*
 * No vmbkmcl lock is held across a state callback on the rescind path:
 * Closed may allocate and clean up another channel of the device.
 */
static void churn_channels_on_closed(struct recorder *r, enum rec_kind kind)
{
	struct life_fixture *f = container_of(r, struct life_fixture, rec);
	VMBCHANNEL extra;

	if (kind != REC_CLOSED)
		return;
	f->status = VmbChannelAllocate(simhost_device(f->sh), FALSE, &extra);
	if (NT_SUCCESS(f->status))
		VmbChannelCleanup(extra);
	complete(&f->hook_done);
}

static void closed_on_rescind_may_allocate_and_clean_up_channels(struct kunit *test)
{
	struct life_fixture *f = test->priv;

	f->rec.state_hook = churn_channels_on_closed;
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	rescind_later(f, 0);
	KUNIT_ASSERT_TRUE(test, client_wait(&f->hook_done));
	flush_delayed_work(&f->rescind_work);
	KUNIT_EXPECT_EQ(test, f->status, STATUS_SUCCESS);
	expect_closed_last(test, f);
}

static struct kunit_case life_cases[] = {
	KUNIT_CASE(interface_table_points_at_the_functions),
	KUNIT_CASE(pause_start_disable_enable_cycles_under_traffic),
	KUNIT_CASE(hibernation_closes_and_reopens_delivering_each_packet_once),
	KUNIT_CASE(disable_of_paused_channel_waits_for_the_passive_worker),
	{}
};

static struct kunit_case rescind_cases[] = {
	KUNIT_CASE(rescind_before_enable_fails_the_open),
	KUNIT_CASE(rescind_during_open_closes_once_after_it),
	KUNIT_CASE(rescind_mid_batch_ends_delivery_at_closed),
	KUNIT_CASE(rescind_during_sync_request_returns_device_removed),
	KUNIT_CASE(rescind_with_queued_sends_ends_each_once),
	KUNIT_CASE(rescind_while_packets_are_held_loses_their_completions),
	KUNIT_CASE(rescind_ends_sends_before_suspend),
	KUNIT_CASE(rescind_ends_a_sync_request_its_callback_waits_in),
	KUNIT_CASE(rescind_waits_a_bounded_time_for_held_packets),
	KUNIT_CASE(closed_on_rescind_may_allocate_and_clean_up_channels),
	{}
};

static struct kunit_suite life_suite = {
	.name = "vmbkmcl_lifecycle",
	.init = life_init,
	.exit = life_exit,
	.test_cases = life_cases,
};

static struct kunit_suite rescind_suite = {
	.name = "vmbkmcl_rescind",
	.init = life_init,
	.exit = life_exit,
	.test_cases = rescind_cases,
};

kunit_test_suites(&life_suite, &rescind_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's channel lifecycle, rescind and hibernation");
MODULE_LICENSE("GPL");
