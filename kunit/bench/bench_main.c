// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_bench: `make bench`, vmbkmcl's cost over the native Linux ring
 * code as ratios measured in one boot.
 *
 * Loading the module runs every case and prints, each line prefixed
 * "vmbkmcl-bench: ", a table and then the machine-readable lines:
 *
 *   ratio <case> <vmbkmcl throughput / native throughput>
 *   allocs-per-packet <path> <value>
 *   signals-per-packet <path> <value>     (guest-to-host signals)
 *   signals-per-batch <path> <value>
 *   interrupts-per-batch <path> <value>   (host-to-guest interrupts)
 *
 * Timing: each case runs native and vmbkmcl back to back on the same ring
 * with the same packets, @reps times, the order rotating each repetition;
 * a ratio is native time / vmbkmcl time for the same work, taken per
 * repetition, and reported as the median with its min and max.  A first,
 * unreported repetition warms every path.  Counters come from a separate
 * pass with the allocator probes on, so probes never slow a timed run.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "bench.h"

static unsigned int reps = 7;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "timed repetitions per case (default 7, at least 5)");

#define BENCH_MIN_REPS		5
#define BENCH_MAX_REPS		31
/* Packets per receive or send run, a multiple of every batch size. */
#define BENCH_RUN_PACKETS	1024
/* Synchronous round trips per run. */
#define BENCH_SYNC_REQUESTS	256
/* Fixed-point ratios: thousandths. */
#define BENCH_MILLI		1000

static const u32 bench_sizes[] = { 64, 256, 1536, 4096 };
static const u32 bench_batches[] = { 1, 16, 256 };

static const char * const bench_rx_names[BENCH_RX_NR] = {
	[BENCH_RX_NATIVE] = "native",
	[BENCH_RX_INLINE] = "inline",
	[BENCH_RX_DEFERRED] = "deferred",
};

#define bench_out(fmt, ...)	pr_info("vmbkmcl-bench: " fmt "\n", ##__VA_ARGS__)

/* Cases: receive and send per size and batch, and a round trip per size. */
#define BENCH_CASES \
	(ARRAY_SIZE(bench_sizes) * (4 * ARRAY_SIZE(bench_batches) + 1))

/* The median ratio of each case, printed after the tables. */
struct bench_line {
	char name[32];
	u64 milli;
};

static struct bench_line bench_lines[BENCH_CASES];
static u32 bench_nlines;

/* Ratios of one case, vmbkmcl over native, one per repetition. */
struct bench_ratio {
	u64 milli[BENCH_MAX_REPS];
	u64 native_ns[BENCH_MAX_REPS];
	u64 vmb_ns[BENCH_MAX_REPS];
};

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 bench_median(u64 *v, u32 n)
{
	sort(v, n, sizeof(*v), bench_cmp_u64, NULL);
	return v[n / 2];
}

static u64 bench_ratio_milli(const struct bench_result *native,
			     const struct bench_result *vmb)
{
	return div64_u64(native->ns * BENCH_MILLI, max_t(u64, vmb->ns, 1));
}

/* One line of the table and the ratio line for @name. */
static void bench_report(const char *name, struct bench_ratio *q, u32 packets)
{
	u64 nat = div64_u64(bench_median(q->native_ns, reps), packets);
	u64 vmb = div64_u64(bench_median(q->vmb_ns, reps), packets);
	u64 med = bench_median(q->milli, reps);

	bench_out("| %-22s | %8llu | %8llu | %llu.%03llu | %llu.%03llu-%llu.%03llu |",
		  name, nat, vmb, med / BENCH_MILLI, med % BENCH_MILLI,
		  q->milli[0] / BENCH_MILLI, q->milli[0] % BENCH_MILLI,
		  q->milli[reps - 1] / BENCH_MILLI,
		  q->milli[reps - 1] % BENCH_MILLI);
	if (!WARN_ON(bench_nlines >= ARRAY_SIZE(bench_lines))) {
		strscpy(bench_lines[bench_nlines].name, name,
			sizeof(bench_lines[0].name));
		bench_lines[bench_nlines++].milli = med;
	}
}

