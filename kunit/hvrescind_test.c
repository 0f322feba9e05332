// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_hvrescind: rescind at every step, over real hv_vmbus.
 *
 * Runs on the hv-path boot only (hvemu=1).  The emulated Hyper-V's host
 * sits on one guest request without answering (hvemu_chan_hold()), or
 * stops reading the ring, or the test's client sits inside a packet
 * callback, and the host rescinds meanwhile, as a real host may.  What
 * follows is hv_vmbus 6.1's own rescind handling (vmbus_onoffer_rescind():
 * the rescind flag, the pending channel message's wait completed, the
 * device unregistered) into vmbkmcl's driver.c and backend_hv.c; the host
 * answers what it sat on as OpenVMM's vmbus_server does on a revoke.
 *
 * Each case checks what the KMCL contract (Documentation/semantics.rst)
 * promises: Enable's status, each send's one completion and its status,
 * the callbacks in order, the device removed, and RELID_RELEASED reaching
 * the host (hvhost_rescind() returns 0 only then).
 *
 * The client's calls that block (Enable, Disable, a synchronous request)
 * run on a worker, so the test can rescind while they wait; the client's
 * remove waits for such a call before it frees the channel, as a Windows
 * driver waits for its own I/O in surprise removal.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/hvemu.h>
#include <linux/module.h>
#include <linux/workqueue.h>
#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

#include "hvclient.h"
#include "hvhost.h"
#include "recorder.h"

#define REC_CAP			256
#define WAIT_MS			5000
#define SETTLE_MS		100
#define PAYLOAD_LEN		64
#define MID_BATCH_PACKETS	8
#define HELD_AT_TAG		3
#define SMALL_OUT_RING_PAGES	1
#define IN_RING_PAGES		16
#define QUEUED_SENDS		64
#define NT_TICKS_PER_MS		10000LL
#define POLL_US			5000
/* The synchronous request's own timeout, and the bound a rescind meets. */
#define SYNC_TIMEOUT_MS		30000
#define SYNC_RESCIND_BOUND_MS	2000

/* {2f4e6a1c-8d3b-4b5e-a7c9-1e2d3c4b5a69}: the suite's own device class. */
static const guid_t hvr_class = GUID_INIT(0x2f4e6a1c, 0x8d3b, 0x4b5e, 0xa7,
	0xc9, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69);

struct hvr_fixture;

/**
 * struct hvr_call - a blocking call run on a worker.
 * @work:   runs @fn.
 * @done:   completed when @fn returned.
 * @fn:     the call.
 * @f:      the fixture.
 * @status: what a client call returned.
 * @ret:    what a host call returned.
 * @ended:  jiffies when @fn returned.
 */
struct hvr_call {
	struct work_struct work;
	struct completion done;
	void (*fn)(struct hvr_call *call);
	struct hvr_fixture *f;
	NTSTATUS status;
	int ret;
	unsigned long ended;
};

/**
 * struct hvr_client - the test client driver and what it keeps of its one
 * device.
 * @c:       the client; @c.dev is the bound device, NULL when none.
 * @rec:     the device's recording channel; remove cleans the channel up
 *           and leaves the log, which the case's exit frees.
 * @busy:    a client call on the channel that remove waits for.
 */
struct hvr_client {
	struct hvclient c;
	struct recorder rec;
	struct hvr_call *busy;
};

static struct hvr_client hvr;

/**
 * struct hvr_fixture - one case.
 * @h:       the host's end of the device.
 * @call:    the client's blocking call.
 * @rescind: the host's rescind, when the test must act while it runs.
 * @in_hand: the client's ProcessPacket has the packet it is held in.
 * @let_go:  the test lets that ProcessPacket return.
 * @msg:     payload scratch.
 * @reply:   the host's view of a guest packet.
 * @removes: the client's removes when the case began.
 * @released: RELID_RELEASED messages the host had then.
 */
