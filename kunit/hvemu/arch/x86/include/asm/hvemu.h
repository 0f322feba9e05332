/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvemu trap points: where the x86 Hyper-V code asks the hypervisor.
 *
 * Included by asm/mshyperv.h (the hooks patch), so it reaches exactly the
 * code that talks Hyper-V: the platform code (mshyperv.c, hv_init.c) and
 * the register accessors hv_vmbus uses.  There, a synthetic MSR access
 * (0x4000xxxx) or a hypervisor CPUID leaf (0x400000xx) goes to the
 * emulator when it is active (hvemu=1), as a VM exit would reach a real
 * hypervisor; every other access, and every access without hvemu=1, is the
 * native instruction.  Built-in code only: no module of the test kernel
 * asks the hypervisor directly, so the emulator's entry points are not
 * exported.
 */
#ifndef _ASM_X86_HVEMU_H
#define _ASM_X86_HVEMU_H

#if IS_BUILTIN(CONFIG_HYPERV) && !defined(BUILD_VDSO) && !defined(MODULE)
#include <linux/types.h>
#include <asm/msr.h>
#include <asm/processor.h>

extern bool hvemu_active;
int hvemu_rdmsr(unsigned int msr, u64 *val);
int hvemu_wrmsr(unsigned int msr, u64 val);
bool hvemu_cpuid(unsigned int *eax, unsigned int *ebx, unsigned int *ecx,
		 unsigned int *edx);

static __always_inline bool hvemu_traps_msr(unsigned int msr)
{
	return unlikely(hvemu_active) && (msr >> 16) == 0x4000;
}

static __always_inline u64 hvemu_read_msr(unsigned int msr)
{
	u64 val = 0;

	if (hvemu_traps_msr(msr)) {
		hvemu_rdmsr(msr, &val);
		return val;
	}
	return native_read_msr(msr);
}

static __always_inline void hvemu_write_msr(unsigned int msr, u64 val)
{
	if (hvemu_traps_msr(msr))
		hvemu_wrmsr(msr, val);
	else
		native_write_msr(msr, (u32)val, (u32)(val >> 32));
}

static __always_inline void hvemu_cpuid_op(unsigned int op, unsigned int *eax,
					   unsigned int *ebx, unsigned int *ecx,
					   unsigned int *edx)
{
	*eax = op;
	*ecx = 0;
	if (unlikely(hvemu_active) && (op >> 8) == 0x400000)
		hvemu_cpuid(eax, ebx, ecx, edx);
	else
		native_cpuid(eax, ebx, ecx, edx);
}

static __always_inline unsigned int hvemu_cpuid_reg(unsigned int op, int reg)
{
	unsigned int r[4];

	hvemu_cpuid_op(op, &r[0], &r[1], &r[2], &r[3]);
	return r[reg];
}

#undef rdmsrl
#define rdmsrl(msr, val)	((val) = hvemu_read_msr(msr))
#define wrmsrl(msr, val)	hvemu_write_msr(msr, val)
#define cpuid(op, a, b, c, d)	hvemu_cpuid_op(op, a, b, c, d)
#define cpuid_eax(op)		hvemu_cpuid_reg(op, 0)
#define cpuid_ebx(op)		hvemu_cpuid_reg(op, 1)
#define cpuid_ecx(op)		hvemu_cpuid_reg(op, 2)
#define cpuid_edx(op)		hvemu_cpuid_reg(op, 3)
#endif /* CONFIG_HYPERV=y && !BUILD_VDSO && !MODULE */

#endif /* _ASM_X86_HVEMU_H */
