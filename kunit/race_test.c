// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_race: bounded stress loops on two CPUs where the timing is the
 * point: replies racing their synchronous request's timeout, and a rescind
 * landing at a random moment of traffic both ways.  Each loop checks the
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
		flush_scheduled_work();

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

static struct kunit_case race_cases[] = {
	KUNIT_CASE(sync_replies_racing_timeouts_end_each_request_once),
	KUNIT_CASE(rescind_at_random_moments_of_traffic),
	{}
};

static struct kunit_suite race_suite = {
	.name = "vmbkmcl_race",
	.test_cases = race_cases,
};

kunit_test_suite(race_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl under racing host and guest");
MODULE_LICENSE("GPL");
