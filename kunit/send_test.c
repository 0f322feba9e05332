// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_send, vmbkmcl_xact, vmbkmcl_sync: the send engine.
 *
 * A recorder channel sends through simhost; a responder plays the host
 * (echo, twice, wrong or stale ids, never, reverse order, or not reading
 * at all) and the recorder logs every completion routine run.  Cases
 * assert what the host read (type, flags, ids, bytes, order), how many
 * routines ran with which status, and the engine's counters.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "../vmbkmcl/channel.h"
#include "recorder.h"
#include "responder.h"

#define LOG_CAP			1024
#define PAYLOAD_LEN		64
#define ECHO_LEN		24
#define SMALL_OUT_RING_PAGES	1
#define IN_RING_PAGES		16
/* Ring-full case: ten one-page rings of 64-byte sends. */
#define QUEUE_TIMES_RING	10
#define TRANSACTIONS		100000
#define IN_FLIGHT		128
#define REVERSE_BATCH		32
#define BOGUS_SENDS		10
#define HOST_READ_TIMEOUT	msecs_to_jiffies(20000)
#define SLOW_REPLY_US		(200 * USEC_PER_MSEC)
#define SHORT_TIMEOUT_MS	50
#define NT_TICKS_PER_MS		10000LL
#define DISABLE_DELAY_MS	50
#define CLOSED_SENDS		3
#define SMALL_POOL		4
#define SMALL_POOL_MAX		8

struct send_fixture {
	struct simhost *sh;
	struct recorder rec;
	struct responder resp;
	u8 *packets;		/* caller-storage packets */
	u32 packet_size;
};

static int send_init(struct kunit *test)
{
	struct send_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	responder_start(&f->resp, simhost_port(f->sh), RESP_ECHO);
	f->packet_size = VmbChannelSizeofPacket(f->rec.channel);
	test->priv = f;
	return 0;
}

static void send_exit(struct kunit *test)
{
	struct send_fixture *f = test->priv;

	/* An init that failed an assertion left no fixture to undo. */
	if (!f)
		return;
	responder_stop(&f->resp);
	recorder_kunit_stop(&f->rec);
	kvfree(f->packets);
}

static void enable(struct kunit *test, struct send_fixture *f, u32 out_pages)
{
	NTSTATUS status;

	if (out_pages) {
		status = VmbClientChannelInitSetRingBufferPageCount(f->rec.channel,
								    IN_RING_PAGES,
								    out_pages);
		KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	}
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
}

/* @n packets in caller storage, initialised. */
static VMBPACKET *make_packets(struct kunit *test, struct send_fixture *f,
			       u32 n)
{
	VMBPACKET *p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	f->packets = kvcalloc(n, f->packet_size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->packets);
	for (i = 0; i < n; i++) {
		p[i] = (VMBPACKET)(f->packets + (size_t)i * f->packet_size);
		KUNIT_ASSERT_EQ(test, VmbPacketInitialize(f->rec.channel, p[i],
							  f->packet_size),
				STATUS_SUCCESS);
	}
	return p;
}

/* A send that waits for the host's completion. */
static NTSTATUS send_wait(struct send_fixture *f, VMBPACKET p, u64 tag,
			  u32 len)
{
	return recorder_send(&f->rec, p, tag, len, VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION);
}

static void get_tx(struct send_fixture *f, struct vmb_tx_stats *st)
{
	vmbkmcl_channel_tx_stats(f->rec.channel, st);
}

/*
 * The host reads the sends tagged @expect to @n, each once and in that
 * order, as the ring drains, by @deadline.
 */
static void host_reads_in_order(struct kunit *test, struct send_fixture *f,
				u64 expect, u32 n, unsigned long deadline)
{
	struct simhost_packet pkt;
	u8 got[PAYLOAD_LEN];

	while (expect <= n && time_before(jiffies, deadline)) {
		if (simhost_read(f->sh, &pkt, got, sizeof(got))) {
			usleep_range(20, 50);
			continue;
		}
		KUNIT_EXPECT_EQ(test, *(u64 *)got, expect);
		expect++;
	}
	KUNIT_EXPECT_EQ(test, expect, (u64)n + 1);
}

/* --- vmbkmcl_send --- */

