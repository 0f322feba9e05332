// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_receive: the ProcessPacket / ProcessingComplete contract.
 *
 * Every case drives a recorder channel (kunit/recorder.h) through simhost
 * and asserts on the exact callback log: which callbacks, in which order
 * and context, with which bytes, and how many.  "Nothing else happened" is
 * checked after simhost_sync(), once every interrupt raised has run.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/workqueue.h>

#include "../vmbkmcl/channel.h"
#include "recorder.h"

static unsigned int seed = 2026;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "seed of the random-traffic case");

#define PAYLOAD_LEN		64
#define BIG_PAYLOAD_LEN		200
#define LOG_CAP			24000
#define RANDOM_PACKETS		10000
#define RANDOM_MAX_BURST	48
#define QUOTA			4
#define QUOTA_PACKETS		10
#define IN_RING_PAGES		16
#define SMALL_OUT_RING_PAGES	1
/* Completions: more than a one-page outbound ring holds, plus a quota. */
#define COMPLETION_PACKETS	200
#define HOST_READ_TIMEOUT	msecs_to_jiffies(10000)
/* Disable's wait looks again every ten seconds on its own. */
#define DISABLE_WAKE_BOUND	msecs_to_jiffies(3000)
/* Events before the first packet: Opened, Started, PostStarted. */
#define START_EVENTS		3

struct rx_fixture {
	struct simhost *sh;
	struct recorder rec;
};

static int rx_init(struct kunit *test)
{
	struct rx_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	return 0;
}

static void rx_exit(struct kunit *test)
{
	struct rx_fixture *f = test->priv;

	recorder_kunit_stop(&f->rec);
}

static void enable(struct kunit *test, struct rx_fixture *f)
{
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
}

static void write_packets(struct kunit *test, struct rx_fixture *f,
			  u64 first, u32 n, u32 len, u16 flags)
{
	u64 id;

	for (id = first; id < first + n; id++)
		KUNIT_ASSERT_EQ(test, rec_write(f->sh, id, len, flags), 0);
}

static struct rec_event *event(struct rx_fixture *f, u32 i)
{
	return &f->rec.events[i];
}

/* Events from @from on are packets @first.. in order, in context @ctx. */
static void expect_packets(struct kunit *test, struct rx_fixture *f, u32 from,
			   u64 first, u32 n, enum rec_ctx ctx)
{
	u32 i;

	KUNIT_ASSERT_LE(test, from + n, f->rec.nevents);
	for (i = 0; i < n; i++) {
		struct rec_event *e = event(f, from + i);

		KUNIT_EXPECT_EQ(test, e->kind, REC_PACKET);
		KUNIT_EXPECT_EQ(test, e->tag, first + i);
		KUNIT_EXPECT_EQ(test, e->ctx, ctx);
	}
}

static void expect_batch(struct kunit *test, struct rx_fixture *f, u32 i,
			 u32 n, enum rec_ctx ctx)
{
	KUNIT_ASSERT_LT(test, i, f->rec.nevents);
	KUNIT_EXPECT_EQ(test, event(f, i)->kind, REC_BATCH);
	KUNIT_EXPECT_EQ(test, event(f, i)->len, n);
	KUNIT_EXPECT_EQ(test, event(f, i)->ctx, ctx);
}

static void get_stats(struct rx_fixture *f, struct vmb_rx_stats *st)
{
	vmbkmcl_channel_rx_stats(f->rec.channel, st);
}

static const u32 batch_sizes[] = { 1, 16, 256 };

static void batch_size_desc(const u32 *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u packets", *n);
}

KUNIT_ARRAY_PARAM(batch_size, batch_sizes, batch_size_desc);

