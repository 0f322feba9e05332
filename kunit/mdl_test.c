// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_mdl: the Windows MDL helpers on Linux.
 *
 * An MDL is arithmetic over a buffer: byte count, offset in the first
 * page, pages spanned, and which pages those are.  Each case states the
 * buffer and checks every helper against what the Windows documentation
 * says it returns, on buffers that cross page boundaries; a mapping made
 * on demand must show the pages' own bytes.
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <vmbkmcl/mdl.h>

#define MDL_BUF_PAGES		4
#define PROBE_LEN		16
#define PROBE_SEED		0x5a

struct mdl_fixture {
	u8 *buf;		/* MDL_BUF_PAGES vmalloc pages */
	struct page *a, *b;	/* two unrelated pages */
	PMDL mdl;
};

static int mdl_init(struct kunit *test)
{
	struct mdl_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->buf = vzalloc(MDL_BUF_PAGES * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, f->buf);
	f->a = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, f->a);
	f->b = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, f->b);
	return 0;
}

static void mdl_exit(struct kunit *test)
{
	struct mdl_fixture *f = test->priv;

	IoFreeMdl(f->mdl);
	if (f->b)
		__free_page(f->b);
	if (f->a)
		__free_page(f->a);
	vfree(f->buf);
}

struct mdl_case {
	const char *name;
	u32 offset;	/* into a page-aligned buffer */
	u32 length;
	u32 pages;	/* pages it should span */
};

static const struct mdl_case mdl_cases[] = {
	{ "one byte at a page start", 0, 1, 1 },
	{ "one byte at a page end", PAGE_SIZE - 1, 1, 1 },
	{ "two bytes across a page boundary", PAGE_SIZE - 1, 2, 2 },
	{ "a whole page", 0, PAGE_SIZE, 1 },
	{ "a page's worth from mid-page", PAGE_SIZE / 2, PAGE_SIZE, 2 },
	{ "two pages and a byte from offset one", 1, 2 * PAGE_SIZE + 1, 3 },
	{ "from a page's last byte to the next but one's first",
	  2 * PAGE_SIZE - 1, PAGE_SIZE + 2, 3 },
};

static void mdl_case_desc(const struct mdl_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdl, mdl_cases, mdl_case_desc);

static void mdl_describes_a_page_crossing_buffer(struct kunit *test)
{
	const struct mdl_case *c = test->param_value;
	struct mdl_fixture *f = test->priv;
	u8 *va = f->buf + c->offset, *first_page = f->buf + (c->offset & PAGE_MASK);
	PMDL mdl;
	u32 i;

	mdl = IoAllocateMdl(va, c->length, FALSE, FALSE, NULL);
	KUNIT_ASSERT_NOT_NULL(test, mdl);
	f->mdl = mdl;
	MmBuildMdlForNonPagedPool(mdl);

	/* Expect: c->length bytes at va, c->pages vmalloc pages from va's. */
	KUNIT_EXPECT_EQ(test, MmGetMdlByteCount(mdl), c->length);
	KUNIT_EXPECT_EQ(test, MmGetMdlByteOffset(mdl),
			(u32)(c->offset & ~PAGE_MASK));
	KUNIT_EXPECT_PTR_EQ(test, MmGetMdlVirtualAddress(mdl), (void *)va);
	KUNIT_EXPECT_EQ(test, mdl->PageCount, c->pages);
	KUNIT_EXPECT_EQ(test, ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, c->length),
			c->pages);
	KUNIT_EXPECT_TRUE(test, mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL);
	for (i = 0; i < mdl->PageCount; i++)
		KUNIT_EXPECT_PTR_EQ(test, mdl->Pages[i],
				    vmalloc_to_page(first_page + i * PAGE_SIZE));
	/* Kernel memory is its own mapping: nothing new is mapped. */
	KUNIT_EXPECT_PTR_EQ(test,
			    MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority),
			    (void *)va);
	KUNIT_EXPECT_FALSE(test, mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
}

static void mdl_of_loose_pages_is_mapped_on_demand(struct kunit *test)
{
	const u32 offset = PAGE_SIZE - PROBE_LEN / 2;
	struct mdl_fixture *f = test->priv;
	u8 probe[PROBE_LEN];
	PMDL mdl;
	u8 *va;
	u32 i;

	/* Two unrelated pages, described at an address that is not mapped. */
	mdl = IoAllocateMdl((void *)(uintptr_t)offset, PROBE_LEN, FALSE,
			    FALSE, NULL);
	KUNIT_ASSERT_NOT_NULL(test, mdl);
	f->mdl = mdl;
	KUNIT_EXPECT_EQ(test, mdl->PageCount, 2U);
	KUNIT_EXPECT_PTR_EQ(test, MmGetMdlVirtualAddress(mdl),
			    (void *)(uintptr_t)offset);
	/* No pages yet: nothing to map. */
	KUNIT_EXPECT_NULL(test, MmGetSystemAddressForMdlSafe(mdl,
							     NormalPagePriority));
	mdl->Pages[0] = f->a;
	mdl->Pages[1] = f->b;
	mdl->MdlFlags |= MDL_PAGES_LOCKED;

	va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
	KUNIT_ASSERT_NOT_NULL(test, va);
	KUNIT_EXPECT_TRUE(test, mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
	KUNIT_EXPECT_PTR_EQ(test, va,
			    MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
	for (i = 0; i < PROBE_LEN; i++)
		probe[i] = PROBE_SEED + i;
	memcpy(va, probe, sizeof(probe));
	/* Half at the end of a, half at the start of b. */
	KUNIT_EXPECT_EQ(test, memcmp((u8 *)page_address(f->a) + offset, probe,
				     PROBE_LEN / 2), 0);
	KUNIT_EXPECT_EQ(test, memcmp(page_address(f->b), probe + PROBE_LEN / 2,
				     PROBE_LEN / 2), 0);
}

static void zero_bytes_give_no_mdl(struct kunit *test)
{
	struct mdl_fixture *f = test->priv;

	KUNIT_EXPECT_NULL(test, IoAllocateMdl(f->buf, 0, FALSE, FALSE, NULL));
}

static struct kunit_case mdl_cases_list[] = {
	KUNIT_CASE_PARAM(mdl_describes_a_page_crossing_buffer, mdl_gen_params),
	KUNIT_CASE(mdl_of_loose_pages_is_mapped_on_demand),
	KUNIT_CASE(zero_bytes_give_no_mdl),
	{}
};

static struct kunit_suite mdl_suite = {
	.name = "vmbkmcl_mdl",
	.init = mdl_init,
	.exit = mdl_exit,
	.test_cases = mdl_cases_list,
};

kunit_test_suite(mdl_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's MDL helpers");
MODULE_LICENSE("GPL");
