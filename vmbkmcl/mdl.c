// SPDX-License-Identifier: GPL-2.0
/*
 * MDLs: allocating them, describing kernel memory with them, mapping them.
 *
 * Invariants:
 *  - An MDL from IoAllocateMdl() is one allocation, the MDL then its page
 *    array, and carries MDL_ALLOCATED_FIXED_SIZE; IoFreeMdl() frees only
 *    those.  MDLs vmbkmcl lends out (a received packet's external data)
 *    live in the library's own pools and are never the caller's to free.
 *  - Pages is trusted only once MDL_PAGES_LOCKED or
 *    MDL_SOURCE_IS_NONPAGED_POOL says it was filled.
 *  - MappedSystemVa goes from NULL to a mapping at most once: a race
 *    between two first MmGetSystemAddressForMdlSafe() calls is settled by
 *    cmpxchg(), and the loser unmaps its own vmap().  A mapping made here
 *    (MDL_MAPPED_TO_SYSTEM_VA) is undone by IoFreeMdl().
 *
 * No lock: an MDL has one owner at a time, which the API leaves to it.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <vmbkmcl/mdl.h>

#include "external.h"

/**
 * IoAllocateMdl() - allocate an MDL for a buffer, pages not filled in.
 * @VirtualAddress: the buffer's first byte; only its value is used here.
 * @Length:         bytes, > 0.
 * @SecondaryBuffer: ignored: with no IRP there is nothing to link onto;
 *                  chain MDLs through Next.
 * @ChargeQuota:    ignored.
 * @Irp:            ignored; pass NULL.
 *
 * The MDL describes @Length bytes from @VirtualAddress, but its Pages are
 * not known yet: MmBuildMdlForNonPagedPool() fills them in for kernel
 * memory, or the caller does and sets MDL_PAGES_LOCKED.
 *
 * Context: any context up to softirq; allocates atomically.
 * Return: the MDL (free it with IoFreeMdl()), or NULL for a zero length or
 * when memory is short.
 */
PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length,
		   BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota, PIRP Irp)
{
	ULONG pages;
	MDL *mdl;

	if (!Length)
		return NULL;
	pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(VirtualAddress, (u64)Length);
	/* The page array follows the MDL, as on Windows. */
	mdl = kzalloc(size_add(sizeof(*mdl), array_size(pages, sizeof(*mdl->Pages))),
		      GFP_ATOMIC | __GFP_NOWARN);
	if (!mdl)
		return NULL;
	mdl->Pages = (struct page **)(mdl + 1);
	mdl->PageCount = pages;
	mdl->ByteCount = Length;
	mdl->ByteOffset = offset_in_page(VirtualAddress);
	mdl->StartVa = (void *)((unsigned long)VirtualAddress & PAGE_MASK);
	mdl->MdlFlags = MDL_ALLOCATED_FIXED_SIZE;
	return mdl;
}
EXPORT_SYMBOL_GPL(IoAllocateMdl);

/**
 * IoFreeMdl() - free an MDL from IoAllocateMdl().
 * @Mdl: the MDL; NULL is ignored.  Only this MDL is freed, not the rest of
 *       its chain, and not the memory it describes.
 *
 * A mapping MmGetSystemAddressForMdlSafe() made is unmapped first.  An MDL
 * the library lent out (external data) is refused with a warning.
 *
 * Context: process context if MmGetSystemAddressForMdlSafe() mapped the
 * MDL (vunmap() sleeps); otherwise any context up to softirq.
 */
void IoFreeMdl(PMDL Mdl)
{
	if (!Mdl)
		return;
	if (WARN_ONCE(!(Mdl->MdlFlags & MDL_ALLOCATED_FIXED_SIZE),
		      "vmbkmcl: %s of an MDL the library lent out\n", __func__))
		return;
	if (Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA)
		vunmap((void *)((unsigned long)Mdl->MappedSystemVa & PAGE_MASK));
	kfree(Mdl);
}
EXPORT_SYMBOL_GPL(IoFreeMdl);

/**
 * vmb_kernel_page() - the page under a kernel address.
 * @va: an address in kmalloc, page-allocator, vmalloc or vmap memory.
 *
 * Stack memory is refused: it may be a vmalloc address, but it does not
 * outlive the call that owns it.
 *
 * Context: any context.
 * Return: the page, or NULL if @va is not such memory.
 */
struct page *vmb_kernel_page(const void *va)
{
	if (object_is_on_stack(va))
		return NULL;
	if (is_vmalloc_addr(va))
		return vmalloc_to_page(va);
	if (virt_addr_valid(va))
		return virt_to_page(va);
	return NULL;
}