static void send_without_completion_is_on_the_ring_when_routine_runs(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	struct simhost_packet pkt;
	u8 got[PAYLOAD_LEN];
	VMBPACKET p;

	f->resp.mode = RESP_STALL;
	enable(test, f, 0);
	p = VmbPacketAllocate(f->rec.channel);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, recorder_send(&f->rec, p, 1, PAYLOAD_LEN, 0),
			STATUS_SUCCESS);

	/* Already on the ring: the routine ran before Send returned. */
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), 1U);
	KUNIT_EXPECT_EQ(test, f->rec.done[0].status, STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, f->rec.done[0].len, 0U);
	KUNIT_ASSERT_EQ(test, simhost_read(f->sh, &pkt, got, sizeof(got)), 0);
	KUNIT_EXPECT_EQ(test, pkt.desc.type, VM_PKT_DATA_INBAND);
	KUNIT_EXPECT_EQ(test, pkt.desc.flags, 0);
	KUNIT_EXPECT_EQ(test, pkt.desc.trans_id, 0ULL);
	KUNIT_EXPECT_EQ(test, pkt.data_len, (u32)PAYLOAD_LEN);
	KUNIT_EXPECT_TRUE(test, rec_payload_ok(got, PAYLOAD_LEN, 1));
	VmbPacketFree(p);
}

static void send_with_completion_gets_the_reply_once(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	struct vmb_tx_stats st;
	VMBPACKET p;

	enable(test, f, 0);
	p = VmbPacketAllocate(f->rec.channel);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, send_wait(f, p, 7, ECHO_LEN),
			STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, 1));
	responder_flush(&f->resp);
	simhost_sync(f->sh);

	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), 1U);
	KUNIT_EXPECT_EQ(test, f->rec.done[0].status, STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, f->rec.done[0].len, (u32)ECHO_LEN);
	KUNIT_EXPECT_EQ(test, f->rec.done[0].tag, 7ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->resp.requests), 1);
	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, st.sent, 1ULL);
	KUNIT_EXPECT_EQ(test, st.completed, 1ULL);
	KUNIT_EXPECT_EQ(test, st.bad_completions, 0ULL);
	VmbPacketFree(p);
}

struct bad_send {
	const char *name;
	NTSTATUS expected;
	u32 len;
	u32 flags;
	bool null_packet;
	bool null_buffer;
	bool no_routine;
};

static const struct bad_send bad_sends[] = {
	{ "NULL packet", STATUS_INVALID_PARAMETER_1, PAYLOAD_LEN, 0, true },
	{ "no completion routine", STATUS_INVALID_PARAMETER_1, PAYLOAD_LEN, 0,
	  .no_routine = true },
	{ "NULL buffer with a length", STATUS_INVALID_PARAMETER_2, PAYLOAD_LEN,
	  0, .null_buffer = true },
	{ "longer than the maximum packet size", STATUS_INVALID_PARAMETER_3,
	  VMB_DEFAULT_MAX_PACKET_SIZE + 1, 0 },
	{ "unknown flag", STATUS_INVALID_PARAMETER, PAYLOAD_LEN, 0x100 },
};

static void bad_send_desc(const struct bad_send *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_send, bad_sends, bad_send_desc);

static VOID no_op_routine(VMBPACKET Packet, NTSTATUS Status, PVOID Buffer,
			  UINT32 BufferLength)
{
}

static void bad_send_is_refused_and_no_routine_runs(struct kunit *test)
{
	const struct bad_send *b = test->param_value;
	struct send_fixture *f = test->priv;
	static u8 buf[VMB_DEFAULT_MAX_PACKET_SIZE + 1];
	struct vmb_tx_stats st;
	VMBPACKET p;

	enable(test, f, 0);
	p = make_packets(test, f, 1)[0];
	if (!b->no_routine)
		VmbPacketSetCompletionRoutine(p, no_op_routine);
	KUNIT_EXPECT_EQ(test, VmbPacketSend(b->null_packet ? NULL : p,
					    b->null_buffer ? NULL : buf,
					    b->len, NULL, b->flags),
			b->expected);
	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, st.sent, 0ULL);
	KUNIT_EXPECT_EQ(test, simhost_outbound_pending(f->sh), 0U);
}

static void packet_in_flight_cannot_be_sent_again(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	VMBPACKET p;

	f->resp.mode = RESP_NEVER;
	enable(test, f, 0);
	p = make_packets(test, f, 1)[0];
	KUNIT_ASSERT_EQ(test, send_wait(f, p, 1, PAYLOAD_LEN),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, recorder_send(&f->rec, p, 2, PAYLOAD_LEN, 0),
			STATUS_INVALID_DEVICE_STATE);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), 0U);
}

/*
 * KMCL: after EvtChannelClosed "sends are queued but not transmitted".
 * They succeed, nothing reaches the host or runs their routine while the
 * channel is closed, and the next Enable transmits them in order.
 */
