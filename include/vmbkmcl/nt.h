/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Windows types and NTSTATUS values the KMCL API is written in, as
 * Linux types, so a ported driver's channel code compiles unchanged.
 *
 * Values are the standard ntstatus.h ones.  NTSTATUS is 32-bit signed:
 * NT_SUCCESS() holds for success (0x0...) and informational (0x4...) codes
 * and STATUS_PENDING, and fails for warnings (0x8...) such as
 * STATUS_BUFFER_OVERFLOW and for errors (0xC...).
 */
#ifndef _VMBKMCL_NT_H
#define _VMBKMCL_NT_H

#include <linux/types.h>
#include <linux/uuid.h>

typedef s32 NTSTATUS;
typedef u8 BOOLEAN;
typedef u8 UINT8;
typedef u16 UINT16;
typedef u32 UINT32;
typedef u64 UINT64;
typedef u32 ULONG;
typedef u32 *PUINT32;
typedef u16 *PUINT16;
typedef u32 *PULONG;
typedef void VOID;
typedef void *PVOID;
typedef guid_t GUID;
typedef guid_t *LPGUID;
typedef const guid_t *LPCGUID;
typedef u64 PFN_NUMBER;
typedef PFN_NUMBER *PPFN_NUMBER;

/* A relative timeout in 100 ns units is negative, as KeWaitForSingleObject
 * takes it; an absolute (positive) one is not supported here.
 */
typedef union _LARGE_INTEGER {
	s64 QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

/* Lengths in bytes, not characters; Buffer need not be NUL-terminated. */
typedef struct _UNICODE_STRING {
	u16 Length;
	u16 MaximumLength;
	u16 *Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

#ifndef TRUE
#define TRUE	1
#define FALSE	0
#endif

#define NT_SUCCESS(status)	((NTSTATUS)(status) >= 0)

#define STATUS_SUCCESS			((NTSTATUS)0x00000000L)
#define STATUS_TIMEOUT			((NTSTATUS)0x00000102L)
#define STATUS_PENDING			((NTSTATUS)0x00000103L)
#define STATUS_BUFFER_OVERFLOW		((NTSTATUS)0x80000005L)
#define STATUS_DEVICE_BUSY		((NTSTATUS)0x80000011L)
#define STATUS_UNSUCCESSFUL		((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED		((NTSTATUS)0xC0000002L)
#define STATUS_ACCESS_VIOLATION		((NTSTATUS)0xC0000005L)
#define STATUS_INVALID_PARAMETER	((NTSTATUS)0xC000000DL)
#define STATUS_INVALID_DEVICE_REQUEST	((NTSTATUS)0xC0000010L)
#define STATUS_MORE_PROCESSING_REQUIRED	((NTSTATUS)0xC0000016L)
#define STATUS_BUFFER_TOO_SMALL		((NTSTATUS)0xC0000023L)
#define STATUS_REVISION_MISMATCH	((NTSTATUS)0xC0000059L)
#define STATUS_INSUFFICIENT_RESOURCES	((NTSTATUS)0xC000009AL)
#define STATUS_DEVICE_NOT_CONNECTED	((NTSTATUS)0xC000009DL)
#define STATUS_DEVICE_NOT_READY		((NTSTATUS)0xC00000A3L)
#define STATUS_IO_TIMEOUT		((NTSTATUS)0xC00000B5L)
#define STATUS_NOT_SUPPORTED		((NTSTATUS)0xC00000BBL)
#define STATUS_DEVICE_DOES_NOT_EXIST	((NTSTATUS)0xC00000C0L)
#define STATUS_INVALID_PARAMETER_1	((NTSTATUS)0xC00000EFL)
#define STATUS_INVALID_PARAMETER_2	((NTSTATUS)0xC00000F0L)
#define STATUS_INVALID_PARAMETER_3	((NTSTATUS)0xC00000F1L)
#define STATUS_INVALID_PARAMETER_4	((NTSTATUS)0xC00000F2L)
#define STATUS_INVALID_PARAMETER_5	((NTSTATUS)0xC00000F3L)
#define STATUS_INVALID_PARAMETER_6	((NTSTATUS)0xC00000F4L)
#define STATUS_INVALID_PARAMETER_7	((NTSTATUS)0xC00000F5L)
#define STATUS_CANCELLED		((NTSTATUS)0xC0000120L)
#define STATUS_INVALID_DEVICE_STATE	((NTSTATUS)0xC0000184L)
#define STATUS_IO_DEVICE_ERROR		((NTSTATUS)0xC0000185L)
#define STATUS_INVALID_BUFFER_SIZE	((NTSTATUS)0xC0000206L)
#define STATUS_DEVICE_REMOVED		((NTSTATUS)0xC00002B6L)

/*
 * A counted UTF-16 string constant from a plain "..." literal, for the
 * friendly names and other UNICODE_STRINGs a ported driver passes:
 *
 *	VMBKMCL_DECLARE_UNICODE_STRING(vstor_name, "SCSI");
 *	VmbChannelInitSetFriendlyName(channel, &vstor_name);
 *
 * Windows writes DECLARE_CONST_UNICODE_STRING(vstor_name, L"SCSI"), but on
 * Linux L"..." is 32-bit wchar_t; this pastes C11's u prefix onto the
 * literal, which is UTF-16.  Length excludes the terminating NUL,
 * MaximumLength includes it, as the Windows macro sets them.  Declares
 * @var (static const) and @var##_chars.  sparse does not parse u"..." and
 * sees an empty string instead; only the compiler's view is built.
 */
#ifdef __CHECKER__
#define VMBKMCL_UTF16(str)	{ 0 }
#else
#define VMBKMCL_UTF16(str)	u##str
#endif
#define VMBKMCL_DECLARE_UNICODE_STRING(var, str)			\
	static const u16 var##_chars[] = VMBKMCL_UTF16(str);		\
	static const UNICODE_STRING var = {				\
		.Length = sizeof(var##_chars) - sizeof(u16),		\
		.MaximumLength = sizeof(var##_chars),			\
		.Buffer = (u16 *)var##_chars,				\
	}

int vmbkmcl_status_to_errno(NTSTATUS status);
NTSTATUS vmbkmcl_errno_to_status(int err);

#endif /* _VMBKMCL_NT_H */
