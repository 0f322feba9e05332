// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_external: external data, sent and received by page number.
 *
 * Sends: the host parses the GPA-direct packet the guest wrote and reads
 * the named pages through their numbers alone (simhost_gpa_read()), so
 * the bytes it sees prove the guest named the right pages; it then
 * completes the packet and the send's routine must run once.
 * Receives: the host names pages of GPADLs the guest created, and a
 * client's ProcessPacket gets the bytes through
 * VmbChannelPacketGetExternalData and the MDLs it returns; pages outside
 * those GPADLs must be refused, and the channel must carry on.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <vmbkmcl/mdl.h>

#include "../vmbkmcl/channel.h"
#include "extclient.h"
#include "simhost_gpadl.h"

#define MAX_BUFS		4
#define BUF_PAGES		4
#define BIG_BUF_PAGES		64
#define INLINE_TAG		0x1e5dULL
#define GOOD_ID			7
/* Pages one send names at most (the descriptor room, 512 bytes). */
#define MAX_SEND_PFNS		60
#define UNKNOWN_EXTERNAL_FLAG	0x2
#define READ_ONLY		VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY

struct ext_fixture {
	struct simhost *sh;
	struct extclient x;
	void *bufs[MAX_BUFS];
	bool vmalloced[MAX_BUFS];
	u32 nbufs;
};

static u8 pattern(u32 i, u8 seed)
{
	return (u8)(seed + i * 7 + (i >> 8));
}

static int ext_init(struct kunit *test)
{
	struct ext_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->sh = simhost_create();
	KUNIT_ASSERT_NOT_NULL(test, f->sh);
	KUNIT_ASSERT_EQ(test, extclient_init(&f->x, f->sh), 0);
	test->priv = f;
	return 0;
}

/* The channel (and its GPADLs) go before the memory under them. */
static void ext_exit(struct kunit *test)
{
	struct ext_fixture *f = test->priv;
	u32 i;

	extclient_destroy(&f->x);
	simhost_destroy(f->sh);
	for (i = 0; i < f->nbufs; i++) {
		if (f->vmalloced[i])
			vfree(f->bufs[i]);
		else
			kfree(f->bufs[i]);
	}
}

static void enable(struct kunit *test, struct ext_fixture *f)
{
	KUNIT_ASSERT_EQ(test, extclient_enable(&f->x), STATUS_SUCCESS);
}

