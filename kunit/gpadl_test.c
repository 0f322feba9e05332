// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_gpadl: GPADLs.
 *
 * Cases create GPADLs on a recorder channel over simhost and then
 * look through the host's eyes: simhost reaches guest memory only through
 * the page numbers it was given, so bytes the host writes must show up in
 * the guest's buffer and the other way round.  Failures must leave
 * nothing behind on either side.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <vmbkmcl/mdl.h>

#include "../vmbkmcl/channel.h"
#include "extclient.h"
#include "recorder.h"
#include "simhost_gpadl.h"

#define LOG_CAP			16
#define MAX_BUFS		4
#define GPADL_PAGES		3
#define PROBE_LEN		16
#define NOT_A_HANDLE		0xdeadbeefU
#define UNKNOWN_GPADL_FLAG	0x2

enum buf_kind {
	BUF_KMALLOC,
	BUF_VMALLOC,
	BUF_PAGES,
};

struct gp_fixture {
	struct simhost *sh;
	struct recorder rec;
	void *bufs[MAX_BUFS];
	u8 kinds[MAX_BUFS];
	u8 orders[MAX_BUFS];
	u32 nbufs;
};

static int gp_init(struct kunit *test)
{
	struct gp_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	return 0;
}

/* GPADLs go with the channel, before the memory under them. */
static void gp_exit(struct kunit *test)
{
	struct gp_fixture *f = test->priv;
	u32 i;

	recorder_kunit_stop(&f->rec);
	for (i = 0; i < f->nbufs; i++) {
		if (f->kinds[i] == BUF_KMALLOC)
			kfree(f->bufs[i]);
		else if (f->kinds[i] == BUF_VMALLOC)
			vfree(f->bufs[i]);
		else
			free_pages((unsigned long)f->bufs[i], f->orders[i]);
	}
}

static void enable(struct kunit *test, struct gp_fixture *f)
{
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
}

static u8 pattern(u32 i, u8 seed)
{
	return (u8)(seed + i * 7 + (i >> 8));
}

static void fill(void *buf, u32 len, u8 seed)
{
	u8 *b = buf;
	u32 i;

	for (i = 0; i < len; i++)
		b[i] = pattern(i, seed);
}

/* A page-aligned buffer of @pages pages, freed in .exit. */
static u8 *new_buf(struct kunit *test, enum buf_kind kind, u32 pages)
{
	struct gp_fixture *f = test->priv;
	u32 order = get_order(pages * PAGE_SIZE);
	void *buf;

	KUNIT_ASSERT_LT(test, f->nbufs, MAX_BUFS);
	if (kind == BUF_KMALLOC)
		buf = kmalloc(pages * PAGE_SIZE, GFP_KERNEL);
	else if (kind == BUF_VMALLOC)
		buf = vmalloc(pages * PAGE_SIZE);
	else
		buf = (void *)__get_free_pages(GFP_KERNEL, order);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	f->kinds[f->nbufs] = kind;
	f->orders[f->nbufs] = order;
	f->bufs[f->nbufs++] = buf;
	KUNIT_ASSERT_TRUE(test, PAGE_ALIGNED(buf));
	fill(buf, pages * PAGE_SIZE, f->nbufs);
	return buf;
}

/* An MDL over kernel memory, freed when the case ends. */
static PMDL new_mdl(struct kunit *test, void *va, u32 len)
{
	PMDL mdl = ext_kunit_mdl(test, va, len);

	KUNIT_ASSERT_NOT_NULL(test, mdl);
	return mdl;
}

static void gpadl_stats(struct gp_fixture *f, struct vmb_gpadl_stats *st)
{
	vmbkmcl_channel_gpadl_stats(f->rec.channel, st);
}

static NTSTATUS from_buf(struct gp_fixture *f, void *buf, u32 bytes, u32 *h)
{
	return VmbChannelCreateGpadlFromBuffer(f->rec.channel, 0, buf, bytes, h);
}

static NTSTATUS from_mdl(struct gp_fixture *f, u32 flags, PMDL mdl, u32 start,
			 u32 bytes, u32 *h)
{
	return VmbChannelCreateGpadlFromMdl(f->rec.channel, flags, mdl, start,
					    bytes, h);
}

