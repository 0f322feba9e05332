// SPDX-License-Identifier: GPL-2.0
/*
 * The KMCL interface table, and the interrupt-latency setting.
 *
 * A Windows driver may call KMCL through KMCL_CLIENT_INTERFACE_V1, which
 * it queries from the bus; VmbKmclQueryClientInterface() fills the same
 * table here, so such a port runs unchanged.
 */
#include <linux/module.h>

#include "channel.h"

/**
 * VmbKmclQueryClientInterface() - fill a KMCL client interface table.
 * @Interface: the table to fill.
 * @Size:      sizeof(KMCL_CLIENT_INTERFACE_V1).
 * @Version:   KMCL_CLIENT_INTERFACE_VERSION_V1.
 *
 * Reference and dereference are no-ops: vmbkmcl stays loaded while a
 * module using it is.
 *
 * Return: STATUS_SUCCESS; STATUS_INVALID_PARAMETER_1 for NULL;
 * STATUS_INVALID_PARAMETER_2/3 for a size or version other than V1's.
 */
NTSTATUS VmbKmclQueryClientInterface(PKMCL_CLIENT_INTERFACE_V1 Interface,
				     UINT16 Size, UINT16 Version)
{
	if (!Interface)
		return STATUS_INVALID_PARAMETER_1;
	if (Size != sizeof(*Interface))
		return STATUS_INVALID_PARAMETER_2;
	if (Version != KMCL_CLIENT_INTERFACE_VERSION_V1)
		return STATUS_INVALID_PARAMETER_3;

	*Interface = (KMCL_CLIENT_INTERFACE_V1) {
		.InterfaceHeader = { .Size = Size, .Version = Version },
		.VmbChannelAllocate = VmbChannelAllocate,
		.VmbChannelCleanup = VmbChannelCleanup,
		.VmbChannelCreateGpadlFromBuffer = VmbChannelCreateGpadlFromBuffer,
		.VmbChannelCreateGpadlFromMdl = VmbChannelCreateGpadlFromMdl,
		.VmbChannelDeleteGpadl = VmbChannelDeleteGpadl,
		.VmbChannelDisable = VmbChannelDisable,
		.VmbChannelEnable = VmbChannelEnable,
		.VmbChannelGetInterfaceInstance = VmbChannelGetInterfaceInstance,
		.VmbChannelGetMmioSpace = VmbChannelGetMmioSpace,
		.VmbChannelGetPointer = VmbChannelGetPointer,
		.VmbChannelInitSetClientContextSize =
			VmbChannelInitSetClientContextSize,
		.VmbChannelInitSetFlags = VmbChannelInitSetFlags,
		.VmbChannelInitSetFriendlyName = VmbChannelInitSetFriendlyName,
		.VmbChannelInitSetMaximumExternalData =
			VmbChannelInitSetMaximumExternalData,
		.VmbChannelInitSetMaximumPacketSize =
			VmbChannelInitSetMaximumPacketSize,
		.VmbChannelInitSetProcessPacketCallbacks =
			VmbChannelInitSetProcessPacketCallbacks,
		.VmbChannelInitSetStateChangeCallbacks =
			VmbChannelInitSetStateChangeCallbacks,
		.VmbChannelPacketComplete = VmbChannelPacketComplete,
		.VmbChannelPacketDeferToPassive = VmbChannelPacketDeferToPassive,
		.VmbChannelPacketFail = VmbChannelPacketFail,
		.VmbChannelPacketGetExternalData = VmbChannelPacketGetExternalData,
		.VmbChannelPause = VmbChannelPause,
		.VmbChannelSendSynchronousRequest =
			VmbChannelSendSynchronousRequest,
		.VmbChannelSetIncomingProcessingAtPassive =
			VmbChannelSetIncomingProcessingAtPassive,
		.VmbChannelSetInterruptLatency = VmbChannelSetInterruptLatency,
		.VmbChannelSetPointer = VmbChannelSetPointer,
		.VmbChannelSetTransactionQuota = VmbChannelSetTransactionQuota,
		.VmbChannelSizeofPacket = VmbChannelSizeofPacket,
		.VmbChannelStart = VmbChannelStart,
		.VmbClientChannelInitSetRingBufferPageCount =
			VmbClientChannelInitSetRingBufferPageCount,
		.VmbClientChannelInitSetTargetPnp =
			VmbClientChannelInitSetTargetPnp,
		.VmbPacketAllocate = VmbPacketAllocate,
		.VmbPacketFree = VmbPacketFree,
		.VmbPacketGetChannel = VmbPacketGetChannel,
		.VmbPacketGetPointer = VmbPacketGetPointer,
		.VmbPacketInitialize = VmbPacketInitialize,
		.VmbPacketSend = VmbPacketSend,
		.VmbPacketSendWithExternalMdl = VmbPacketSendWithExternalMdl,
		.VmbPacketSendWithExternalPfns = VmbPacketSendWithExternalPfns,
		.VmbPacketSetCompletionRoutine = VmbPacketSetCompletionRoutine,
		.VmbPacketSetPointer = VmbPacketSetPointer,
	};
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_GPL(VmbKmclQueryClientInterface);

/**
 * VmbChannelSetInterruptLatency() - the guest's outbound interrupt latency.
 * @Channel:         an open channel (from EvtChannelOpened to Closed).
 * @Latency:         in 100 ns units.  Linux offers one knob per channel:
 *                   0 signals the host directly, bypassing the monitor
 *                   page (low-latency mode); anything else uses the
 *                   monitor page and its host-set latency.
 * @OriginalLatency: receives the previous setting (0 initially).
 *
 * Context: any context up to softirq.
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_1/3 for NULLs, or
 * STATUS_INVALID_DEVICE_STATE when the channel is not open.
 */
NTSTATUS VmbChannelSetInterruptLatency(VMBCHANNEL Channel, UINT16 Latency,
				       PUINT16 OriginalLatency)
{
	struct vmbus_channel *ch;

	if (!Channel)
		return STATUS_INVALID_PARAMETER_1;
	if (!OriginalLatency)
		return STATUS_INVALID_PARAMETER_3;
	/* No lock: EvtChannelOpened calls this with state_lock held. */
	ch = READ_ONCE(Channel->vmbus);
	if (!ch)
		return STATUS_INVALID_DEVICE_STATE;
	*OriginalLatency = Channel->interrupt_latency;
	Channel->interrupt_latency = Latency;
	/* As hv_sock does: the field vmbus_setevent() reads. */
	WRITE_ONCE(ch->low_latency, !Latency);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_GPL(VmbChannelSetInterruptLatency);
