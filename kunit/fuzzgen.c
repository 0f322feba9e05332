// SPDX-License-Identifier: GPL-2.0
/*
 * fuzzgen - hostile inbound packets for any host (see fuzzgen.h).
 *
 * Part of vmbkmcl_simhost.ko, which both boots load.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/random.h>

#include "../vmbkmcl/channel.h"
#include "fuzzgen.h"

#define DESC_SIZE		sizeof(struct vmpacket_descriptor)
#define XFER_HDR_SIZE		offsetof(struct vmtransfer_page_packet_header, ranges)
#define GPA_HDR_SIZE		(DESC_SIZE + 2 * sizeof(u32))
#define RX_BUF_SIZE		(VMB_DEFAULT_MAX_PACKET_SIZE + VMB_RX_HEADER_ROOM)
#define GOOD_LEN		FUZZ_GOOD_LEN

/**
 * fuzzgen_init() - seed a generator.
 * @g:    the generator.
 * @raw:  FUZZ_RAW_MAX bytes, u64-aligned, to build packets in.
 * @seed: the seed; the same seed gives the same packets.
 *
 * Context: any context.
 */
void fuzzgen_init(struct fuzzgen *g, u64 *raw, u32 seed)
{
	g->raw = raw;
	prandom_seed_state(&g->rnd, seed);
}
EXPORT_SYMBOL_GPL(fuzzgen_init);

/**
 * fuzzgen_kunit_seed() - the seed @test runs with, printed for a replay.
 * @test: the test.
 * @seed: the suite's seed parameter; 0 is replaced by a random seed.
 *
 * Return: the seed, also left in @seed.
 */
u32 fuzzgen_kunit_seed(struct kunit *test, unsigned int *seed)
{
	if (!*seed)
		*seed = get_random_u32() ?: 1;
	kunit_info(test, "seed %u (replay with seed=%u)\n", *seed, *seed);
	return *seed;
}
EXPORT_SYMBOL_GPL(fuzzgen_kunit_seed);

/**
 * fuzzgen_kunit_init() - seed a generator for @test, with its buffer.
 * @test: the test; fails and aborts it if the buffer cannot be had.
 * @g:    the generator.
 * @seed: as for fuzzgen_kunit_seed().
 *
 * Context: process context; sleeps.
 */
void fuzzgen_kunit_init(struct kunit *test, struct fuzzgen *g,
			unsigned int *seed)
{
	u64 *raw = kunit_kzalloc(test, FUZZ_RAW_MAX, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, raw);
	fuzzgen_init(g, raw, fuzzgen_kunit_seed(test, seed));
}
EXPORT_SYMBOL_GPL(fuzzgen_kunit_init);

/**
 * fuzzgen_rand() - a random number below @below.
 * @g:     the generator.
 * @below: the bound; 0 gives 0.
 *
 * Context: any context.
 * Return: the number.
 */
u32 fuzzgen_rand(struct fuzzgen *g, u32 below)
{
	return below ? prandom_u32_state(&g->rnd) % below : 0;
}
EXPORT_SYMBOL_GPL(fuzzgen_rand);

/**
 * fuzzgen_pick() - the next packet's class: half valid, half malformed.
 * @g: the generator.
 *
 * Context: any context.
 * Return: the class.
 */
enum fuzz_class fuzzgen_pick(struct fuzzgen *g)
{
	return fuzzgen_rand(g, 2) ? FUZZ_GOOD :
	       1 + fuzzgen_rand(g, FUZZ_CLASSES - 1);
}
EXPORT_SYMBOL_GPL(fuzzgen_pick);

/**
 * fuzzgen_build() - a descriptor of @type, random bytes after it.
 * @g:       the generator.
 * @type:    the descriptor's type.
 * @offset:  where its data starts (offset8 * 8).
 * @payload: random bytes from @offset on.
 *
 * Context: any context.
 * Return: the packet's length (len8 * 8), @offset + @payload rounded up.
 */