/* --- GPADLs --- */

static const enum buf_kind buf_kinds[] = { BUF_KMALLOC, BUF_VMALLOC, BUF_PAGES };

static void buf_kind_desc(const enum buf_kind *k, char *desc)
{
	static const char * const names[] = {
		[BUF_KMALLOC] = "kmalloc memory",
		[BUF_VMALLOC] = "vmalloc memory",
		[BUF_PAGES] = "page-allocator memory",
	};

	strscpy(desc, names[*k], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(buf_kind, buf_kinds, buf_kind_desc);

/* The guest's view of a GPADL's bytes: copy @len bytes at @off out of it
 * (@to_mem false) or into it.
 */
typedef void (*guest_io)(void *ctx, u32 off, void *buf, u32 len,
			 bool to_mem);

/* The host writes at @host_off and reads at @guest_off of GPADL @h. */
static void expect_shared(struct kunit *test, struct gp_fixture *f, u32 h,
			  guest_io io, void *ctx, u32 host_off, u32 guest_off)
{
	u8 want[PROBE_LEN], got[PROBE_LEN];

	fill(want, sizeof(want), 0xa5);
	KUNIT_ASSERT_EQ(test, simhost_gpadl_write(f->sh, h, host_off, want,
						  sizeof(want)), 0);
	io(ctx, host_off, got, sizeof(got), false);
	KUNIT_EXPECT_EQ(test, memcmp(got, want, sizeof(want)), 0);

	fill(want, sizeof(want), 0x3c);
	io(ctx, guest_off, want, sizeof(want), true);
	KUNIT_ASSERT_EQ(test, simhost_gpadl_read(f->sh, h, guest_off, got,
						 sizeof(got)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got, want, sizeof(got)), 0);
}

static void flat_io(void *ctx, u32 off, void *buf, u32 len, bool to_mem)
{
	u8 *mem = (u8 *)ctx + off;

	if (to_mem)
		memcpy(mem, buf, len);
	else
		memcpy(buf, mem, len);
}

static void gpadl_from_buffer_is_the_same_memory_on_both_sides(struct kunit *test)
{
	const enum buf_kind kind = *(const enum buf_kind *)test->param_value;
	struct gp_fixture *f = test->priv;
	u8 *buf = new_buf(test, kind, GPADL_PAGES);
	struct vmb_gpadl_stats st;
	u32 h = NOT_A_HANDLE;

	enable(test, f);
	KUNIT_ASSERT_EQ(test, from_buf(f, buf, GPADL_PAGES * PAGE_SIZE, &h),
			STATUS_SUCCESS);
	KUNIT_EXPECT_GE(test, h, (u32)SIMHOST_FIRST_GPADL_HANDLE);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 1U);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_pfns(f->sh, h, NULL, 0),
			(int)(GPADL_PAGES * PAGE_SIZE / HV_HYP_PAGE_SIZE));
	/* Across the first page boundary, and inside the last page. */
	expect_shared(test, f, h, flat_io, buf, PAGE_SIZE - PROBE_LEN / 2,
		      GPADL_PAGES * PAGE_SIZE - PROBE_LEN);

	VmbChannelDeleteGpadl(f->rec.channel, h);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 0U);
	gpadl_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.live, 0ULL);
	KUNIT_EXPECT_EQ(test, st.created, 1ULL);
	KUNIT_EXPECT_EQ(test, st.deleted, 1ULL);
	KUNIT_EXPECT_EQ(test, st.leaked, 0ULL);
}

/* A chain: one single page, then two vmalloc pages. */
struct chain {
	u8 *one;
	u8 *two;
};

static void chain_io(void *ctx, u32 off, void *buf, u32 len, bool to_mem)
{
	struct chain *c = ctx;
	u8 *b = buf;

	for (; len; off++, b++, len--) {
		u8 *mem = off < PAGE_SIZE ? c->one + off : c->two + off - PAGE_SIZE;

		if (to_mem)
			*mem = *b;
		else
			*b = *mem;
	}
}

static PMDL new_chain(struct kunit *test, struct chain *c)
{
	PMDL first;

	c->one = new_buf(test, BUF_PAGES, 1);
	c->two = new_buf(test, BUF_VMALLOC, 2);
	first = new_mdl(test, c->one, PAGE_SIZE);
	first->Next = new_mdl(test, c->two, 2 * PAGE_SIZE);
	return first;
}