static void sends_after_closed_queue_and_go_out_in_order_on_reopen(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	VMBPACKET p[CLOSED_SENDS];
	u32 i;

	enable(test, f, 0);
	VmbChannelDisable(f->rec.channel);
	for (i = 0; i < CLOSED_SENDS; i++) {
		p[i] = VmbPacketAllocate(f->rec.channel);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
	}
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->resp.requests), 0);

	KUNIT_ASSERT_EQ(test, VmbChannelEnable(f->rec.channel), STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, CLOSED_SENDS));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->resp.requests), CLOSED_SENDS);
	for (i = 0; i < CLOSED_SENDS; i++) {
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status, STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, f->rec.done[i].tag, (u64)i + 1);
	}
	for (i = 0; i < CLOSED_SENDS; i++)
		VmbPacketFree(p[i]);
}

/* Queued sends the channel never reopens for end once, at Cleanup. */
static void sends_queued_while_closed_end_once_at_cleanup(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u32 i;

	enable(test, f, 0);
	VmbChannelDisable(f->rec.channel);
	for (i = 0; i < CLOSED_SENDS; i++)
		KUNIT_ASSERT_EQ(test, send_wait(f, VmbPacketAllocate(f->rec.channel),
						i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
	VmbChannelCleanup(f->rec.channel);
	f->rec.channel = NULL;
	KUNIT_ASSERT_EQ(test, recorder_done_count(&f->rec), CLOSED_SENDS);
	for (i = 0; i < CLOSED_SENDS; i++) {
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status, STATUS_CANCELLED);
		KUNIT_EXPECT_EQ(test, f->rec.done[i].sent, (u64)i + 1);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&f->resp.requests), 0);
}

/* ... or when the device is removed, with STATUS_DEVICE_REMOVED. */
static void sends_queued_while_closed_end_once_on_removal(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	VMBPACKET p[CLOSED_SENDS];
	u32 i;

	enable(test, f, 0);
	VmbChannelDisable(f->rec.channel);
	for (i = 0; i < CLOSED_SENDS; i++) {
		p[i] = VmbPacketAllocate(f->rec.channel);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
	}
	simhost_rescind(f->sh);
	KUNIT_ASSERT_EQ(test, recorder_done_count(&f->rec), CLOSED_SENDS);
	for (i = 0; i < CLOSED_SENDS; i++)
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status,
				STATUS_DEVICE_REMOVED);
	/* Later sends fail at once, and their routine does not run. */
	KUNIT_EXPECT_EQ(test, send_wait(f, p[0], 1, PAYLOAD_LEN),
			STATUS_DEVICE_REMOVED);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), CLOSED_SENDS);
	for (i = 0; i < CLOSED_SENDS; i++)
		VmbPacketFree(p[i]);
}

/*
 * Windows draws packets from a lookaside list that grows.  Past the 64
 * preallocated, VmbPacketAllocate allocates, up to 1024 out at once.
 */
static void pool_grows_past_its_preallocated_packets_to_the_default_bound(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	VMBPACKET *p = kunit_kcalloc(test, VMB_TX_POOL_MAX, sizeof(*p),
				     GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	enable(test, f, 0);
	for (i = 0; i < VMB_TX_POOL_MAX; i++) {
		p[i] = VmbPacketAllocate(f->rec.channel);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	KUNIT_EXPECT_NULL(test, VmbPacketAllocate(f->rec.channel));
	VmbPacketFree(p[0]);
	p[0] = VmbPacketAllocate(f->rec.channel);
	KUNIT_EXPECT_NOT_NULL(test, p[0]);
	for (i = 0; i < VMB_TX_POOL_MAX; i++)
		VmbPacketFree(p[i]);
}

/* A port sizes the pool before Enable; grown packets send as any other. */
static void pool_size_is_the_ports_to_set(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	VMBPACKET p[SMALL_POOL_MAX];
	NTSTATUS status;
	u32 i;

	status = vmbkmcl_channel_init_set_packet_pool(f->rec.channel, 0,
						      SMALL_POOL_MAX);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_2);
	status = vmbkmcl_channel_init_set_packet_pool(f->rec.channel,
						      SMALL_POOL, SMALL_POOL - 1);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_3);
	status = vmbkmcl_channel_init_set_packet_pool(f->rec.channel, SMALL_POOL,
						      VMBKMCL_PACKET_POOL_LIMIT + 1);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_3);
	status = vmbkmcl_channel_init_set_packet_pool(f->rec.channel, SMALL_POOL,
						      SMALL_POOL_MAX);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	enable(test, f, 0);
	status = vmbkmcl_channel_init_set_packet_pool(f->rec.channel, SMALL_POOL,
						      SMALL_POOL_MAX);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_1);

	for (i = 0; i < SMALL_POOL_MAX; i++) {
		p[i] = VmbPacketAllocate(f->rec.channel);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	KUNIT_EXPECT_NULL(test, VmbPacketAllocate(f->rec.channel));
	/* Every one, grown or not, awaits its completion at once. */
	for (i = 0; i < SMALL_POOL_MAX; i++)
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, SMALL_POOL_MAX));
	for (i = 0; i < SMALL_POOL_MAX; i++) {
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status, STATUS_SUCCESS);
		VmbPacketFree(p[i]);
	}
}

