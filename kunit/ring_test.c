// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_ring: the Linux ring code vmbkmcl sits on, run against simhost.
 *
 * These cases pin down the behaviour of the real hv_pkt_iter_*() and
 * vmbus_sendpacket() that the receive and send engines rely on: ordering,
 * wrap, when read_index is published, full-ring refusal, and the iterator's
 * silent truncation of oversize packets.  A kernel that changed any of it
 * would fail here before it broke the engines.
 */
#include <kunit/test.h>
#include <linux/hyperv.h>
#include <linux/slab.h>

#include "simhost.h"

#define RING_SIZE		(4 * PAGE_SIZE)
#define MAX_PKT_SIZE		PAGE_SIZE
#define DESC_SIZE		sizeof(struct vmpacket_descriptor)
#define TRAILER_SIZE		sizeof(u64)
#define MAX_INBAND_PAYLOAD	(MAX_PKT_SIZE - DESC_SIZE)
#define WRAP_PACKETS		2000

struct ring_fixture {
	struct simhost *sh;
	struct vmbus_channel *ch;
	u32 datasize;
	u8 *buf;
};

static u8 pattern_byte(u64 id, u32 i)
{
	return (u8)(id * 31 + i);
}

static void fill_pattern(u8 *buf, u64 id, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(id, i);
}

/* Index of the first byte of @buf that breaks the pattern, or @len. */
static u32 pattern_mismatch(const u8 *buf, u64 id, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern_byte(id, i))
			return i;
	return len;
}

static int ring_init(struct kunit *test)
{
	struct ring_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	f->sh = simhost_create();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->sh);
	KUNIT_ASSERT_EQ(test, simhost_open_rings(f->sh, RING_SIZE, RING_SIZE,
						 MAX_PKT_SIZE), 0);
	f->ch = simhost_channel(f->sh);
	f->datasize = RING_SIZE - PAGE_SIZE;
	f->buf = kunit_kzalloc(test, MAX_PKT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->buf);
	test->priv = f;
	return 0;
}

static void ring_exit(struct kunit *test)
{
	struct ring_fixture *f = test->priv;

	simhost_destroy(f->sh);
}

static u32 wrap_payload_len(u64 id)
{
	return (id * 53) % 400;
}

/* Drain the inbound ring, checking each packet against its id; returns the
 * next id expected.
 */
static u64 drain_and_check(struct kunit *test, struct ring_fixture *f,
			   u64 next_id)
{
	struct vmpacket_descriptor *desc;

	foreach_vmbus_pkt(desc, f->ch) {
		u32 len = wrap_payload_len(next_id);

		KUNIT_EXPECT_EQ(test, desc->type, VM_PKT_DATA_INBAND);
		KUNIT_EXPECT_EQ(test, desc->trans_id, next_id);
		KUNIT_EXPECT_EQ(test, hv_pkt_datalen(desc),
				ALIGN(len, sizeof(u64)));
		KUNIT_EXPECT_EQ(test, pattern_mismatch(hv_pkt_data(desc),
						       next_id, len), len);
		next_id++;
	}
	return next_id;
}

static void host_packets_arrive_in_order_across_wrap(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct hv_ring_buffer *rb = f->ch->inbound.ring_buffer;
	u64 written = 1, read = 1;
	u32 wraps = 0, last_write = 0;

	while (written <= WRAP_PACKETS) {
		u32 len = wrap_payload_len(written);

		fill_pattern(f->buf, written, len);
		if (simhost_write_inband(f->sh, VM_PKT_DATA_INBAND, 0, written,
					 f->buf, len) == 0) {
			if (rb->write_index < last_write)
				wraps++;
			last_write = rb->write_index;
			written++;
			continue;
		}
		/* Full: the guest drains everything written so far. */
		read = drain_and_check(test, f, read);
		KUNIT_ASSERT_EQ(test, read, written);
		KUNIT_EXPECT_EQ(test, rb->read_index, rb->write_index);
	}
	read = drain_and_check(test, f, read);

	KUNIT_EXPECT_EQ(test, read, (u64)WRAP_PACKETS + 1);
	KUNIT_EXPECT_EQ(test, rb->read_index, rb->write_index);
	/* 2000 packets of ~200 bytes go round a 12 KiB ring many times. */
	KUNIT_EXPECT_GT(test, wraps, 10U);
}

static void iterator_on_empty_ring_returns_null(struct kunit *test)
{
	struct ring_fixture *f = test->priv;

	KUNIT_EXPECT_NULL(test, hv_pkt_iter_first(f->ch));
	KUNIT_EXPECT_EQ(test, f->ch->inbound.ring_buffer->read_index, 0U);
	KUNIT_EXPECT_EQ(test, f->ch->inbound.priv_read_index, 0U);
}

