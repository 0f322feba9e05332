// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation fault injection (fault.h).  One counter for the module:
 * tests that arm it run one at a time.
 */
#include <linux/atomic.h>
#include <linux/module.h>

#include "fault.h"

static atomic_t vmb_fault_nth = ATOMIC_INIT(0);

/**
 * vmb_fault_hit() - should this allocation fail?
 *
 * Return: true for the n-th allocation since vmbkmcl_fault_fail_nth(n),
 * which also disarms it.
 */
bool vmb_fault_hit(void)
{
	if (likely(!atomic_read(&vmb_fault_nth)))
		return false;
	return atomic_dec_if_positive(&vmb_fault_nth) == 0;
}

/**
 * vmbkmcl_fault_fail_nth() - fail the @n-th vmbkmcl allocation from now.
 * @n: 1 for the next one; 0 disarms.
 */
void vmbkmcl_fault_fail_nth(unsigned int n)
{
	atomic_set(&vmb_fault_nth, n);
}
EXPORT_SYMBOL_GPL(vmbkmcl_fault_fail_nth);

/**
 * vmbkmcl_fault_pending() - allocations left before the armed failure.
 *
 * Return: 0 once the failure has happened (or when not armed).
 */
unsigned int vmbkmcl_fault_pending(void)
{
	return atomic_read(&vmb_fault_nth);
}
EXPORT_SYMBOL_GPL(vmbkmcl_fault_pending);