static void bench_ratio_lines(void)
{
	u32 i;

	for (i = 0; i < bench_nlines; i++)
		bench_out("ratio %s %llu.%03llu", bench_lines[i].name,
			  bench_lines[i].milli / BENCH_MILLI,
			  bench_lines[i].milli % BENCH_MILLI);
}

static void bench_table_head(const char *what)
{
	bench_out("%s", what);
	bench_out("| %-22s | %8s | %8s | %5s | %11s |", "case", "native",
		  "vmbkmcl", "ratio", "min-max");
	bench_out("| %-22s | %8s | %8s | %5s | %11s |", "", "ns/pkt",
		  "ns/pkt", "", "");
}

static void bench_store(struct bench_ratio *q, u32 rep,
			const struct bench_result *native,
			const struct bench_result *vmb)
{
	q->native_ns[rep] = native->ns;
	q->vmb_ns[rep] = vmb->ns;
	q->milli[rep] = bench_ratio_milli(native, vmb);
}

static int bench_rx_case(struct bench_fixture *f, u32 size, u32 batch,
			 struct bench_ratio *q)
{
	struct bench_result r[BENCH_RX_NR];
	int rep, k, ret;

	/* rep -1 warms up and is not kept. */
	for (rep = -1; rep < (int)reps; rep++) {
		for (k = 0; k < BENCH_RX_NR; k++) {
			enum bench_rx_who who = (rep + 1 + k) % BENCH_RX_NR;

			ret = bench_rx_run(f, who, size, batch,
					   BENCH_RUN_PACKETS, false, false,
					   &r[who]);
			if (ret)
				return ret;
		}
		if (r[BENCH_RX_INLINE].sum != r[BENCH_RX_NATIVE].sum ||
		    r[BENCH_RX_DEFERRED].sum != r[BENCH_RX_NATIVE].sum)
			return -EILSEQ;
		if (rep < 0)
			continue;
		bench_store(&q[0], rep, &r[BENCH_RX_NATIVE],
			    &r[BENCH_RX_INLINE]);
		bench_store(&q[1], rep, &r[BENCH_RX_NATIVE],
			    &r[BENCH_RX_DEFERRED]);
	}
	return 0;
}

static int bench_rx_all(struct bench_fixture *f, struct bench_ratio *q)
{
	char name[32];
	u32 s, b, i;
	int ret;

	bench_table_head("receive: native hv_pkt_iter loop vs vmbkmcl ProcessPacket");
	for (s = 0; s < ARRAY_SIZE(bench_sizes); s++) {
		for (b = 0; b < ARRAY_SIZE(bench_batches); b++) {
			ret = bench_rx_case(f, bench_sizes[s], bench_batches[b],
					    q);
			if (ret) {
				bench_out("FAILED rx %uB b%u: %d", bench_sizes[s],
					  bench_batches[b], ret);
				return ret;
			}
			for (i = 0; i < 2; i++) {
				snprintf(name, sizeof(name), "rx-%uB-b%u-%s",
					 bench_sizes[s], bench_batches[b],
					 bench_rx_names[BENCH_RX_INLINE + i]);
				bench_report(name, &q[i], BENCH_RUN_PACKETS);
			}
		}
	}
	return 0;
}

static int bench_tx_case(struct bench_fixture *f, u32 size, u32 batch,
			 bool completion, struct bench_ratio *q)
{
	struct bench_result r[BENCH_TX_NR];
	int rep, k, ret;

	for (rep = -1; rep < (int)reps; rep++) {
		for (k = 0; k < BENCH_TX_NR; k++) {
			enum bench_tx_who who = (rep + 1 + k) % BENCH_TX_NR;

			if (batch)
				ret = bench_tx_run(f, who, completion, size,
						   batch, BENCH_RUN_PACKETS,
						   false, &r[who]);
			else
				ret = bench_sync_run(f, who, size,
						     BENCH_SYNC_REQUESTS,
						     false, &r[who]);
			if (ret)
				return ret;
		}
		if (rep >= 0)
			bench_store(q, rep, &r[BENCH_TX_NATIVE],
				    &r[BENCH_TX_VMBKMCL]);
	}
	return 0;
}