static void n_packets_one_interrupt_give_n_calls_then_one_batch(struct kunit *test)
{
	const u32 n = *(const u32 *)test->param_value;
	struct rx_fixture *f = test->priv;
	struct hv_ring_buffer *in;
	u32 i;

	enable(test, f);
	simhost_hold_interrupts(f->sh, true);
	write_packets(test, f, 1, n, PAYLOAD_LEN, 0);
	simhost_hold_interrupts(f->sh, false);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, n, 1));
	simhost_sync(f->sh);

	/* Opened, Started, PostStarted, n packets, one batch of n. */
	KUNIT_EXPECT_EQ(test, f->rec.nevents, START_EVENTS + n + 1);
	expect_packets(test, f, START_EVENTS, 1, n, REC_CTX_SOFTIRQ);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, event(f, START_EVENTS + i)->len,
				PAYLOAD_LEN);
		KUNIT_EXPECT_EQ(test, event(f, START_EVENTS + i)->flags, 0U);
	}
	expect_batch(test, f, START_EVENTS + n, n, REC_CTX_SOFTIRQ);
	in = simhost_channel(f->sh)->inbound.ring_buffer;
	KUNIT_EXPECT_EQ(test, in->read_index, in->write_index);
	KUNIT_EXPECT_EQ(test, in->interrupt_mask, 0U);
}

static void interrupt_on_empty_ring_calls_nothing(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	u32 before, interrupts;

	enable(test, f);
	before = f->rec.nevents;
	interrupts = simhost_interrupts(f->sh);
	simhost_interrupt(f->sh);
	simhost_sync(f->sh);

	KUNIT_EXPECT_EQ(test, simhost_interrupts(f->sh), interrupts + 1);
	KUNIT_EXPECT_EQ(test, f->rec.nevents, before);
}

/* Runs inside ProcessPacket: the host writes the next packet meanwhile. */
static void write_next_while_processing(struct recorder *r, u64 tag)
{
	if (tag == 1)
		WARN_ON(rec_write(r->sh, 2, PAYLOAD_LEN, 0));
}

static void packets_written_during_a_batch_extend_it(struct kunit *test)
{
	struct rx_fixture *f = test->priv;

	f->rec.hook = write_next_while_processing;
	enable(test, f);
	write_packets(test, f, 1, 1, PAYLOAD_LEN, 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 2, 1));
	simhost_sync(f->sh);

	expect_packets(test, f, START_EVENTS, 1, 2, REC_CTX_SOFTIRQ);
	expect_batch(test, f, START_EVENTS + 2, 2, REC_CTX_SOFTIRQ);
	KUNIT_EXPECT_EQ(test, f->rec.nevents, START_EVENTS + 3);
	/* The guest was masked for the second write: one signal in all. */
	KUNIT_EXPECT_EQ(test, simhost_signals(f->sh), 1U);
}

static u32 random_burst(struct rnd_state *rnd)
{
	return 1 + prandom_u32_state(rnd) % RANDOM_MAX_BURST;
}

/* Events from START_EVENTS on: packets 1.. in order, each batch non-empty;
 * returns the number of batches.
 */
static u32 check_packet_order(struct kunit *test, struct rx_fixture *f,
			      u32 packets)
{
	u32 i, batches = 0, delivered = 0;

	for (i = START_EVENTS; i < f->rec.nevents; i++) {
		struct rec_event *e = event(f, i);

		if (e->kind == REC_BATCH) {
			KUNIT_EXPECT_GT(test, e->len, 0U);
			batches++;
			delivered += e->len;
			continue;
		}
		KUNIT_EXPECT_EQ(test, e->kind, REC_PACKET);
		KUNIT_EXPECT_EQ(test, e->tag,
				(u64)(i - START_EVENTS - batches + 1));
	}
	KUNIT_EXPECT_EQ(test, delivered, packets);
	KUNIT_EXPECT_EQ(test, event(f, f->rec.nevents - 1)->kind, REC_BATCH);
	return batches;
}

/*
 * Random bursts, each written while the guest is idle and released as one
 * interrupt: each burst is one non-empty to empty transition, so exactly
 * one ProcessingComplete of exactly the burst's size.
 */
static void one_batch_per_burst_of_random_size(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	u32 bursts = 0, written = 0, i, b = 0;
	struct rnd_state rnd;
	u32 *sizes;

	sizes = kunit_kcalloc(test, RANDOM_PACKETS, sizeof(*sizes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	kunit_info(test, "seed %u\n", seed);
	prandom_seed_state(&rnd, seed);
	enable(test, f);
	while (written < RANDOM_PACKETS) {
		u32 n = min(random_burst(&rnd), RANDOM_PACKETS - written);

		simhost_hold_interrupts(f->sh, true);
		write_packets(test, f, written + 1, n, PAYLOAD_LEN, 0);
		simhost_hold_interrupts(f->sh, false);
		written += n;
		sizes[bursts++] = n;
		KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, written, bursts));
		if (prandom_u32_state(&rnd) % 2)
			usleep_range(1, 1 + prandom_u32_state(&rnd) % 100);
	}
	simhost_sync(f->sh);

	KUNIT_EXPECT_EQ(test, check_packet_order(test, f, RANDOM_PACKETS),
			bursts);
	for (i = START_EVENTS; i < f->rec.nevents; i++)
		if (event(f, i)->kind == REC_BATCH)
			KUNIT_EXPECT_EQ(test, event(f, i)->len, sizes[b++]);
	kunit_info(test, "%u packets in %u bursts\n", written, bursts);
}