/* Bytes one PAYLOAD_LEN send takes on the ring, trailer included. */
static u32 send_footprint(void)
{
	return ALIGN(sizeof(struct vmpacket_descriptor) + PAYLOAD_LEN,
		     sizeof(u64)) + sizeof(u64);
}

static void full_ring_queues_sends_in_order_and_drains(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	unsigned long deadline = jiffies + HOST_READ_TIMEOUT;
	u32 ring = (SMALL_OUT_RING_PAGES * PAGE_SIZE - 1) / send_footprint();
	u32 n = QUEUE_TIMES_RING * ring, i;
	struct vmb_tx_stats st;
	VMBPACKET *p;

	f->resp.mode = RESP_STALL;
	enable(test, f, SMALL_OUT_RING_PAGES);
	p = make_packets(test, f, n);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, recorder_send(&f->rec, p[i], i + 1,
						    PAYLOAD_LEN, 0),
				STATUS_SUCCESS);
	/* Only what fits is on the ring, and only those routines ran. */
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), ring);
	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, st.queued, (u64)(n - ring));

	host_reads_in_order(test, f, 1, n, deadline);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, n));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status, STATUS_SUCCESS);
	/* Drains write runs of sends, each signalling once at most. */
	KUNIT_EXPECT_GT(test, simhost_guest_signals(f->sh), 0U);
	KUNIT_EXPECT_LE(test, simhost_guest_signals(f->sh), n / 4);
	kunit_info(test, "%u sends through a %u-send ring: %u guest signals\n",
		   n, ring, simhost_guest_signals(f->sh));
}

/*
 * A send made while another is queued queues behind it, even when the
 * host has freed room for it meanwhile (below the drain threshold, so
 * no host interrupt drains): sends skip vmb_tx.lock only while nothing
 * is queued (send.h), and must not overtake.  Queuing finds the head's
 * room free and kicks the runner, which writes the head, and only it.
 */
static void send_after_a_queued_one_waits_behind_it_despite_room(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	unsigned long deadline = jiffies + HOST_READ_TIMEOUT;
	u32 ring = (SMALL_OUT_RING_PAGES * PAGE_SIZE - 1) / send_footprint();
	u32 n = ring + 2, i;
	struct simhost_packet pkt;
	struct vmb_tx_stats st;
	u8 got[PAYLOAD_LEN];
	VMBPACKET *p;

	f->resp.mode = RESP_STALL;
	enable(test, f, SMALL_OUT_RING_PAGES);
	p = make_packets(test, f, n);
	for (i = 0; i <= ring; i++)
		KUNIT_ASSERT_EQ(test, recorder_send(&f->rec, p[i], i + 1,
						    PAYLOAD_LEN, 0),
				STATUS_SUCCESS);
	get_tx(f, &st);
	KUNIT_ASSERT_EQ(test, st.queued, 1ULL);
	/* Room for one send, far below the quarter ring the drain waits for. */
	KUNIT_ASSERT_EQ(test, simhost_read(f->sh, &pkt, got, sizeof(got)), 0);
	KUNIT_EXPECT_EQ(test, *(u64 *)got, 1ULL);
	KUNIT_ASSERT_EQ(test, recorder_send(&f->rec, p[ring + 1], ring + 2,
					    PAYLOAD_LEN, 0),
			STATUS_SUCCESS);
	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 2ULL);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, ring + 1));
	KUNIT_EXPECT_EQ(test, f->rec.done[ring].sent, (u64)ring + 1);

	host_reads_in_order(test, f, 2, n, deadline);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, n));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, f->rec.done[i].sent, (u64)i + 1);
}

/*
 * Disable: the sends on the ring end with STATUS_DEVICE_REMOVED (the host
 * will not complete them), those still queued stay queued for the next
 * open; Cleanup ends them, once each.
 */
static void disable_ends_sends_on_the_ring_and_keeps_queued_ones(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u32 ring = (SMALL_OUT_RING_PAGES * PAGE_SIZE - 1) / send_footprint();
	u32 n = 2 * ring, i, removed = 0, cancelled = 0;
	VMBPACKET *p;

	f->resp.mode = RESP_STALL;
	enable(test, f, SMALL_OUT_RING_PAGES);
	p = make_packets(test, f, n);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), 0U);

	VmbChannelDisable(f->rec.channel);
	KUNIT_ASSERT_EQ(test, recorder_done_count(&f->rec), ring);
	for (i = 0; i < ring; i++) {
		removed += f->rec.done[i].status == STATUS_DEVICE_REMOVED;
		KUNIT_EXPECT_EQ(test, f->rec.done[i].sent, (u64)i + 1);
	}
	KUNIT_EXPECT_EQ(test, removed, ring);

	VmbChannelCleanup(f->rec.channel);
	f->rec.channel = NULL;
	KUNIT_ASSERT_EQ(test, recorder_done_count(&f->rec), n);
	for (i = ring; i < n; i++) {
		cancelled += f->rec.done[i].status == STATUS_CANCELLED;
		KUNIT_EXPECT_EQ(test, f->rec.done[i].sent, (u64)i + 1);
	}
	KUNIT_EXPECT_EQ(test, cancelled, n - ring);
}

