// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_bench_plant: load before vmbkmcl_bench to prove that the
 * allocation counter sees allocations (`make bench BENCH_PLANT=1`).
 *
 * While loaded, the bench's vmbkmcl client allocates and frees once per
 * packet on every vmbkmcl path, so every vmbkmcl allocs-per-packet line
 * must read 1.000 more than without it, and every native one unchanged.
 */
#include <linux/module.h>

#include "bench.h"

static int __init bench_plant_init(void)
{
	vmbkmcl_bench_plant_alloc(true);
	return 0;
}
module_init(bench_plant_init);

static void __exit bench_plant_exit(void)
{
	vmbkmcl_bench_plant_alloc(false);
}
module_exit(bench_plant_exit);

MODULE_DESCRIPTION("vmbkmcl bench: plant one allocation per packet");
MODULE_LICENSE("GPL");
