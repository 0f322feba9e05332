// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_race: bounded stress loops on two CPUs where the timing is the
 * point: replies racing their synchronous request's timeout, a rescind
 * landing at a random moment of traffic both ways, and transaction slots
 * stolen while their packets send again.  Each loop checks the
 * bookkeeping that a lost race would break; the debug kernel adds lockdep
 * and KASAN to catch deadlocks and use-after-free.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>

#include "../vmbkmcl/channel.h"
#include "recorder.h"
#include "responder.h"

static unsigned int seed = 7;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "seed of the race loops");

#define SYNC_REQUESTS		100
/* In jiffies, the granularity of the wait: replies land on both sides. */
#define SYNC_TIMEOUT_JIFFIES	2
#define SYNC_REPLY_MAX_JIFFIES	(2 * SYNC_TIMEOUT_JIFFIES)
#define RESCIND_ROUNDS		30
#define RESCIND_MAX_DELAY_US	3000
#define SENDS_PER_ROUND		32
#define LOG_CAP			8192
#define PAYLOAD_LEN		64
#define NT_TICKS_PER_US		10LL
#define STEAL_ROUNDS		8
#define STEAL_SENDERS		2
#define STEAL_RETRIES		2000
#define STEAL_WAIT		(10 * HZ)
#define RACE_WAIT		VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION

struct race_host {
	struct simhost *sh;
	struct recorder rec;
	struct responder resp;
	struct task_struct *writer;
	u64 written;
};

static int race_write(void *data)
{
	struct race_host *h = data;

	while (!kthread_should_stop()) {
		if (!rec_write(h->sh, h->written + 1, PAYLOAD_LEN, 0))
			h->written++;
		usleep_range(10, 30);
	}
	return 0;
}

static void race_host_up(struct kunit *test, struct race_host *h)
{
	h->sh = simhost_create();
	KUNIT_ASSERT_NOT_NULL(test, h->sh);
	KUNIT_ASSERT_EQ(test, recorder_init(&h->rec, h->sh, LOG_CAP), 0);
	responder_start(&h->resp, simhost_port(h->sh), RESP_ECHO);
	KUNIT_ASSERT_EQ(test, recorder_enable(&h->rec), STATUS_SUCCESS);
}

static void race_host_down(struct race_host *h)
{
	if (h->writer)
		kthread_stop(h->writer);
	h->writer = NULL;
	responder_stop(&h->resp);
	recorder_destroy(&h->rec);
	simhost_destroy(h->sh);
}

static void sync_replies_racing_timeouts_end_each_request_once(struct kunit *test)
{
	struct race_host *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	LARGE_INTEGER timeout = {
		.QuadPart = -(s64)jiffies_to_usecs(SYNC_TIMEOUT_JIFFIES) *
			    NT_TICKS_PER_US,
	};
	u32 i, ok = 0, cancelled = 0, other = 0;
	u8 req[PAYLOAD_LEN] = { 0 }, reply[PAYLOAD_LEN];
	struct vmb_tx_stats st;
	struct rnd_state rnd;

	KUNIT_ASSERT_NOT_NULL(test, h);
	prandom_seed_state(&rnd, seed);
	race_host_up(test, h);
	for (i = 0; i < SYNC_REQUESTS; i++) {
		u32 len = sizeof(reply);
		NTSTATUS status;

		h->resp.delay_us = prandom_u32_state(&rnd) %
				   jiffies_to_usecs(SYNC_REPLY_MAX_JIFFIES);
		status = VmbChannelSendSynchronousRequest(h->rec.channel, req,
							  sizeof(req), NULL,
							  RACE_WAIT, reply,
							  &len, &timeout);
		ok += status == STATUS_SUCCESS;
		cancelled += status == STATUS_CANCELLED;
		other += status != STATUS_SUCCESS && status != STATUS_CANCELLED;
		/* The next reply must not overtake a late one. */
		responder_flush(&h->resp);
	}
	simhost_sync(h->sh);
	vmbkmcl_channel_tx_stats(h->rec.channel, &st);
	KUNIT_EXPECT_EQ(test, other, 0U);
	KUNIT_EXPECT_EQ(test, ok + cancelled, (u32)SYNC_REQUESTS);
	KUNIT_EXPECT_EQ(test, st.cancelled, (u64)cancelled);
	/* Each cancelled request's reply still came, and was stale. */
	KUNIT_EXPECT_EQ(test, st.bad_completions, (u64)cancelled);
	KUNIT_EXPECT_EQ(test, st.completed, (u64)ok);
	kunit_info(test, "%u answered in time, %u cancelled\n", ok, cancelled);
	race_host_down(h);
}