/* --- vmbkmcl_xact --- */

static void resend_until_done(struct recorder *r, VMBPACKET packet)
{
	u64 next = (u64)(uintptr_t)VmbPacketGetPointer(packet) + IN_FLIGHT;

	if (next <= TRANSACTIONS)
		WARN_ON(!NT_SUCCESS(recorder_send(r, packet, next, sizeof(next),
						  VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION)));
}

static void hundred_thousand_transactions_complete_once_out_of_order(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	unsigned long *seen;
	struct vmb_tx_stats st;
	u32 i, twice = 0;
	VMBPACKET *p;

	seen = kunit_kcalloc(test, BITS_TO_LONGS(TRANSACTIONS + 1),
			     sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	f->resp.mode = RESP_REVERSE;
	f->resp.batch = REVERSE_BATCH;
	f->rec.resend = resend_until_done;
	/* The log keeps the first LOG_CAP; count every tag as it lands. */
	enable(test, f, 0);
	p = make_packets(test, f, IN_FLIGHT);
	for (i = 0; i < IN_FLIGHT; i++)
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, sizeof(u64)),
				STATUS_SUCCESS);
	/* Progress, not a deadline: a debug kernel is many times slower. */
	while (recorder_done_count(&f->rec) < TRANSACTIONS - REVERSE_BATCH) {
		u32 before = recorder_done_count(&f->rec);

		KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, before + 1));
	}
	/* The last few are fewer than a batch: release them. */
	responder_set_mode(&f->resp, RESP_ECHO);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, TRANSACTIONS));
	simhost_sync(f->sh);

	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), (u32)TRANSACTIONS);
	KUNIT_EXPECT_EQ(test, st.completed, (u64)TRANSACTIONS);
	KUNIT_EXPECT_EQ(test, st.bad_completions, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->resp.dup_live_ids), 0);
	for (i = 0; i < min_t(u32, LOG_CAP, TRANSACTIONS); i++) {
		KUNIT_EXPECT_EQ(test, f->rec.done[i].tag, f->rec.done[i].sent);
		twice += __test_and_set_bit(f->rec.done[i].sent, seen);
	}
	KUNIT_EXPECT_EQ(test, twice, 0U);
	kunit_info(test, "%llu transactions, %u in flight, replies in reverse batches of %u\n",
		   st.completed, IN_FLIGHT, REVERSE_BATCH);
}

/*
 * Only a send on the ring can complete: one still queued is not armed
 * (xact.c), so a host that completes it, guessing its id, is dropped,
 * and the send completes once, with the real completion, after it
 * drains.
 */
static void completion_of_a_queued_send_is_dropped(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u32 ring = (SMALL_OUT_RING_PAGES * PAGE_SIZE - 1) / send_footprint();
	struct vmb_tx_stats st;
	VMBPACKET *p;
	u32 i;

	f->resp.mode = RESP_STALL;
	enable(test, f, SMALL_OUT_RING_PAGES);
	p = make_packets(test, f, ring + 1);
	for (i = 0; i <= ring; i++)
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
	get_tx(f, &st);
	KUNIT_ASSERT_EQ(test, st.queued, 1ULL);
	KUNIT_ASSERT_EQ(test, p[ring]->state, (u8)VMB_PACKET_QUEUED);
	KUNIT_ASSERT_NE(test, p[ring]->trans_id, 0ULL);

	KUNIT_ASSERT_EQ(test, simhost_write_inband(f->sh, VM_PKT_COMP, 0,
						   p[ring]->trans_id, NULL, 0),
			0);
	simhost_sync(f->sh);
	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, st.bad_completions, 1ULL);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), 0U);
	KUNIT_EXPECT_EQ(test, p[ring]->state, (u8)VMB_PACKET_QUEUED);

	responder_set_mode(&f->resp, RESP_ECHO);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, ring + 1));
	simhost_sync(f->sh);
	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), ring + 1);
	KUNIT_EXPECT_EQ(test, st.completed, (u64)ring + 1);
	KUNIT_EXPECT_EQ(test, st.bad_completions, 1ULL);
	for (i = 0; i <= ring; i++) {
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status, STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, f->rec.done[i].tag, f->rec.done[i].sent);
	}
}

