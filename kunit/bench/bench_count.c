// SPDX-License-Identifier: GPL-2.0
/*
 * Counting allocations on the hot paths, by watching the allocators.
 *
 * Every slab allocation in 6.1 (kmalloc of any size class, kmem_cache_alloc
 * and its bulk, lru and node variants) goes through slab_pre_alloc_hook(),
 * which calls should_failslab() in mm/slab_common.c; every page allocation
 * (kmalloc_large, vmalloc, alloc_pages) goes through prepare_alloc_pages(),
 * which calls should_fail_alloc_page().  Both are real calls from another
 * translation unit (the fault-injection hooks), so one kprobe on each sees
 * every allocation, whoever makes it and whatever API it uses.
 *
 * A hit counts while a timed window is armed: on this CPU inside a
 * bench_irq() handler (softirq), or in the bench thread itself (task
 * context) while it sends, completes or waits.  The host side makes no
 * allocation, so any hit is the guest's: vmbkmcl's, the ring code's, or
 * the kernel's work they caused on that CPU.
 *
 * The counter is proven to see allocations with vmbkmcl_bench_plant_alloc():
 * the bench's own vmbkmcl client then allocates and frees 32 bytes per
 * packet inside ProcessPacket, its send completion routine and its
 * synchronous-request loop, which must read as one allocation per packet.
 *
 * Kernels without CONFIG_KPROBES (Debian's, say) cannot count, nor can
 * 6.10 and later without CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC (the
 * hooks are empty inlines there, as in the 6.12 test kernel, so there is
 * no symbol to probe): bench_count_start() says so with -EOPNOTSUPP.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "bench_priv.h"

/* What the planted allocation asks for: a small kmalloc size class. */
#define BENCH_PLANT_BYTES	32

static DEFINE_PER_CPU(u32, bench_armed);
static DEFINE_PER_CPU(u64, bench_allocs);
static struct task_struct *bench_armed_task;
bool bench_planted;

#ifdef CONFIG_KPROBES
static bool bench_counting;

/*
 * A kprobe handler runs inside the breakpoint's NMI-like entry (or, once
 * the probe is optimised, without it), so in_interrupt() says nothing
 * about the probed code; the softirq count is left alone by both.  A
 * softirq that interrupts the thread is not the thread's: it is counted
 * only if it is a bench_irq() window.  A hardirq that does is counted,
 * which can only over-count.
 */
static int bench_alloc_hit(struct kprobe *kp, struct pt_regs *regs)
{
	if (this_cpu_read(bench_armed) ||
	    (!in_serving_softirq() && READ_ONCE(bench_armed_task) == current))
		this_cpu_inc(bench_allocs);
	return 0;
}

static struct kprobe bench_probe_slab = {
	.symbol_name = "should_failslab",
	.pre_handler = bench_alloc_hit,
};

static struct kprobe bench_probe_page = {
	.symbol_name = "should_fail_alloc_page",
	.pre_handler = bench_alloc_hit,
};

static struct kprobe *bench_probes[] = {
	&bench_probe_slab,
	&bench_probe_page,
};

/**
 * bench_count_start() - start watching the allocators.
 *
 * Context: process context; sleeps.
 * Return: 0, -EBUSY if already started, -EOPNOTSUPP if a hook cannot be
 * probed here, or register_kprobes()'s error.
 */
int bench_count_start(void)
{
	unsigned int i;
	int ret;

	if (bench_counting)
		return -EBUSY;
	/* A kprobe that was registered once keeps its address and flags,
	 * and register_kprobe() refuses an address next to a symbol name.
	 */
	for (i = 0; i < ARRAY_SIZE(bench_probes); i++) {
		bench_probes[i]->addr = NULL;
		bench_probes[i]->flags = 0;
	}
	ret = register_kprobes(bench_probes, ARRAY_SIZE(bench_probes));
	if (ret == -ENOENT)
		return -EOPNOTSUPP;	/* a hook is not a function here */
	if (!ret)
		bench_counting = true;
	return ret;
}
EXPORT_SYMBOL_GPL(bench_count_start);

/**
 * bench_count_stop() - stop watching; timed runs are not slowed by it.
 *
 * Context: process context; sleeps.
 */
void bench_count_stop(void)
{
	if (!bench_counting)
		return;
	unregister_kprobes(bench_probes, ARRAY_SIZE(bench_probes));
	bench_counting = false;
}
EXPORT_SYMBOL_GPL(bench_count_stop);
#else
int bench_count_start(void)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(bench_count_start);

void bench_count_stop(void)
{
}
EXPORT_SYMBOL_GPL(bench_count_stop);
#endif

/**
 * bench_count_arm_cpu() - open or close a window on this CPU.
 * @on: open.
 *
 * Context: softirq (bench_irq), so the CPU cannot change in between.
 */
void bench_count_arm_cpu(bool on)
{
	if (on)
		this_cpu_inc(bench_armed);
	else
		this_cpu_dec(bench_armed);
}

/**
 * bench_count_arm_task() - open or close a window for the calling thread.
 * @on: open.
 *
 * Context: the bench thread.
 */
void bench_count_arm_task(bool on)
{
	WRITE_ONCE(bench_armed_task, on ? current : NULL);
}

/**
 * bench_count_read() - allocations counted so far, on every CPU.
 *
 * Return: the total.
 */
u64 bench_count_read(void)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu(bench_allocs, cpu);
	return n;
}

/**
 * vmbkmcl_bench_plant_alloc() - make the bench's vmbkmcl client allocate.
 * @plant: one kmalloc and kfree per packet on every vmbkmcl path, from now.
 *
 * Only to prove that the counter sees allocations; never in a real run.
 */
void vmbkmcl_bench_plant_alloc(bool plant)
{
	WRITE_ONCE(bench_planted, plant);
}
EXPORT_SYMBOL_GPL(vmbkmcl_bench_plant_alloc);

/**
 * bench_plant_alloc() - the planted allocation.
 *
 * Context: any context.
 */
void bench_plant_alloc(void)
{
	void *p;

	p = kmalloc(BENCH_PLANT_BYTES, GFP_ATOMIC);
	OPTIMIZER_HIDE_VAR(p);
	kfree(p);
}
