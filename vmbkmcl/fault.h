/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation fault injection: every allocation vmbkmcl makes goes through
 * these wrappers, so a test can fail the n-th one from now on and check
 * that each failure is reported and unwound.  Off unless armed; the cost
 * is one atomic read per allocation, and no allocation is per packet.
 */
#ifndef _VMBKMCL_FAULT_H
#define _VMBKMCL_FAULT_H

#include <linux/mm.h>
#include <linux/slab.h>

bool vmb_fault_hit(void);
void vmbkmcl_fault_fail_nth(unsigned int n);
unsigned int vmbkmcl_fault_pending(void);

static inline void *vmb_kzalloc(size_t size, gfp_t gfp)
{
	return vmb_fault_hit() ? NULL : kzalloc(size, gfp);
}

static inline void *vmb_kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return vmb_fault_hit() ? NULL : kcalloc(n, size, gfp);
}

static inline void *vmb_kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	return vmb_fault_hit() ? NULL : kvcalloc(n, size, gfp);
}

static inline void *vmb_kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return vmb_fault_hit() ? NULL : kvmalloc_array(n, size, gfp);
}

#endif /* _VMBKMCL_FAULT_H */