/* An id's slot half (slot + 1) and its generation (xact.c). */
#define ID_SLOT(id)		lower_32_bits(id)
#define ID_GEN(id)		upper_32_bits(id)

/*
 * A packet that sends again takes back the slot of its last transaction
 * (vmb_xact_park()), not the one the free stack would give: with A and B
 * in flight and A completed first, B's slot tops the stack, yet A's next
 * id names A's slot, one generation on, and B's names B's.
 */
static void a_packet_sends_again_on_its_own_slot(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u64 first[2], again;
	VMBPACKET *p;
	u32 i;

	f->resp.mode = RESP_STALL;
	enable(test, f, 0);
	p = make_packets(test, f, 2);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
		first[i] = p[i]->trans_id;
	}
	KUNIT_ASSERT_NE(test, ID_SLOT(first[0]), ID_SLOT(first[1]));
	responder_set_mode(&f->resp, RESP_ECHO);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, 2));
	simhost_sync(f->sh);
	KUNIT_ASSERT_EQ(test, f->rec.done[0].sent, 1ULL);

	responder_set_mode(&f->resp, RESP_STALL);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 3, PAYLOAD_LEN),
				STATUS_SUCCESS);
		again = p[i]->trans_id;
		KUNIT_EXPECT_EQ(test, ID_SLOT(again), ID_SLOT(first[i]));
		KUNIT_EXPECT_EQ(test, ID_GEN(again), ID_GEN(first[i]) + 1);
	}
	responder_set_mode(&f->resp, RESP_ECHO);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, 4));
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status, STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, f->rec.done[i].tag, f->rec.done[i].sent);
	}
}

/*
 * A packet that never sends again leaves its slot parked.  Once every
 * slot is parked and the free stack is empty, a new packet steals one
 * (vmb_xact_steal()), and so does an old packet whose slot was stolen.
 */
static void parked_slots_serve_other_packets_once_the_table_runs_dry(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	struct vmb_xact_table *t;
	struct vmb_tx_stats st;
	VMBPACKET *p;
	u32 i, n;

	enable(test, f, 0);
	t = &f->rec.channel->tx.xacts;
	n = t->size;
	p = make_packets(test, f, n + 1);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
		KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, i + 1));
	}
	KUNIT_ASSERT_EQ(test, lower_32_bits(READ_ONCE(t->free)), VMB_XACT_NONE);

	KUNIT_EXPECT_EQ(test, send_wait(f, p[n], n + 1, PAYLOAD_LEN),
			STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, n + 1));
	/* The first parked slot, p[0]'s, went to p[n]. */
	KUNIT_EXPECT_EQ(test, send_wait(f, p[0], n + 2, PAYLOAD_LEN),
			STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, recorder_wait_done(&f->rec, n + 2));
	simhost_sync(f->sh);

	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, st.completed, (u64)n + 2);
	KUNIT_EXPECT_EQ(test, st.bad_completions, 0ULL);
	for (i = 0; i < min_t(u32, LOG_CAP, n); i++) {
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status, STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, f->rec.done[i].tag, i + 1ULL);
	}
}

static const enum resp_mode bogus_modes[] = {
	RESP_TWICE, RESP_STALE_ID, RESP_WRONG_ID,
};

static void bogus_mode_desc(const enum resp_mode *m, char *desc)
{
	static const char * const names[] = {
		[RESP_TWICE] = "duplicate completions",
		[RESP_STALE_ID] = "stale ids",
		[RESP_WRONG_ID] = "ids never issued",
	};

	strscpy(desc, names[*m], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bogus, bogus_modes, bogus_mode_desc);

static void bogus_completions_are_dropped_and_nothing_completes_twice(struct kunit *test)
{
	const enum resp_mode mode = *(const enum resp_mode *)test->param_value;
	const bool real = mode != RESP_WRONG_ID;
	struct send_fixture *f = test->priv;
	u64 bogus = mode == RESP_STALE_ID ? BOGUS_SENDS - 1 : BOGUS_SENDS;
	struct vmb_rx_stats rx;
	struct vmb_tx_stats st;
	VMBPACKET *p;
	u32 i;

	f->resp.mode = mode;
	enable(test, f, 0);
	p = make_packets(test, f, BOGUS_SENDS);
	for (i = 0; i < BOGUS_SENDS; i++) {
		KUNIT_ASSERT_EQ(test, send_wait(f, p[i], i + 1, PAYLOAD_LEN),
				STATUS_SUCCESS);
		responder_flush(&f->resp);
		simhost_sync(f->sh);
	}
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec),
			real ? BOGUS_SENDS : 0U);
	get_tx(f, &st);
	vmbkmcl_channel_rx_stats(f->rec.channel, &rx);
	KUNIT_EXPECT_EQ(test, st.bad_completions, bogus);
	KUNIT_EXPECT_EQ(test, rx.dropped[VMB_DROP_UNEXPECTED_COMPLETION], bogus);

	/* Whatever the host did, each send ends exactly once. */
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_EQ(test, recorder_done_count(&f->rec), (u32)BOGUS_SENDS);
	for (i = 0; i < BOGUS_SENDS; i++)
		KUNIT_EXPECT_EQ(test, f->rec.done[i].status,
				real ? STATUS_SUCCESS : STATUS_DEVICE_REMOVED);
}