static void read_index_is_published_only_by_close(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct hv_ring_buffer *rb = f->ch->inbound.ring_buffer;
	const u32 len = 24, footprint = SIMHOST_INBAND_FOOTPRINT(len);
	struct vmpacket_descriptor *desc;
	u64 id;

	for (id = 1; id <= 3; id++)
		KUNIT_ASSERT_EQ(test, simhost_write_inband(f->sh, VM_PKT_DATA_INBAND,
							   0, id, f->buf, len),
				0);

	desc = hv_pkt_iter_first(f->ch);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	desc = __hv_pkt_iter_next(f->ch, desc);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	KUNIT_EXPECT_EQ(test, desc->trans_id, 2ULL);

	/* Two packets consumed privately, none given back to the host. */
	KUNIT_EXPECT_EQ(test, f->ch->inbound.priv_read_index, footprint);
	KUNIT_EXPECT_EQ(test, rb->read_index, 0U);

	hv_pkt_iter_close(f->ch);
	KUNIT_EXPECT_EQ(test, rb->read_index, footprint);
	KUNIT_EXPECT_EQ(test, rb->write_index, 3 * footprint);
}

static void host_write_to_full_ring_is_refused(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct hv_ring_buffer *rb = f->ch->inbound.ring_buffer;
	const u32 len = 40, footprint = SIMHOST_INBAND_FOOTPRINT(len);
	u32 count = 0, write_index;

	while (simhost_write_inband(f->sh, VM_PKT_DATA_INBAND, 0, count + 1,
				    f->buf, len) == 0)
		count++;

	/* A write must leave at least one byte free: full != empty. */
	KUNIT_EXPECT_EQ(test, count, (f->datasize - 1) / footprint);
	KUNIT_EXPECT_LE(test, simhost_inbound_free(f->sh), footprint);
	write_index = rb->write_index;
	KUNIT_EXPECT_EQ(test, simhost_write_inband(f->sh, VM_PKT_DATA_INBAND,
						   0, 0, f->buf, len), -EAGAIN);
	KUNIT_EXPECT_EQ(test, rb->write_index, write_index);
}

static const u32 send_sizes[] = { 0, 8, 13, 1000, MAX_INBAND_PAYLOAD };

static void send_size_desc(const u32 *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u payload bytes", *size);
}

KUNIT_ARRAY_PARAM(send_size, send_sizes, send_size_desc);