struct hvr_fixture {
	struct hvhost h;
	struct hvr_call call;
	struct hvr_call rescind;
	struct completion in_hand;
	struct completion let_go;
	u8 msg[HVHOST_MAX_PKT];
	struct hvhost_pkt reply;
	u32 removes;
	u32 released;
};

static struct hvr_fixture *hvr_f;

static int hvr_add(struct hvclient *c, struct hv_device *dev)
{
	memset(&hvr.rec, 0, sizeof(hvr.rec));
	return recorder_init_dev(&hvr.rec, dev, REC_CAP) ? -ENOMEM : 0;
}

/* Surprise removal: the client's own calls end first, then the channel. */
static void hvr_remove(struct hvclient *c, struct hv_device *dev)
{
	struct hvr_call *busy = READ_ONCE(hvr.busy);

	if (busy)
		wait_for_completion_timeout(&busy->done,
					    msecs_to_jiffies(WAIT_MS));
	recorder_complete_held(&hvr.rec, U32_MAX);
	VmbChannelDisable(hvr.rec.channel);
	VmbChannelCleanup(hvr.rec.channel);
	hvr.rec.channel = NULL;
}

static const struct hvclient_ops hvr_ops = {
	.add = hvr_add,
	.remove = hvr_remove,
};

static void hvr_call_work(struct work_struct *work)
{
	struct hvr_call *call = container_of(work, struct hvr_call, work);

	call->fn(call);
	call->ended = jiffies;
	/* For the test and for the client's remove, both. */
	complete_all(&call->done);
}

/* Run @fn on a worker; with @client, the client's remove waits for it. */
static void hvr_start(struct hvr_call *call, void (*fn)(struct hvr_call *),
		      bool client)
{
	call->fn = fn;
	if (client)
		WRITE_ONCE(hvr.busy, call);
	queue_work(system_unbound_wq, &call->work);
}

static bool hvr_wait_call(struct hvr_call *call)
{
	return wait_for_completion_timeout(&call->done,
					   msecs_to_jiffies(WAIT_MS)) > 0;
}

static bool hvr_call_running(struct hvr_call *call)
{
	return !completion_done(&call->done);
}

static void call_enable(struct hvr_call *call)
{
	call->status = VmbChannelEnable(hvr.rec.channel);
}

static void call_disable(struct hvr_call *call)
{
	VmbChannelDisable(hvr.rec.channel);
}

static void call_rescind(struct hvr_call *call)
{
	call->ret = hvhost_rescind(&call->f->h);
}

static void call_sync_request(struct hvr_call *call)
{
	const u32 wait = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
	LARGE_INTEGER timeout = {
		.QuadPart = -SYNC_TIMEOUT_MS * NT_TICKS_PER_MS,
	};
	u8 req[PAYLOAD_LEN] = { 0x5a };
	u8 reply[PAYLOAD_LEN];
	UINT32 len = sizeof(reply);

	call->status = VmbChannelSendSynchronousRequest(hvr.rec.channel, req,
							sizeof(req), NULL, wait,
							reply, &len, &timeout);
}

static void call_delete_gpadl(struct hvr_call *call)
{
	VmbChannelDeleteGpadl(hvr.rec.channel, call->ret);
}

static u32 count(enum vmbus_channel_message_type t)
{
	return hvemu_msg_count(t);
}

/* The recorder's log as letters: O S P p b U C (see rec_kind). */
static const char *events(char *buf, size_t size)
{
	static const char letter[] = {
		[REC_PACKET] = 'p', [REC_BATCH] = 'b', [REC_OPENED] = 'O',
		[REC_STARTED] = 'S', [REC_POST_STARTED] = 'P',
		[REC_SUSPEND] = 'U', [REC_CLOSED] = 'C',
	};
	u32 i, n = min_t(u32, hvr.rec.nevents, size - 1);

	for (i = 0; i < n; i++)
		buf[i] = hvr.rec.events[i].kind < ARRAY_SIZE(letter) ?
			 letter[hvr.rec.events[i].kind] : '?';
	buf[n] = 0;
	return buf;
}