static void write_with_retry(struct kunit *test, struct rx_fixture *f, u64 id)
{
	int ret;

	while ((ret = rec_write(f->sh, id, PAYLOAD_LEN, 0)) == -EAGAIN)
		usleep_range(10, 50);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

/*
 * The host writes at random times while the guest runs on the other CPU.
 * The host signals when the ring goes empty to non-empty with the guest
 * unmasked; a write that races the guest's unmask is both signalled and
 * picked up by the running batch, so its interrupt may find nothing, and a
 * signal that finds the tasklet already scheduled adds no run.  Hence:
 * each run of the channel callback is one batch or one empty wakeup, never
 * both; there are no more batches than signals; no batch is empty; and the
 * batches add up to every packet, in order.
 */
static void random_host_timing_gives_one_batch_per_transition(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	struct vmb_rx_stats st, base;
	struct rnd_state rnd;
	u32 batches, runs;
	u64 id = 1;

	kunit_info(test, "seed %u\n", seed);
	prandom_seed_state(&rnd, seed);
	enable(test, f);
	runs = simhost_interrupts(f->sh);
	get_stats(f, &base);
	while (id <= RANDOM_PACKETS) {
		u32 burst = random_burst(&rnd);

		for (; burst && id <= RANDOM_PACKETS; burst--, id++) {
			write_with_retry(test, f, id);
			if (prandom_u32_state(&rnd) % 4 == 0)
				udelay(prandom_u32_state(&rnd) % 20);
		}
		if (prandom_u32_state(&rnd) % 2)
			usleep_range(1, 1 + prandom_u32_state(&rnd) % 200);
	}
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, RANDOM_PACKETS, 1));
	simhost_sync(f->sh);
	runs = simhost_interrupts(f->sh) - runs;

	batches = check_packet_order(test, f, RANDOM_PACKETS);
	get_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.batches - base.batches, (u64)batches);
	KUNIT_EXPECT_EQ(test, batches + st.empty_wakeups - base.empty_wakeups,
			(u64)runs);
	KUNIT_EXPECT_LE(test, runs, simhost_signals(f->sh));
	kunit_info(test, "%u batches, %llu empty wakeups, %u runs, %u signals\n",
		   batches, st.empty_wakeups - base.empty_wakeups, runs,
		   simhost_signals(f->sh));
}

struct complete_later {
	struct work_struct work;
	struct recorder *rec;
};

static void complete_held_from_work(struct work_struct *work)
{
	struct complete_later *cl = container_of(work, struct complete_later,
						 work);

	recorder_complete_held(cl->rec, U32_MAX);
}

static void held_packets_keep_their_bytes_until_completed(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	const u32 n = 2 * QUOTA;
	struct complete_later cl = { .rec = &f->rec };
	struct simhost_packet pkt;
	u64 id, tag;
	u32 i;

	f->rec.policy = REC_HOLD;
	enable(test, f);
	/* Two batches: the second overwrites the iterator's copy buffer. */
	write_packets(test, f, 1, n, BIG_PAYLOAD_LEN,
		      VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, n, 1));
	write_packets(test, f, n + 1, n, BIG_PAYLOAD_LEN,
		      VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 2 * n, 2));
	KUNIT_ASSERT_EQ(test, f->rec.nheld, 2 * n);
	for (i = 0; i < 2 * n; i++)
		KUNIT_EXPECT_TRUE(test, rec_payload_ok(f->rec.held_buf[i],
						       BIG_PAYLOAD_LEN, i + 1));
	KUNIT_EXPECT_EQ(test, simhost_read(f->sh, &pkt, NULL, 0), -ENODATA);

	INIT_WORK_ONSTACK(&cl.work, complete_held_from_work);
	schedule_work(&cl.work);
	flush_work(&cl.work);
	destroy_work_on_stack(&cl.work);

	for (id = 1; id <= 2 * n; id++) {
		KUNIT_ASSERT_EQ(test, simhost_read(f->sh, &pkt, &tag,
						   sizeof(tag)), 0);
		KUNIT_EXPECT_EQ(test, pkt.desc.type, VM_PKT_COMP);
		KUNIT_EXPECT_EQ(test, pkt.desc.trans_id, id);
		KUNIT_EXPECT_EQ(test, pkt.data_len, (u32)REC_COMPLETION_LEN);
		KUNIT_EXPECT_EQ(test, tag, id);
	}
	KUNIT_EXPECT_EQ(test, simhost_read(f->sh, &pkt, NULL, 0), -ENODATA);
}