static void gpadl_from_mdl_chain_is_the_same_memory_on_both_sides(struct kunit *test)
{
	struct gp_fixture *f = test->priv;
	struct chain c;
	PMDL mdl = new_chain(test, &c);
	u32 whole = NOT_A_HANDLE, part = NOT_A_HANDLE;
	u8 got[PROBE_LEN];

	enable(test, f);
	KUNIT_ASSERT_EQ(test, from_mdl(f, 0, mdl, 0, 0, &whole), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_pfns(f->sh, whole, NULL, 0),
			(int)(3 * PAGE_SIZE / HV_HYP_PAGE_SIZE));
	/* Across the MDL boundary, and across the second MDL's pages. */
	expect_shared(test, f, whole, chain_io, &c, PAGE_SIZE - PROBE_LEN / 2,
		      2 * PAGE_SIZE - PROBE_LEN / 2);

	/* Only the second MDL's first page. */
	KUNIT_ASSERT_EQ(test, from_mdl(f, VMBUS_CHANNEL_GPADL_READ_ONLY, mdl,
				       PAGE_SIZE, PAGE_SIZE, &part),
			STATUS_SUCCESS);
	KUNIT_EXPECT_NE(test, part, whole);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 2U);
	KUNIT_ASSERT_EQ(test, simhost_gpadl_read(f->sh, part, 0, got,
						 sizeof(got)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got, c.two, sizeof(got)), 0);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_read(f->sh, part, PAGE_SIZE, got, 1),
			-ERANGE);

	VmbChannelDeleteGpadl(f->rec.channel, whole);
	VmbChannelDeleteGpadl(f->rec.channel, part);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 0U);
}

struct failure_case {
	const char *name;
	int err;
	NTSTATUS status;
};

static const struct failure_case failure_cases[] = {
	{ "out of memory", -ENOMEM, STATUS_INSUFFICIENT_RESOURCES },
	{ "host refuses", -EDQUOT, STATUS_UNSUCCESSFUL },
	{ "channel rescinded", -ENODEV, STATUS_DEVICE_REMOVED },
};

static void failure_case_desc(const struct failure_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(failure, failure_cases, failure_case_desc);

static void failed_creation_returns_its_status_and_leaves_nothing(struct kunit *test)
{
	const struct failure_case *c = test->param_value;
	struct gp_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_VMALLOC, GPADL_PAGES);
	PMDL mdl = new_mdl(test, buf, GPADL_PAGES * PAGE_SIZE);
	struct vmb_gpadl_stats st;
	u32 h = NOT_A_HANDLE;

	enable(test, f);
	KUNIT_ASSERT_EQ(test, simhost_fail_next_gpadl(f->sh, c->err, false), 0);
	KUNIT_EXPECT_EQ(test, from_buf(f, buf, GPADL_PAGES * PAGE_SIZE, &h),
			c->status);
	KUNIT_ASSERT_EQ(test, simhost_fail_next_gpadl(f->sh, c->err, false), 0);
	KUNIT_EXPECT_EQ(test, from_mdl(f, 0, mdl, 0, 0, &h), c->status);
	KUNIT_EXPECT_EQ(test, h, NOT_A_HANDLE);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 0U);
	gpadl_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.failed, 2ULL);
	KUNIT_EXPECT_EQ(test, st.live, 0ULL);
	KUNIT_EXPECT_EQ(test, st.leaked, 0ULL);

	/* The failure was one creation's, not the channel's. */
	KUNIT_EXPECT_EQ(test, from_mdl(f, 0, mdl, 0, 0, &h), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 1U);
}

/* Each page of @buf holds one more reference than @before says. */
static void expect_pinned_and_unpin(struct kunit *test, u8 *buf,
				    const int *before)
{
	u32 i;

	for (i = 0; i < GPADL_PAGES; i++) {
		struct page *page = vmalloc_to_page(buf + i * PAGE_SIZE);

		KUNIT_EXPECT_EQ(test, page_count(page), before[i] + 1);
		/* Give the test's memory back, which the library never would. */
		if (page_count(page) == before[i] + 1)
			put_page(page);
	}
}