static int bench_tx_all(struct bench_fixture *f, struct bench_ratio *q)
{
	char name[32];
	u32 s, b, c;
	int ret;

	bench_table_head("send: vmbus_sendpacket vs VmbPacketSend; tx-sync: round trips");
	for (s = 0; s < ARRAY_SIZE(bench_sizes); s++) {
		for (c = 0; c < 2; c++) {
			for (b = 0; b < ARRAY_SIZE(bench_batches); b++) {
				ret = bench_tx_case(f, bench_sizes[s],
						    bench_batches[b], c, q);
				if (ret)
					goto fail;
				snprintf(name, sizeof(name), "tx-%uB-b%u-%s",
					 bench_sizes[s], bench_batches[b],
					 c ? "comp" : "nocomp");
				bench_report(name, q, BENCH_RUN_PACKETS);
			}
		}
		ret = bench_tx_case(f, bench_sizes[s], 0, true, q);
		if (ret)
			goto fail;
		snprintf(name, sizeof(name), "tx-sync-%uB", bench_sizes[s]);
		bench_report(name, q, BENCH_SYNC_REQUESTS);
	}
	return 0;
fail:
	bench_out("FAILED tx %uB: %d", bench_sizes[s], ret);
	return ret;
}

/* --- counters: one pass over every configuration with the probes on --- */

enum bench_path {
	BP_RX_NATIVE, BP_RX_INLINE, BP_RX_DEFERRED,
	BP_RXC_NATIVE, BP_RXC_INLINE, BP_RXC_DEFERRED,
	BP_TX_NATIVE, BP_TX_VMBKMCL,
	BP_TXC_NATIVE, BP_TXC_VMBKMCL,
	BP_SYNC_NATIVE, BP_SYNC_VMBKMCL,
	BP_NR
};

static const char * const bench_path_names[BP_NR] = {
	[BP_RX_NATIVE] = "rx-native",
	[BP_RX_INLINE] = "rx-vmbkmcl-inline",
	[BP_RX_DEFERRED] = "rx-vmbkmcl-deferred",
	[BP_RXC_NATIVE] = "rx-comp-native",
	[BP_RXC_INLINE] = "rx-comp-vmbkmcl-inline",
	[BP_RXC_DEFERRED] = "rx-comp-vmbkmcl-deferred",
	[BP_TX_NATIVE] = "tx-native",
	[BP_TX_VMBKMCL] = "tx-vmbkmcl",
	[BP_TXC_NATIVE] = "tx-comp-native",
	[BP_TXC_VMBKMCL] = "tx-comp-vmbkmcl",
	[BP_SYNC_NATIVE] = "sync-native",
	[BP_SYNC_VMBKMCL] = "sync-vmbkmcl",
};

static void bench_add(struct bench_result *sum, const struct bench_result *r)
{
	sum->packets += r->packets;
	sum->batches += r->batches;
	sum->allocs += r->allocs;
	sum->host_signals += r->host_signals;
	sum->interrupts += r->interrupts;
	sum->handler_runs += r->handler_runs;
}

static int bench_count_config(struct bench_fixture *f, u32 size, u32 batch,
			      struct bench_result *sum)
{
	struct bench_result r;
	int who, comp, ret;

	for (comp = 0; comp < 2; comp++) {
		for (who = 0; who < BENCH_RX_NR; who++) {
			ret = bench_rx_run(f, who, size, batch,
					   BENCH_RUN_PACKETS, comp, true, &r);
			if (ret)
				return ret;
			bench_add(&sum[BP_RX_NATIVE + 3 * comp + who], &r);
		}
		for (who = 0; who < BENCH_TX_NR; who++) {
			ret = bench_tx_run(f, who, comp, size, batch,
					   BENCH_RUN_PACKETS, true, &r);
			if (ret)
				return ret;
			bench_add(&sum[BP_TX_NATIVE + 2 * comp + who], &r);
		}
	}
	return 0;
}