/*
 * Rounds of: the host writes and the guest sends, then the device is
 * rescinded after a random delay.  Each round must end in one Closed with
 * nothing after it, and every accepted send must end exactly once.
 */
static void rescind_at_random_moments_of_traffic(struct kunit *test)
{
	u32 round, bad_closed = 0, bad_sends = 0;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, seed);
	for (round = 0; round < RESCIND_ROUNDS; round++) {
		struct race_host *h = kzalloc(sizeof(*h), GFP_KERNEL);
		u32 i, accepted = 0;
		VMBPACKET p;

		KUNIT_ASSERT_NOT_NULL(test, h);
		race_host_up(test, h);
		h->writer = kthread_run(race_write, h, "vmbkmcl-race");
		KUNIT_ASSERT_FALSE(test, IS_ERR(h->writer));
		for (i = 0; i < SENDS_PER_ROUND; i++) {
			p = VmbPacketAllocate(h->rec.channel);
			if (p && NT_SUCCESS(recorder_send(&h->rec, p, i + 1,
							  PAYLOAD_LEN,
							  RACE_WAIT)))
				accepted++;
			else
				VmbPacketFree(p);
		}
		usleep_range(1 + prandom_u32_state(&rnd) % RESCIND_MAX_DELAY_US,
			     RESCIND_MAX_DELAY_US + 1);
		simhost_rescind(h->sh);
		kthread_stop(h->writer);
		h->writer = NULL;
		simhost_sync(h->sh);
		rec_flush_system_wq();

		bad_closed += recorder_count(&h->rec, REC_CLOSED) != 1 ||
			      h->rec.events[h->rec.nevents - 1].kind != REC_CLOSED;
		bad_sends += recorder_done_count(&h->rec) != accepted;
		for (i = 0; i < min(recorder_done_count(&h->rec), h->rec.cap); i++)
			VmbPacketFree(h->rec.done[i].packet);
		race_host_down(h);
		kfree(h);
	}
	KUNIT_EXPECT_EQ(test, bad_closed, 0U);
	KUNIT_EXPECT_EQ(test, bad_sends, 0U);
}

/* One packet of the steal loop, and what its routine saw. */
struct steal_packet {
	VMBPACKET packet;
	struct steal_run *run;
	u64 tag;
	bool busy;
	u32 ends;
};

struct steal_run {
	struct steal_packet *pk;
	u32 npk;
	wait_queue_head_t wq;
	atomic_t wrong;		/* a failed end, a second end, another's reply */
	atomic_t refused;	/* sends refused past STEAL_RETRIES */
	atomic_t lost;		/* packets not ended within STEAL_WAIT */
	struct completion done[STEAL_SENDERS];
};

static void steal_done(VMBPACKET packet, NTSTATUS status, PVOID buf,
		       UINT32 len)
{
	struct steal_packet *sp = VmbPacketGetPointer(packet);
	u64 tag = 0;

	if (buf && len >= sizeof(tag))
		memcpy(&tag, buf, sizeof(tag));
	if (status != STATUS_SUCCESS || !READ_ONCE(sp->busy) || tag != sp->tag)
		atomic_inc(&sp->run->wrong);
	sp->ends++;
	/* The routine's last touch of @sp: the sender may reuse it now. */
	smp_store_release(&sp->busy, false);
	wake_up(&sp->run->wq);
}

static bool steal_idle(struct steal_packet *sp)
{
	/* Pairs with the routine's release: its writes to @sp are done. */
	return !smp_load_acquire(&sp->busy);
}

static void steal_send(struct steal_run *run, struct steal_packet *sp,
		       u64 tag)
{
	u8 buf[PAYLOAD_LEN] = { 0 };
	NTSTATUS status;
	u32 retry;

	if (!wait_event_timeout(run->wq, steal_idle(sp), STEAL_WAIT)) {
		atomic_inc(&run->lost);
		return;
	}
	memcpy(buf, &tag, sizeof(tag));
	sp->tag = tag;
	WRITE_ONCE(sp->busy, true);
	for (retry = 0;; retry++) {
		status = VmbPacketSend(sp->packet, buf, sizeof(buf), NULL,
				       RACE_WAIT);
		/* Every slot in flight: the host frees one soon. */
		if (status != STATUS_INSUFFICIENT_RESOURCES ||
		    retry == STEAL_RETRIES)
			break;
		usleep_range(20, 50);
	}
	if (status != STATUS_SUCCESS) {
		WRITE_ONCE(sp->busy, false);
		atomic_inc(&run->refused);
	}
}