/* A page-aligned, patterned buffer, freed in .exit. */
static u8 *new_buf(struct kunit *test, u32 pages, bool vmalloced)
{
	struct ext_fixture *f = test->priv;
	u8 *buf;
	u32 i;

	KUNIT_ASSERT_LT(test, f->nbufs, MAX_BUFS);
	buf = vmalloced ? vmalloc(pages * PAGE_SIZE) :
			  kmalloc(pages * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	f->vmalloced[f->nbufs] = vmalloced;
	f->bufs[f->nbufs++] = buf;
	for (i = 0; i < pages * PAGE_SIZE; i++)
		buf[i] = pattern(i, f->nbufs);
	return buf;
}

/* An MDL over kernel memory, freed when the case ends. */
static PMDL new_mdl(struct kunit *test, void *va, u32 len)
{
	PMDL mdl = ext_kunit_mdl(test, va, len);

	KUNIT_ASSERT_NOT_NULL(test, mdl);
	return mdl;
}

static VMBPACKET new_packet(struct kunit *test, struct ext_fixture *f)
{
	VMBPACKET p = extclient_packet(&f->x);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void wait_for(struct kunit *test, struct ext_fixture *f,
		     const u32 *counter, u32 n)
{
	KUNIT_ASSERT_TRUE(test, extclient_wait(&f->x, counter, n));
}

/* --- sending --- */

enum send_api {
	SEND_MDL,		/* VmbPacketSend with an MDL */
	SEND_EXTERNAL_MDL,	/* VmbPacketSendWithExternalMdl */
	SEND_PFNS,		/* VmbPacketSendWithExternalPfns */
};

struct send_case {
	const char *name;
	enum send_api api;
	u32 start;	/* the first MDL's offset in the buffer */
	u32 bytes;	/* its ByteCount */
	u32 second;	/* a second MDL, at page 2, of this many bytes */
	u32 offset;	/* MdlOffset */
	u32 length;	/* MdlLength */
	bool force;	/* FORCE_MDL_LENGTH */
	u32 sent;	/* external bytes the host should see */
	u32 second_at;	/* the second MDL's offset into page 2 */
	u32 ranges;	/* GPA ranges the host should see; 0 means 1 */
};

static const struct send_case send_cases[] = {
	{ "Send with an MDL over three pages", SEND_MDL, PAGE_SIZE - 100,
	  PAGE_SIZE + 200, 0, 0, 0, false, PAGE_SIZE + 200 },
	{ "Send with a chain joined at a page boundary", SEND_MDL, 100,
	  PAGE_SIZE - 100, 300, 0, 0, false, PAGE_SIZE - 100 + 300 },
	{ "ExternalMdl with part of an MDL", SEND_EXTERNAL_MDL, PAGE_SIZE - 100,
	  2 * PAGE_SIZE, 0, 300, 1000, false, 1000 },
	{ "ExternalMdl with length 0 runs to the MDL's end", SEND_EXTERNAL_MDL,
	  8, PAGE_SIZE, 0, PAGE_SIZE / 2, 0, false, PAGE_SIZE / 2 },
	{ "ExternalMdl with FORCE_MDL_LENGTH up to the page end",
	  SEND_EXTERNAL_MDL, 0, PAGE_SIZE + 100, 0, PAGE_SIZE, PAGE_SIZE, true,
	  PAGE_SIZE },
	{ "ExternalPfns with two whole pages", SEND_PFNS, PAGE_SIZE, 0, 0, 0,
	  2 * HV_HYP_PAGE_SIZE, false, 2 * HV_HYP_PAGE_SIZE },
	{ "Send with a chain split inside a page: two ranges", SEND_MDL, 100,
	  PAGE_SIZE / 2, 300, 0, 0, false, PAGE_SIZE / 2 + 300,
	  PAGE_SIZE / 2 + 8, 2 },
	{ "ExternalMdl across a split and on: two ranges", SEND_EXTERNAL_MDL,
	  PAGE_SIZE - 64, PAGE_SIZE + 64, PAGE_SIZE, 100, PAGE_SIZE + 500,
	  false, PAGE_SIZE + 500, 40, 2 },
};

static void send_case_desc(const struct send_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(send, send_cases, send_case_desc);

/* Byte @i of what the chain at @mdl describes, through its mappings. */
static u8 chain_byte(PMDL mdl, u32 i)
{
	for (; i >= mdl->ByteCount && mdl->Next; mdl = mdl->Next)
		i -= mdl->ByteCount;
	return ((u8 *)mdl->MappedSystemVa)[i];
}

static NTSTATUS send_one(const struct send_case *c, VMBPACKET p, u64 *tag,
			 PMDL mdl, PFN_NUMBER *pfns)
{
	const u32 wait = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;

	switch (c->api) {
	case SEND_MDL:
		return VmbPacketSend(p, tag, sizeof(*tag), mdl, wait);
	case SEND_EXTERNAL_MDL:
		return VmbPacketSendWithExternalMdl(p, tag, sizeof(*tag), mdl,
			c->offset, c->length, wait |
			(c->force ? VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH : 0));
	case SEND_PFNS:
		return VmbPacketSendWithExternalPfns(p, tag, sizeof(*tag), pfns,
			c->length >> HV_HYP_PAGE_SHIFT, wait);
	}
	return STATUS_UNSUCCESSFUL;
}

static void external_send_names_the_pages_and_completes_once(struct kunit *test)
{
	const struct send_case *c = test->param_value;
	struct ext_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_PAGES, true), *got, *src;
	PFN_NUMBER pfns[BUF_PAGES * PAGE_SIZE / HV_HYP_PAGE_SIZE];
	struct simhost_gpa_packet pkt;
	u64 tag = INLINE_TAG, inline_got = 0;
	PMDL mdl = NULL;
	u32 i, first, at;

	got = kunit_kzalloc(test, c->sent, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	if (c->api == SEND_PFNS) {
		for (i = 0; i < c->length >> HV_HYP_PAGE_SHIFT; i++)
			pfns[i] = virt_to_hvpfn(buf + c->start +
						i * HV_HYP_PAGE_SIZE);
	} else {
		mdl = new_mdl(test, buf + c->start, c->bytes);
		if (c->second)
			mdl->Next = new_mdl(test, buf + 2 * PAGE_SIZE +
					    c->second_at, c->second);
	}
	src = buf + c->start + c->offset;
	enable(test, f);
	KUNIT_ASSERT_EQ(test, send_one(c, new_packet(test, f), &tag, mdl, pfns),
			STATUS_SUCCESS);

	/* One GPA-direct packet, its ranges over the pages under the data. */
	KUNIT_ASSERT_EQ(test, simhost_read_gpa_direct(f->sh, &pkt, &inline_got,
						      sizeof(inline_got)), 0);
	KUNIT_EXPECT_EQ(test, pkt.desc.type, (u16)VM_PKT_DATA_USING_GPA_DIRECT);
	KUNIT_EXPECT_EQ(test, pkt.desc.flags,
			(u16)VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	KUNIT_ASSERT_EQ(test, pkt.range_count, c->ranges ?: 1U);
	KUNIT_EXPECT_EQ(test, pkt.byte_offset, (u32)offset_in_hvpage(src));
	KUNIT_EXPECT_EQ(test, pkt.pfns[0], (u64)virt_to_hvpfn(src));
	KUNIT_EXPECT_EQ(test, inline_got, tag);
	for (i = 0, at = 0; i < pkt.range_count; i++) {
		const struct simhost_gpa_range *r = &pkt.ranges[i];

		KUNIT_EXPECT_EQ(test, r->npfns,
				(u32)HVPFN_UP(r->byte_offset + r->byte_count));
		KUNIT_ASSERT_LE(test, at + r->byte_count, c->sent);
		KUNIT_ASSERT_EQ(test, simhost_gpa_read(r->pfns, r->npfns,
						       r->byte_offset, got + at,
						       r->byte_count), 0);
		at += r->byte_count;
	}
	KUNIT_EXPECT_EQ(test, at, c->sent);
	first = c->offset;
	for (i = 0; i < c->sent; i++) {
		u8 want = mdl ? chain_byte(mdl, first + i) : src[i];

		if (got[i] != want) {
			KUNIT_FAIL(test, "byte %u: host read %#x, guest has %#x",
				   i, got[i], want);
			break;
		}
	}

	/* The host's completion ends the send, once. */
	KUNIT_EXPECT_EQ(test, f->x.sends_done, 0U);
	KUNIT_ASSERT_EQ(test, simhost_write_inband(f->sh, VM_PKT_COMP, 0,
						   pkt.desc.trans_id, NULL, 0), 0);
	wait_for(test, f, &f->x.sends_done, 1);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, f->x.sends_done, 1U);
	KUNIT_EXPECT_EQ(test, f->x.send_status, STATUS_SUCCESS);
}

struct refusal_case {
	const char *name;
	enum send_api api;
	u32 flags;
	u32 offset;	/* MdlOffset */
	u32 length;	/* MdlLength; PfnLength for SEND_PFNS */
	u32 second;	/* a second MDL's ByteOffset in its page, or 0 */
	bool no_pages;	/* the MDL's pages were never filled in */
	NTSTATUS status;
	bool isolated;	/* the guest is a confidential VM */
};

#define WAIT	VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION
#define FORCE	VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH

/* The MDL: one page and a half, from the start of a 64-page buffer. */
#define REFUSAL_MDL_BYTES	(PAGE_SIZE + PAGE_SIZE / 2)

static const struct refusal_case refusal_cases[] = {
	{ "Send with an MDL but no WAIT_FOR_COMPLETION", SEND_MDL, 0, 0, 0,
	  0, false, STATUS_INVALID_PARAMETER_5 },
	{ "Send with an MDL without pages", SEND_MDL, WAIT, 0, 0, 0, true,
	  STATUS_INVALID_PARAMETER_4 },
	{ "ExternalMdl without WAIT_FOR_COMPLETION", SEND_EXTERNAL_MDL, 0, 0, 0,
	  0, false, STATUS_INVALID_PARAMETER_7 },
	{ "ExternalMdl with the offset at the end", SEND_EXTERNAL_MDL, WAIT,
	  REFUSAL_MDL_BYTES, 0, 0, false, STATUS_INVALID_PARAMETER_5 },
	{ "ExternalMdl with the length past the end", SEND_EXTERNAL_MDL, WAIT,
	  1, REFUSAL_MDL_BYTES, 0, false, STATUS_INVALID_PARAMETER_6 },
	{ "ExternalMdl with FORCE_MDL_LENGTH past the page end",
	  SEND_EXTERNAL_MDL, WAIT | FORCE, 0, 2 * PAGE_SIZE + 1, 0, false,
	  STATUS_INVALID_PARAMETER_6 },
	{ "ExternalMdl over more pages than a packet names", SEND_EXTERNAL_MDL,
	  WAIT, 0, (MAX_SEND_PFNS + 1) * HV_HYP_PAGE_SIZE, 0, false,
	  STATUS_INVALID_PARAMETER_6 },
	{ "ExternalPfns without WAIT_FOR_COMPLETION", SEND_PFNS, 0, 0, 1, 0,
	  false, STATUS_INVALID_PARAMETER_6 },
	{ "ExternalPfns with no pages", SEND_PFNS, WAIT, 0, 0, 0, false,
	  STATUS_INVALID_PARAMETER_5 },
	{ "ExternalPfns with more pages than a packet names", SEND_PFNS, WAIT,
	  0, MAX_SEND_PFNS + 1, 0, false, STATUS_INVALID_PARAMETER_5 },
	/* Private pages of a confidential VM are not named to the host. */
	{ "Send with an MDL in a confidential VM", SEND_MDL, WAIT, 0, 0, 0,
	  false, STATUS_NOT_SUPPORTED, true },
	{ "ExternalMdl in a confidential VM", SEND_EXTERNAL_MDL, WAIT, 0,
	  PAGE_SIZE, 0, false, STATUS_NOT_SUPPORTED, true },
	{ "ExternalPfns in a confidential VM", SEND_PFNS, WAIT, 0, 1, 0,
	  false, STATUS_NOT_SUPPORTED, true },
};

static void refusal_case_desc(const struct refusal_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(refusal, refusal_cases, refusal_case_desc);

static void bad_external_send_is_refused_and_writes_nothing(struct kunit *test)
{
	const struct refusal_case *c = test->param_value;
	struct ext_fixture *f = test->priv;
	u8 *buf = new_buf(test, BIG_BUF_PAGES, true);
	PFN_NUMBER pfns[MAX_SEND_PFNS + 1];
	u32 bytes = c->length > MAX_SEND_PFNS * HV_HYP_PAGE_SIZE ?
		    BIG_BUF_PAGES * PAGE_SIZE : REFUSAL_MDL_BYTES;
	PMDL mdl = new_mdl(test, buf, bytes);
	u64 tag = INLINE_TAG;
	VMBPACKET p;
	NTSTATUS status;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(pfns); i++)
		pfns[i] = virt_to_hvpfn(buf + i * HV_HYP_PAGE_SIZE);
	if (c->no_pages)
		mdl->MdlFlags &= ~MDL_SOURCE_IS_NONPAGED_POOL;
	if (c->second)
		mdl->Next = new_mdl(test, buf + 2 * PAGE_SIZE + c->second,
				    PAGE_SIZE / 2);
	simhost_set_isolated(f->sh, c->isolated);
	enable(test, f);
	p = new_packet(test, f);
	if (c->api == SEND_MDL)
		status = VmbPacketSend(p, &tag, sizeof(tag), mdl, c->flags);
	else if (c->api == SEND_EXTERNAL_MDL)
		status = VmbPacketSendWithExternalMdl(p, &tag, sizeof(tag), mdl,
						      c->offset, c->length,
						      c->flags);
	else
		status = VmbPacketSendWithExternalPfns(p, &tag, sizeof(tag),
						       pfns, c->length, c->flags);
	KUNIT_EXPECT_EQ(test, status, c->status);
	KUNIT_EXPECT_EQ(test, simhost_outbound_pending(f->sh), 0U);
	KUNIT_EXPECT_EQ(test, f->x.sends_done, 0U);
	/* A refused packet is still the caller's (a sent one ends at Disable). */
	if (!NT_SUCCESS(status))
		VmbPacketFree(p);
}

/* --- receiving --- */

/* A GPADL over @buf (@pages pages); its PFNs as the host got them. */
static u32 share(struct kunit *test, struct ext_fixture *f, u8 *buf,
		 u32 pages, u64 *pfns)
{
	u32 h;

	const u32 n = pages * PAGE_SIZE / HV_HYP_PAGE_SIZE;
	NTSTATUS status;

	status = VmbChannelCreateGpadlFromBuffer(f->x.ch, 0, buf,
						 pages * PAGE_SIZE, &h);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, simhost_gpadl_pfns(f->sh, h, pfns, n), (int)n);
	return h;
}

static int write_inband(struct simhost *sh)
{
	return simhost_write_inband(sh, VM_PKT_DATA_INBAND, 0, GOOD_ID, NULL, 0);
}

static void write_gpa(struct kunit *test, struct ext_fixture *f,
		      const struct simhost_gpa_range *r, u32 nranges)
{
	u64 tag = INLINE_TAG;

	KUNIT_ASSERT_EQ(test, simhost_write_gpa_direct(f->sh, 0, GOOD_ID, r,
						       nranges, &tag,
						       sizeof(tag)), 0);
}

static void gpa_direct_data_in_a_gpadl_arrives_as_an_mdl(struct kunit *test)
{
	const u32 off = 100, count = 2 * HV_HYP_PAGE_SIZE;
	struct ext_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_PAGES, true);
	u64 pfns[BUF_PAGES * PAGE_SIZE / HV_HYP_PAGE_SIZE];
	struct simhost_gpa_range r = {
		.byte_offset = off, .byte_count = count, .npfns = 3,
		.pfns = &pfns[1],
	};
	u8 *want = buf + HV_HYP_PAGE_SIZE + off;
	PMDL again = NULL;
	NTSTATUS status;

	f->x.hold = true;
	enable(test, f);
	share(test, f, buf, BUF_PAGES, pfns);
	write_gpa(test, f, &r, 1);
	wait_for(test, f, &f->x.packets, 1);

	/* Inside ProcessPacket: one MDL, the guest buffer's very bytes. */
	KUNIT_EXPECT_EQ(test, f->x.flags, (u32)VMBUS_CHANNEL_PROCESS_PACKET_FLAGS);
	KUNIT_ASSERT_EQ(test, f->x.ext_status, STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, f->x.ext_mdls, 1U);
	KUNIT_EXPECT_EQ(test, f->x.ext_bytes, count);
	KUNIT_EXPECT_EQ(test, memcmp(f->x.ext_copy, want, count), 0);

	/* After the callback, until the packet is completed: the same MDL. */
	status = VmbChannelPacketGetExternalData(f->x.held, READ_ONLY, &again);
	KUNIT_EXPECT_EQ(test, status, STATUS_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, again, f->x.ext_mdl);
	KUNIT_EXPECT_PTR_EQ(test,
			    MmGetSystemAddressForMdlSafe(again, NormalPagePriority),
			    (void *)want);
	KUNIT_EXPECT_EQ(test, MmGetMdlByteOffset(again),
			(u32)offset_in_page(want));
	status = VmbChannelPacketGetExternalData(f->x.held,
						 UNKNOWN_EXTERNAL_FLAG, &again);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_2);
	KUNIT_EXPECT_NULL(test, again);
	status = VmbChannelPacketGetExternalData(f->x.held, 0, NULL);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_3);
	VmbChannelPacketComplete(f->x.held, NULL, 0);
	f->x.held = NULL;
}