/*
 * A one-page outbound ring holds 127 completions.  The rest must wait in
 * the guest, in order, and go out as the host reads: no completion lost,
 * none reordered, the quota applying back-pressure meanwhile.
 */
static void full_ring_parks_completions_and_sends_them_in_order(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	unsigned long deadline = jiffies + HOST_READ_TIMEOUT;
	struct simhost_packet pkt;
	struct vmb_rx_stats st;
	u64 expect = 1, tag;
	NTSTATUS status;
	int ret;

	status = VmbClientChannelInitSetRingBufferPageCount(f->rec.channel,
							    IN_RING_PAGES,
							    SMALL_OUT_RING_PAGES);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	enable(test, f);
	write_packets(test, f, 1, COMPLETION_PACKETS, PAYLOAD_LEN,
		      VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	/* The host reads nothing until completions wait in the guest, or
	 * a host quick enough could read them all before the ring fills.
	 */
	do {
		get_stats(f, &st);
		if (st.completions_parked)
			break;
		usleep_range(50, 100);
	} while (time_before(jiffies, deadline));

	while (expect <= COMPLETION_PACKETS && time_before(jiffies, deadline)) {
		ret = simhost_read(f->sh, &pkt, &tag, sizeof(tag));
		if (ret == -ENODATA) {
			usleep_range(50, 100);
			continue;
		}
		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, pkt.desc.type, VM_PKT_COMP);
		KUNIT_EXPECT_EQ(test, pkt.desc.trans_id, expect);
		KUNIT_EXPECT_EQ(test, tag, expect);
		expect++;
	}
	KUNIT_EXPECT_EQ(test, expect, (u64)COMPLETION_PACKETS + 1);
	simhost_sync(f->sh);
	get_stats(f, &st);
	KUNIT_EXPECT_GT(test, st.completions_parked, 0ULL);
	KUNIT_EXPECT_EQ(test, st.completions_sent, (u64)COMPLETION_PACKETS);
	KUNIT_EXPECT_EQ(test, st.completions_lost, 0ULL);
	KUNIT_EXPECT_EQ(test, f->rec.packets, COMPLETION_PACKETS);
}

static void expect_delivered(struct kunit *test, struct rx_fixture *f, u32 n)
{
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, n, 0));
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, f->rec.packets, n);
}

/*
 * A client that keeps every packet, under QUOTA, and QUOTA_PACKETS in the
 * ring before the guest looks, so one batch meets the quota however
 * slowly the host writes (a debug kernel under TCG).
 */
static void hold_past_the_quota(struct kunit *test, struct rx_fixture *f)
{
	f->rec.policy = REC_HOLD;
	VmbChannelSetTransactionQuota(f->rec.channel, QUOTA);
	enable(test, f);
	simhost_hold_interrupts(f->sh, true);
	write_packets(test, f, 1, QUOTA_PACKETS, PAYLOAD_LEN, 0);
	simhost_hold_interrupts(f->sh, false);
}