/* Sender @who sends every STEAL_SENDERS-th packet from @who, each round. */
static void steal_rounds(struct steal_run *run, u32 who)
{
	u32 round, k;

	/* A lost packet stops both senders: no wait after it. */
	for (round = 0; round < STEAL_ROUNDS; round++)
		for (k = who; k < run->npk && !atomic_read(&run->lost);
		     k += STEAL_SENDERS)
			steal_send(run, &run->pk[k],
				   (u64)(round + 1) << 32 | (k + 1));
	for (k = who; k < run->npk && !atomic_read(&run->lost);
	     k += STEAL_SENDERS)
		if (!wait_event_timeout(run->wq, steal_idle(&run->pk[k]),
					STEAL_WAIT))
			atomic_inc(&run->lost);
	complete(&run->done[who]);
}

static int steal_thread(void *data)
{
	steal_rounds(data, 1);
	return 0;
}

/*
 * A quarter more packets than the transaction table has slots, sending
 * round after round from two CPUs.  The free stack empties in the first
 * round and completions park slots rather than give them back, so from
 * then on every send finds its packet's own slot parked or steals one
 * another packet parked (xact.c), racing that packet's own send.  Each
 * send must end once, with its own reply: a slot handed to two packets
 * would end one with the other's reply, or never.
 */
static void parked_slots_stolen_while_their_packets_send(struct kunit *test)
{
	/* Not kunit's: a sender that never ends must find them still. */
	struct steal_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	struct race_host *h = kzalloc(sizeof(*h), GFP_KERNEL);
	struct task_struct *other;
	struct vmb_tx_stats st;
	u32 k, size, ends = 0;
	u8 *mem;

	KUNIT_ASSERT_NOT_NULL(test, run);
	KUNIT_ASSERT_NOT_NULL(test, h);
	race_host_up(test, h);
	size = VmbChannelSizeofPacket(h->rec.channel);
	run->npk = h->rec.channel->tx.xacts.size * 5 / 4;
	run->pk = kcalloc(run->npk, sizeof(*run->pk), GFP_KERNEL);
	mem = kvcalloc(run->npk, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run->pk);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	init_waitqueue_head(&run->wq);
	for (k = 0; k < STEAL_SENDERS; k++)
		init_completion(&run->done[k]);
	for (k = 0; k < run->npk; k++) {
		struct steal_packet *sp = &run->pk[k];

		sp->run = run;
		sp->packet = (VMBPACKET)(mem + (size_t)k * size);
		KUNIT_ASSERT_EQ(test, VmbPacketInitialize(h->rec.channel,
							  sp->packet, size),
				STATUS_SUCCESS);
		VmbPacketSetCompletionRoutine(sp->packet, steal_done);
		VmbPacketSetPointer(sp->packet, sp);
	}

	other = kthread_run(steal_thread, run, "vmbkmcl-steal");
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	steal_rounds(run, 0);
	/* Once a packet is lost, the other sender stops within two
	 * STEAL_WAITs; if it has not, leave everything to it.
	 */
	if (!wait_for_completion_timeout(&run->done[1], 6 * STEAL_WAIT)) {
		KUNIT_FAIL(test, "the other sender never finished");
		return;
	}
	simhost_sync(h->sh);

	for (k = 0; k < run->npk; k++)
		ends += run->pk[k].ends;
	vmbkmcl_channel_tx_stats(h->rec.channel, &st);
	KUNIT_EXPECT_EQ(test, atomic_read(&run->wrong), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&run->refused), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&run->lost), 0);
	KUNIT_EXPECT_EQ(test, ends, run->npk * STEAL_ROUNDS);
	KUNIT_EXPECT_EQ(test, st.completed, (u64)run->npk * STEAL_ROUNDS);
	KUNIT_EXPECT_EQ(test, st.bad_completions, 0ULL);
	race_host_down(h);
	kvfree(mem);
	kfree(run->pk);
	kfree(run);
	kfree(h);
}

static struct kunit_case race_cases[] = {
	KUNIT_CASE(sync_replies_racing_timeouts_end_each_request_once),
	KUNIT_CASE(rescind_at_random_moments_of_traffic),
	KUNIT_CASE(parked_slots_stolen_while_their_packets_send),
	{}
};

static struct kunit_suite race_suite = {
	.name = "vmbkmcl_race",
	.test_cases = race_cases,
};

kunit_test_suite(race_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl under racing host and guest");
MODULE_LICENSE("GPL");
