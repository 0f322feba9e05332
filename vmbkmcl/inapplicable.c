// SPDX-License-Identifier: GPL-2.0
/*
 * KMCL functions with nothing to act on in a Linux guest: no MMIO is
 * reserved for KMCL channels.
 */
#include <linux/module.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

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
