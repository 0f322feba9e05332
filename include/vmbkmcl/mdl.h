/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mdl.h - Windows memory descriptor lists (MDLs) on Linux.
 *
 * An MDL describes a virtually contiguous buffer as the pages under it:
 * ByteOffset bytes into the first page, ByteCount bytes in all, PageCount
 * pages.  Where Windows keeps physical page numbers after the structure,
 * a Linux MDL keeps struct page pointers (Pages), in PAGE_SIZE units, so
 * an MDL can be mapped with vmap() and its Hyper-V page numbers (4 KiB,
 * whatever PAGE_SIZE is) computed with page_to_hvpfn().  MDLs chain
 * through Next; a chain describes its buffers' bytes in order.
 *
 * The helpers keep the Windows names, arguments and meaning, so a ported
 * driver's buffer code compiles unchanged.  Differences, said once:
 *  - IoAllocateMdl() ignores SecondaryBuffer, ChargeQuota and Irp: there is
 *    no IRP to link the MDL onto; chain MDLs by setting Next.
 *  - MmBuildMdlForNonPagedPool() takes kmalloc, page-allocator, vmalloc
 *    and vmap memory ("nonpaged pool" on Linux).
 *  - MmGetSystemAddressForMdlSafe() maps with vmap() (process context)
 *    when the MDL has no mapping yet; IoFreeMdl() undoes that mapping.
 *  - There is no MmGetMdlPfnArray(): Pages holds struct page pointers.
 *  - MmInitializeMdl() builds an MDL in memory the caller owns (at least
 *    MmSizeOfMdl() bytes): the way to describe an I/O buffer on the hot
 *    path without allocating.  A caller whose pages come from elsewhere
 *    (a block request's bio_vecs) fills Pages itself and sets
 *    MDL_PAGES_LOCKED, as MmProbeAndLockPages() would on Windows.
 */
#ifndef _VMBKMCL_MDL_H
#define _VMBKMCL_MDL_H

#include <linux/mm.h>
#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

struct _IRP;

typedef s16 CSHORT;
/* Never dereferenced: Linux has no I/O request packets. */
typedef struct _IRP IRP, *PIRP;

/* MdlFlags, with the Windows values. */
#define MDL_MAPPED_TO_SYSTEM_VA		0x0001	/* MappedSystemVa made by vmap() */
#define MDL_PAGES_LOCKED		0x0002	/* Pages filled in */
#define MDL_SOURCE_IS_NONPAGED_POOL	0x0004	/* Pages filled, StartVa mapped */
#define MDL_ALLOCATED_FIXED_SIZE	0x0008	/* from IoAllocateMdl() */

/* MmGetSystemAddressForMdlSafe() Priority: accepted, without effect. */
#define LowPagePriority			0
#define NormalPagePriority		16
#define HighPagePriority		32
#define MdlMappingNoWrite		0x80000000
#define MdlMappingNoExecute		0x40000000

/* Pages a buffer of @Size bytes at @Va spans. */
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size) \
	((ULONG)DIV_ROUND_UP(offset_in_page(Va) + (Size), PAGE_SIZE))

/**
 * struct _MDL - a memory descriptor list: the MDL.
 * @Next:	the next MDL of the chain, or NULL.
 * @MdlFlags:	MDL_* flags.
 * @MappedSystemVa: kernel address of the first described byte, or NULL
 *		while the MDL has no mapping.
 * @StartVa:	page-aligned virtual address of the first page; with
 *		MDL_SOURCE_IS_NONPAGED_POOL it is mapped.
 * @ByteCount:	bytes described.
 * @ByteOffset:	offset of the first byte in the first page, < PAGE_SIZE.
 * @PageCount:	pages described (Linux): the entries of @Pages.
 * @Pages:	the pages, in order (Linux); valid once MDL_PAGES_LOCKED or
 *		MDL_SOURCE_IS_NONPAGED_POOL is set.
 */
struct _MDL {
	struct _MDL *Next;
	CSHORT MdlFlags;
	PVOID MappedSystemVa;
	PVOID StartVa;
	ULONG ByteCount;
	ULONG ByteOffset;
	ULONG PageCount;
	struct page **Pages;
};

/**
 * MmSizeOfMdl() - bytes an MDL for a buffer needs, its page array included.
 * @Base:   the buffer's first byte (only its offset in the page counts).
 * @Length: bytes.
 *
 * Return: the size MmInitializeMdl() needs.
 */
static inline size_t MmSizeOfMdl(PVOID Base, size_t Length)
{
	return sizeof(MDL) +
	       ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length) * sizeof(struct page *);
}

/**
 * MmInitializeMdl() - make an MDL in caller-owned memory.
 * @MemoryDescriptorList: at least MmSizeOfMdl(@BaseVa, @Length) bytes,
 *	pointer-aligned; the page array follows the MDL in it.
 * @BaseVa: the buffer's first byte; only its value is used, so it may be
 *	an address with no kernel mapping (or NULL plus an offset, for
 *	pages that only have struct page pointers).
 * @Length: bytes.
 *
 * The MDL has no pages yet (fill Pages and set MDL_PAGES_LOCKED, or call
 * MmBuildMdlForNonPagedPool() for kernel memory), no mapping, no Next and
 * no MDL_ALLOCATED_FIXED_SIZE: IoFreeMdl() refuses it; the caller's
 * memory is the caller's to reuse once no send uses the MDL.
 *
 * Context: any context.
 * Return: nothing (VOID).
 */
static inline VOID MmInitializeMdl(PMDL MemoryDescriptorList, PVOID BaseVa,
				   size_t Length)
{
	MDL *mdl = MemoryDescriptorList;

	mdl->Next = NULL;
	mdl->MdlFlags = 0;
	mdl->MappedSystemVa = NULL;
	mdl->StartVa = (void *)((unsigned long)BaseVa & PAGE_MASK);
	mdl->ByteCount = Length;
	mdl->ByteOffset = offset_in_page(BaseVa);
	mdl->PageCount = ADDRESS_AND_SIZE_TO_SPAN_PAGES(BaseVa, Length);
	mdl->Pages = (struct page **)(mdl + 1);
}

PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length,
		   BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota, PIRP Irp);
VOID IoFreeMdl(PMDL Mdl);
VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList);
ULONG MmGetMdlByteCount(PMDL Mdl);
ULONG MmGetMdlByteOffset(PMDL Mdl);
PVOID MmGetMdlVirtualAddress(PMDL Mdl);
PVOID MmGetSystemAddressForMdlSafe(PMDL Mdl, ULONG Priority);

#endif /* _VMBKMCL_MDL_H */