#define EXPECT_EVENTS(test, want)					\
	do {								\
		char _buf[64];						\
		KUNIT_EXPECT_STREQ(test, events(_buf, sizeof(_buf)), want); \
	} while (0)

/*
 * The device went away through hv_vmbus during the case: removed once,
 * relid released.
 */
static void expect_removed(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, READ_ONCE(hvr.c.removes), f->removes + 1);
	KUNIT_EXPECT_NULL(test, READ_ONCE(hvr.c.dev));
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_RELID_RELEASED),
			f->released + 1);
}

static int hvr_init(struct kunit *test)
{
	struct hvr_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	hvr_f = f;
	INIT_WORK(&f->call.work, hvr_call_work);
	init_completion(&f->call.done);
	f->call.f = f;
	INIT_WORK(&f->rescind.work, hvr_call_work);
	init_completion(&f->rescind.done);
	f->rescind.f = f;
	init_completion(&f->in_hand);
	init_completion(&f->let_go);
	KUNIT_ASSERT_EQ(test, hvclient_offer(&hvr.c, &f->h), 0);
	f->removes = hvr.c.removes;
	f->released = count(CHANNELMSG_RELID_RELEASED);
	return 0;
}

static void hvr_exit(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;

	if (!f)
		return;
	complete_all(&f->let_go);
	flush_work(&f->rescind.work);
	if (f->h.ch)
		KUNIT_EXPECT_EQ(test, hvhost_rescind(&f->h), 0);
	flush_work(&f->call.work);
	WRITE_ONCE(hvr.busy, NULL);
	/* The channel is gone with the device; the log is left to free. */
	recorder_destroy(&hvr.rec);
	hvr_f = NULL;
}

static int hvr_suite_init(struct kunit_suite *suite)
{
	return hvclient_register(&hvr.c, "vmbkmcl_hvrescind_client",
				 &hvr_class, &hvr_ops);
}

static void hvr_suite_exit(struct kunit_suite *suite)
{
	hvclient_unregister(&hvr.c);
}

/* Enable the client's channel; the host has opened it. */
static void hvr_open(struct kunit *test, struct hvr_fixture *f)
{
	KUNIT_ASSERT_EQ(test, recorder_enable(&hvr.rec), STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, hvhost_wait_opens(&f->h, 1));
}

/*
 * Make the host sit on the guest's next @held message, and start @fn: it
 * must be waiting in that message when the host has it.
 */
static void hvr_call_held(struct kunit *test, struct hvr_fixture *f,
			  enum vmbus_channel_message_type held,
			  void (*fn)(struct hvr_call *))
{
	KUNIT_ASSERT_EQ(test, hvemu_chan_hold(f->h.ch, held), 0);
	hvr_start(&f->call, fn, true);
	KUNIT_ASSERT_TRUE(test, hvemu_chan_wait_held(f->h.ch, WAIT_MS));
	msleep(SETTLE_MS);
	KUNIT_EXPECT_TRUE(test, hvr_call_running(&f->call));
}

/* Rescind, and wait for the held call to end. */
static void hvr_rescind_held(struct kunit *test, struct hvr_fixture *f)
{
	KUNIT_EXPECT_EQ(test, hvhost_rescind(&f->h), 0);
	KUNIT_ASSERT_TRUE(test, hvr_wait_call(&f->call));
}

/*
 * OPENCHANNEL unanswered: hv_vmbus's rescind completes vmbus_open()'s
 * wait and it fails with -ENODEV, skipping the ring GPADL's teardown on
 * the rescinded channel (the host drops it with the relid).  Enable says
 * STATUS_DEVICE_REMOVED; no state callback ran; the device goes.
 */
