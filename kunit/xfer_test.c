// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_xfer: transfer-page packets over a receive buffer the guest
 * shared, as the network VSC receives its frames.
 *
 * The guest creates a GPADL over a receive buffer and binds the transfer
 * page set id to it (VmbKmclChannelSetTransferPageSet); the host writes
 * each message into the buffer through the GPADL's page numbers only and
 * sends a transfer-page packet naming the set and the byte ranges, as
 * netvsp does.  The client must get, through
 * VmbChannelPacketGetExternalData, one MDL per range over exactly those
 * bytes, for thousands of packets with the buffer reused; ranges outside
 * the buffer, unbound sets and withdrawn GPADLs must be refused while the
 * packet is still delivered and its completion reaches the host.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <vmbkmcl/mdl.h>

#include "../vmbkmcl/channel.h"
#include "extclient.h"
#include "simhost_xfer.h"

#define RXBUF_PAGES		16
#define RXBUF_SIZE		(RXBUF_PAGES * PAGE_SIZE)
/* The id netvsc agrees for its receive buffer (NETVSC_RECEIVE_BUFFER_ID). */
#define SET_ID			0xcafe
#define OTHER_SET_ID		0xbeef
/* The buffer is cut into sections, one per packet in flight. */
#define SECTIONS		64
#define SECTION_SIZE		(RXBUF_SIZE / SECTIONS)
#define MAX_RANGES		3
#define RANGE_ROOM		(SECTION_SIZE / MAX_RANGES)
#define XFER_PACKETS		4096
#define CHAIN			4
#define FIRST_ID		1
#define COMPLETION		VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED

struct xfer_fixture {
	struct simhost *sh;
	struct extclient x;
	u8 *rxbuf;
	u8 *other;
	u32 handle;
	u32 other_handle;
	u32 checked;	/* packets verify() found right */
	u32 wrong;	/* packets it found wrong */
};

/* Byte @i of range @r of packet @k. */
static u8 xfer_byte(u64 k, u32 r, u32 i)
{
	return (u8)(k * 13 + r * 101 + i * 7 + (i >> 8));
}

/* Packet @k's ranges: 1 to MAX_RANGES, of varied lengths, in section k. */
static u32 xfer_shape(u64 k, struct vmtransfer_page_range *r)
{
	u32 n = 1 + k % MAX_RANGES, j;

	for (j = 0; j < n; j++) {
		r[j].byte_offset = (k % SECTIONS) * SECTION_SIZE +
				   j * RANGE_ROOM + (k + j) % 8;
		r[j].byte_count = 1 + (k * 37 + j * 101) % (RANGE_ROOM - 8);
	}
	return n;
}

/* In the client's ProcessPacket: the chain must be packet @k's ranges. */
static void xfer_verify(struct extclient *x, const void *buf, u32 len)
{
	struct xfer_fixture *f = container_of(x, struct xfer_fixture, x);
	struct vmtransfer_page_range r[MAX_RANGES];
	bool ok = x->ext_status == STATUS_SUCCESS && len >= sizeof(u64);
	PMDL m = x->ext_mdl;
	u32 n = 0, j, i;
	u64 k = 0;

	if (ok) {
		memcpy(&k, buf, sizeof(k));
		n = xfer_shape(k, r);
	}
	for (j = 0; ok && j < n; j++, m = m->Next) {
		const u8 *va;

		if (!m || MmGetMdlByteCount(m) != r[j].byte_count) {
			ok = false;
			break;
		}
		va = MmGetSystemAddressForMdlSafe(m, NormalPagePriority);
		ok = va == f->rxbuf + r[j].byte_offset;
		for (i = 0; ok && i < r[j].byte_count; i++)
			ok = va[i] == xfer_byte(k, j, i);
	}
	if (ok && !m)
		f->checked++;
	else
		f->wrong++;
}