/* "<what> <path> <x / y>", the quotient to three decimals. */
static void bench_out_per(const char *what, const char *path, u64 x, u64 y)
{
	u64 milli = div64_u64(x * BENCH_MILLI, max_t(u64, y, 1));

	bench_out("%s %s %llu.%03llu", what, path, milli / BENCH_MILLI,
		  milli % BENCH_MILLI);
}

static int bench_counters(struct bench_fixture *f, struct bench_result *sum)
{
	struct bench_result r;
	u32 s, b, who;
	int ret;

	ret = bench_count_start();
	if (ret) {
		bench_out("FAILED allocation probes: %d (bench kernel needs CONFIG_KPROBES)",
			  ret);
		return ret;
	}
	for (s = 0; s < ARRAY_SIZE(bench_sizes) && !ret; s++) {
		for (b = 0; b < ARRAY_SIZE(bench_batches) && !ret; b++)
			ret = bench_count_config(f, bench_sizes[s],
						 bench_batches[b], sum);
		for (who = 0; who < BENCH_TX_NR && !ret; who++) {
			ret = bench_sync_run(f, who, bench_sizes[s],
					     BENCH_SYNC_REQUESTS, true, &r);
			bench_add(&sum[BP_SYNC_NATIVE + who], &r);
		}
	}
	bench_count_stop();
	if (ret)
		bench_out("FAILED counting pass: %d", ret);
	return ret;
}

static void bench_counters_report(const struct bench_result *sum)
{
	u32 p;

	bench_out("counters: every size and batch once, allocator probes on");
	bench_out("| %-24s | %8s | %6s | %7s | %7s | %6s | %6s |", "path",
		  "packets", "allocs", "batches", "signals", "irqs", "runs");
	for (p = 0; p < BP_NR; p++)
		bench_out("| %-24s | %8llu | %6llu | %7llu | %7llu | %6llu | %6llu |",
			  bench_path_names[p], sum[p].packets, sum[p].allocs,
			  sum[p].batches, sum[p].host_signals,
			  sum[p].interrupts, sum[p].handler_runs);
}

static void bench_counter_lines(const struct bench_result *sum)
{
	u32 p;

	for (p = 0; p < BP_NR; p++)
		bench_out_per("allocs-per-packet", bench_path_names[p],
			      sum[p].allocs, sum[p].packets);
	for (p = 0; p < BP_NR; p++) {
		bench_out_per("signals-per-packet", bench_path_names[p],
			      sum[p].host_signals, sum[p].packets);
		bench_out_per("signals-per-batch", bench_path_names[p],
			      sum[p].host_signals, sum[p].batches);
		bench_out_per("interrupts-per-batch", bench_path_names[p],
			      sum[p].interrupts, sum[p].batches);
	}
}

/* --- what the guest's primitives cost under this accelerator --- */

#define BENCH_CAL_LOOPS		20000
#define BENCH_CAL_TRIES		5
#define BENCH_CAL_SMALL		64

static noinline void bench_cal_nop(void *p)
{
	barrier();
}

/*
 * ns per iteration of @what, the loop included (printed on its own): the
 * least of BENCH_CAL_TRIES tries, as anything else the host runs only
 * ever adds time.
 */
#define BENCH_CAL(what) ({						\
	u64 __best = U64_MAX, __t0;					\
	u32 __i, __try;							\
									\
	for (__try = 0; __try < BENCH_CAL_TRIES; __try++) {		\
		__t0 = ktime_get_ns();					\
		for (__i = 0; __i < BENCH_CAL_LOOPS; __i++) {		\
			what;						\
			barrier();					\
		}							\
		__best = min(__best, ktime_get_ns() - __t0);		\
	}								\
	div_u64(__best, BENCH_CAL_LOOPS);				\
})

/*
 * Costs that explain the small-packet ratios: under TCG a call, an
 * irqsave lock round trip and an atomic are each worth a sizeable part of
 * a 64-byte packet, unlike on hardware.
 */
