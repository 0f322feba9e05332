/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzzgen - hostile inbound packets, seeded and repeatable, for any host.
 *
 * Builds one packet at a time into a buffer the caller writes to the
 * guest's inbound ring however its host does (simhost_write_raw() on the
 * simulated host, hvemu_chan_write_raw() on the emulated Hyper-V).  Each
 * malformed class keeps len8 true to the bytes written, so the ring's
 * framing holds and the guest must drop the packet, not stop the queue.
 * Shared by vmbkmcl_fuzz and vmbkmcl_hvfuzz so both hosts face the same
 * classes from the same generator.
 */
#ifndef _VMBKMCL_FUZZGEN_H
#define _VMBKMCL_FUZZGEN_H

#include <linux/hyperv.h>
#include <linux/prandom.h>
#include <linux/types.h>

struct kunit;

/* Payload of a valid packet (tag first, as rec_write() makes it). */
#define FUZZ_GOOD_LEN		48
/* The buffer fuzzgen_build() fills: the largest packet it makes. */
#define FUZZ_RAW_MAX		(2 * PAGE_SIZE)

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

/**
 * struct fuzzgen - the generator.
 * @rnd: its random state, from the seed.
 * @raw: FUZZ_RAW_MAX bytes the packet is built in, u64-aligned.
 */
struct fuzzgen {
	struct rnd_state rnd;
	u64 *raw;
};

void fuzzgen_init(struct fuzzgen *g, u64 *raw, u32 seed);
u32 fuzzgen_kunit_seed(struct kunit *test, unsigned int *seed);
void fuzzgen_kunit_init(struct kunit *test, struct fuzzgen *g,
			unsigned int *seed);
u32 fuzzgen_rand(struct fuzzgen *g, u32 below);
enum fuzz_class fuzzgen_pick(struct fuzzgen *g);
u32 fuzzgen_build(struct fuzzgen *g, u16 type, u32 offset, u32 payload);
u32 fuzzgen_malformed(struct fuzzgen *g, enum fuzz_class class);

#endif /* _VMBKMCL_FUZZGEN_H */
