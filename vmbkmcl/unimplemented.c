// SPDX-License-Identifier: GPL-2.0
/*
 * KMCL client functions not implemented yet.  Each later issue moves its
 * functions out of here into the file of its concern; what remains says
 * STATUS_NOT_IMPLEMENTED (or does nothing, or returns NULL or 0 where the
 * function has no status), as include/vmbkmcl/VmbusKernelModeClientLibApi.h
 * lists.
 */
#include <linux/module.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

/**
 * VmbChannelSendSynchronousRequest() - not implemented yet.
 * @Channel: unused.
 * @Buffer: unused.
 * @BufferSize: unused.
 * @ExternalDataMdl: unused.
 * @Flags: unused.
 * @CompletionBuffer: unused.
 * @CompletionBufferSize: unused.
 * @Timeout: unused.
 *
 * Return: STATUS_NOT_IMPLEMENTED.
 */
NTSTATUS VmbChannelSendSynchronousRequest(VMBCHANNEL Channel, PVOID Buffer,
					  UINT32 BufferSize,
					  PMDL ExternalDataMdl, UINT32 Flags,
					  PVOID CompletionBuffer,
					  PUINT32 CompletionBufferSize,
					  PLARGE_INTEGER Timeout)
{
	return STATUS_NOT_IMPLEMENTED;
}
EXPORT_SYMBOL_GPL(VmbChannelSendSynchronousRequest);

/**
 * VmbClientChannelInitSetTargetPnp() - not implemented: on Linux the
 * channel is always the primary channel of the device given to Allocate.
 * @Channel: unused.
 * @InterfaceType: unused.
 * @InterfaceInstance: unused.
 * @PnpFailureCallback: unused.
 *
 * Return: STATUS_NOT_IMPLEMENTED.
 */
NTSTATUS VmbClientChannelInitSetTargetPnp(VMBCHANNEL Channel,
					  LPCGUID InterfaceType,
					  LPCGUID InterfaceInstance,
					  PFN_VMB_CHANNEL_PNP_FAILURE PnpFailureCallback)
{
	return STATUS_NOT_IMPLEMENTED;
}
EXPORT_SYMBOL_GPL(VmbClientChannelInitSetTargetPnp);

/**
 * VmbChannelGetMmioSpace() - no MMIO space is reserved for KMCL channels.
 * @Channel: unused.
 * @MmioAddress: set to 0.
 * @MmioSize: set to 0.
 */
void VmbChannelGetMmioSpace(VMBCHANNEL Channel, UINT64 *MmioAddress,
			    UINT64 *MmioSize)
{
	*MmioAddress = 0;
	*MmioSize = 0;
}
EXPORT_SYMBOL_GPL(VmbChannelGetMmioSpace);

/**
 * VmbChannelSetInterruptLatency() - not implemented yet.
 * @Channel: unused.
 * @Latency: unused.
 * @OriginalLatency: unused.
 *
 * Return: STATUS_NOT_IMPLEMENTED.
 */
NTSTATUS VmbChannelSetInterruptLatency(VMBCHANNEL Channel, UINT16 Latency,
				       PUINT16 OriginalLatency)
{
	return STATUS_NOT_IMPLEMENTED;
}
EXPORT_SYMBOL_GPL(VmbChannelSetInterruptLatency);
