// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_rx_validate: what an untrusted host can put in the ring.
 *
 * Each malformed packet is written raw, followed by a good one: the bad
 * one must be counted under exactly its reason and never delivered, and
 * the good one must still arrive.  A ring whose framing cannot be followed
 * must stop the inbound queue instead of delivering what follows.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "../vmbkmcl/channel.h"
#include "recorder.h"

#define GOOD_ID			1
#define GOOD_LEN		32
#define LOG_CAP			64
#define RAW_MAX			(2 * PAGE_SIZE)
#define DESC_SIZE		sizeof(struct vmpacket_descriptor)
#define XFER_HDR_SIZE		offsetof(struct vmtransfer_page_packet_header, ranges)
#define XFER_RANGE_SIZE		sizeof(struct vmtransfer_page_range)
/* GPA direct: descriptor, reserved, range count; then per range the byte
 * count, byte offset and PFNs.
 */
#define GPA_HDR_SIZE		(DESC_SIZE + 2 * sizeof(u32))
#define GPA_RANGE_HDR_SIZE	(2 * sizeof(u32))
#define GPA_PFN_SIZE		sizeof(u64)
#define RX_BUF_SIZE		(VMB_DEFAULT_MAX_PACKET_SIZE + VMB_RX_HEADER_ROOM)
#define PAYLOAD_TAG		0x7a67ULL

struct val_fixture {
	struct simhost *sh;
	struct recorder rec;
	u64 *raw;
};

static int val_init(struct kunit *test)
{
	struct val_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->raw = kunit_kzalloc(test, RAW_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->raw);
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	return 0;
}

static void val_exit(struct kunit *test)
{
	struct val_fixture *f = test->priv;

	recorder_kunit_stop(&f->rec);
}

/* A descriptor with @payload bytes of tag after @offset bytes of header;
 * returns the packet length.
 */
static u32 build(u64 *raw, u16 type, u32 offset, u32 payload)
{
	struct vmpacket_descriptor *d = (void *)raw;
	u32 len = ALIGN(offset + payload, sizeof(u64));

	memset(raw, 0, len);
	d->type = type;
	d->offset8 = offset / sizeof(u64);
	d->len8 = len / sizeof(u64);
	d->trans_id = PAYLOAD_TAG;
	if (payload >= sizeof(u64))
		memcpy((u8 *)raw + offset, &(u64){ PAYLOAD_TAG }, sizeof(u64));
	return len;
}

static void set_u32(u64 *raw, u32 offset, u32 value)
{
	memcpy((u8 *)raw + offset, &value, sizeof(value));
}

static u32 bad_type(u64 *raw)
{
	return build(raw, 0x42, DESC_SIZE, sizeof(u64));
}

static u32 offset_below_descriptor(u64 *raw)
{
	u32 len = build(raw, VM_PKT_DATA_INBAND, DESC_SIZE, sizeof(u64));

	((struct vmpacket_descriptor *)raw)->offset8 = 1;
	return len;
}

static u32 offset_past_packet(u64 *raw)
{
	u32 len = build(raw, VM_PKT_DATA_INBAND, DESC_SIZE, sizeof(u64));

	((struct vmpacket_descriptor *)raw)->offset8 = len / sizeof(u64) + 1;
	return len;
}

static u32 larger_than_maximum(u64 *raw)
{
	return build(raw, VM_PKT_DATA_INBAND, DESC_SIZE,
		     RX_BUF_SIZE - DESC_SIZE + sizeof(u64));
}

static u32 xfer(u64 *raw, u32 ranges_room, u32 range_cnt)
{
	u32 len = build(raw, VM_PKT_DATA_USING_XFER_PAGES,
			XFER_HDR_SIZE + ranges_room * XFER_RANGE_SIZE,
			sizeof(u64));

	set_u32(raw, offsetof(struct vmtransfer_page_packet_header, range_cnt),
		range_cnt);
	return len;
}

static u32 xfer_without_ranges(u64 *raw)
{
	return xfer(raw, 1, 0);
}

static u32 xfer_ranges_past_data(u64 *raw)
{
	return xfer(raw, 1, 4);
}