/* --- vmbkmcl_sync --- */

static NTSTATUS sync_request(struct send_fixture *f, u32 flags, u8 *reply,
			     u32 *reply_len, s64 timeout_ms, bool no_timeout)
{
	LARGE_INTEGER timeout = { .QuadPart = -timeout_ms * NT_TICKS_PER_MS };
	u8 req[ECHO_LEN];
	u64 tag = 0x5eed;

	memset(req, 0xab, sizeof(req));
	memcpy(req, &tag, sizeof(tag));
	return VmbChannelSendSynchronousRequest(f->rec.channel, req,
						sizeof(req), NULL, flags, reply,
						reply_len,
						no_timeout ? NULL : &timeout);
}

static NTSTATUS sync_wait(struct send_fixture *f, u8 *reply, u32 *reply_len,
			  s64 timeout_ms, bool no_timeout)
{
	return sync_request(f, VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION, reply, reply_len,
			    timeout_ms, no_timeout);
}

static void sync_request_copies_the_reply(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u8 reply[2 * ECHO_LEN] = { 0 };
	u32 len = sizeof(reply);

	enable(test, f, 0);
	KUNIT_EXPECT_EQ(test, sync_wait(f, reply, &len, 0, true), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, len, (u32)ECHO_LEN);
	KUNIT_EXPECT_EQ(test, *(u64 *)reply, 0x5eedULL);
	KUNIT_EXPECT_EQ(test, reply[ECHO_LEN - 1], 0xab);
	KUNIT_EXPECT_EQ(test, reply[ECHO_LEN], 0);
}

static void sync_reply_longer_than_the_buffer_overflows(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u8 reply[sizeof(u64) * 2] = { 0 };
	u32 len = sizeof(u64);

	enable(test, f, 0);
	KUNIT_EXPECT_EQ(test, sync_wait(f, reply, &len, 0, true), STATUS_BUFFER_OVERFLOW);
	KUNIT_EXPECT_EQ(test, len, (u32)sizeof(u64));
	KUNIT_EXPECT_EQ(test, *(u64 *)reply, 0x5eedULL);
	KUNIT_EXPECT_EQ(test, reply[sizeof(u64)], 0);
}

static void sync_timeout_cancels_and_the_late_reply_is_dropped(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u8 reply[ECHO_LEN];
	u32 len = sizeof(reply);
	struct vmb_tx_stats st;
	unsigned long start;

	f->resp.delay_us = SLOW_REPLY_US;
	enable(test, f, 0);
	start = jiffies;
	KUNIT_EXPECT_EQ(test, sync_wait(f, reply, &len, SHORT_TIMEOUT_MS, false), STATUS_CANCELLED);
	KUNIT_EXPECT_LT(test, jiffies_to_usecs(jiffies - start),
			(u32)SLOW_REPLY_US);
	/* The reply comes after all: it names a stale transaction. */
	responder_flush(&f->resp);
	simhost_sync(f->sh);
	get_tx(f, &st);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->resp.replies), 1);
	KUNIT_EXPECT_EQ(test, st.bad_completions, 1ULL);
	KUNIT_EXPECT_EQ(test, st.cancelled, 1ULL);
}

static void sync_zero_timeout_neither_queues_nor_waits(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u32 ring = (SMALL_OUT_RING_PAGES * PAGE_SIZE - 1) / send_footprint();
	u8 reply[ECHO_LEN];
	u32 len = sizeof(reply), i;
	VMBPACKET *p;

	f->resp.mode = RESP_STALL;
	enable(test, f, SMALL_OUT_RING_PAGES);
	/* Nobody answers: no reply is in at once, so it is cancelled. */
	KUNIT_EXPECT_EQ(test, sync_wait(f, reply, &len, 0, false), STATUS_CANCELLED);
	/* Fill the ring: a zero-timeout request is not queued. */
	p = make_packets(test, f, ring);
	for (i = 0; i < ring; i++)
		KUNIT_ASSERT_EQ(test, recorder_send(&f->rec, p[i], i + 1,
						    PAYLOAD_LEN, 0),
				STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, sync_request(f, 0, NULL, NULL, 0, false),
			STATUS_BUFFER_OVERFLOW);
}

