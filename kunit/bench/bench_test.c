// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_bench_smoke: `make check` runs the bench engine for well under a
 * second, so that `make bench` cannot rot unnoticed.  It asserts what the
 * bench relies on, never a time: every path runs to the end, vmbkmcl and
 * the fair baseline read exactly the bytes the native loop reads, each
 * side gets one interrupt per batch, and the signals the host would see
 * are equal.
 * Where the kernel can count allocations (CONFIG_KPROBES, as the test
 * kernel has), a planted allocation must be seen and an unplanted run must
 * show none.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "bench.h"

/* Small rings, so the smoke never needs a large contiguous allocation. */
#define SMOKE_RING_PAGES	16
#define SMOKE_PAYLOAD		256
#define SMOKE_BATCH		16
#define SMOKE_PACKETS		64
#define SMOKE_REQUESTS		8

static int smoke_init(struct kunit *test)
{
	test->priv = bench_create(SMOKE_RING_PAGES);
	KUNIT_ASSERT_NOT_NULL(test, test->priv);
	return 0;
}

static void smoke_exit(struct kunit *test)
{
	bench_destroy(test->priv);
}

static void receive_paths_read_what_native_reads(struct kunit *test)
{
	struct bench_result r[BENCH_RX_NR];
	int who, comp;

	for (comp = 0; comp < 2; comp++) {
		for (who = 0; who < BENCH_RX_NR; who++) {
			int ret = bench_rx_run(test->priv, who, SMOKE_PAYLOAD,
					       SMOKE_BATCH, SMOKE_PACKETS, comp,
					       false, &r[who]);

			KUNIT_ASSERT_EQ(test, ret, 0);
			KUNIT_EXPECT_EQ(test, r[who].packets, (u64)SMOKE_PACKETS);
			KUNIT_EXPECT_EQ(test, r[who].interrupts,
					(u64)SMOKE_PACKETS / SMOKE_BATCH);
			KUNIT_EXPECT_GT(test, r[who].ns, 0ULL);
		}
		KUNIT_EXPECT_EQ(test, r[BENCH_RX_FAIR].sum,
				r[BENCH_RX_NATIVE].sum);
		KUNIT_EXPECT_EQ(test, r[BENCH_RX_FAIR].host_signals,
				r[BENCH_RX_NATIVE].host_signals);
		KUNIT_EXPECT_EQ(test, r[BENCH_RX_INLINE].sum,
				r[BENCH_RX_NATIVE].sum);
		KUNIT_EXPECT_EQ(test, r[BENCH_RX_DEFERRED].sum,
				r[BENCH_RX_NATIVE].sum);
		KUNIT_EXPECT_EQ(test, r[BENCH_RX_INLINE].host_signals,
				r[BENCH_RX_NATIVE].host_signals);
	}
}

static void send_paths_complete_every_packet(struct kunit *test)
{
	struct bench_result r[BENCH_TX_NR];
	int who, comp;

	for (comp = 0; comp < 2; comp++) {
		for (who = 0; who < BENCH_TX_NR; who++) {
			int ret = bench_tx_run(test->priv, who, comp,
					       SMOKE_PAYLOAD, SMOKE_BATCH,
					       SMOKE_PACKETS, false, &r[who]);

			KUNIT_ASSERT_EQ(test, ret, 0);
			KUNIT_EXPECT_EQ(test, r[who].packets, (u64)SMOKE_PACKETS);
		}
		KUNIT_EXPECT_EQ(test, r[BENCH_TX_VMBKMCL].host_signals,
				r[BENCH_TX_NATIVE].host_signals);
		KUNIT_EXPECT_EQ(test, r[BENCH_TX_VMBKMCL].interrupts,
				r[BENCH_TX_NATIVE].interrupts);
	}
	for (who = 0; who < BENCH_TX_NR; who++) {
		int ret = bench_sync_run(test->priv, who, SMOKE_PAYLOAD,
					 SMOKE_REQUESTS, false, &r[who]);

		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, r[who].packets, (u64)SMOKE_REQUESTS);
		KUNIT_EXPECT_EQ(test, r[who].host_signals, (u64)SMOKE_REQUESTS);
	}
}

static void allocation_counter_sees_a_planted_allocation(struct kunit *test)
{
	struct bench_result r;
	int ret = bench_count_start();

	if (ret == -EOPNOTSUPP)
		kunit_skip(test, "no allocator hook to probe: nothing can count");
	KUNIT_ASSERT_EQ(test, ret, 0);
	vmbkmcl_bench_plant_alloc(true);
	ret = bench_rx_run(test->priv, BENCH_RX_INLINE, SMOKE_PAYLOAD,
			   SMOKE_BATCH, SMOKE_PACKETS, false, true, &r);
	vmbkmcl_bench_plant_alloc(false);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_GE(test, r.allocs, (u64)SMOKE_PACKETS);
	KUNIT_EXPECT_EQ(test, bench_tx_run(test->priv, BENCH_TX_VMBKMCL, false,
					   SMOKE_PAYLOAD, SMOKE_BATCH,
					   SMOKE_PACKETS, true, &r), 0);
	KUNIT_EXPECT_EQ(test, r.allocs, 0ULL);
	bench_count_stop();
}

static struct kunit_case smoke_cases[] = {
	KUNIT_CASE(receive_paths_read_what_native_reads),
	KUNIT_CASE(send_paths_complete_every_packet),
	KUNIT_CASE(allocation_counter_sees_a_planted_allocation),
	{}
};

static struct kunit_suite smoke_suite = {
	.name = "vmbkmcl_bench_smoke",
	.init = smoke_init,
	.exit = smoke_exit,
	.test_cases = smoke_cases,
};

kunit_test_suite(smoke_suite);

MODULE_DESCRIPTION("KUnit smoke run of the vmbkmcl bench engine");
MODULE_LICENSE("GPL");