static u32 xfer_good(u64 *raw)
{
	return xfer(raw, 1, 1);
}

static u32 xfer_header_cut_short(u64 *raw)
{
	return build(raw, VM_PKT_DATA_USING_XFER_PAGES, DESC_SIZE, sizeof(u64));
}

/* One GPA range of @bytes at @offset with room for @pfn_room PFNs. */
static u32 gpa(u64 *raw, u32 range_cnt, u32 bytes, u32 offset, u32 pfn_room)
{
	u32 len = build(raw, VM_PKT_DATA_USING_GPA_DIRECT,
			GPA_HDR_SIZE + GPA_RANGE_HDR_SIZE +
			pfn_room * GPA_PFN_SIZE, sizeof(u64));

	set_u32(raw, DESC_SIZE + sizeof(u32), range_cnt);
	set_u32(raw, GPA_HDR_SIZE, bytes);
	set_u32(raw, GPA_HDR_SIZE + sizeof(u32), offset);
	return len;
}

static u32 gpa_without_ranges(u64 *raw)
{
	return gpa(raw, 0, HV_HYP_PAGE_SIZE, 0, 1);
}

static u32 gpa_range_of_zero_bytes(u64 *raw)
{
	return gpa(raw, 1, 0, 0, 1);
}

static u32 gpa_pfns_past_data(u64 *raw)
{
	return gpa(raw, 1, 3 * HV_HYP_PAGE_SIZE, 0, 1);
}

static u32 gpa_offset_outside_page(u64 *raw)
{
	return gpa(raw, 1, 1, HV_HYP_PAGE_SIZE, 1);
}

static u32 gpa_good(u64 *raw)
{
	return gpa(raw, 1, 2 * HV_HYP_PAGE_SIZE - 1, 1, 2);
}

static u32 completion_for_nothing(u64 *raw)
{
	return build(raw, VM_PKT_COMP, DESC_SIZE, sizeof(u64));
}

struct val_case {
	const char *name;
	u32 (*build)(u64 *raw);
	enum vmb_rx_drop reason;	/* VMB_DROP_NR: delivered */
};

static const struct val_case val_cases[] = {
	{ "unknown packet type", bad_type, VMB_DROP_BAD_TYPE },
	{ "data offset inside the descriptor", offset_below_descriptor,
	  VMB_DROP_BAD_OFFSET },
	{ "data offset past the packet", offset_past_packet,
	  VMB_DROP_BAD_OFFSET },
	{ "packet larger than the maximum", larger_than_maximum,
	  VMB_DROP_OVERSIZE },
	{ "transfer pages without ranges", xfer_without_ranges,
	  VMB_DROP_BAD_XFER_PAGES },
	{ "transfer-page ranges past the data", xfer_ranges_past_data,
	  VMB_DROP_BAD_XFER_PAGES },
	{ "transfer-page header cut short", xfer_header_cut_short,
	  VMB_DROP_BAD_XFER_PAGES },
	{ "GPA direct without ranges", gpa_without_ranges,
	  VMB_DROP_BAD_GPA_RANGES },
	{ "GPA range of zero bytes", gpa_range_of_zero_bytes,
	  VMB_DROP_BAD_GPA_RANGES },
	{ "GPA PFNs past the data", gpa_pfns_past_data,
	  VMB_DROP_BAD_GPA_RANGES },
	{ "GPA offset outside the first page", gpa_offset_outside_page,
	  VMB_DROP_BAD_GPA_RANGES },
	{ "completion for no request", completion_for_nothing,
	  VMB_DROP_UNEXPECTED_COMPLETION },
	{ "transfer pages with one range", xfer_good, VMB_DROP_NR },
	{ "GPA direct with one two-page range", gpa_good, VMB_DROP_NR },
};