u32 fuzzgen_build(struct fuzzgen *g, u16 type, u32 offset, u32 payload)
{
	struct vmpacket_descriptor *d = (void *)g->raw;
	u32 len = ALIGN(offset + payload, sizeof(u64)), i;

	for (i = 0; i < len / sizeof(u64); i++)
		g->raw[i] = ((u64)prandom_u32_state(&g->rnd) << 32) |
			    prandom_u32_state(&g->rnd);
	d->type = type;
	d->offset8 = offset / sizeof(u64);
	d->len8 = len / sizeof(u64);
	d->flags = fuzzgen_rand(g, 2);
	return len;
}
EXPORT_SYMBOL_GPL(fuzzgen_build);

static void fuzzgen_set_u32(struct fuzzgen *g, u32 offset, u32 value)
{
	memcpy((u8 *)g->raw + offset, &value, sizeof(value));
}

/**
 * fuzzgen_malformed() - a packet malformed in @class.
 * @g:     the generator.
 * @class: a class other than FUZZ_GOOD.
 *
 * Every one keeps len8 true to what is written.
 *
 * Context: any context.
 * Return: its length, 0 for FUZZ_GOOD or an unknown class.
 */
u32 fuzzgen_malformed(struct fuzzgen *g, enum fuzz_class class)
{
	struct vmpacket_descriptor *d = (void *)g->raw;
	u32 len;

	switch (class) {
	case FUZZ_TYPE:
		/* Anything but the three data types and a completion. */
		return fuzzgen_build(g, 0x10 + fuzzgen_rand(g, 0xfff0), DESC_SIZE,
				  fuzzgen_rand(g, PAGE_SIZE));
	case FUZZ_OFFSET_LOW:
		len = fuzzgen_build(g, VM_PKT_DATA_INBAND, DESC_SIZE, GOOD_LEN);
		d->offset8 = fuzzgen_rand(g, DESC_SIZE / sizeof(u64));
		return len;
	case FUZZ_OFFSET_HIGH:
		len = fuzzgen_build(g, VM_PKT_DATA_INBAND, DESC_SIZE, GOOD_LEN);
		d->offset8 = len / sizeof(u64) + 1 + fuzzgen_rand(g, U16_MAX / 2);
		return len;
	case FUZZ_OVERSIZE:
		return fuzzgen_build(g, VM_PKT_DATA_INBAND, DESC_SIZE,
				     RX_BUF_SIZE + fuzzgen_rand(g, PAGE_SIZE / 2));
	case FUZZ_XFER:
		/* More ranges than room before the data, or none. */
		len = fuzzgen_build(g, VM_PKT_DATA_USING_XFER_PAGES,
				    XFER_HDR_SIZE + sizeof(u64) * fuzzgen_rand(g, 4),
				    GOOD_LEN);
		fuzzgen_set_u32(g, offsetof(struct vmtransfer_page_packet_header,
					    range_cnt),
				fuzzgen_rand(g, 2) ? 0 : 5 + fuzzgen_rand(g, U16_MAX));
		return len;
	case FUZZ_GPA:
		/* A first range that is empty, starts past its page, or
		 * needs more PFNs than fit before the data.
		 */
		len = fuzzgen_build(g, VM_PKT_DATA_USING_GPA_DIRECT,
				    GPA_HDR_SIZE + 2 * sizeof(u32) + sizeof(u64),
				    GOOD_LEN);
		fuzzgen_set_u32(g, DESC_SIZE + sizeof(u32), 1 + fuzzgen_rand(g, 3));
		switch (fuzzgen_rand(g, 3)) {
		case 0:
			fuzzgen_set_u32(g, GPA_HDR_SIZE, 0);
			break;
		case 1:
			fuzzgen_set_u32(g, GPA_HDR_SIZE + sizeof(u32),
					HV_HYP_PAGE_SIZE + fuzzgen_rand(g, U16_MAX));
			break;
		default:
			fuzzgen_set_u32(g, GPA_HDR_SIZE, 2 * HV_HYP_PAGE_SIZE);
			fuzzgen_set_u32(g, GPA_HDR_SIZE + sizeof(u32), 0);
		}
		return len;
	case FUZZ_COMPLETION:
		/* Nothing was sent: every id is unknown to the guest. */
		return fuzzgen_build(g, VM_PKT_COMP, DESC_SIZE, fuzzgen_rand(g, 64));
	default:
		return 0;
	}
}
EXPORT_SYMBOL_GPL(fuzzgen_malformed);