static int xfer_init(struct kunit *test)
{
	struct xfer_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	NTSTATUS status;

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->sh = simhost_create();
	KUNIT_ASSERT_NOT_NULL(test, f->sh);
	KUNIT_ASSERT_EQ(test, extclient_init(&f->x, f->sh), 0);
	status = VmbChannelInitSetMaximumExternalData(f->x.ch, RXBUF_SIZE, CHAIN);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	f->rxbuf = vzalloc(RXBUF_SIZE);
	f->other = vzalloc(RXBUF_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, f->rxbuf);
	KUNIT_ASSERT_NOT_NULL(test, f->other);
	KUNIT_ASSERT_EQ(test, extclient_enable(&f->x), STATUS_SUCCESS);
	status = VmbChannelCreateGpadlFromBuffer(f->x.ch, 0, f->rxbuf,
						 RXBUF_SIZE, &f->handle);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	status = VmbChannelCreateGpadlFromBuffer(f->x.ch, 0, f->other,
						 RXBUF_SIZE, &f->other_handle);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	status = VmbKmclChannelSetTransferPageSet(f->x.ch, SET_ID, f->handle);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	return 0;
}

/* The channel (and its GPADLs) go before the memory under them. */
static void xfer_exit(struct kunit *test)
{
	struct xfer_fixture *f = test->priv;

	extclient_destroy(&f->x);
	simhost_destroy(f->sh);
	vfree(f->rxbuf);
	vfree(f->other);
}

static NTSTATUS bind(struct xfer_fixture *f, u16 id, u32 handle)
{
	return VmbKmclChannelSetTransferPageSet(f->x.ch, id, handle);
}

/* The host sends one packet over set @id; its inline data is a tag. */
static int send_ranges(struct xfer_fixture *f, u16 flags, u64 trans_id,
		       u16 id, const struct vmtransfer_page_range *r, u32 n)
{
	u64 tag = trans_id;

	return simhost_write_xfer_pages(f->sh, flags, trans_id, id, r, n,
					&tag, sizeof(tag));
}

/* The host writes @len bytes at @off of the GPADL @handle. */
static int host_fill(struct xfer_fixture *f, u32 handle, u32 off,
		     const char *bytes, u32 len)
{
	return simhost_gpadl_write(f->sh, handle, off, bytes, len);
}

/* The host fills packet @k's ranges through the GPADL and sends it. */
static int xfer_send(struct xfer_fixture *f, u64 k)
{
	struct vmtransfer_page_range r[MAX_RANGES];
	u8 bytes[RANGE_ROOM];
	u32 n = xfer_shape(k, r), j, i;
	int ret;

	for (j = 0; j < n; j++) {
		for (i = 0; i < r[j].byte_count; i++)
			bytes[i] = xfer_byte(k, j, i);
		ret = simhost_gpadl_write(f->sh, f->handle, r[j].byte_offset,
					  bytes, r[j].byte_count);
		if (ret)
			return ret;
	}
	return send_ranges(f, COMPLETION, k, SET_ID, r, n);
}

/* The host reads @n completions, for ids @first on, in order. */
static void expect_completions(struct kunit *test, struct xfer_fixture *f,
			       u64 first, u32 n)
{
	struct simhost_packet pkt;
	u32 i, wrong = 0;

	simhost_sync(f->sh);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, simhost_read(f->sh, &pkt, NULL, 0), 0);
		wrong += pkt.desc.type != VM_PKT_COMP ||
			 pkt.desc.trans_id != first + i;
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, simhost_read(f->sh, &pkt, NULL, 0), -ENODATA);
}

static void thousands_of_packets_arrive_byte_for_byte(struct kunit *test)
{
	struct xfer_fixture *f = test->priv;
	struct vmb_gpadl_stats st;
	u64 k = FIRST_ID;
	u32 s;

	f->x.verify = xfer_verify;
	/* A section is reused only once its packet was completed. */
	while (k < FIRST_ID + XFER_PACKETS) {
		for (s = 0; s < SECTIONS; s++)
			KUNIT_ASSERT_EQ(test, xfer_send(f, k + s), 0);
		KUNIT_ASSERT_TRUE(test, extclient_wait(&f->x, &f->x.packets,
						       k - FIRST_ID + SECTIONS));
		expect_completions(test, f, k, SECTIONS);
		k += SECTIONS;
	}

	KUNIT_EXPECT_EQ(test, f->checked, (u32)XFER_PACKETS);
	KUNIT_EXPECT_EQ(test, f->wrong, 0U);
	vmbkmcl_channel_gpadl_stats(f->x.ch, &st);
	KUNIT_EXPECT_EQ(test, st.refused, 0ULL);
}

enum xfer_bind {
	BIND_KEEP,		/* SET_ID names the receive buffer */
	BIND_DELETED,		/* ... a GPADL deleted since */
};