static void range_across_two_gpadls_arrives_as_a_chain(struct kunit *test)
{
	struct ext_fixture *f = test->priv;
	u8 *a = new_buf(test, 1, false), *b = new_buf(test, 1, true);
	u64 pa[PAGE_SIZE / HV_HYP_PAGE_SIZE], pb[PAGE_SIZE / HV_HYP_PAGE_SIZE];
	u64 pfns[2];
	struct simhost_gpa_range r = {
		.byte_offset = 0, .byte_count = 2 * HV_HYP_PAGE_SIZE,
		.npfns = 2, .pfns = pfns,
	};

	enable(test, f);
	share(test, f, a, 1, pa);
	share(test, f, b, 1, pb);
	pfns[0] = pa[ARRAY_SIZE(pa) - 1];	/* a's last 4 KiB */
	pfns[1] = pb[0];			/* b's first 4 KiB */
	write_gpa(test, f, &r, 1);
	wait_for(test, f, &f->x.packets, 1);

	KUNIT_ASSERT_EQ(test, f->x.ext_status, STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, f->x.ext_mdls, 2U);
	KUNIT_EXPECT_EQ(test, f->x.ext_bytes, 2 * HV_HYP_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(f->x.ext_copy,
				     a + PAGE_SIZE - HV_HYP_PAGE_SIZE,
				     HV_HYP_PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, memcmp(f->x.ext_copy + HV_HYP_PAGE_SIZE, b,
				     HV_HYP_PAGE_SIZE), 0);
}

static void each_packet_gets_its_own_data_when_slots_are_reused(struct kunit *test)
{
	struct ext_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_PAGES, true);
	u64 pfns[BUF_PAGES * PAGE_SIZE / HV_HYP_PAGE_SIZE];
	struct simhost_gpa_range r = {
		.byte_count = HV_HYP_PAGE_SIZE, .npfns = 1, .pfns = &pfns[0],
	};
	u32 i;

	enable(test, f);
	share(test, f, buf, BUF_PAGES, pfns);
	/* One at a time, each completed before the next: one slot serves. */
	for (i = 0; i < ARRAY_SIZE(pfns); i++) {
		r.pfns = &pfns[i];
		write_gpa(test, f, &r, 1);
		wait_for(test, f, &f->x.packets, i + 1);
		KUNIT_EXPECT_EQ(test, f->x.ext_status, STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, memcmp(f->x.ext_copy,
					     buf + i * HV_HYP_PAGE_SIZE,
					     HV_HYP_PAGE_SIZE), 0);
	}
}