static void guest_send_reaches_host_intact(struct kunit *test)
{
	const u32 len = *(const u32 *)test->param_value;
	const u64 trans_id = 0x1234567800000000ULL | len;
	struct ring_fixture *f = test->priv;
	struct simhost_packet pkt;
	int ret;
	u8 *got;

	got = kunit_kzalloc(test, MAX_PKT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	fill_pattern(f->buf, trans_id, len);

	ret = vmbus_sendpacket(f->ch, f->buf, len, trans_id, VM_PKT_DATA_INBAND,
			       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, simhost_read(f->sh, &pkt, got, MAX_PKT_SIZE), 0);

	KUNIT_EXPECT_EQ(test, pkt.desc.type, VM_PKT_DATA_INBAND);
	KUNIT_EXPECT_EQ(test, pkt.desc.flags,
			VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	/* No requestor on the channel: the id reaches the host unchanged. */
	KUNIT_EXPECT_EQ(test, pkt.desc.trans_id, trans_id);
	KUNIT_EXPECT_EQ(test, pkt.desc.offset8 * sizeof(u64), DESC_SIZE);
	KUNIT_EXPECT_EQ(test, pkt.desc.len8 * sizeof(u64),
			ALIGN(DESC_SIZE + len, sizeof(u64)));
	KUNIT_EXPECT_EQ(test, pkt.start, 0U);
	KUNIT_EXPECT_EQ(test, pattern_mismatch(got, trans_id, len), len);
	KUNIT_EXPECT_EQ(test, simhost_read(f->sh, &pkt, NULL, 0), -ENODATA);
}

static void guest_sends_wrap_the_ring(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct hv_ring_buffer *rb = f->ch->outbound.ring_buffer;
	const u32 len = 1000, footprint = SIMHOST_INBAND_FOOTPRINT(len);
	struct simhost_packet pkt;
	u32 expect_start = 0;
	u64 id;
	u8 *got;

	got = kunit_kzalloc(test, MAX_PKT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);

	/* 30 packets of ~1 KiB round a 12 KiB ring more than twice. */
	for (id = 1; id <= 30; id++) {
		fill_pattern(f->buf, id, len);
		KUNIT_ASSERT_EQ(test, vmbus_sendpacket(f->ch, f->buf, len, id,
						       VM_PKT_DATA_INBAND, 0),
				0);
		KUNIT_ASSERT_EQ(test, simhost_read(f->sh, &pkt, got,
						   MAX_PKT_SIZE), 0);
		KUNIT_EXPECT_EQ(test, pkt.desc.trans_id, id);
		KUNIT_EXPECT_EQ(test, pkt.start, expect_start);
		KUNIT_EXPECT_EQ(test, pattern_mismatch(got, id, len), len);
		expect_start = (expect_start + footprint) % f->datasize;
		KUNIT_EXPECT_EQ(test, rb->write_index, expect_start);
	}
}

static void guest_send_to_full_ring_returns_eagain(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct hv_ring_buffer *rb = f->ch->outbound.ring_buffer;
	const u32 len = 500, footprint = SIMHOST_INBAND_FOOTPRINT(len);
	struct simhost_packet pkt;
	u32 sent = 0, write_index;
	int ret;

	while ((ret = vmbus_sendpacket(f->ch, f->buf, len, sent + 1,
				       VM_PKT_DATA_INBAND, 0)) == 0)
		sent++;

	KUNIT_EXPECT_EQ(test, ret, -EAGAIN);
	KUNIT_EXPECT_EQ(test, sent, (f->datasize - 1) / footprint);
	write_index = rb->write_index;
	KUNIT_EXPECT_EQ(test, vmbus_sendpacket(f->ch, f->buf, len, 0,
					       VM_PKT_DATA_INBAND, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, rb->write_index, write_index);

	/* The host frees one slot: exactly one more send fits. */
	KUNIT_ASSERT_EQ(test, simhost_read(f->sh, &pkt, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, vmbus_sendpacket(f->ch, f->buf, len, 0,
					       VM_PKT_DATA_INBAND, 0), 0);
	KUNIT_EXPECT_EQ(test, vmbus_sendpacket(f->ch, f->buf, len, 0,
					       VM_PKT_DATA_INBAND, 0), -EAGAIN);
}

static void guest_send_after_rescind_returns_enodev(struct kunit *test)
{
	struct ring_fixture *f = test->priv;

	f->ch->rescind = true;
	KUNIT_EXPECT_EQ(test, vmbus_sendpacket(f->ch, f->buf, 8, 1,
					       VM_PKT_DATA_INBAND, 0), -ENODEV);
	KUNIT_EXPECT_EQ(test, simhost_outbound_pending(f->sh), 0U);
}

/*
 * The iterator copies into a buffer of max_pkt_size bytes and clamps len8 to
 * it without saying so; the receive engine has to size that buffer for the
 * largest packet it accepts and treat a clamped length as corrupt.
 */
static void iterator_clamps_packet_beyond_max_pkt_size(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	const u32 len = MAX_PKT_SIZE;	/* + descriptor: one page too many */
	struct vmpacket_descriptor *desc;
	u8 *big;

	big = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_EQ(test, simhost_write_inband(f->sh, VM_PKT_DATA_INBAND,
						   0, 7, big, len), 0);
	desc = hv_pkt_iter_first(f->ch);
	KUNIT_ASSERT_NOT_NULL(test, desc);
	KUNIT_EXPECT_EQ(test, hv_pkt_len(desc), MAX_PKT_SIZE);
	KUNIT_EXPECT_LT(test, hv_pkt_datalen(desc), len);
}

static struct kunit_case ring_cases[] = {
	KUNIT_CASE(host_packets_arrive_in_order_across_wrap),
	KUNIT_CASE(iterator_on_empty_ring_returns_null),
	KUNIT_CASE(read_index_is_published_only_by_close),
	KUNIT_CASE(host_write_to_full_ring_is_refused),
	KUNIT_CASE_PARAM(guest_send_reaches_host_intact, send_size_gen_params),
	KUNIT_CASE(guest_sends_wrap_the_ring),
	KUNIT_CASE(guest_send_to_full_ring_returns_eagain),
	KUNIT_CASE(guest_send_after_rescind_returns_enodev),
	KUNIT_CASE(iterator_clamps_packet_beyond_max_pkt_size),
	{}
};

static struct kunit_suite ring_suite = {
	.name = "vmbkmcl_ring",
	.init = ring_init,
	.exit = ring_exit,
	.test_cases = ring_cases,
};

kunit_test_suite(ring_suite);

MODULE_DESCRIPTION("KUnit: the Linux VMBus ring code under a simulated host");
MODULE_LICENSE("GPL");
