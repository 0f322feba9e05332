// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_fuzz: a hostile host, at random but repeatably.
 *
 * The host writes FUZZ_PACKETS packets, a seeded random mix of valid ones
 * and malformed ones of every class that keeps the ring's framing (wrong
 * types, data offsets in and past the descriptor, oversize, broken
 * transfer-page and GPA-direct layouts, layouts cut short, completions
 * with random ids), in random bursts.  Invariants: no crash; every packet
 * is either delivered or counted as dropped, none twice; every valid
 * packet is delivered, in order, with its bytes; the channel then
 * disables cleanly.  A ring whose framing is garbage must stop the queue,
 * and Disable/Enable must bring the channel back.  The seed is printed,
 * and `seed=` replays a run.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/prandom.h>

#include "../vmbkmcl/channel.h"
#include "recorder.h"

static unsigned int seed;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "fuzz seed; 0 picks one at random and prints it");

#define FUZZ_PACKETS		10000
#define FUZZ_MAX_BURST		32
#define LOG_CAP			(2 * FUZZ_PACKETS)
#define GOOD_LEN		48
#define RAW_MAX			(2 * PAGE_SIZE)
#define DESC_SIZE		sizeof(struct vmpacket_descriptor)
#define XFER_HDR_SIZE		offsetof(struct vmtransfer_page_packet_header, ranges)
#define GPA_HDR_SIZE		(DESC_SIZE + 2 * sizeof(u32))
#define RX_BUF_SIZE		(VMB_DEFAULT_MAX_PACKET_SIZE + VMB_RX_HEADER_ROOM)
#define GARBAGE_PACKETS		50

enum fuzz_class {
	FUZZ_GOOD,
	FUZZ_TYPE,
	FUZZ_OFFSET_LOW,
	FUZZ_OFFSET_HIGH,
	FUZZ_OVERSIZE,
	FUZZ_XFER,
	FUZZ_GPA,
	FUZZ_COMPLETION,
	FUZZ_CLASSES
};

struct fuzz_fixture {
	struct simhost *sh;
	struct recorder rec;
	struct rnd_state rnd;
	u64 *raw;
	u64 next_good;
	u32 written[FUZZ_CLASSES];
};

static u32 fuzz_rand(struct fuzz_fixture *f, u32 below)
{
	return below ? prandom_u32_state(&f->rnd) % below : 0;
}

static int fuzz_init(struct kunit *test)
{
	struct fuzz_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->raw = kunit_kzalloc(test, RAW_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->raw);
	if (!seed)
		seed = get_random_u32() ?: 1;
	kunit_info(test, "seed %u (replay with seed=%u)\n", seed, seed);
	prandom_seed_state(&f->rnd, seed);
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	return 0;
}

static void fuzz_exit(struct kunit *test)
{
	struct fuzz_fixture *f = test->priv;

	recorder_kunit_stop(&f->rec);
}

/* A descriptor of @type with @payload random bytes after @offset. */
static u32 fuzz_build(struct fuzz_fixture *f, u16 type, u32 offset,
		      u32 payload)
{
	struct vmpacket_descriptor *d = (void *)f->raw;
	u32 len = ALIGN(offset + payload, sizeof(u64)), i;

	for (i = 0; i < len / sizeof(u64); i++)
		f->raw[i] = ((u64)prandom_u32_state(&f->rnd) << 32) |
			    prandom_u32_state(&f->rnd);
	d->type = type;
	d->offset8 = offset / sizeof(u64);
	d->len8 = len / sizeof(u64);
	d->flags = fuzz_rand(f, 2);
	return len;
}

static void fuzz_set_u32(struct fuzz_fixture *f, u32 offset, u32 value)
{
	memcpy((u8 *)f->raw + offset, &value, sizeof(value));
}

