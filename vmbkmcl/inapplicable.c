// SPDX-License-Identifier: GPL-2.0
/*
 * KMCL functions with nothing to act on in a Linux guest: the channel is
 * always the primary channel of the device its driver was given, and no
 * MMIO is reserved for KMCL channels.
 */
#include <linux/module.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

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