static void rescind_during_open_fails_enable_with_device_removed(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;
	u32 teardowns = count(CHANNELMSG_GPADL_TEARDOWN);

	hvr_call_held(test, f, CHANNELMSG_OPENCHANNEL, call_enable);

	hvr_rescind_held(test, f);
	KUNIT_EXPECT_EQ(test, f->call.status, STATUS_DEVICE_REMOVED);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->h.opens), 0);
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_GPADL_TEARDOWN), teardowns);
	EXPECT_EVENTS(test, "");
	expect_removed(test);
}

/*
 * The ring's GPADL unanswered: the revoking host refuses it
 * (GPADL_CREATED with STATUS_UNSUCCESSFUL) before the rescind arrives, as
 * OpenVMM does, so vmbus_open() sees a refused GPADL (-EDQUOT) and never
 * sends OPENCHANNEL.  Enable says what a refused GPADL gives,
 * STATUS_UNSUCCESSFUL: the guest cannot know yet that the device is
 * going.  Then the device goes.
 */
static void rescind_during_ring_gpadl_fails_enable(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;
	u32 opens = count(CHANNELMSG_OPENCHANNEL);

	hvr_call_held(test, f, CHANNELMSG_GPADL_HEADER, call_enable);

	hvr_rescind_held(test, f);
	KUNIT_EXPECT_EQ(test, f->call.status, STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_OPENCHANNEL), opens);
	EXPECT_EVENTS(test, "");
	expect_removed(test);
}

/*
 * Disable's ring GPADL teardown unanswered: the revoking host answers it
 * (GPADL_TORNDOWN) before the rescind, so Disable ends as usual: Suspend,
 * Closed, once; the rescind then finds the channel disabled.
 */
static void rescind_during_ring_gpadl_teardown_closes_once(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;

	hvr_open(test, f);
	hvr_call_held(test, f, CHANNELMSG_GPADL_TEARDOWN, call_disable);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->h.closes), 1);

	hvr_rescind_held(test, f);
	EXPECT_EVENTS(test, "OSPUC");
	expect_removed(test);
}

/*
 * A client GPADL's teardown unanswered (VmbChannelDeleteGpadl waiting):
 * the revoking host answers it, DeleteGpadl returns, and the rescind
 * closes the channel: Suspend, Closed.
 */
static void rescind_during_client_gpadl_teardown(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;
	u32 size = 4 * PAGE_SIZE;
	void *buf = kunit_kzalloc(test, size, GFP_KERNEL);
	UINT32 handle = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	hvr_open(test, f);
	KUNIT_ASSERT_EQ(test, VmbChannelCreateGpadlFromBuffer(hvr.rec.channel,
							      0, buf, size,
							      &handle),
			STATUS_SUCCESS);
	f->call.ret = handle;
	hvr_call_held(test, f, CHANNELMSG_GPADL_TEARDOWN, call_delete_gpadl);

	hvr_rescind_held(test, f);
	EXPECT_EVENTS(test, "OSPUC");
	expect_removed(test);
}

/* Mid-batch: the client sits in ProcessPacket for packet HELD_AT_TAG. */
static void hold_in_callback(struct recorder *r, u64 tag)
{
	struct hvr_fixture *f = READ_ONCE(hvr_f);

	if (!f || tag != HELD_AT_TAG)
		return;
	complete(&f->in_hand);
	wait_for_completion_timeout(&f->let_go, msecs_to_jiffies(WAIT_MS));
}

static bool hvr_wait(struct completion *c)
{
	return wait_for_completion_timeout(c, msecs_to_jiffies(WAIT_MS)) > 0;
}

/* hv_vmbus sets the flag first thing in its rescind handling. */
static bool wait_rescind_flag(struct hv_device *dev)
{
	unsigned long end = jiffies + msecs_to_jiffies(WAIT_MS);

	while (!READ_ONCE(dev->channel->rescind)) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(POLL_US, 2 * POLL_US);
	}
	return true;
}