/* Malformed in @class; every one keeps len8 true to what is written. */
static u32 fuzz_malformed(struct fuzz_fixture *f, enum fuzz_class class)
{
	struct vmpacket_descriptor *d = (void *)f->raw;
	u32 len;

	switch (class) {
	case FUZZ_TYPE:
		/* Anything but the three data types and a completion. */
		return fuzz_build(f, 0x10 + fuzz_rand(f, 0xfff0), DESC_SIZE,
				  fuzz_rand(f, PAGE_SIZE));
	case FUZZ_OFFSET_LOW:
		len = fuzz_build(f, VM_PKT_DATA_INBAND, DESC_SIZE, GOOD_LEN);
		d->offset8 = fuzz_rand(f, DESC_SIZE / sizeof(u64));
		return len;
	case FUZZ_OFFSET_HIGH:
		len = fuzz_build(f, VM_PKT_DATA_INBAND, DESC_SIZE, GOOD_LEN);
		d->offset8 = len / sizeof(u64) + 1 + fuzz_rand(f, U16_MAX / 2);
		return len;
	case FUZZ_OVERSIZE:
		return fuzz_build(f, VM_PKT_DATA_INBAND, DESC_SIZE,
				  RX_BUF_SIZE + fuzz_rand(f, PAGE_SIZE / 2));
	case FUZZ_XFER:
		/* More ranges than room before the data, or none. */
		len = fuzz_build(f, VM_PKT_DATA_USING_XFER_PAGES,
				 XFER_HDR_SIZE + sizeof(u64) * fuzz_rand(f, 4),
				 GOOD_LEN);
		fuzz_set_u32(f, offsetof(struct vmtransfer_page_packet_header,
					 range_cnt),
			     fuzz_rand(f, 2) ? 0 : 5 + fuzz_rand(f, U16_MAX));
		return len;
	case FUZZ_GPA:
		/* A first range that is empty, starts past its page, or
		 * needs more PFNs than fit before the data.
		 */
		len = fuzz_build(f, VM_PKT_DATA_USING_GPA_DIRECT,
				 GPA_HDR_SIZE + 2 * sizeof(u32) + sizeof(u64),
				 GOOD_LEN);
		fuzz_set_u32(f, DESC_SIZE + sizeof(u32), 1 + fuzz_rand(f, 3));
		switch (fuzz_rand(f, 3)) {
		case 0:
			fuzz_set_u32(f, GPA_HDR_SIZE, 0);
			break;
		case 1:
			fuzz_set_u32(f, GPA_HDR_SIZE + sizeof(u32),
				     HV_HYP_PAGE_SIZE + fuzz_rand(f, U16_MAX));
			break;
		default:
			fuzz_set_u32(f, GPA_HDR_SIZE, 2 * HV_HYP_PAGE_SIZE);
			fuzz_set_u32(f, GPA_HDR_SIZE + sizeof(u32), 0);
		}
		return len;
	case FUZZ_COMPLETION:
		/* Nothing was sent: every id is unknown to the guest. */
		return fuzz_build(f, VM_PKT_COMP, DESC_SIZE, fuzz_rand(f, 64));
	default:
		return 0;
	}
}

static int fuzz_write_one(struct kunit *test, struct fuzz_fixture *f,
			  enum fuzz_class class)
{
	int ret;

	if (class == FUZZ_GOOD)
		ret = rec_write(f->sh, f->next_good + 1, GOOD_LEN, 0);
	else
		ret = simhost_write_raw(f->sh, f->raw,
					fuzz_malformed(f, class));
	if (!ret) {
		f->written[class]++;
		f->next_good += class == FUZZ_GOOD;
	}
	return ret;
}