/**
 * MmBuildMdlForNonPagedPool() - fill in the pages of an MDL over kernel
 * memory.
 * @MemoryDescriptorList: an MDL from IoAllocateMdl() whose virtual address
 *	lies in kmalloc, page-allocator, vmalloc or vmap memory, which stays
 *	resident and mapped for the MDL's life.
 *
 * Sets Pages, MappedSystemVa (the buffer's own address) and
 * MDL_SOURCE_IS_NONPAGED_POOL.  Any other address (stack, ioremap, user)
 * leaves the MDL without pages, with a warning; using such an MDL fails
 * with a status.
 *
 * Context: any context up to softirq.
 */
void MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList)
{
	MDL *mdl = MemoryDescriptorList;
	u8 *va = mdl->StartVa;
	ULONG i;

	for (i = 0; i < mdl->PageCount; i++) {
		struct page *page = vmb_kernel_page(va + i * PAGE_SIZE);

		if (WARN_ONCE(!page, "vmbkmcl: %s: page %lu is not kernel memory\n",
			      __func__, (unsigned long)i))
			return;
		mdl->Pages[i] = page;
	}
	mdl->MappedSystemVa = va + mdl->ByteOffset;
	mdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
}
EXPORT_SYMBOL_GPL(MmBuildMdlForNonPagedPool);

/**
 * MmGetMdlByteCount() - bytes an MDL describes.
 * @Mdl: the MDL.
 *
 * Context: any context.
 * Return: ByteCount.
 */
ULONG MmGetMdlByteCount(PMDL Mdl)
{
	return Mdl->ByteCount;
}
EXPORT_SYMBOL_GPL(MmGetMdlByteCount);

/**
 * MmGetMdlByteOffset() - offset of an MDL's first byte in its first page.
 * @Mdl: the MDL.
 *
 * Context: any context.
 * Return: ByteOffset, less than PAGE_SIZE.
 */
ULONG MmGetMdlByteOffset(PMDL Mdl)
{
	return Mdl->ByteOffset;
}
EXPORT_SYMBOL_GPL(MmGetMdlByteOffset);

/**
 * MmGetMdlVirtualAddress() - the virtual address an MDL was made for.
 * @Mdl: the MDL.
 *
 * For an MDL the library lent out this is its kernel address; for one
 * from IoAllocateMdl() it is the address given there, which need not be
 * mapped in kernel space.
 *
 * Context: any context.
 * Return: StartVa + ByteOffset.
 */
PVOID MmGetMdlVirtualAddress(PMDL Mdl)
{
	return (u8 *)Mdl->StartVa + Mdl->ByteOffset;
}
EXPORT_SYMBOL_GPL(MmGetMdlVirtualAddress);

/**
 * MmGetSystemAddressForMdlSafe() - a kernel address for an MDL's bytes.
 * @Mdl:      an MDL with its pages filled in.
 * @Priority: a page priority, optionally with MdlMapping* flags; accepted
 *            and ignored (the mapping is always read-write).
 *
 * Returns the MDL's existing mapping, or maps its pages once with vmap();
 * that mapping lasts until IoFreeMdl().  Only this MDL is mapped, not the
 * rest of its chain.
 *
 * Context: any context up to softirq when the MDL already has a mapping
 * (kernel memory, external data); process context otherwise (vmap()
 * sleeps).
 * Return: the address of the first described byte, or NULL when the MDL
 * has no pages or mapping failed.
 */
PVOID MmGetSystemAddressForMdlSafe(PMDL Mdl, ULONG Priority)
{
	void *va = READ_ONCE(Mdl->MappedSystemVa);
	void *base, *old;

	if (va)
		return va;
	if (!vmb_mdl_has_pages(Mdl))
		return NULL;
	might_sleep();
	base = vmap(Mdl->Pages, Mdl->PageCount, VM_MAP, PAGE_KERNEL);
	if (!base)
		return NULL;
	va = (u8 *)base + Mdl->ByteOffset;
	old = cmpxchg(&Mdl->MappedSystemVa, NULL, va);
	if (old) {
		/* Another first call won; its mapping stays. */
		vunmap(base);
		return old;
	}
	Mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
	return va;
}
EXPORT_SYMBOL_GPL(MmGetSystemAddressForMdlSafe);

/**
 * vmb_mdl_page_at() - the page under byte @pos of an MDL.
 * @mdl: an MDL with pages.
 * @pos: byte position from the MDL's first byte, < ByteCount (or up to the
 *       end of its last page).
 *
 * Context: any context.
 * Return: the page.
 */
struct page *vmb_mdl_page_at(const MDL *mdl, u64 pos)
{
	return mdl->Pages[(mdl->ByteOffset + pos) >> PAGE_SHIFT];
}

/**
 * vmb_mdl_has_pages() - may @mdl's Pages be used?
 * @mdl: the MDL.
 *
 * Context: any context.
 * Return: true once its pages were filled in.
 */
bool vmb_mdl_has_pages(const MDL *mdl)
{
	return mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL);
}