struct hostile_case {
	const char *name;
	u16 set_id;
	enum xfer_bind bind;
	u32 nranges;
	struct vmtransfer_page_range r[CHAIN + 1];
	NTSTATUS status;
};

#define RANGE(off, len)	{ .byte_offset = (off), .byte_count = (len) }

static const struct hostile_case hostile_cases[] = {
	{ "the last byte is inside", SET_ID, BIND_KEEP, 1,
	  { RANGE(RXBUF_SIZE - 1, 1) }, STATUS_SUCCESS },
	{ "the whole buffer is inside", SET_ID, BIND_KEEP, 1,
	  { RANGE(0, RXBUF_SIZE) }, STATUS_SUCCESS },
	{ "one byte past the end", SET_ID, BIND_KEEP, 1,
	  { RANGE(RXBUF_SIZE - 8, 9) }, STATUS_ACCESS_VIOLATION },
	{ "a range starting at the end", SET_ID, BIND_KEEP, 1,
	  { RANGE(RXBUF_SIZE, 1) }, STATUS_ACCESS_VIOLATION },
	{ "offset plus count wrapping 32 bits", SET_ID, BIND_KEEP, 1,
	  { RANGE(0xfffffff0, 0x20) }, STATUS_ACCESS_VIOLATION },
	{ "an empty range", SET_ID, BIND_KEEP, 1,
	  { RANGE(0, 0) }, STATUS_ACCESS_VIOLATION },
	{ "a bad range after a good one", SET_ID, BIND_KEEP, 2,
	  { RANGE(0, 8), RANGE(RXBUF_SIZE, 8) }, STATUS_ACCESS_VIOLATION },
	{ "a set id never bound", OTHER_SET_ID, BIND_KEEP, 1,
	  { RANGE(0, 8) }, STATUS_ACCESS_VIOLATION },
	{ "a set whose GPADL was deleted", SET_ID, BIND_DELETED, 1,
	  { RANGE(0, 8) }, STATUS_ACCESS_VIOLATION },
	{ "more ranges than the chain length", SET_ID, BIND_KEEP, CHAIN + 1,
	  { RANGE(0, 8), RANGE(8, 8), RANGE(16, 8), RANGE(24, 8), RANGE(32, 8) },
	  STATUS_INSUFFICIENT_RESOURCES },
};

static void hostile_case_desc(const struct hostile_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hostile, hostile_cases, hostile_case_desc);

static void every_range_is_checked_and_the_packet_still_completes(struct kunit *test)
{
	const struct hostile_case *c = test->param_value;
	struct xfer_fixture *f = test->priv;
	struct vmtransfer_page_range good = RANGE(8, 8);
	bool refused = c->status == STATUS_ACCESS_VIOLATION;
	/* The good packet's set: never the one the case is about. */
	u16 other = c->bind == BIND_DELETED ? OTHER_SET_ID : OTHER_SET_ID + 1;
	struct vmb_gpadl_stats st;

	if (c->bind == BIND_DELETED)
		VmbChannelDeleteGpadl(f->x.ch, f->handle);
	KUNIT_ASSERT_EQ(test, bind(f, other, f->other_handle), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, send_ranges(f, COMPLETION, FIRST_ID, c->set_id,
					  c->r, c->nranges), 0);
	/* Then a good packet, over the other buffer. */
	KUNIT_ASSERT_EQ(test, host_fill(f, f->other_handle, good.byte_offset,
					"xfer-ok!", 8), 0);
	KUNIT_ASSERT_EQ(test, send_ranges(f, COMPLETION, FIRST_ID + 1, other,
					  &good, 1), 0);
	KUNIT_ASSERT_TRUE(test, extclient_wait(&f->x, &f->x.packets, 2));

	/* Both delivered as external data; the first as the case says. */
	KUNIT_EXPECT_EQ(test, f->x.flag_log[0],
			(u32)VMBUS_CHANNEL_PROCESS_PACKET_FLAGS);
	KUNIT_EXPECT_EQ(test, f->x.statuses[0], c->status);
	KUNIT_EXPECT_EQ(test, f->x.statuses[1], STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, f->x.ext_bytes, 8U);
	KUNIT_EXPECT_EQ(test, memcmp(f->x.ext_copy, "xfer-ok!", 8), 0);
	/* Both completed back to the host, in order. */
	expect_completions(test, f, FIRST_ID, 2);
	vmbkmcl_channel_gpadl_stats(f->x.ch, &st);
	KUNIT_EXPECT_EQ(test, st.refused, refused ? 1ULL : 0ULL);
}