static void quota_caps_outstanding_and_a_completion_restarts(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	struct vmb_rx_stats st;

	hold_past_the_quota(test, f);

	/* Delivery stops at the quota and ends the batch there. */
	expect_delivered(test, f, QUOTA);
	expect_batch(test, f, START_EVENTS + QUOTA, QUOTA, REC_CTX_SOFTIRQ);
	get_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.stalls, 1ULL);

	/* Raising the quota alone restarts nothing. */
	VmbChannelSetTransactionQuota(f->rec.channel, QUOTA + 1);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, f->rec.packets, QUOTA);

	/* One completion: one more slot, so two more under the new quota. */
	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, 1), 1U);
	expect_delivered(test, f, QUOTA + 2);

	while (f->rec.packets < QUOTA_PACKETS) {
		u32 seen = f->rec.packets;

		KUNIT_ASSERT_GT(test, recorder_complete_held(&f->rec, 1), 0U);
		KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, seen + 1, 0));
	}
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, f->rec.packets, QUOTA_PACKETS);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_PACKET),
			QUOTA_PACKETS);
}

/*
 * A quota lowered below what the client holds stops delivery until its
 * completions bring the count under it: a slot completed elsewhere goes
 * back to work at once only within the quota, however the runner takes
 * it (under the lock or without).
 */
static void lowered_quota_waits_for_completions_under_it(struct kunit *test)
{
	struct rx_fixture *f = test->priv;

	hold_past_the_quota(test, f);
	expect_delivered(test, f, QUOTA);

	/* Holding QUOTA, allowed QUOTA - 2: two completions reach it. */
	VmbChannelSetTransactionQuota(f->rec.channel, QUOTA - 2);
	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, 1), 1U);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, f->rec.packets, QUOTA);
	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, 1), 1U);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, f->rec.packets, QUOTA);

	/* The third takes it under: one more packet, up to the quota. */
	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, 1), 1U);
	expect_delivered(test, f, QUOTA + 1);
	KUNIT_EXPECT_EQ(test, f->rec.nheld, QUOTA - 2);
}

static void pause_keeps_packets_in_ring_and_start_delivers_them(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	const u32 before = 3, during = 5;
	struct hv_ring_buffer *in;
	u32 mark;

	enable(test, f);
	write_packets(test, f, 1, before, PAYLOAD_LEN, 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, before, 1));

	VmbChannelPause(f->rec.channel);
	mark = f->rec.nevents;
	KUNIT_EXPECT_EQ(test, event(f, mark - 1)->kind, REC_SUSPEND);
	write_packets(test, f, before + 1, during, PAYLOAD_LEN, 0);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, f->rec.nevents, mark);
	in = simhost_channel(f->sh)->inbound.ring_buffer;
	KUNIT_EXPECT_NE(test, in->read_index, in->write_index);

	VmbChannelStart(f->rec.channel);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, before + during, 2));
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, event(f, mark)->kind, REC_STARTED);
	KUNIT_EXPECT_EQ(test, event(f, mark + 1)->kind, REC_POST_STARTED);
	expect_packets(test, f, mark + 2, before + 1, during, REC_CTX_SOFTIRQ);
	expect_batch(test, f, mark + 2 + during, during, REC_CTX_SOFTIRQ);
	KUNIT_EXPECT_EQ(test, f->rec.nevents, mark + during + 3);
	KUNIT_EXPECT_EQ(test, in->read_index, in->write_index);
}

struct disable_async {
	struct work_struct work;
	VMBCHANNEL channel;
};

static void disable_from_work(struct work_struct *work)
{
	VmbChannelDisable(container_of(work, struct disable_async,
				       work)->channel);
}

static void disable_waits_for_outstanding_packets(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	const u32 n = 3;
	struct disable_async da = { .channel = f->rec.channel };
	unsigned long start;

	f->rec.policy = REC_HOLD;
	enable(test, f);
	write_packets(test, f, 1, n, PAYLOAD_LEN, 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, n, 1));

	INIT_WORK_ONSTACK(&da.work, disable_from_work);
	schedule_work(&da.work);
	/* Disable runs Suspend, then must wait for the three packets. */
	KUNIT_ASSERT_TRUE(test, recorder_wait_count(&f->rec, REC_SUSPEND, 1));
	msleep(100);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_SUSPEND), 1U);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_CLOSED), 0U);
	KUNIT_EXPECT_TRUE(test, simhost_rings_open(f->sh));

	/* Completed from this task, not the runner's: the slots go back
	 * without the lock, and the last one must wake Disable at once, not
	 * at its next ten-second look.
	 */
	start = jiffies;
	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, U32_MAX), n);
	flush_work(&da.work);
	KUNIT_EXPECT_LT(test, jiffies - start, DISABLE_WAKE_BOUND);
	destroy_work_on_stack(&da.work);
	KUNIT_EXPECT_EQ(test, event(f, f->rec.nevents - 1)->kind, REC_CLOSED);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
}

