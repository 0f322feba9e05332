// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_hvfuzz: the fuzz suite's hostile packets through real hv_vmbus.
 *
 * Runs on the hv-path boot only (hvemu=1).  The emulated Hyper-V's host
 * writes HVFUZZ_PACKETS packets straight into the host-to-guest ring
 * (hvemu_chan_write_raw(): any descriptor bytes, the ring's framing
 * kept), a seeded mix of valid ones and the malformed classes
 * vmbkmcl_fuzz uses (kunit/fuzzgen.c, the same generator).  hv_vmbus
 * signals; vmbkmcl's receive path reads the real ring through the
 * production backend.  Invariants as in vmbkmcl_fuzz: no crash; every
 * packet delivered or counted dropped, none twice; the valid ones
 * delivered in order with their bytes; the channel then disables cleanly
 * (CLOSECHANNEL and the ring's GPADL_TEARDOWN reach the host).
 *
 * The seed is printed, and `seed=` replays a run.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/hvemu.h>
#include <linux/module.h>
#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

#include "../vmbkmcl/channel.h"
#include "fuzzgen.h"
#include "hvclient.h"
#include "hvhost.h"

static unsigned int seed;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "fuzz seed; 0 picks one at random and prints it");

/* Fewer than vmbkmcl_fuzz's: every packet here crosses real hv_vmbus. */
#define HVFUZZ_PACKETS		2000
#define WAIT_MS			10000
#define RETRY_US		200

/* {7a3d5c2b-1e4f-4a6b-8c9d-0e1f2a3b4c5d}: the suite's own device class. */
static const guid_t hvf_class = GUID_INIT(0x7a3d5c2b, 0x1e4f, 0x4a6b, 0x8c,
	0x9d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d);

/**
 * struct hvf_client - the client: checks each valid packet as it comes.
 * @c:       the client driver; packets wake waiters on @c.wq too.
 * @ch:      the bound device's channel.
 * @packets: ProcessPacket calls.
 * @expect:  the tag the next packet must carry.
 * @wrong:   packets out of order, of the wrong length or bytes.
 *
 * ProcessPacket calls never overlap (one runner per channel), so
 * @expect and @wrong need no lock.
 */
struct hvf_client {
	struct hvclient c;
	VMBCHANNEL ch;
	u32 packets;
	u64 expect;
	u32 wrong;
};

static struct hvf_client hvf;

/* Byte @i of valid packet @tag's payload; the first 8 are the tag. */
static u8 hvf_pattern(u64 tag, u32 i)
{
	return (u8)(tag * 31 + i);
}

static bool hvf_payload_ok(const u8 *buf, u32 len, u64 tag)
{
	u32 i;

	if (len != ALIGN(FUZZ_GOOD_LEN, sizeof(u64)) ||
	    memcmp(buf, &tag, sizeof(tag)))
		return false;
	for (i = sizeof(tag); i < FUZZ_GOOD_LEN; i++)
		if (buf[i] != hvf_pattern(tag, i))
			return false;
	return true;
}

static VOID hvf_process_packet(VMBCHANNEL channel, VMBPACKETCOMPLETION packet,
			       PVOID buf, UINT32 len, UINT32 flags)
{
	hvf.wrong += !hvf_payload_ok(buf, len, hvf.expect);
	hvf.expect++;
	VmbChannelPacketComplete(packet, NULL, 0);
	WRITE_ONCE(hvf.packets, hvf.packets + 1);
	wake_up_all(&hvf.c.wq);
}

static int hvf_add(struct hvclient *c, struct hv_device *dev)
{
	VMBCHANNEL ch;

	if (!NT_SUCCESS(VmbChannelAllocate(dev, FALSE, &ch)))
		return -ENOMEM;
	if (!NT_SUCCESS(VmbChannelInitSetProcessPacketCallbacks(ch, hvf_process_packet,
								NULL))) {
		VmbChannelCleanup(ch);
		return -EINVAL;
	}
	hvf.ch = ch;
	return 0;
}

static void hvf_remove(struct hvclient *c, struct hv_device *dev)
{
	VmbChannelDisable(hvf.ch);
	VmbChannelCleanup(hvf.ch);
	hvf.ch = NULL;
}

static const struct hvclient_ops hvf_ops = {
	.add = hvf_add,
	.remove = hvf_remove,
};

struct hvf_fixture {
	struct hvhost h;
	struct fuzzgen gen;
	u8 good[FUZZ_GOOD_LEN];
	u32 written[FUZZ_CLASSES];
};

static int hvf_init(struct kunit *test)
{
	struct hvf_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	fuzzgen_kunit_init(test, &f->gen, &seed);
	hvf.packets = 0;
	hvf.expect = 1;
	hvf.wrong = 0;
	KUNIT_ASSERT_EQ(test, hvclient_offer(&hvf.c, &f->h), 0);
	return 0;
}

static void hvf_exit(struct kunit *test)
{
	struct hvf_fixture *f = test->priv;

	if (f)
		KUNIT_EXPECT_EQ(test, hvhost_rescind(&f->h), 0);
}