static void val_case_desc(const struct val_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(val, val_cases, val_case_desc);

static void get_stats(struct val_fixture *f, struct vmb_rx_stats *st)
{
	vmbkmcl_channel_rx_stats(f->rec.channel, st);
}

static void bad_packet_is_dropped_and_counted_good_one_follows(struct kunit *test)
{
	const struct val_case *c = test->param_value;
	struct val_fixture *f = test->priv;
	const bool delivered = c->reason == VMB_DROP_NR;
	const u32 first = f->rec.nevents;
	struct hv_ring_buffer *in;
	struct vmb_rx_stats st;

	KUNIT_ASSERT_EQ(test, simhost_write_raw(f->sh, f->raw, c->build(f->raw)),
			0);
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, GOOD_ID, GOOD_LEN, 0), 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 1 + delivered, 1));
	simhost_sync(f->sh);

	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_PACKET),
			1U + delivered);
	if (delivered) {
		KUNIT_EXPECT_EQ(test, f->rec.events[first].tag, PAYLOAD_TAG);
		KUNIT_EXPECT_EQ(test, f->rec.events[first].flags,
				(u32)VMBUS_CHANNEL_PROCESS_PACKET_FLAGS);
	}
	KUNIT_EXPECT_EQ(test, f->rec.events[first + delivered].tag, GOOD_ID);
	KUNIT_EXPECT_EQ(test, f->rec.events[first + delivered].flags, 0U);

	get_stats(f, &st);
	KUNIT_EXPECT_EQ(test, vmb_rx_total_drops(&st), (u64)!delivered);
	if (!delivered)
		KUNIT_EXPECT_EQ(test, st.dropped[c->reason], 1ULL);
	KUNIT_EXPECT_EQ(test, st.ring_corrupt, 0ULL);
	in = simhost_channel(f->sh)->inbound.ring_buffer;
	KUNIT_EXPECT_EQ(test, in->read_index, in->write_index);
}

static const u16 broken_len8s[] = { 0, 1, U16_MAX };

static void broken_len8_desc(const u16 *len8, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "len8 %u", *len8);
}

KUNIT_ARRAY_PARAM(broken_len8, broken_len8s, broken_len8_desc);

static void unfollowable_framing_stops_the_queue(struct kunit *test)
{
	const u16 len8 = *(const u16 *)test->param_value;
	struct val_fixture *f = test->priv;
	struct vmb_rx_stats st;
	u32 len;

	len = build(f->raw, VM_PKT_DATA_INBAND, DESC_SIZE, sizeof(u64));
	((struct vmpacket_descriptor *)f->raw)->len8 = len8;
	KUNIT_ASSERT_EQ(test, simhost_write_raw(f->sh, f->raw, len), 0);
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, GOOD_ID, GOOD_LEN, 0), 0);
	simhost_sync(f->sh);

	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_PACKET), 0U);
	get_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.ring_corrupt, 1ULL);
	KUNIT_EXPECT_EQ(test, vmb_rx_total_drops(&st), 0ULL);

	/* Nothing more is read, whatever the host does. */
	simhost_interrupt(f->sh);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_PACKET), 0U);
}

/*
 * A write index the host moved past the ring's end: the bytes it claims
 * are more than the ring holds, so not even the whole packet before it is
 * believed.  Read as written, it would lead the reads out of the ring's
 * mapping.
 */
static void write_index_out_of_the_ring_stops_the_queue(struct kunit *test)
{
	struct val_fixture *f = test->priv;
	struct hv_ring_buffer_info *rbi = &simhost_channel(f->sh)->inbound;
	struct vmb_rx_stats st;

	simhost_hold_interrupts(f->sh, true);
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, GOOD_ID, GOOD_LEN, 0), 0);
	WRITE_ONCE(rbi->ring_buffer->write_index,
		   rbi->ring_buffer->read_index + rbi->ring_datasize);
	simhost_hold_interrupts(f->sh, false);
	simhost_interrupt(f->sh);
	simhost_sync(f->sh);

	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_PACKET), 0U);
	get_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.ring_corrupt, 1ULL);
	KUNIT_EXPECT_EQ(test, rbi->priv_read_index,
			rbi->ring_buffer->read_index);
}

/* --- vmbkmcl_rx_max_packet: VmbChannelInitSetMaximumPacketSize bounds
 * what ProcessPacket is given, whatever room the copy buffer has.
 */

#define DECLARED_MAX		256

struct max_case {
	const char *name;
	u16 type;
	u32 header;		/* bytes ahead of the payload */
	u32 payload;		/* BufferLength it would be delivered with */
	bool delivered;
};