enum stray {
	STRAY_PAGE,		/* a page no GPADL holds */
	STRAY_PAST_END,		/* a range running past its GPADL's end */
	STRAY_SECOND_RANGE,	/* a good range, then a stray one */
};

static const enum stray strays[] = {
	STRAY_PAGE, STRAY_PAST_END, STRAY_SECOND_RANGE,
};

static void stray_desc(const enum stray *s, char *desc)
{
	static const char * const names[] = {
		[STRAY_PAGE] = "a page outside every GPADL",
		[STRAY_PAST_END] = "a range running past its GPADL's end",
		[STRAY_SECOND_RANGE] = "a good range, then one outside",
	};

	strscpy(desc, names[*s], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(stray, strays, stray_desc);

static void pages_outside_the_gpadls_are_refused(struct kunit *test)
{
	const enum stray s = *(const enum stray *)test->param_value;
	struct ext_fixture *f = test->priv;
	/* kmalloc: physically contiguous, so the next PFN is not in it. */
	u8 *shared = new_buf(test, 1, false), *private = new_buf(test, 1, false);
	u64 pfns[PAGE_SIZE / HV_HYP_PAGE_SIZE], run[2];
	u64 stranger = virt_to_hvpfn(private);
	struct simhost_gpa_range r[2] = {
		{ .byte_count = HV_HYP_PAGE_SIZE, .npfns = 1, .pfns = &stranger },
		{ .byte_count = HV_HYP_PAGE_SIZE, .npfns = 1, .pfns = &stranger },
	};

	enable(test, f);
	share(test, f, shared, 1, pfns);
	run[0] = pfns[ARRAY_SIZE(pfns) - 1];
	run[1] = run[0] + 1;
	if (s == STRAY_PAST_END) {
		r[0].byte_count = 2 * HV_HYP_PAGE_SIZE;
		r[0].npfns = 2;
		r[0].pfns = run;
	} else if (s == STRAY_SECOND_RANGE) {
		r[0].pfns = run;
	}
	write_gpa(test, f, r, s == STRAY_SECOND_RANGE ? 2 : 1);
	KUNIT_ASSERT_EQ(test, write_inband(f->sh), 0);
	wait_for(test, f, &f->x.packets, 2);
	simhost_sync(f->sh);

	/* Delivered, its external data refused; the next packet follows. */
	KUNIT_EXPECT_EQ(test, f->x.packets, 2U);
	KUNIT_EXPECT_EQ(test, f->x.flag_log[0],
			(u32)VMBUS_CHANNEL_PROCESS_PACKET_FLAGS);
	KUNIT_EXPECT_EQ(test, f->x.statuses[0], STATUS_ACCESS_VIOLATION);
	KUNIT_EXPECT_EQ(test, f->x.flag_log[1], 0U);
}

struct plain_case {
	const char *name;
	bool xfer_pages;
	NTSTATUS status;
};

static const struct plain_case plain_cases[] = {
	{ "an inband packet has none", false, STATUS_INVALID_PARAMETER_1 },
	{ "a transfer-page packet's is not supported", true,
	  STATUS_NOT_SUPPORTED },
};

static void plain_case_desc(const struct plain_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(plain, plain_cases, plain_case_desc);

/* One range of a transfer-page packet: pageset 0, 8 bytes at offset 0. */
static int write_xfer_pages(struct simhost *sh)
{
	struct {
		struct vmpacket_descriptor d;
		u16 xfer_pageset_id;
		u8 sender_owns_set;
		u8 reserved;
		u32 range_cnt;
		struct vmtransfer_page_range range;
	} __packed pkt = {
		.d = {
			.type = VM_PKT_DATA_USING_XFER_PAGES,
			.offset8 = sizeof(pkt) / sizeof(u64),
			.len8 = sizeof(pkt) / sizeof(u64),
			.trans_id = GOOD_ID,
		},
		.range_cnt = 1,
		.range = { .byte_count = sizeof(u64) },
	};

	return simhost_write_raw(sh, &pkt, sizeof(pkt));
}

static void packet_without_gpa_ranges_gives_no_mdl(struct kunit *test)
{
	const struct plain_case *c = test->param_value;
	struct ext_fixture *f = test->priv;

	enable(test, f);
	KUNIT_ASSERT_EQ(test, c->xfer_pages ? write_xfer_pages(f->sh) :
			write_inband(f->sh), 0);
	wait_for(test, f, &f->x.packets, 1);

	KUNIT_EXPECT_EQ(test, f->x.flags, c->xfer_pages ?
			(u32)VMBUS_CHANNEL_PROCESS_PACKET_FLAGS : 0U);
	KUNIT_EXPECT_EQ(test, f->x.ext_status, c->status);
	KUNIT_EXPECT_NULL(test, f->x.ext_mdl);
}

static void external_data_past_the_preallocation_is_refused(struct kunit *test)
{
	struct ext_fixture *f = test->priv;
	u8 *a = new_buf(test, 1, false), *b = new_buf(test, BUF_PAGES, true);
	u64 pa[PAGE_SIZE / HV_HYP_PAGE_SIZE];
	u64 pb[BUF_PAGES * PAGE_SIZE / HV_HYP_PAGE_SIZE], two[2];
	struct simhost_gpa_range chain = {
		.byte_count = 2 * HV_HYP_PAGE_SIZE, .npfns = 2, .pfns = two,
	};
	/* Four pages in one run: over the 1 + 2 pages allowed. */
	struct simhost_gpa_range wide = {
		.byte_offset = 1, .byte_count = ARRAY_SIZE(pb) * HV_HYP_PAGE_SIZE - 1,
		.npfns = ARRAY_SIZE(pb), .pfns = pb,
	};
	NTSTATUS status;

	/* One MDL of at most a page (plus two partial ones) per packet. */
	status = VmbChannelInitSetMaximumExternalData(f->x.ch, PAGE_SIZE, 1);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	enable(test, f);
	share(test, f, a, 1, pa);
	share(test, f, b, BUF_PAGES, pb);
	two[0] = pa[0];
	two[1] = pb[0];
	write_gpa(test, f, &chain, 1);
	write_gpa(test, f, &wide, 1);
	wait_for(test, f, &f->x.packets, 2);

	KUNIT_EXPECT_EQ(test, f->x.statuses[0], STATUS_INSUFFICIENT_RESOURCES);
	KUNIT_EXPECT_EQ(test, f->x.statuses[1], STATUS_INSUFFICIENT_RESOURCES);
}

static struct kunit_case external_cases[] = {
	KUNIT_CASE_PARAM(external_send_names_the_pages_and_completes_once,
			 send_gen_params),
	KUNIT_CASE_PARAM(bad_external_send_is_refused_and_writes_nothing,
			 refusal_gen_params),
	KUNIT_CASE(gpa_direct_data_in_a_gpadl_arrives_as_an_mdl),
	KUNIT_CASE(range_across_two_gpadls_arrives_as_a_chain),
	KUNIT_CASE(each_packet_gets_its_own_data_when_slots_are_reused),
	KUNIT_CASE_PARAM(pages_outside_the_gpadls_are_refused,
			 stray_gen_params),
	KUNIT_CASE_PARAM(packet_without_gpa_ranges_gives_no_mdl,
			 plain_gen_params),
	KUNIT_CASE(external_data_past_the_preallocation_is_refused),
	{}
};

static struct kunit_suite external_suite = {
	.name = "vmbkmcl_external",
	.init = ext_init,
	.exit = ext_exit,
	.test_cases = external_cases,
};

kunit_test_suite(external_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's external data against a simulated host");
MODULE_LICENSE("GPL");