static void memory_left_host_visible_is_leaked_and_counted(struct kunit *test)
{
	struct gp_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_VMALLOC, GPADL_PAGES);
	int before[GPADL_PAGES];
	struct vmb_gpadl_stats st;
	u32 i, h = NOT_A_HANDLE;

	for (i = 0; i < GPADL_PAGES; i++)
		before[i] = page_count(vmalloc_to_page(buf + i * PAGE_SIZE));
	enable(test, f);

	/* A creation that fails but leaves the buffer host-visible. */
	KUNIT_ASSERT_EQ(test, simhost_fail_next_gpadl(f->sh, -EIO, true), 0);
	KUNIT_EXPECT_EQ(test, from_buf(f, buf, GPADL_PAGES * PAGE_SIZE, &h),
			STATUS_UNSUCCESSFUL);
	gpadl_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.leaked, 1ULL);
	expect_pinned_and_unpin(test, buf, before);

	/* A teardown that leaves it host-visible. */
	KUNIT_ASSERT_EQ(test, from_buf(f, buf, GPADL_PAGES * PAGE_SIZE, &h),
			STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, simhost_gpadl_stay_shared_next(f->sh), 0);
	VmbChannelDeleteGpadl(f->rec.channel, h);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 0U);
	gpadl_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.leaked, 2ULL);
	KUNIT_EXPECT_EQ(test, st.live, 0ULL);
	expect_pinned_and_unpin(test, buf, before);
}

static void creation_needs_an_open_channel(struct kunit *test)
{
	struct gp_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_KMALLOC, 1);
	u32 h = NOT_A_HANDLE;

	KUNIT_EXPECT_EQ(test, from_buf(f, buf, PAGE_SIZE, &h),
			STATUS_INVALID_DEVICE_STATE);
	enable(test, f);
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_EQ(test, from_buf(f, buf, PAGE_SIZE, &h),
			STATUS_INVALID_DEVICE_STATE);
	KUNIT_EXPECT_EQ(test, h, NOT_A_HANDLE);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 0U);
}

static void disable_withdraws_gpadls_left_live(struct kunit *test)
{
	struct gp_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_VMALLOC, GPADL_PAGES);
	struct vmb_gpadl_stats st;
	u32 h1, h2;

	enable(test, f);
	KUNIT_ASSERT_EQ(test, from_buf(f, buf, PAGE_SIZE, &h1), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, from_buf(f, buf + PAGE_SIZE, PAGE_SIZE, &h2),
			STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, simhost_gpadl_count(f->sh), 2U);

	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 0U);
	/* Deleting them afterwards, as a Windows driver may, does nothing. */
	VmbChannelDeleteGpadl(f->rec.channel, h1);
	VmbChannelDeleteGpadl(f->rec.channel, NOT_A_HANDLE);
	gpadl_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.closed, 2ULL);
	KUNIT_EXPECT_EQ(test, st.deleted, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live, 0ULL);
}

/*
 * Hosts older than Windows 10 ignore a GPADL teardown sent after the
 * channel's close, and vmbus_teardown_gpadl() then waits for ever (simhost
 * counts such teardowns instead).  The GPADLs go before the close there.
 */
static void old_host_gpadls_are_withdrawn_before_the_close(struct kunit *test)
{
	struct gp_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_VMALLOC, GPADL_PAGES);
	struct vmb_gpadl_stats st;
	u32 h1, h2;

	simhost_set_proto_version(f->sh, VERSION_WIN8_1);
	enable(test, f);
	KUNIT_ASSERT_EQ(test, from_buf(f, buf, PAGE_SIZE, &h1), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, from_buf(f, buf + PAGE_SIZE, PAGE_SIZE, &h2),
			STATUS_SUCCESS);
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_EQ(test, simhost_late_teardowns(f->sh), 0U);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 0U);
	gpadl_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.closed, 2ULL);
	KUNIT_EXPECT_EQ(test, st.leaked, 0ULL);
}

/*
 * Unit level, as only Hyper-V can fail a teardown: what the production
 * backend concludes from the GPADL vmbus_teardown_gpadl() leaves.  Its
 * return value is the re-encryption's, 0 even when the teardown message
 * never reached the host; the handle, zeroed only once the host let go,
 * tells.
 */