static int hvf_suite_init(struct kunit_suite *suite)
{
	return hvclient_register(&hvf.c, "vmbkmcl_hvfuzz_client", &hvf_class,
				 &hvf_ops);
}

static void hvf_suite_exit(struct kunit_suite *suite)
{
	hvclient_unregister(&hvf.c);
}

/* Build the next packet of @class; its length (its tag, when valid). */
static u32 hvf_build(struct hvf_fixture *f, enum fuzz_class class, u64 tag)
{
	u32 i;

	if (class != FUZZ_GOOD)
		return fuzzgen_malformed(&f->gen, class);
	memcpy(f->good, &tag, sizeof(tag));
	for (i = sizeof(tag); i < FUZZ_GOOD_LEN; i++)
		f->good[i] = hvf_pattern(tag, i);
	return FUZZ_GOOD_LEN;
}

/* Write what hvf_build() built: -EAGAIN while the ring is full. */
static int hvf_write(struct hvf_fixture *f, enum fuzz_class class, u32 len,
		     u64 tag)
{
	if (class != FUZZ_GOOD)
		return hvemu_chan_write_raw(f->h.ch, f->gen.raw, len);
	return hvhost_send(&f->h, VM_PKT_DATA_INBAND, 0, tag, f->good, len);
}

static void every_packet_is_delivered_or_dropped_once(struct kunit *test)
{
	struct hvf_fixture *f = test->priv;
	u32 closes = hvemu_msg_count(CHANNELMSG_CLOSECHANNEL);
	u32 teardowns = hvemu_msg_count(CHANNELMSG_GPADL_TEARDOWN);
	struct vmb_rx_stats st;
	u32 n;
	int ret;

	KUNIT_ASSERT_EQ(test, VmbChannelEnable(hvf.ch), STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, hvhost_wait_opens(&f->h, 1));
	for (n = 0; n < HVFUZZ_PACKETS; n++) {
		enum fuzz_class class = fuzzgen_pick(&f->gen);
		u64 tag = f->written[FUZZ_GOOD] + 1;
		u32 len = hvf_build(f, class, tag);

		while ((ret = hvf_write(f, class, len, tag)) == -EAGAIN)
			usleep_range(RETRY_US, 2 * RETRY_US);
		KUNIT_ASSERT_EQ(test, ret, 0);
		f->written[class]++;
	}
	KUNIT_ASSERT_TRUE(test, hvclient_wait(&hvf.c, &hvf.packets,
					      f->written[FUZZ_GOOD], WAIT_MS));
	/* Let the drops after the last valid packet be counted. */
	msleep(HVHOST_SETTLE_MS);

	vmbkmcl_channel_rx_stats(hvf.ch, &st);
	KUNIT_EXPECT_EQ(test, st.packets + vmb_rx_total_drops(&st),
			(u64)HVFUZZ_PACKETS);
	KUNIT_EXPECT_EQ(test, st.packets, (u64)f->written[FUZZ_GOOD]);
	KUNIT_EXPECT_EQ(test, st.ring_corrupt, 0ULL);
	KUNIT_EXPECT_EQ(test, hvf.packets, f->written[FUZZ_GOOD]);
	KUNIT_EXPECT_EQ(test, hvf.wrong, 0U);
	kunit_info(test, "%u packets through hv_vmbus: %u valid, %llu dropped (type %llu, offset %llu, oversize %llu, xfer %llu, gpa %llu, completion %llu)\n",
		   HVFUZZ_PACKETS, f->written[FUZZ_GOOD],
		   vmb_rx_total_drops(&st), st.dropped[VMB_DROP_BAD_TYPE],
		   st.dropped[VMB_DROP_BAD_OFFSET],
		   st.dropped[VMB_DROP_OVERSIZE],
		   st.dropped[VMB_DROP_BAD_XFER_PAGES],
		   st.dropped[VMB_DROP_BAD_GPA_RANGES],
		   st.dropped[VMB_DROP_UNEXPECTED_COMPLETION]);

	/* It must still close cleanly, through the real messages. */
	VmbChannelDisable(hvf.ch);
	KUNIT_EXPECT_TRUE(test, hvhost_wait_closes(&f->h, 1));
	KUNIT_EXPECT_FALSE(test, hvemu_chan_is_open(f->h.ch));
	KUNIT_EXPECT_EQ(test, hvemu_msg_count(CHANNELMSG_CLOSECHANNEL),
			closes + 1);
	KUNIT_EXPECT_EQ(test, hvemu_msg_count(CHANNELMSG_GPADL_TEARDOWN),
			teardowns + 1);
}

static struct kunit_case hvfuzz_cases[] = {
	KUNIT_CASE(every_packet_is_delivered_or_dropped_once),
	{}
};

static struct kunit_suite hvfuzz_suite = {
	.name = "vmbkmcl_hvfuzz",
	.suite_init = hvf_suite_init,
	.suite_exit = hvf_suite_exit,
	.init = hvf_init,
	.exit = hvf_exit,
	.test_cases = hvfuzz_cases,
};

kunit_test_suites(&hvfuzz_suite);

MODULE_DESCRIPTION("KUnit: the fuzz suite's hostile packets through real hv_vmbus");
MODULE_LICENSE("GPL");