struct disable_later {
	struct delayed_work work;
	VMBCHANNEL channel;
};

static void disable_now(struct work_struct *work)
{
	struct disable_later *d = container_of(to_delayed_work(work),
					       struct disable_later, work);

	VmbChannelDisable(d->channel);
}

static void sync_waiter_is_woken_by_close(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	struct disable_later d = { .channel = f->rec.channel };
	u8 reply[ECHO_LEN];
	u32 len = sizeof(reply);

	f->resp.mode = RESP_NEVER;
	enable(test, f, 0);
	INIT_DELAYED_WORK_ONSTACK(&d.work, disable_now);
	schedule_delayed_work(&d.work, msecs_to_jiffies(DISABLE_DELAY_MS));
	KUNIT_EXPECT_EQ(test, sync_wait(f, reply, &len, 0, true), STATUS_DEVICE_REMOVED);
	flush_delayed_work(&d.work);
	destroy_delayed_work_on_stack(&d.work);
}

static void sync_rejects_a_size_not_a_multiple_of_8(struct kunit *test)
{
	struct send_fixture *f = test->priv;
	u8 reply[ECHO_LEN];
	u32 len = sizeof(reply) - 1;

	enable(test, f, 0);
	KUNIT_EXPECT_EQ(test, sync_wait(f, reply, &len, 0, true), STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->resp.requests), 0);
}

static struct kunit_case send_cases[] = {
	KUNIT_CASE(send_without_completion_is_on_the_ring_when_routine_runs),
	KUNIT_CASE(send_with_completion_gets_the_reply_once),
	KUNIT_CASE_PARAM(bad_send_is_refused_and_no_routine_runs,
			 bad_send_gen_params),
	KUNIT_CASE(packet_in_flight_cannot_be_sent_again),
	KUNIT_CASE(sends_after_closed_queue_and_go_out_in_order_on_reopen),
	KUNIT_CASE(sends_queued_while_closed_end_once_at_cleanup),
	KUNIT_CASE(sends_queued_while_closed_end_once_on_removal),
	KUNIT_CASE(pool_grows_past_its_preallocated_packets_to_the_default_bound),
	KUNIT_CASE(pool_size_is_the_ports_to_set),
	KUNIT_CASE(full_ring_queues_sends_in_order_and_drains),
	KUNIT_CASE(send_after_a_queued_one_waits_behind_it_despite_room),
	KUNIT_CASE(disable_ends_sends_on_the_ring_and_keeps_queued_ones),
	{}
};

static struct kunit_case xact_cases[] = {
	KUNIT_CASE(hundred_thousand_transactions_complete_once_out_of_order),
	KUNIT_CASE(completion_of_a_queued_send_is_dropped),
	KUNIT_CASE(a_packet_sends_again_on_its_own_slot),
	KUNIT_CASE(parked_slots_serve_other_packets_once_the_table_runs_dry),
	KUNIT_CASE_PARAM(bogus_completions_are_dropped_and_nothing_completes_twice,
			 bogus_gen_params),
	{}
};

static struct kunit_case sync_cases[] = {
	KUNIT_CASE(sync_request_copies_the_reply),
	KUNIT_CASE(sync_reply_longer_than_the_buffer_overflows),
	KUNIT_CASE(sync_timeout_cancels_and_the_late_reply_is_dropped),
	KUNIT_CASE(sync_zero_timeout_neither_queues_nor_waits),
	KUNIT_CASE(sync_waiter_is_woken_by_close),
	KUNIT_CASE(sync_rejects_a_size_not_a_multiple_of_8),
	{}
};

static struct kunit_suite send_suite = {
	.name = "vmbkmcl_send",
	.suite_init = rec_expect_misuse,
	.suite_exit = rec_misuse_done,
	.init = send_init,
	.exit = send_exit,
	.test_cases = send_cases,
};

static struct kunit_suite xact_suite = {
	.name = "vmbkmcl_xact",
	.suite_init = rec_expect_misuse,
	.suite_exit = rec_misuse_done,
	.init = send_init,
	.exit = send_exit,
	.test_cases = xact_cases,
};

static struct kunit_suite sync_suite = {
	.name = "vmbkmcl_sync",
	.suite_init = rec_expect_misuse,
	.suite_exit = rec_misuse_done,
	.init = send_init,
	.exit = send_exit,
	.test_cases = sync_cases,
};

kunit_test_suites(&send_suite, &xact_suite, &sync_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's send engine against a simulated host");
MODULE_LICENSE("GPL");
