// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_verifier: one case per API-misuse rule.  Each commits the
 * mistake a porter could make and checks that the verifier named it
 * once, the call was refused with its status, and the channel still
 * works: the misuse cost a message, not memory.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "../vmbkmcl/channel.h"
#include "../vmbkmcl/verifier.h"
#include "recorder.h"

#define LOG_CAP			64
#define PAYLOAD_LEN		32
#define POOL			VMB_TX_POOL_SIZE

struct ver_fixture {
	struct simhost *sh;
	struct recorder rec;
};

static int ver_init(struct kunit *test)
{
	struct ver_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	rec_expect_misuse(NULL);
	return 0;
}

static void ver_exit(struct kunit *test)
{
	struct ver_fixture *f = test->priv;

	vmbkmcl_verifier_enable(false);
	recorder_kunit_stop(&f->rec);
}

/* One more packet still gets through, so the misuse broke nothing. */
static VOID never_called(VMBPACKET packet, NTSTATUS status, PVOID buf,
			 UINT32 len)
{
	WARN(1, "vmbkmcl_verifier: a refused send's routine ran\n");
}

static void expect_still_works(struct kunit *test, struct ver_fixture *f)
{
	u32 before = f->rec.packets;

	f->rec.policy = REC_COMPLETE_INLINE;
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, 99, PAYLOAD_LEN, 0), 0);
	KUNIT_EXPECT_TRUE(test, recorder_wait(&f->rec, before + 1, 0));
}

static void hold_one(struct kunit *test, struct ver_fixture *f, u16 flags)
{
	f->rec.policy = REC_HOLD;
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, 1, PAYLOAD_LEN, flags), 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 1, 1));
	simhost_sync(f->sh);
	KUNIT_ASSERT_EQ(test, f->rec.nheld, 1U);
}

static void init_setter_after_enable_is_named(struct kunit *test)
{
	struct ver_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, VmbChannelInitSetFlags(f->rec.channel, 0),
			STATUS_INVALID_PARAMETER_1);
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_INIT_AFTER_ENABLE), 1U);
}

static void packet_completed_twice_is_named_and_not_freed_twice(struct kunit *test)
{
	struct ver_fixture *f = test->priv;
	VMBPACKETCOMPLETION p;
	u32 held, taken;

	hold_one(test, f, 0);
	p = f->rec.held[0];
	KUNIT_ASSERT_EQ(test, recorder_complete_held(&f->rec, 1), 1U);
	VmbChannelPacketComplete(p, NULL, 0);
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_DOUBLE_COMPLETE), 1U);
	vmbkmcl_channel_rx_slots(f->rec.channel, &held, &taken);
	KUNIT_EXPECT_EQ(test, held, 0U);
	KUNIT_EXPECT_EQ(test, taken, 0U);
	expect_still_works(test, f);
}

static void foreign_packet_is_named_with_the_verifier_on(struct kunit *test)
{
	struct ver_fixture *f = test->priv;
	struct vmb_rx_packet *fake;

	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	vmbkmcl_verifier_enable(true);
	VmbChannelPacketComplete(fake, NULL, 0);
	VmbChannelPacketFail(fake);
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_FOREIGN_PACKET), 2U);
	expect_still_works(test, f);
}

/*
 * Before its first Enable a channel has no queue to hold a send (after
 * a Disable it queues them: semantics.rst).
 */
static void send_on_a_never_enabled_channel_is_named(struct kunit *test)
{
	struct ver_fixture *f = test->priv;
	VMBCHANNEL fresh;
	VMBPACKET p;
	u32 size;

	KUNIT_ASSERT_EQ(test, VmbChannelAllocate(simhost_device(f->sh), FALSE,
						 &fresh), STATUS_SUCCESS);
	size = VmbChannelSizeofPacket(fresh);
	p = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, VmbPacketInitialize(fresh, p, size),
			STATUS_SUCCESS);
	VmbPacketSetCompletionRoutine(p, never_called);
	KUNIT_EXPECT_EQ(test, VmbPacketSend(p, &size, sizeof(u64), NULL, 0),
			STATUS_INVALID_DEVICE_STATE);
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_SEND_NOT_OPEN), 1U);
	VmbChannelCleanup(fresh);
}