static const struct max_case max_cases[] = {
	{ "inband payload at the maximum", VM_PKT_DATA_INBAND, DESC_SIZE,
	  DECLARED_MAX, true },
	{ "inband payload 8 over the maximum", VM_PKT_DATA_INBAND, DESC_SIZE,
	  DECLARED_MAX + sizeof(u64), false },
	{ "transfer-page payload at the maximum", VM_PKT_DATA_USING_XFER_PAGES,
	  XFER_HDR_SIZE + XFER_RANGE_SIZE, DECLARED_MAX, true },
	{ "transfer-page payload 8 over the maximum",
	  VM_PKT_DATA_USING_XFER_PAGES, XFER_HDR_SIZE + XFER_RANGE_SIZE,
	  DECLARED_MAX + sizeof(u64), false },
};

static void max_case_desc(const struct max_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(max, max_cases, max_case_desc);

static int max_init(struct kunit *test)
{
	struct val_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->raw = kunit_kzalloc(test, RAW_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->raw);
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	KUNIT_ASSERT_EQ(test, VmbChannelInitSetMaximumPacketSize(f->rec.channel,
								 DECLARED_MAX),
			STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	return 0;
}

static void payload_over_the_maximum_is_dropped_and_counted(struct kunit *test)
{
	const struct max_case *c = test->param_value;
	struct val_fixture *f = test->priv;
	const u32 first = f->rec.nevents;
	struct rec_event *got[2];
	struct vmb_rx_stats st;
	u32 len, i, n = 0;

	len = build(f->raw, c->type, c->header, c->payload);
	if (c->type == VM_PKT_DATA_USING_XFER_PAGES)
		set_u32(f->raw, offsetof(struct vmtransfer_page_packet_header,
					 range_cnt), 1);
	KUNIT_ASSERT_EQ(test, simhost_write_raw(f->sh, f->raw, len), 0);
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, GOOD_ID, GOOD_LEN, 0), 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 1 + c->delivered, 1));
	simhost_sync(f->sh);

	KUNIT_EXPECT_EQ(test, recorder_count(&f->rec, REC_PACKET),
			1U + c->delivered);
	/* Packets in order; a batch may end between them. */
	for (i = first; i < f->rec.nevents; i++) {
		if (f->rec.events[i].kind != REC_PACKET)
			continue;
		if (n < ARRAY_SIZE(got))
			got[n] = &f->rec.events[i];
		n++;
	}
	KUNIT_ASSERT_EQ(test, n, 1U + c->delivered);
	if (c->delivered) {
		KUNIT_EXPECT_EQ(test, got[0]->len, c->payload);
		KUNIT_EXPECT_EQ(test, got[0]->tag, PAYLOAD_TAG);
	}
	KUNIT_EXPECT_EQ(test, got[n - 1]->tag, (u64)GOOD_ID);
	get_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.dropped[VMB_DROP_OVERSIZE],
			(u64)!c->delivered);
	KUNIT_EXPECT_EQ(test, vmb_rx_total_drops(&st), (u64)!c->delivered);
}

static struct kunit_case max_test_cases[] = {
	KUNIT_CASE_PARAM(payload_over_the_maximum_is_dropped_and_counted,
			 max_gen_params),
	{}
};

static struct kunit_suite max_suite = {
	.name = "vmbkmcl_rx_max_packet",
	.init = max_init,
	.exit = val_exit,
	.test_cases = max_test_cases,
};

static struct kunit_case val_test_cases[] = {
	KUNIT_CASE_PARAM(bad_packet_is_dropped_and_counted_good_one_follows,
			 val_gen_params),
	KUNIT_CASE_PARAM(unfollowable_framing_stops_the_queue,
			 broken_len8_gen_params),
	KUNIT_CASE(write_index_out_of_the_ring_stops_the_queue),
	{}
};

static struct kunit_suite val_suite = {
	.name = "vmbkmcl_rx_validate",
	.init = val_init,
	.exit = val_exit,
	.test_cases = val_test_cases,
};

kunit_test_suites(&val_suite, &max_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's receive validation of host input");
MODULE_LICENSE("GPL");
