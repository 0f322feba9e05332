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
 * and Disable/Enable must bring the channel back.
 *
 * vmbkmcl_fuzz_xfer: well-formed transfer-page packets whose set ids and
 * ranges are random, in and out of a receive buffer the guest shared.
 * Each packet's VmbChannelPacketGetExternalData status must be the one a
 * naive model of the rules predicts (bound set, every range non-empty and
 * inside the buffer, chain and page pool big enough), and on success the
 * chain must be exactly the ranges, over the buffer's own pages.  Every
 * packet is delivered and every completion asked for reaches the host.
 *
 * The seed is printed, and `seed=` replays a run.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/vmalloc.h>

#include "../vmbkmcl/channel.h"
#include "extclient.h"
#include "fuzzgen.h"
#include "recorder.h"
#include "simhost_xfer.h"

static unsigned int seed;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "fuzz seed; 0 picks one at random and prints it");

#define FUZZ_PACKETS		10000
#define FUZZ_MAX_BURST		32
#define LOG_CAP			(2 * FUZZ_PACKETS)
#define GOOD_LEN		FUZZ_GOOD_LEN
#define DESC_SIZE		sizeof(struct vmpacket_descriptor)
#define GARBAGE_PACKETS		50

struct fuzz_fixture {
	struct simhost *sh;
	struct recorder rec;
	struct fuzzgen gen;
	u64 next_good;
	u32 written[FUZZ_CLASSES];
};

static u32 fuzz_rand(struct fuzz_fixture *f, u32 below)
{
	return fuzzgen_rand(&f->gen, below);
}

static int fuzz_init(struct kunit *test)
{
	struct fuzz_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	fuzzgen_kunit_init(test, &f->gen, &seed);
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	return 0;
}

static void fuzz_exit(struct kunit *test)
{
	struct fuzz_fixture *f = test->priv;

	recorder_kunit_stop(&f->rec);
}

static int fuzz_write_one(struct kunit *test, struct fuzz_fixture *f,
			  enum fuzz_class class)
{
	int ret;

	if (class == FUZZ_GOOD)
		ret = rec_write(f->sh, f->next_good + 1, GOOD_LEN, 0);
	else
		ret = simhost_write_raw(f->sh, f->gen.raw,
					fuzzgen_malformed(&f->gen, class));
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
			enum fuzz_class class = fuzzgen_pick(&f->gen);

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
		struct vmpacket_descriptor *d = (void *)f->gen.raw;
		u32 len = fuzzgen_build(&f->gen, fuzz_rand(f, U16_MAX),
					DESC_SIZE, fuzz_rand(f, PAGE_SIZE));