static void every_packet_is_delivered_or_dropped_once(struct kunit *test)
{
	struct fuzz_fixture *f = test->priv;
	u32 n = 0, bad = 0, i, burst;
	struct vmb_rx_stats st;
	u64 expect = 1;

	while (n < FUZZ_PACKETS) {
		simhost_hold_interrupts(f->sh, true);
		for (burst = 1 + fuzz_rand(f, FUZZ_MAX_BURST);
		     burst && n < FUZZ_PACKETS; burst--, n++) {
			enum fuzz_class class = fuzz_rand(f, 2) ? FUZZ_GOOD :
				1 + fuzz_rand(f, FUZZ_CLASSES - 1);

			while (fuzz_write_one(test, f, class) == -EAGAIN) {
				simhost_hold_interrupts(f->sh, false);
				usleep_range(20, 50);
				simhost_hold_interrupts(f->sh, true);
			}
		}
		simhost_hold_interrupts(f->sh, false);
	}
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, f->written[FUZZ_GOOD], 1));
	simhost_sync(f->sh);

	vmbkmcl_channel_rx_stats(f->rec.channel, &st);
	KUNIT_EXPECT_EQ(test, st.packets + vmb_rx_total_drops(&st), (u64)FUZZ_PACKETS);
	KUNIT_EXPECT_EQ(test, st.packets, (u64)f->written[FUZZ_GOOD]);
	KUNIT_EXPECT_EQ(test, st.ring_corrupt, 0ULL);
	for (i = 0; i < f->rec.nevents; i++) {
		struct rec_event *e = &f->rec.events[i];

		if (e->kind != REC_PACKET)
			continue;
		bad += e->tag != expect || e->len != ALIGN(GOOD_LEN, 8);
		expect++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, expect - 1, (u64)f->written[FUZZ_GOOD]);
	kunit_info(test, "%u packets: %u valid, %llu dropped (type %llu, offset %llu, oversize %llu, xfer %llu, gpa %llu, completion %llu)\n",
		   FUZZ_PACKETS, f->written[FUZZ_GOOD], vmb_rx_total_drops(&st),
		   st.dropped[VMB_DROP_BAD_TYPE], st.dropped[VMB_DROP_BAD_OFFSET],
		   st.dropped[VMB_DROP_OVERSIZE],
		   st.dropped[VMB_DROP_BAD_XFER_PAGES],
		   st.dropped[VMB_DROP_BAD_GPA_RANGES],
		   st.dropped[VMB_DROP_UNEXPECTED_COMPLETION]);

	/* It must still close cleanly, with nothing held. */
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
}

/* Random descriptors of random lengths: framing the guest cannot follow
 * must stop the queue, and a re-open must bring the channel back.
 */
static void garbage_framing_stops_the_queue_and_reopen_recovers(struct kunit *test)
{
	struct fuzz_fixture *f = test->priv;
	struct vmb_rx_stats st;
	u32 i, before;

	for (i = 0; i < GARBAGE_PACKETS; i++) {
		struct vmpacket_descriptor *d = (void *)f->raw;
		u32 len = fuzz_build(f, fuzz_rand(f, U16_MAX), DESC_SIZE,
				     fuzz_rand(f, PAGE_SIZE));

		d->len8 = fuzz_rand(f, 2) ? fuzz_rand(f, 2) : U16_MAX;
		d->offset8 = fuzz_rand(f, U16_MAX);
		if (simhost_write_raw(f->sh, f->raw, len))
			break;
	}
	simhost_sync(f->sh);
	vmbkmcl_channel_rx_stats(f->rec.channel, &st);
	KUNIT_EXPECT_EQ(test, st.ring_corrupt, 1ULL);

	VmbChannelDisable(f->rec.channel);
	KUNIT_ASSERT_EQ(test, VmbChannelEnable(f->rec.channel), STATUS_SUCCESS);
	simhost_sync(f->sh);
	before = f->rec.packets;
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, 1, GOOD_LEN, 0), 0);
	KUNIT_EXPECT_TRUE(test, recorder_wait(&f->rec, before + 1, 0));
}

static struct kunit_case fuzz_cases[] = {
	KUNIT_CASE(every_packet_is_delivered_or_dropped_once),
	KUNIT_CASE(garbage_framing_stops_the_queue_and_reopen_recovers),
	{}
};

static struct kunit_suite fuzz_suite = {
	.name = "vmbkmcl_fuzz",
	.init = fuzz_init,
	.exit = fuzz_exit,
	.test_cases = fuzz_cases,
};

kunit_test_suite(fuzz_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl against a random hostile host");
MODULE_LICENSE("GPL");