/*
 * The host wrote MID_BATCH_PACKETS packets; the rescind comes while the
 * client is inside ProcessPacket for the HELD_AT_TAG-th.  The close waits
 * for that callback (it is using the rings), nothing after it is
 * delivered, the batch ends with ProcessingComplete, then Suspend and
 * Closed.
 */
static void rescind_mid_batch_stops_after_the_packet_in_hand(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;
	struct hv_device *dev = hvr.c.dev;
	u32 i, len, before = 0, bad = 0;
	const char *got;
	char buf[64];
	u64 tag;

	hvr.rec.hook = hold_in_callback;
	VmbChannelSetIncomingProcessingAtPassive(hvr.rec.channel, TRUE);
	hvr_open(test, f);
	for (tag = 1; tag <= MID_BATCH_PACKETS; tag++) {
		memset(f->msg, 0, PAYLOAD_LEN);
		memcpy(f->msg, &tag, sizeof(tag));
		KUNIT_ASSERT_EQ(test, hvhost_send(&f->h, VM_PKT_DATA_INBAND, 0,
						  tag, f->msg, PAYLOAD_LEN), 0);
	}
	KUNIT_ASSERT_TRUE(test, hvr_wait(&f->in_hand));

	hvr_start(&f->rescind, call_rescind, false);
	KUNIT_ASSERT_TRUE(test, wait_rescind_flag(dev));
	msleep(SETTLE_MS);
	/* The removal waits for the callback in hand. */
	KUNIT_EXPECT_TRUE(test, hvr_call_running(&f->rescind));
	KUNIT_EXPECT_EQ(test, recorder_count(&hvr.rec, REC_SUSPEND), 0U);
	complete(&f->let_go);

	KUNIT_ASSERT_TRUE(test, hvr_wait_call(&f->rescind));
	KUNIT_EXPECT_EQ(test, f->rescind.ret, 0);
	KUNIT_EXPECT_EQ(test, recorder_count(&hvr.rec, REC_PACKET),
			(u32)HELD_AT_TAG);
	/*
	 * The host's writes race the guest's reads, so the packets before
	 * the one in hand may come in more than one batch, each ended by
	 * ProcessingComplete.  The one in hand ends its batch, then Suspend
	 * and Closed.
	 */
	got = events(buf, sizeof(buf));
	len = strlen(got);
	KUNIT_ASSERT_GE(test, len, 7U);
	KUNIT_EXPECT_TRUE(test, str_has_prefix(got, "OSP"));
	KUNIT_EXPECT_STREQ(test, got + len - 4, "pbUC");
	for (i = 3; i < len - 4; i++) {
		before += got[i] == 'p';
		bad += got[i] != 'p' && (got[i] != 'b' || got[i - 1] != 'p');
	}
	KUNIT_EXPECT_EQ(test, before, (u32)HELD_AT_TAG - 1);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "events %s", got);
	expect_removed(test);
}

/*
 * A synchronous request the host never answers: the rescind ends it with
 * STATUS_DEVICE_REMOVED within SYNC_RESCIND_BOUND_MS, not its own
 * timeout; then Suspend, Closed, and the device goes.
 */
