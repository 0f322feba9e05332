// SPDX-License-Identifier: GPL-2.0
/*
 * NTSTATUS and errno, each way: one table, used by vmbkmcl for the errors
 * hv_vmbus returns and exported for ported drivers that must hand a
 * status to a Linux subsystem (an errno to the block layer, a probe
 * result) or an errno to their Windows code.
 *
 * The mapping is not one to one.  Every errno has one status and every
 * status one errno; a status that round-trips is the first one listed
 * for its errno.  Codes without an entry fall back: an errno to
 * STATUS_UNSUCCESSFUL, a failure status to -EIO, and a success,
 * informational or warning status that NT_SUCCESS() accepts to 0.
 *
 * No state, no lock: any context.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include <vmbkmcl/nt.h>

struct vmb_status_errno {
	NTSTATUS status;
	int err;
};

/* errno -> status takes the first row with the errno. */
static const struct vmb_status_errno vmb_status_errnos[] = {
	{ STATUS_SUCCESS, 0 },
	{ STATUS_INSUFFICIENT_RESOURCES, -ENOMEM },
	{ STATUS_DEVICE_REMOVED, -ENODEV },
	{ STATUS_DEVICE_NOT_READY, -EAGAIN },
	{ STATUS_INVALID_PARAMETER, -EINVAL },
	/* Not STATUS_TIMEOUT: NT_SUCCESS() accepts it, a failure must not. */
	{ STATUS_IO_TIMEOUT, -ETIMEDOUT },
	{ STATUS_UNSUCCESSFUL, -EIO },
	{ STATUS_IO_DEVICE_ERROR, -EIO },
	{ STATUS_DEVICE_BUSY, -EBUSY },
	{ STATUS_CANCELLED, -ECANCELED },
	{ STATUS_NOT_SUPPORTED, -EOPNOTSUPP },
	{ STATUS_NOT_IMPLEMENTED, -EOPNOTSUPP },
	{ STATUS_INVALID_DEVICE_REQUEST, -EOPNOTSUPP },
	{ STATUS_ACCESS_VIOLATION, -EFAULT },
	{ STATUS_DEVICE_DOES_NOT_EXIST, -ENXIO },
	{ STATUS_DEVICE_NOT_CONNECTED, -ENOTCONN },
	{ STATUS_INVALID_BUFFER_SIZE, -EMSGSIZE },
	{ STATUS_BUFFER_TOO_SMALL, -ENOBUFS },
	{ STATUS_BUFFER_OVERFLOW, -EOVERFLOW },
	{ STATUS_REVISION_MISMATCH, -EPROTONOSUPPORT },
	{ STATUS_INVALID_DEVICE_STATE, -EBADFD },
	{ STATUS_INVALID_PARAMETER_1, -EINVAL },
	{ STATUS_INVALID_PARAMETER_2, -EINVAL },
	{ STATUS_INVALID_PARAMETER_3, -EINVAL },
	{ STATUS_INVALID_PARAMETER_4, -EINVAL },
	{ STATUS_INVALID_PARAMETER_5, -EINVAL },
	{ STATUS_INVALID_PARAMETER_6, -EINVAL },
	{ STATUS_INVALID_PARAMETER_7, -EINVAL },
};

/**
 * vmbkmcl_status_to_errno() - the errno a Linux caller expects for a
 * status.
 * @status: an NTSTATUS.
 *
 * Context: any context.
 * Return: 0 for STATUS_SUCCESS and any other status NT_SUCCESS() accepts
 * (STATUS_PENDING included: test for it first where it matters), the
 * table's errno for the failures it lists (STATUS_DEVICE_REMOVED ->
 * -ENODEV, STATUS_INSUFFICIENT_RESOURCES -> -ENOMEM, ...), -EIO for any
 * other failure.
 */
int vmbkmcl_status_to_errno(NTSTATUS status)
{
	u32 i;

	if (NT_SUCCESS(status))
		return 0;
	for (i = 0; i < ARRAY_SIZE(vmb_status_errnos); i++)
		if (vmb_status_errnos[i].status == status)
			return vmb_status_errnos[i].err;
	return -EIO;
}
EXPORT_SYMBOL_GPL(vmbkmcl_status_to_errno);

/**
 * vmbkmcl_errno_to_status() - the status a Windows driver expects for an
 * errno.
 * @err: 0 or a negative errno.
 *
 * Context: any context.
 * Return: STATUS_SUCCESS for 0, the table's status for the errnos it
 * lists (-ENODEV -> STATUS_DEVICE_REMOVED, -ENOMEM ->
 * STATUS_INSUFFICIENT_RESOURCES, -EAGAIN -> STATUS_DEVICE_NOT_READY,
 * ...), STATUS_UNSUCCESSFUL for any other.
 */
NTSTATUS vmbkmcl_errno_to_status(int err)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(vmb_status_errnos); i++)
		if (vmb_status_errnos[i].err == err)
			return vmb_status_errnos[i].status;
	return STATUS_UNSUCCESSFUL;
}
EXPORT_SYMBOL_GPL(vmbkmcl_errno_to_status);
