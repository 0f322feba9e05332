// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_bench: `make bench`, vmbkmcl's cost over the native Linux ring
 * code and over a fair baseline, as ratios measured in one boot.
 *
 * Loading the module runs every case and prints, each line prefixed
 * "vmbkmcl-bench: ", a table and then the machine-readable lines:
 *
 *   ratio <case> <vmbkmcl throughput / native throughput>
 *   ratio-fair <case> <vmbkmcl throughput / fair throughput>
 *   allocs-per-packet <path> <value>
 *   signals-per-packet <path> <value>     (guest-to-host signals)
 *   signals-per-batch <path> <value>
 *   interrupts-per-batch <path> <value>   (host-to-guest interrupts)
 *
 * With insn=1 (a guest under QEMU -icount shift=0) time is counted in
 * guest instructions, the ratio lines read "ratio-insn" and
 * "ratio-insn-fair", and the counters, which do not depend on the clock,
 * are left to the nanosecond boot.
 *
 * The fair baseline is the native loop plus only what the KMCL contract
 * forces: an indirect call into the client per packet and per completion,
 * and per send that waits for no completion (its routine).
 *
 * Timing: each case runs native, fair and vmbkmcl back to back on the same
 * ring with the same packets, @reps times, the order rotating each
 * repetition.  In nanoseconds a ratio is taken per repetition and the
 * median reported with its min and max; in instructions, where a count
 * repeats exactly unless an interrupt lands in the window, each driver's
 * least count is kept and the ratio taken of those.  A first, unreported
 * repetition warms every path.  Counters come from a separate pass with
 * the allocator probes on, so probes never slow a timed run.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#ifdef CONFIG_X86
#include <asm/tsc.h>
#endif

#include "bench.h"

static unsigned int reps = 7;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "timed repetitions per case (default 7, at least 3)");

#define BENCH_MIN_REPS		3
#define BENCH_MAX_REPS		31
/* Packets per receive or send run, a multiple of every batch size. */
#define BENCH_RUN_PACKETS	1024
/* Synchronous round trips per run. */
#define BENCH_SYNC_REQUESTS	256
/* Fixed-point ratios: thousandths. */
#define BENCH_MILLI		1000

static const u32 bench_sizes[] = { 64, 256, 1536, 4096 };
static const u32 bench_batches[] = { 1, 16, 256 };

static bool insn;
module_param(insn, bool, 0444);
MODULE_PARM_DESC(insn, "time in guest instructions (QEMU -icount shift=0 only)");

static char *prof;
module_param(prof, charp, 0444);
MODULE_PARM_DESC(prof, "profile one case, e.g. rx-64B-b256-inline or tx-64B-b256-comp, under scripts/insnprof (make bench-prof) instead of running the bench");

#define bench_out(fmt, ...)	pr_info("vmbkmcl-bench: " fmt "\n", ##__VA_ARGS__)

/*
 * Cases: receive per size, batch, client and completion request; send per
 * size, batch and completion; a round trip per size.
 */
#define BENCH_RX_CLIENTS	2
#define BENCH_CASES \
	(ARRAY_SIZE(bench_sizes) * \
	 ((2 * BENCH_RX_CLIENTS + 2) * ARRAY_SIZE(bench_batches) + 1))

static const char * const bench_rx_client_names[BENCH_RX_CLIENTS] = {
	"inline", "deferred",
};

/* The median ratios of each case, printed after the tables. */
struct bench_line {
	char name[40];
	u64 milli;
	u64 fair_milli;
};

static struct bench_line bench_lines[BENCH_CASES];
static u32 bench_nlines;

/*
 * One case, one value per repetition: what native, fair and vmbkmcl
 * spent, and vmbkmcl's throughput as a ratio to each of the other two.
 */