struct teardown_case {
	const char *name;
	u32 handle_after;	/* gpadl_handle as the teardown left it */
	bool decrypted_after;	/* still host-visible (re-encryption failed) */
	bool rescinded;
	bool still_shared;
};

static const struct teardown_case teardown_cases[] = {
	{ "host acknowledged the teardown", 0, false, false, false },
	{ "teardown never reached the host", NOT_A_HANDLE, false, false,
	  true },
	{ "re-encryption failed after the teardown", 0, true, false, true },
	{ "rescinded channel, teardown skipped", NOT_A_HANDLE, false, true,
	  false },
	{ "rescinded channel, re-encryption failed", NOT_A_HANDLE, true, true,
	  true },
};

static void teardown_case_desc(const struct teardown_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(teardown, teardown_cases, teardown_case_desc);

static void failed_hv_teardown_keeps_the_memory(struct kunit *test)
{
	const struct teardown_case *c = test->param_value;
	struct vmbus_gpadl g = {
		.gpadl_handle = c->handle_after,
		.decrypted = c->decrypted_after,
	};

	KUNIT_EXPECT_EQ(test, vmbkmcl_hv_gpadl_still_shared(&g, c->rescinded),
			c->still_shared);
}

enum arg_fault {
	ARG_NULL_CHANNEL,
	ARG_UNKNOWN_FLAG,
	ARG_NULL_MEMORY,
	ARG_MEMORY_WITHOUT_PAGES,
	ARG_UNALIGNED_START,
	ARG_START_PAST_END,
	ARG_ZERO_BYTES,
	ARG_PARTIAL_PAGE,
	ARG_LENGTH_PAST_END,
	ARG_SPLIT_PAGE,
	ARG_NULL_HANDLE,
};

struct arg_case {
	const char *name;
	bool from_mdl;
	enum arg_fault fault;
	NTSTATUS status;
};

static const struct arg_case arg_cases[] = {
	{ "buffer: NULL channel", false, ARG_NULL_CHANNEL,
	  STATUS_INVALID_PARAMETER_1 },
	{ "buffer: unknown flag", false, ARG_UNKNOWN_FLAG,
	  STATUS_INVALID_PARAMETER_2 },
	{ "buffer: NULL buffer", false, ARG_NULL_MEMORY,
	  STATUS_INVALID_PARAMETER_3 },
	{ "buffer: not page-aligned", false, ARG_UNALIGNED_START,
	  STATUS_INVALID_PARAMETER_3 },
	{ "buffer: zero bytes", false, ARG_ZERO_BYTES,
	  STATUS_INVALID_PARAMETER_4 },
	{ "buffer: size not a page multiple", false, ARG_PARTIAL_PAGE,
	  STATUS_INVALID_PARAMETER_4 },
	{ "buffer: NULL handle pointer", false, ARG_NULL_HANDLE,
	  STATUS_INVALID_PARAMETER_5 },
	{ "MDL: NULL channel", true, ARG_NULL_CHANNEL,
	  STATUS_INVALID_PARAMETER_1 },
	{ "MDL: unknown flag", true, ARG_UNKNOWN_FLAG,
	  STATUS_INVALID_PARAMETER_2 },
	{ "MDL: NULL MDL", true, ARG_NULL_MEMORY, STATUS_INVALID_PARAMETER_3 },
	{ "MDL: pages never filled in", true, ARG_MEMORY_WITHOUT_PAGES,
	  STATUS_INVALID_PARAMETER_3 },
	{ "MDL: boundary inside a page", true, ARG_SPLIT_PAGE,
	  STATUS_INVALID_PARAMETER_3 },
	{ "MDL: start inside a page", true, ARG_UNALIGNED_START,
	  STATUS_INVALID_PARAMETER_4 },
	{ "MDL: start at the end", true, ARG_START_PAST_END,
	  STATUS_INVALID_PARAMETER_4 },
	{ "MDL: length not a page multiple", true, ARG_PARTIAL_PAGE,
	  STATUS_INVALID_PARAMETER_5 },
	{ "MDL: length past the end", true, ARG_LENGTH_PAST_END,
	  STATUS_INVALID_PARAMETER_5 },
	{ "MDL: NULL handle pointer", true, ARG_NULL_HANDLE,
	  STATUS_INVALID_PARAMETER_6 },
};

static void arg_case_desc(const struct arg_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(arg, arg_cases, arg_case_desc);

static void bad_arguments_are_refused_before_the_host_sees_them(struct kunit *test)
{
	const struct arg_case *c = test->param_value;
	struct gp_fixture *f = test->priv;
	u8 *buf = new_buf(test, BUF_KMALLOC, 2);
	VMBCHANNEL ch = f->rec.channel;
	u32 flags = 0, start = 0, len = 2 * PAGE_SIZE, h = NOT_A_HANDLE;
	u32 *handle = &h;
	void *mem = buf;
	PMDL mdl = new_mdl(test, buf, 2 * PAGE_SIZE), half;
	NTSTATUS status;

	enable(test, f);
	switch (c->fault) {
	case ARG_NULL_CHANNEL:
		ch = NULL;
		break;
	case ARG_UNKNOWN_FLAG:
		flags = UNKNOWN_GPADL_FLAG;
		break;
	case ARG_NULL_MEMORY:
		mem = NULL;
		mdl = NULL;
		break;
	case ARG_MEMORY_WITHOUT_PAGES:
		mdl->MdlFlags &= ~MDL_SOURCE_IS_NONPAGED_POOL;
		break;
	case ARG_SPLIT_PAGE:
		/* Half a page, then the rest: the boundary splits a page. */
		mdl = new_mdl(test, buf, PAGE_SIZE / 2);
		half = new_mdl(test, buf + PAGE_SIZE / 2, 3 * PAGE_SIZE / 2);
		mdl->Next = half;
		break;
	case ARG_UNALIGNED_START:
		mem = buf + sizeof(u64);
		start = sizeof(u64);
		len = PAGE_SIZE;
		break;
	case ARG_START_PAST_END:
		start = 2 * PAGE_SIZE;
		break;
	case ARG_ZERO_BYTES:
		len = 0;
		break;
	case ARG_PARTIAL_PAGE:
		len = PAGE_SIZE + sizeof(u64);
		break;
	case ARG_LENGTH_PAST_END:
		start = PAGE_SIZE;
		break;
	case ARG_NULL_HANDLE:
		handle = NULL;
		break;
	}
	if (c->from_mdl)
		status = VmbChannelCreateGpadlFromMdl(ch, flags, mdl, start, len,
						      handle);
	else
		status = VmbChannelCreateGpadlFromBuffer(ch, flags, mem, len,
							 handle);
	KUNIT_EXPECT_EQ(test, status, c->status);
	KUNIT_EXPECT_EQ(test, h, NOT_A_HANDLE);
	KUNIT_EXPECT_EQ(test, simhost_gpadl_count(f->sh), 0U);
}

static struct kunit_case gpadl_cases[] = {
	KUNIT_CASE_PARAM(gpadl_from_buffer_is_the_same_memory_on_both_sides,
			 buf_kind_gen_params),
	KUNIT_CASE(gpadl_from_mdl_chain_is_the_same_memory_on_both_sides),
	KUNIT_CASE_PARAM(failed_creation_returns_its_status_and_leaves_nothing,
			 failure_gen_params),
	KUNIT_CASE(memory_left_host_visible_is_leaked_and_counted),
	KUNIT_CASE(creation_needs_an_open_channel),
	KUNIT_CASE(disable_withdraws_gpadls_left_live),
	KUNIT_CASE(old_host_gpadls_are_withdrawn_before_the_close),
	KUNIT_CASE_PARAM(failed_hv_teardown_keeps_the_memory,
			 teardown_gen_params),
	KUNIT_CASE_PARAM(bad_arguments_are_refused_before_the_host_sees_them,
			 arg_gen_params),
	{}
};

static struct kunit_suite gpadl_suite = {
	.name = "vmbkmcl_gpadl",
	.init = gp_init,
	.exit = gp_exit,
	.test_cases = gpadl_cases,
};

kunit_test_suite(gpadl_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's GPADLs against a simulated host");
MODULE_LICENSE("GPL");