		d->len8 = fuzz_rand(f, 2) ? fuzz_rand(f, 2) : U16_MAX;
		d->offset8 = fuzz_rand(f, U16_MAX);
		if (simhost_write_raw(f->sh, f->gen.raw, len))
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

/* --- transfer-page ranges --- */

#define XF_PACKETS		2000
#define XF_BUF_PAGES		16
#define XF_BUF_SIZE		(XF_BUF_PAGES * PAGE_SIZE)
/* Half the buffer's pages per packet, so big chains run out of pages. */
#define XF_DATA_SIZE		(XF_BUF_SIZE / 2)
#define XF_CHAIN		4
#define XF_POOL_PAGES		(XF_DATA_SIZE / PAGE_SIZE + 2 * XF_CHAIN)
#define XF_MAX_RANGES		(XF_CHAIN + 2)
#define XF_SET_ID		0xcafe

/* What one packet was sent with, and what the model predicts. */
struct xf_sent {
	u16 set_id;
	u32 nranges;
	struct vmtransfer_page_range r[XF_MAX_RANGES];
	NTSTATUS status;
};

struct xf_fixture {
	struct simhost *sh;
	struct extclient x;
	struct rnd_state rnd;
	u8 *buf;
	u32 handle;
	struct xf_sent *sent;
	u32 checked;
	u32 wrong;
};

static u32 xf_rand(struct xf_fixture *f, u32 below)
{
	return below ? prandom_u32_state(&f->rnd) % below : 0;
}

/* The rules, naively: what GetExternalData must return for @s. */
static NTSTATUS xf_model(const struct xf_sent *s)
{
	u32 i, mdls = 0, pages = 0, need;

	if (s->set_id != XF_SET_ID)
		return STATUS_ACCESS_VIOLATION;
	for (i = 0; i < s->nranges; i++) {
		u64 off = s->r[i].byte_offset, len = s->r[i].byte_count;

		if (!len || off + len > XF_BUF_SIZE)
			return STATUS_ACCESS_VIOLATION;
		need = DIV_ROUND_UP(off % PAGE_SIZE + len, PAGE_SIZE);
		if (mdls == XF_CHAIN || need > XF_POOL_PAGES - pages)
			return STATUS_INSUFFICIENT_RESOURCES;
		mdls++;
		pages += need;
	}
	return STATUS_SUCCESS;
}

/*
 * One range: mostly inside, else up to the end, near the end, or anywhere
 * at all.
 */
static void xf_range(struct xf_fixture *f, struct vmtransfer_page_range *r)
{
	u32 off;

	switch (xf_rand(f, 8)) {
	case 0 ... 4:
		off = xf_rand(f, XF_BUF_SIZE);
		r->byte_offset = off;
		r->byte_count = 1 + xf_rand(f, min_t(u32, XF_BUF_SIZE - off,
						     2 * PAGE_SIZE));
		break;
	case 5:
		off = xf_rand(f, XF_BUF_SIZE);
		r->byte_offset = off;
		r->byte_count = XF_BUF_SIZE - off;
		break;
	case 6:
		r->byte_offset = XF_BUF_SIZE - xf_rand(f, 16);
		r->byte_count = xf_rand(f, 32);
		break;
	default:
		r->byte_offset = prandom_u32_state(&f->rnd);
		r->byte_count = prandom_u32_state(&f->rnd);
	}
}

/* In ProcessPacket: the status the model predicts, and the exact chain. */
static void xf_verify(struct extclient *x, const void *data, u32 len)
{
	struct xf_fixture *f = container_of(x, struct xf_fixture, x);
	const struct xf_sent *s;
	bool ok = len >= sizeof(u64);
	PMDL m = x->ext_mdl;
	u64 k = 0;
	u32 i, p;

	if (ok) {
		memcpy(&k, data, sizeof(k));
		ok = k < XF_PACKETS;
	}
	if (!ok) {
		f->wrong++;
		return;
	}
	s = &f->sent[k];
	ok = x->ext_status == s->status;
	for (i = 0; ok && s->status == STATUS_SUCCESS && i < s->nranges;
	     i++, m = m->Next) {
		u32 off = s->r[i].byte_offset;
		u8 *first = f->buf + round_down(off, PAGE_SIZE);

		ok = m && MmGetMdlByteCount(m) == s->r[i].byte_count &&
		     MmGetSystemAddressForMdlSafe(m, NormalPagePriority) ==
		     f->buf + off;
		for (p = 0; ok && p < m->PageCount; p++)
			ok = m->Pages[p] ==
			     vmalloc_to_page(first + p * PAGE_SIZE);
	}
	if (ok && s->status == STATUS_SUCCESS)
		ok = !m;
	if (ok)
		f->checked++;
	else
		f->wrong++;
}

static int xf_init(struct kunit *test)
{
	struct xf_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	NTSTATUS status;

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	prandom_seed_state(&f->rnd, fuzzgen_kunit_seed(test, &seed));
	f->sent = kunit_kcalloc(test, XF_PACKETS, sizeof(*f->sent), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->sent);
	f->sh = simhost_create();
	KUNIT_ASSERT_NOT_NULL(test, f->sh);
	KUNIT_ASSERT_EQ(test, extclient_init(&f->x, f->sh), 0);
	status = VmbChannelInitSetMaximumExternalData(f->x.ch, XF_DATA_SIZE,
						      XF_CHAIN);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	f->buf = vzalloc(XF_BUF_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, f->buf);
	KUNIT_ASSERT_EQ(test, extclient_enable(&f->x), STATUS_SUCCESS);
	status = VmbChannelCreateGpadlFromBuffer(f->x.ch, 0, f->buf,
						 XF_BUF_SIZE, &f->handle);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	status = VmbKmclChannelSetTransferPageSet(f->x.ch, XF_SET_ID,
						  f->handle);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	return 0;
}

static void xf_exit(struct kunit *test)
{
	struct xf_fixture *f = test->priv;

	extclient_destroy(&f->x);
	simhost_destroy(f->sh);
	vfree(f->buf);
}

/* The host reads what completions the guest wrote. */
static u32 xf_drain(struct xf_fixture *f)
{
	struct simhost_packet pkt;
	u32 n = 0;

	while (!simhost_read(f->sh, &pkt, NULL, 0))
		n += pkt.desc.type == VM_PKT_COMP;
	return n;
}

static void transfer_page_ranges_get_what_the_model_predicts(struct kunit *test)
{
	u32 asked = 0, completed = 0, statuses[4] = {}, k, burst, i;
	struct xf_fixture *f = test->priv;
	struct vmb_rx_stats st;

	f->x.verify = xf_verify;
	for (k = 0; k < XF_PACKETS; k += burst) {
		burst = min_t(u32, 1 + xf_rand(f, FUZZ_MAX_BURST),
			      XF_PACKETS - k);
		for (i = k; i < k + burst; i++) {
			struct xf_sent *s = &f->sent[i];
			u64 tag = i;
			u16 flags = xf_rand(f, 2) ?
				    VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED : 0;
			u32 j;

			s->set_id = xf_rand(f, 8) ? XF_SET_ID :
				    (u16)prandom_u32_state(&f->rnd);
			s->nranges = 1 + xf_rand(f, XF_MAX_RANGES);
			for (j = 0; j < s->nranges; j++)
				xf_range(f, &s->r[j]);
			s->status = xf_model(s);
			asked += !!flags;
			while (simhost_write_xfer_pages(f->sh, flags, i, s->set_id,
							s->r, s->nranges, &tag,
							sizeof(tag)) == -EAGAIN) {
				completed += xf_drain(f);
				usleep_range(20, 50);
			}
		}
		KUNIT_ASSERT_TRUE(test, extclient_wait(&f->x, &f->x.packets,
						       k + burst));
		simhost_sync(f->sh);
		completed += xf_drain(f);
	}
	for (k = 0; k < XF_PACKETS; k++)
		statuses[f->sent[k].status == STATUS_SUCCESS ? 0 :
			 f->sent[k].status == STATUS_ACCESS_VIOLATION ? 1 : 2]++;

	KUNIT_EXPECT_EQ(test, f->x.packets, (u32)XF_PACKETS);
	KUNIT_EXPECT_EQ(test, f->checked, (u32)XF_PACKETS);
	KUNIT_EXPECT_EQ(test, f->wrong, 0U);
	KUNIT_EXPECT_EQ(test, completed, asked);
	vmbkmcl_channel_rx_stats(f->x.ch, &st);
	KUNIT_EXPECT_EQ(test, vmb_rx_total_drops(&st), 0ULL);
	/* The mix must have reached every outcome. */
	KUNIT_EXPECT_GT(test, statuses[0], 0U);
	KUNIT_EXPECT_GT(test, statuses[1], 0U);
	KUNIT_EXPECT_GT(test, statuses[2], 0U);
	kunit_info(test, "%u transfer-page packets: %u mapped, %u refused, %u past the pool; %u completions\n",
		   XF_PACKETS, statuses[0], statuses[1], statuses[2], completed);
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

static struct kunit_case fuzz_xfer_cases[] = {
	KUNIT_CASE(transfer_page_ranges_get_what_the_model_predicts),
	{}
};

static struct kunit_suite fuzz_xfer_suite = {
	.name = "vmbkmcl_fuzz_xfer",
	.init = xf_init,
	.exit = xf_exit,
	.test_cases = fuzz_xfer_cases,
};

kunit_test_suites(&fuzz_suite, &fuzz_xfer_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl against a random hostile host");
MODULE_LICENSE("GPL");