static void passive_mode_delivers_in_process_context(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	const u32 n = 4;

	VmbChannelSetIncomingProcessingAtPassive(f->rec.channel, TRUE);
	enable(test, f);
	write_packets(test, f, 1, n, PAYLOAD_LEN, 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, n, 1));
	simhost_sync(f->sh);
	rec_flush_system_wq();

	expect_packets(test, f, START_EVENTS, 1, n, REC_CTX_TASK);
	expect_batch(test, f, START_EVENTS + n, n, REC_CTX_TASK);
}

static void defer_to_passive_redelivers_once_in_process_context(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	const u32 n = 2;
	struct vmb_rx_stats st;

	f->rec.policy = REC_DEFER_ONCE;
	enable(test, f);
	write_packets(test, f, 1, n, PAYLOAD_LEN, 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 2 * n, 2));
	simhost_sync(f->sh);
	rec_flush_system_wq();

	/* First in softirq, deferred; then once each at process context. */
	expect_packets(test, f, START_EVENTS, 1, n, REC_CTX_SOFTIRQ);
	expect_batch(test, f, START_EVENTS + n, n, REC_CTX_SOFTIRQ);
	expect_packets(test, f, START_EVENTS + n + 1, 1, n, REC_CTX_TASK);
	expect_batch(test, f, START_EVENTS + 2 * n + 1, n, REC_CTX_TASK);
	KUNIT_EXPECT_EQ(test, f->rec.nevents, START_EVENTS + 2 * n + 2);
	get_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.packets, (u64)n);
	KUNIT_EXPECT_EQ(test, st.redelivered, (u64)n);
}

static void packet_fail_stops_the_queue_until_restart(struct kunit *test)
{
	struct rx_fixture *f = test->priv;
	const u32 n = 4, failed = 2;

	f->rec.fail_tag = failed;
	enable(test, f);
	write_packets(test, f, 1, n, PAYLOAD_LEN, 0);
	expect_delivered(test, f, failed);

	VmbChannelPause(f->rec.channel);
	VmbChannelStart(f->rec.channel);
	expect_delivered(test, f, n);
	KUNIT_EXPECT_EQ(test, event(f, f->rec.nevents - 2)->tag, (u64)n);
}

static void cleanup_after_disable_closes_the_rings(struct kunit *test)
{
	struct rx_fixture *f = test->priv;

	enable(test, f);
	write_packets(test, f, 1, 1, PAYLOAD_LEN, 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 1, 1));
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
	VmbChannelCleanup(f->rec.channel);
	f->rec.channel = NULL;
}

static struct kunit_case rx_cases[] = {
	KUNIT_CASE_PARAM(n_packets_one_interrupt_give_n_calls_then_one_batch,
			 batch_size_gen_params),
	KUNIT_CASE(interrupt_on_empty_ring_calls_nothing),
	KUNIT_CASE(packets_written_during_a_batch_extend_it),
	KUNIT_CASE(one_batch_per_burst_of_random_size),
	KUNIT_CASE(random_host_timing_gives_one_batch_per_transition),
	KUNIT_CASE(held_packets_keep_their_bytes_until_completed),
	KUNIT_CASE(full_ring_parks_completions_and_sends_them_in_order),
	KUNIT_CASE(quota_caps_outstanding_and_a_completion_restarts),
	KUNIT_CASE(lowered_quota_waits_for_completions_under_it),
	KUNIT_CASE(pause_keeps_packets_in_ring_and_start_delivers_them),
	KUNIT_CASE(disable_waits_for_outstanding_packets),
	KUNIT_CASE(passive_mode_delivers_in_process_context),
	KUNIT_CASE(defer_to_passive_redelivers_once_in_process_context),
	KUNIT_CASE(packet_fail_stops_the_queue_until_restart),
	KUNIT_CASE(cleanup_after_disable_closes_the_rings),
	{}
};

static struct kunit_suite rx_suite = {
	.name = "vmbkmcl_receive",
	.init = rx_init,
	.exit = rx_exit,
	.test_cases = rx_cases,
};

kunit_test_suite(rx_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's receive engine against a simulated host");
MODULE_LICENSE("GPL");