static void sleeping_call_in_atomic_context_is_refused(struct kunit *test)
{
	struct ver_fixture *f = test->priv;
	NTSTATUS status;

	local_irq_disable();
	VmbChannelPause(f->rec.channel);
	status = VmbChannelEnable(f->rec.channel);
	local_irq_enable();

	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_DEVICE_STATE);
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_SLEEP_IN_ATOMIC), 2U);
	/* The Pause did not happen: packets still flow, no Suspend. */
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_SUSPEND), 0U);
	expect_still_works(test, f);
}

static void packet_freed_in_flight_stays_out_of_the_pool(struct kunit *test)
{
	struct ver_fixture *f = test->priv;
	VMBPACKET p, got[POOL];
	u32 n = 0;

	/* Nobody answers: the send waits for a completion for ever. */
	p = VmbPacketAllocate(f->rec.channel);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, recorder_send(&f->rec, p, 1, PAYLOAD_LEN,
					    VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION),
			STATUS_SUCCESS);
	VmbPacketFree(p);
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_FREE_IN_FLIGHT), 1U);
	while (n < POOL && (got[n] = VmbPacketAllocate(f->rec.channel))) {
		KUNIT_EXPECT_PTR_NE(test, got[n], p);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, (u32)POOL);
	while (n)
		VmbPacketFree(got[--n]);
}

static void defer_after_the_callback_is_named(struct kunit *test)
{
	struct ver_fixture *f = test->priv;

	hold_one(test, f, 0);
	VmbChannelPacketDeferToPassive(f->rec.held[0]);
	KUNIT_EXPECT_EQ(test,
			rec_misuse_count(VMB_RULE_DEFER_OUTSIDE_CALLBACK), 1U);
	/* Still an ordinary held packet, completed once. */
	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, 1), 1U);
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_DOUBLE_COMPLETE), 0U);
	expect_still_works(test, f);
}

static void oversized_completion_is_named_and_sent_empty(struct kunit *test)
{
	struct ver_fixture *f = test->priv;
	struct simhost_packet pkt;
	u8 *big;

	big = kunit_kzalloc(test, PAGE_SIZE + VMB_RX_HEADER_ROOM + 1,
			    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	hold_one(test, f, VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	VmbChannelPacketComplete(f->rec.held[0], big,
				 PAGE_SIZE + VMB_RX_HEADER_ROOM + 1);
	f->rec.nheld = 0;
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_COMPLETION_TOO_LARGE),
			1U);
	KUNIT_ASSERT_EQ(test, simhost_read(f->sh, &pkt, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, pkt.desc.type, VM_PKT_COMP);
	KUNIT_EXPECT_EQ(test, pkt.data_len, 0U);
}

static void cleanup_of_an_enabled_channel_disables_it_first(struct kunit *test)
{
	struct ver_fixture *f = test->priv;

	VmbChannelCleanup(f->rec.channel);
	f->rec.channel = NULL;
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_CLEANUP_ENABLED), 1U);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_CLOSED), 1U);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
}

static struct kunit_case ver_cases[] = {
	KUNIT_CASE(init_setter_after_enable_is_named),
	KUNIT_CASE(packet_completed_twice_is_named_and_not_freed_twice),
	KUNIT_CASE(foreign_packet_is_named_with_the_verifier_on),
	KUNIT_CASE(send_on_a_never_enabled_channel_is_named),
	KUNIT_CASE(sleeping_call_in_atomic_context_is_refused),
	KUNIT_CASE(packet_freed_in_flight_stays_out_of_the_pool),
	KUNIT_CASE(defer_after_the_callback_is_named),
	KUNIT_CASE(oversized_completion_is_named_and_sent_empty),
	KUNIT_CASE(cleanup_of_an_enabled_channel_disables_it_first),
	{}
};

static struct kunit_suite ver_suite = {
	.name = "vmbkmcl_verifier",
	.suite_exit = rec_misuse_done,
	.init = ver_init,
	.exit = ver_exit,
	.test_cases = ver_cases,
};

kunit_test_suite(ver_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's API-misuse verifier, one case per rule");
MODULE_LICENSE("GPL");