static void binding_needs_a_live_gpadl_of_the_channel(struct kunit *test)
{
	struct xfer_fixture *f = test->priv;

	NTSTATUS status;

	status = VmbKmclChannelSetTransferPageSet(NULL, SET_ID, f->handle);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_1);
	status = bind(f, SET_ID, f->handle + f->other_handle);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_3);
	VmbChannelDeleteGpadl(f->x.ch, f->other_handle);
	KUNIT_EXPECT_EQ(test, bind(f, SET_ID, f->other_handle),
			STATUS_INVALID_PARAMETER_3);
}

/* Binding an id again moves it: the packet reads the new buffer. */
static void rebinding_an_id_moves_it(struct kunit *test)
{
	struct xfer_fixture *f = test->priv;
	struct vmtransfer_page_range r = RANGE(PAGE_SIZE - 4, 8);
	u32 off = r.byte_offset;

	KUNIT_ASSERT_EQ(test, host_fill(f, f->handle, off, "old-buf!", 8), 0);
	KUNIT_ASSERT_EQ(test, host_fill(f, f->other_handle, off, "new-buf!", 8),
			0);
	KUNIT_ASSERT_EQ(test, bind(f, SET_ID, f->other_handle), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, send_ranges(f, 0, FIRST_ID, SET_ID, &r, 1), 0);
	KUNIT_ASSERT_TRUE(test, extclient_wait(&f->x, &f->x.packets, 1));

	KUNIT_EXPECT_EQ(test, f->x.ext_status, STATUS_SUCCESS);
	/* One range across a page boundary is still one MDL. */
	KUNIT_EXPECT_EQ(test, f->x.ext_mdls, 1U);
	KUNIT_EXPECT_EQ(test, f->x.ext_bytes, 8U);
	KUNIT_EXPECT_EQ(test, memcmp(f->x.ext_copy, "new-buf!", 8), 0);
}

/*
 * A packet the host wants no completion for, completed inside its own
 * ProcessPacket, hands its slot straight to the next packet of the batch:
 * that packet must get its own chain, not the one built for its
 * predecessor.
 */
static void a_reused_slot_gets_its_own_chain(struct kunit *test)
{
	struct xfer_fixture *f = test->priv;
	struct vmtransfer_page_range a = RANGE(0, 8), b = RANGE(PAGE_SIZE, 8);

	KUNIT_ASSERT_EQ(test, host_fill(f, f->handle, a.byte_offset, "packet-a",
					8), 0);
	KUNIT_ASSERT_EQ(test, host_fill(f, f->handle, b.byte_offset, "packet-b",
					8), 0);
	/* Both in the ring before the guest looks: one batch. */
	simhost_hold_interrupts(f->sh, true);
	KUNIT_ASSERT_EQ(test, send_ranges(f, 0, FIRST_ID, SET_ID, &a, 1), 0);
	KUNIT_ASSERT_EQ(test, send_ranges(f, 0, FIRST_ID + 1, SET_ID, &b, 1), 0);
	simhost_hold_interrupts(f->sh, false);
	KUNIT_ASSERT_TRUE(test, extclient_wait(&f->x, &f->x.packets, 2));

	KUNIT_EXPECT_EQ(test, f->x.statuses[1], STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, f->x.ext_bytes, 8U);
	KUNIT_EXPECT_EQ(test, memcmp(f->x.ext_copy, "packet-b", 8), 0);
}

static struct kunit_case xfer_cases[] = {
	KUNIT_CASE(thousands_of_packets_arrive_byte_for_byte),
	KUNIT_CASE_PARAM(every_range_is_checked_and_the_packet_still_completes,
			 hostile_gen_params),
	KUNIT_CASE(binding_needs_a_live_gpadl_of_the_channel),
	KUNIT_CASE(rebinding_an_id_moves_it),
	KUNIT_CASE(a_reused_slot_gets_its_own_chain),
	{}
};

static struct kunit_suite xfer_suite = {
	.name = "vmbkmcl_xfer",
	.init = xfer_init,
	.exit = xfer_exit,
	.test_cases = xfer_cases,
};

kunit_test_suite(xfer_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's transfer-page receive buffers");
MODULE_LICENSE("GPL");