static void rescind_during_sync_request_ends_it_with_device_removed(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;
	unsigned long start;

	hvr_open(test, f);
	hvr_start(&f->call, call_sync_request, true);
	/* The host has the request and will not answer it. */
	KUNIT_ASSERT_EQ(test, hvhost_recv(&f->h, &f->reply, WAIT_MS), 0);
	KUNIT_EXPECT_EQ(test, f->reply.hdr.flags,
			VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	KUNIT_EXPECT_TRUE(test, hvr_call_running(&f->call));

	start = jiffies;
	hvr_rescind_held(test, f);
	KUNIT_EXPECT_EQ(test, f->call.status, STATUS_DEVICE_REMOVED);
	KUNIT_EXPECT_LT(test, jiffies_to_msecs(f->call.ended - start),
			(u32)SYNC_RESCIND_BOUND_MS);
	EXPECT_EVENTS(test, "OSPUC");
	expect_removed(test);
}

static void host_stuck(void *ctx)
{
}

/*
 * The host stops reading: the one-page outbound ring fills and the rest
 * of QUEUED_SENDS queue.  The rescind ends every send, on the ring or
 * queued, exactly once with STATUS_DEVICE_REMOVED, before the close.
 */
static void rescind_with_queued_sends_ends_each_once(struct kunit *test)
{
	struct hvr_fixture *f = test->priv;
	const u32 wait = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
	VMBPACKET *p = kunit_kcalloc(test, QUEUED_SENDS, sizeof(*p),
				     GFP_KERNEL);
	u32 seen[QUEUED_SENDS] = { 0 };
	u32 i, removed = 0, once = 0;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test,
			VmbClientChannelInitSetRingBufferPageCount(hvr.rec.channel,
								   IN_RING_PAGES,
								   SMALL_OUT_RING_PAGES),
			STATUS_SUCCESS);
	hvr_open(test, f);
	/* A model that is told of the guest's signals and reads nothing. */
	hvhost_port(&f->h)->set_notify(hvhost_port(&f->h), host_stuck, NULL);
	for (i = 0; i < QUEUED_SENDS; i++) {
		p[i] = VmbPacketAllocate(hvr.rec.channel);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_ASSERT_EQ(test, recorder_send(&hvr.rec, p[i], i + 1,
						    PAYLOAD_LEN, wait),
				STATUS_SUCCESS);
	}
	msleep(SETTLE_MS);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&hvr.rec), 0U);

	KUNIT_EXPECT_EQ(test, hvhost_rescind(&f->h), 0);
	KUNIT_ASSERT_EQ(test, recorder_done_count(&hvr.rec), QUEUED_SENDS);
	for (i = 0; i < QUEUED_SENDS; i++) {
		u64 sent = hvr.rec.done[i].sent;

		removed += hvr.rec.done[i].status == STATUS_DEVICE_REMOVED;
		if (sent >= 1 && sent <= QUEUED_SENDS)
			seen[sent - 1]++;
	}
	for (i = 0; i < QUEUED_SENDS; i++)
		once += seen[i] == 1;
	KUNIT_EXPECT_EQ(test, removed, QUEUED_SENDS);
	KUNIT_EXPECT_EQ(test, once, QUEUED_SENDS);
	EXPECT_EVENTS(test, "OSPUC");
	expect_removed(test);
	/* The packets went with the channel's pool at the remove's Cleanup. */
}

static struct kunit_case hvrescind_cases[] = {
	KUNIT_CASE(rescind_during_open_fails_enable_with_device_removed),
	KUNIT_CASE(rescind_during_ring_gpadl_fails_enable),
	KUNIT_CASE(rescind_during_ring_gpadl_teardown_closes_once),
	KUNIT_CASE(rescind_during_client_gpadl_teardown),
	KUNIT_CASE(rescind_mid_batch_stops_after_the_packet_in_hand),
	KUNIT_CASE(rescind_during_sync_request_ends_it_with_device_removed),
	KUNIT_CASE(rescind_with_queued_sends_ends_each_once),
	{}
};

static struct kunit_suite hvrescind_suite = {
	.name = "vmbkmcl_hvrescind",
	.suite_init = hvr_suite_init,
	.suite_exit = hvr_suite_exit,
	.init = hvr_init,
	.exit = hvr_exit,
	.test_cases = hvrescind_cases,
};

kunit_test_suites(&hvrescind_suite);

MODULE_DESCRIPTION("KUnit: rescind at every step over real hv_vmbus on an emulated Hyper-V");
MODULE_LICENSE("GPL");