struct bench_ratio {
	u64 milli[BENCH_MAX_REPS];
	u64 fair_milli[BENCH_MAX_REPS];
	u64 native_ns[BENCH_MAX_REPS];
	u64 fair_ns[BENCH_MAX_REPS];
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

static const char *bench_unit(void)
{
	return insn ? "insn" : "ns";
}

static u64 bench_ratio_milli(const struct bench_result *base,
			     const struct bench_result *vmb)
{
	return div64_u64(base->ns * BENCH_MILLI, max_t(u64, vmb->ns, 1));
}

/*
 * A case's cost: the median repetition in nanoseconds; in instructions
 * the least, as the count is exact and only an interrupt that lands in a
 * timed window (a timer tick) adds to it.
 */
static u64 bench_pick(u64 *v)
{
	u64 med = bench_median(v, reps);

	return insn ? v[0] : med;
}

/* Per-packet cost in tenths. */
static u64 bench_tenths(u64 v, u32 packets)
{
	return div64_u64(v * 10, packets);
}

/* "<v / 10>.<v % 10>" and "<v / 1000>.<v % 1000, 3 digits>", into @buf. */
#define BENCH_NUM_LEN		24

static char *bench_tenths_str(char *buf, u64 v)
{
	snprintf(buf, BENCH_NUM_LEN, "%llu.%llu", v / 10, v % 10);
	return buf;
}

static char *bench_milli_str(char *buf, u64 v)
{
	snprintf(buf, BENCH_NUM_LEN, "%llu.%03llu", v / BENCH_MILLI,
		 v % BENCH_MILLI);
	return buf;
}

/*
 * One line of the table, and the ratio lines' values for @name: the
 * median of the repetitions' ratios in nanoseconds, the ratio of the
 * picked costs in instructions.
 */
static void bench_report(const char *name, struct bench_ratio *q, u32 packets)
{
	u64 nat = bench_pick(q->native_ns), fair = bench_pick(q->fair_ns);
	u64 vmb = bench_pick(q->vmb_ns);
	u64 med = bench_median(q->milli, reps);
	u64 fmed = bench_median(q->fair_milli, reps);
	char b[7][BENCH_NUM_LEN];

	if (insn) {
		med = div64_u64(nat * BENCH_MILLI, max_t(u64, vmb, 1));
		fmed = div64_u64(fair * BENCH_MILLI, max_t(u64, vmb, 1));
	}
	nat = bench_tenths(nat, packets);
	fair = bench_tenths(fair, packets);
	vmb = bench_tenths(vmb, packets);
	bench_out("| %-28s | %10s | %10s | %10s | %s | %s | %s-%s |", name,
		  bench_tenths_str(b[0], nat), bench_tenths_str(b[1], fair),
		  bench_tenths_str(b[2], vmb), bench_milli_str(b[3], med),
		  bench_milli_str(b[4], fmed),
		  bench_milli_str(b[5], q->fair_milli[0]),
		  bench_milli_str(b[6], q->fair_milli[reps - 1]));
	if (!WARN_ON(bench_nlines >= ARRAY_SIZE(bench_lines))) {
		strscpy(bench_lines[bench_nlines].name, name,
			sizeof(bench_lines[0].name));
		bench_lines[bench_nlines].milli = med;
		bench_lines[bench_nlines++].fair_milli = fmed;
	}
}

/*
 * "ratio <case> <v>" against native and "ratio-fair <case> <v>" against
 * the fair baseline; "ratio-insn" and "ratio-insn-fair" when counting
 * instructions.
 */
static void bench_ratio_lines(void)
{
	const char *what = insn ? "ratio-insn" : "ratio";
	char b[BENCH_NUM_LEN];
	u32 i;

	for (i = 0; i < bench_nlines; i++)
		bench_out("%s %s %s", what, bench_lines[i].name,
			  bench_milli_str(b, bench_lines[i].milli));
	for (i = 0; i < bench_nlines; i++)
		bench_out("%s-fair %s %s", what, bench_lines[i].name,
			  bench_milli_str(b, bench_lines[i].fair_milli));
}

static void bench_table_head(const char *what)
{
	const char *unit = insn ? "insn/pkt" : "ns/pkt";

	bench_out("%s", what);
	bench_out("| %-28s | %10s | %10s | %10s | %5s | %5s | %11s |", "case",
		  "native", "fair", "vmbkmcl", "ratio", "fair", "fair min-max");
	bench_out("| %-28s | %10s | %10s | %10s | %5s | %5s | %11s |", "",
		  unit, unit, unit, "", "ratio", "");
}

static void bench_store(struct bench_ratio *q, u32 rep,
			const struct bench_result *native,
			const struct bench_result *fair,
			const struct bench_result *vmb)
{
	q->native_ns[rep] = native->ns;
	q->fair_ns[rep] = fair->ns;
	q->vmb_ns[rep] = vmb->ns;
	q->milli[rep] = bench_ratio_milli(native, vmb);
	q->fair_milli[rep] = bench_ratio_milli(fair, vmb);
}

static int bench_rx_case(struct bench_fixture *f, u32 size, u32 batch,
			 bool comp, struct bench_ratio *q)
{
	struct bench_result r[BENCH_RX_NR];
	int rep, k, i, ret;

	/* rep -1 warms up and is not kept. */
	for (rep = -1; rep < (int)reps; rep++) {
		for (k = 0; k < BENCH_RX_NR; k++) {
			enum bench_rx_who who = (rep + 1 + k) % BENCH_RX_NR;

			ret = bench_rx_run(f, who, size, batch,
					   BENCH_RUN_PACKETS, comp, false,
					   &r[who]);
			if (ret)
				return ret;
		}
		for (k = 0; k < BENCH_RX_NR; k++)
			if (r[k].sum != r[BENCH_RX_NATIVE].sum)
				return -EILSEQ;
		if (rep < 0)
			continue;
		for (i = 0; i < BENCH_RX_CLIENTS; i++)
			bench_store(&q[i], rep, &r[BENCH_RX_NATIVE],
				    &r[BENCH_RX_FAIR], &r[BENCH_RX_INLINE + i]);
	}
	return 0;
}

static int bench_rx_all(struct bench_fixture *f, struct bench_ratio *q)
{
	char name[40];
	u32 s, b, i, comp;
	int ret;

	bench_table_head("receive: hv_pkt_iter loop (native, fair) vs ProcessPacket");
	for (s = 0; s < ARRAY_SIZE(bench_sizes); s++) {
		for (b = 0; b < ARRAY_SIZE(bench_batches); b++) {
			for (comp = 0; comp < 2; comp++) {
				ret = bench_rx_case(f, bench_sizes[s],
						    bench_batches[b], comp, q);
				if (ret) {
					bench_out("FAILED rx %uB b%u%s: %d",
						  bench_sizes[s],
						  bench_batches[b],
						  comp ? " compreq" : "", ret);
					return ret;
				}
				for (i = 0; i < BENCH_RX_CLIENTS; i++) {
					snprintf(name, sizeof(name),
						 "rx-%uB-b%u-%s%s",
						 bench_sizes[s],
						 bench_batches[b],
						 comp ? "compreq-" : "",
						 bench_rx_client_names[i]);
					bench_report(name, &q[i],
						     BENCH_RUN_PACKETS);
				}
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
				    &r[BENCH_TX_FAIR], &r[BENCH_TX_VMBKMCL]);
	}
	return 0;
}

static int bench_tx_all(struct bench_fixture *f, struct bench_ratio *q)
{
	char name[40];
	u32 s, b, c;
	int ret;

	bench_table_head("send: vmbus_sendpacket (native, fair) vs VmbPacketSend");
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

/* The drivers the counting pass runs: fair counts what native does. */
static const enum bench_rx_who bench_counted_rx[] = {
	BENCH_RX_NATIVE, BENCH_RX_INLINE, BENCH_RX_DEFERRED,
};

static const enum bench_tx_who bench_counted_tx[] = {
	BENCH_TX_NATIVE, BENCH_TX_VMBKMCL,
};

static int bench_count_config(struct bench_fixture *f, u32 size, u32 batch,
			      struct bench_result *sum)
{
	struct bench_result r;
	int i, comp, ret;

	for (comp = 0; comp < 2; comp++) {
		for (i = 0; i < ARRAY_SIZE(bench_counted_rx); i++) {
			ret = bench_rx_run(f, bench_counted_rx[i], size, batch,
					   BENCH_RUN_PACKETS, comp, true, &r);
			if (ret)
				return ret;
			bench_add(&sum[BP_RX_NATIVE + 3 * comp + i], &r);
		}
		for (i = 0; i < ARRAY_SIZE(bench_counted_tx); i++) {
			ret = bench_tx_run(f, bench_counted_tx[i], comp, size,
					   batch, BENCH_RUN_PACKETS, true, &r);
			if (ret)
				return ret;
			bench_add(&sum[BP_TX_NATIVE + 2 * comp + i], &r);
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
	u32 s, b, i;
	int ret;

	ret = bench_count_start();
	if (ret) {
		bench_out("FAILED allocation probes: %d (the kernel needs CONFIG_KPROBES)",
			  ret);
		return ret;
	}
	for (s = 0; s < ARRAY_SIZE(bench_sizes) && !ret; s++) {
		for (b = 0; b < ARRAY_SIZE(bench_batches) && !ret; b++)
			ret = bench_count_config(f, bench_sizes[s],
						 bench_batches[b], sum);
		for (i = 0; i < ARRAY_SIZE(bench_counted_tx) && !ret; i++) {
			ret = bench_sync_run(f, bench_counted_tx[i],
					     bench_sizes[s],
					     BENCH_SYNC_REQUESTS, true, &r);
			bench_add(&sum[BP_SYNC_NATIVE + i], &r);
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

/* Nanoseconds, or instructions under -icount shift=0 (see bench_now()). */
static u64 bench_clock(void)
{
#ifdef CONFIG_X86
	if (insn)
		return rdtsc_ordered();
#endif
	return ktime_get_ns();
}

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
		__t0 = bench_clock();					\
		for (__i = 0; __i < BENCH_CAL_LOOPS; __i++) {		\
			what;						\
			barrier();					\
		}							\
		__best = min(__best, bench_clock() - __t0);		\
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
	bench_out("calibration, %s each: loop %llu call %llu indirect %llu",
		  bench_unit(), loop, call, icall);
	bench_out("calibration, %s each: irqsave lock+unlock %llu atomic %llu",
		  bench_unit(), lck, atom);
	bench_out("calibration, %s each: memcpy %uB %llu, %uB %llu",
		  bench_unit(), BENCH_CAL_SMALL, cp_small, BENCH_MAX_PAYLOAD,
		  cp_big);
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
	bench_out("empty interrupt (%s, median): native %llu, vmbkmcl %llu",
		  bench_unit(),
		  bench_median(ns[BENCH_RX_NATIVE], reps),
		  bench_median(ns[BENCH_RX_INLINE], reps));
	return 0;
}

/*
 * make bench-prof: run one case's three drivers @reps times, each in its
 * own insnprof profile, and say how many packets each profile covers.
 */
static int bench_profile(struct bench_fixture *f)
{
	enum bench_rx_who rx[] = { BENCH_RX_NATIVE, BENCH_RX_FAIR, 0 };
	enum bench_tx_who tx[] = { BENCH_TX_NATIVE, BENCH_TX_FAIR,
				   BENCH_TX_VMBKMCL };
	struct bench_result r;
	u32 size, batch, rep, k;
	bool comp = false;
	char what[24];
	int ret = 0;

	if (sscanf(prof, "rx-%uB-b%u-%23s", &size, &batch, what) == 3) {
		const char *client = what;

		comp = str_has_prefix(what, "compreq-");
		if (comp)
			client += strlen("compreq-");
		if (!strcmp(client, "inline"))
			rx[2] = BENCH_RX_INLINE;
		else if (!strcmp(client, "deferred"))
			rx[2] = BENCH_RX_DEFERRED;
		else
			ret = -EINVAL;
	} else if (sscanf(prof, "tx-%uB-b%u-%23s", &size, &batch, what) == 3 &&
		   (!strcmp(what, "comp") || !strcmp(what, "nocomp"))) {
		comp = !strcmp(what, "comp");
		rx[2] = BENCH_RX_NR;
	} else {
		ret = -EINVAL;
	}
	if (ret || size > BENCH_MAX_PAYLOAD || !batch ||
	    batch > BENCH_MAX_BATCH || BENCH_RUN_PACKETS % batch) {
		bench_out("FAILED prof=%s: not a case", prof);
		return -EINVAL;
	}
	bench_use_profiler(true);
	for (rep = 0; rep < reps && !ret; rep++)
		for (k = 0; k < ARRAY_SIZE(tx) && !ret; k++)
			ret = rx[2] == BENCH_RX_NR ?
			      bench_tx_run(f, tx[k], comp, size, batch,
					   BENCH_RUN_PACKETS, false, &r) :
			      bench_rx_run(f, rx[k], size, batch,
					   BENCH_RUN_PACKETS, comp, false, &r);
	bench_use_profiler(false);
	if (ret)
		bench_out("FAILED prof=%s: %d", prof, ret);
	else
		bench_out("profiled %s: %u packets per profile", prof,
			  reps * BENCH_RUN_PACKETS);
	return ret;
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
	bench_use_insn_clock(insn);
	if (prof) {
		ret = bench_profile(f);
		goto out;
	}
	bench_out("start: %u repetitions of %u packets per case, in %s",
		  reps, BENCH_RUN_PACKETS,
		  insn ? "guest instructions" : "guest nanoseconds");
	bench_calibrate();
	ret = bench_idle(f);
	if (!ret)
		ret = bench_rx_all(f, q);
	if (!ret)
		ret = bench_tx_all(f, q);
	/* Counts do not depend on the clock: the nanosecond boot has them. */
	if (!ret && !insn)
		ret = bench_counters(f, sum);
	if (!ret) {
		if (!insn)
			bench_counters_report(sum);
		bench_ratio_lines();
		if (!insn)
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