static void bench_calibrate(void)
{
	static u8 src[BENCH_MAX_PAYLOAD], dst[BENCH_MAX_PAYLOAD];
	DEFINE_SPINLOCK(lock);
	unsigned long flags;
	atomic_t a = ATOMIC_INIT(0);
	void (*indirect)(void *p) = bench_cal_nop;
	u64 loop, call, icall, lck, atom, cp_small, cp_big;

	loop = BENCH_CAL(;);
	call = BENCH_CAL(bench_cal_nop(src));
	/* Hidden from the compiler each time, so the call stays indirect. */
	icall = BENCH_CAL(OPTIMIZER_HIDE_VAR(indirect); indirect(src));
	lck = BENCH_CAL(spin_lock_irqsave(&lock, flags);
			spin_unlock_irqrestore(&lock, flags));
	atom = BENCH_CAL(atomic_inc(&a));
	cp_small = BENCH_CAL(memcpy(dst, src, BENCH_CAL_SMALL));
	cp_big = BENCH_CAL(memcpy(dst, src, BENCH_MAX_PAYLOAD));
	bench_out("calibration, ns each: loop %llu call %llu indirect %llu",
		  loop, call, icall);
	bench_out("calibration, ns each: irqsave lock+unlock %llu atomic %llu",
		  lck, atom);
	bench_out("calibration, ns each: memcpy %uB %llu, %uB %llu",
		  BENCH_CAL_SMALL, cp_small, BENCH_MAX_PAYLOAD, cp_big);
}

/* Interrupts per idle run. */
#define BENCH_IDLE_RUNS		512

/* The fixed cost of an interrupt that finds the ring empty. */
static int bench_idle(struct bench_fixture *f)
{
	u64 ns[BENCH_RX_NR][BENCH_MAX_REPS];
	struct bench_result r;
	u32 rep, k;
	int ret;

	for (rep = 0; rep < reps; rep++) {
		for (k = 0; k < 2; k++) {
			enum bench_rx_who who = (rep + k) % 2 ?
						BENCH_RX_INLINE : BENCH_RX_NATIVE;

			ret = bench_idle_run(f, who, BENCH_IDLE_RUNS, &r);
			if (ret)
				return ret;
			ns[who][rep] = div_u64(r.ns, BENCH_IDLE_RUNS);
		}
	}
	bench_out("empty interrupt (ns, median): native %llu, vmbkmcl %llu",
		  bench_median(ns[BENCH_RX_NATIVE], reps),
		  bench_median(ns[BENCH_RX_INLINE], reps));
	return 0;
}

static int __init bench_init(void)
{
	struct bench_result *sum = NULL;
	struct bench_ratio *q = NULL;
	struct bench_fixture *f;
	int ret = -ENOMEM;

	if (reps < BENCH_MIN_REPS || reps > BENCH_MAX_REPS) {
		bench_out("FAILED reps must be %u to %u", BENCH_MIN_REPS,
			  BENCH_MAX_REPS);
		return -EINVAL;
	}
	f = bench_create(0);
	q = kcalloc(2, sizeof(*q), GFP_KERNEL);
	sum = kcalloc(BP_NR, sizeof(*sum), GFP_KERNEL);
	if (!f || !q || !sum) {
		bench_out("FAILED setup");
		goto out;
	}
	bench_out("start: %u repetitions of %u packets per case", reps,
		  BENCH_RUN_PACKETS);
	bench_calibrate();
	ret = bench_idle(f);
	if (!ret)
		ret = bench_rx_all(f, q);
	if (!ret)
		ret = bench_tx_all(f, q);
	if (!ret)
		ret = bench_counters(f, sum);
	if (!ret) {
		bench_counters_report(sum);
		bench_ratio_lines();
		bench_counter_lines(sum);
		bench_out("done");
	}
out:
	kfree(sum);
	kfree(q);
	bench_destroy(f);
	return ret;
}
module_init(bench_init);

static void __exit bench_exit(void)
{
}
module_exit(bench_exit);

MODULE_DESCRIPTION("vmbkmcl against the native Linux VMBus ring code");
MODULE_LICENSE("GPL");
