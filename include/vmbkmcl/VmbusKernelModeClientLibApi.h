/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VmbusKernelModeClientLibApi.h - the KMCL client API on Linux.
 *
 * Windows names, parameter order and status codes, so a ported VSC's
 * channel code compiles unchanged.  The contract is Microsoft's (see
 * Documentation/semantics.rst for every point the Windows documentation
 * leaves open and how vmbkmcl decides it).  Contexts: "PASSIVE_LEVEL" is
 * process context (may sleep); "DISPATCH_LEVEL" is softirq context.
 *
 * Not implemented yet, returning STATUS_NOT_IMPLEMENTED (or doing nothing,
 * or returning NULL/0, for functions without a status):
 * VmbChannelSendSynchronousRequest, VmbClientChannelInitSetTargetPnp and
 * VmbChannelSetInterruptLatency.  Server-only functions are not provided:
 * a Linux guest is always the client endpoint.  MDLs and their Windows
 * helpers (IoAllocateMdl, ...) are in <vmbkmcl/mdl.h>.
 */
#ifndef _VMBUS_KERNEL_MODE_CLIENT_LIB_API_H
#define _VMBUS_KERNEL_MODE_CLIENT_LIB_API_H

#include <vmbkmcl/nt.h>

struct hv_device;
struct vmb_channel;
struct vmb_packet;
struct vmb_rx_packet;
struct _MDL;

/* The owning device: what Windows passes as the parent DEVICE_OBJECT. */
typedef struct hv_device DEVICE_OBJECT, *PDEVICE_OBJECT;
typedef struct _MDL MDL, *PMDL;

typedef struct vmb_channel *VMBCHANNEL;		/* a channel */
typedef struct vmb_packet *VMBPACKET;		/* an outgoing packet */
typedef struct vmb_rx_packet *VMBPACKETCOMPLETION; /* a received packet */

/* Format flags for VmbPacketSend* and VmbChannelSendSynchronousRequest. */
#define VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION	0x1
#define VMBUS_CHANNEL_FORMAT_FLAG_PAGED_BUFFER		0x2
#define VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH	0x4

#define VMBUS_CHANNEL_GPADL_READ_ONLY			0x1
#define VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY 0x1

/* ProcessPacket Flags: the packet references external data. */
#define VMBUS_CHANNEL_PROCESS_PACKET_FLAGS		0x1

/* Driver callbacks. */
typedef NTSTATUS EVT_VMB_CHANNEL_OPENED(VMBCHANNEL Channel);
typedef VOID EVT_VMB_CHANNEL_CLOSED(VMBCHANNEL Channel);
typedef VOID EVT_VMB_CHANNEL_SUSPEND(VMBCHANNEL Channel);
typedef VOID EVT_VMB_CHANNEL_STARTED(VMBCHANNEL Channel);
typedef VOID EVT_VMB_CHANNEL_POST_STARTED(VMBCHANNEL Channel);
typedef VOID EVT_VMB_CHANNEL_PNP_FAILURE(VMBCHANNEL Channel,
					 NTSTATUS FailureStatus);
typedef VOID EVT_VMB_CHANNEL_PROCESS_PACKET(VMBCHANNEL Channel,
					    VMBPACKETCOMPLETION Packet,
					    PVOID Buffer, UINT32 BufferLength,
					    UINT32 Flags);
typedef VOID EVT_VMB_CHANNEL_PROCESSING_COMPLETE(VMBCHANNEL Channel,
						 UINT32 PacketsProcessed);
typedef VOID EVT_VMB_PACKET_COMPLETION_ROUTINE(VMBPACKET Packet,
					       NTSTATUS Status, PVOID Buffer,
					       UINT32 BufferLength);

typedef EVT_VMB_CHANNEL_OPENED *PFN_VMB_CHANNEL_OPENED;
typedef EVT_VMB_CHANNEL_CLOSED *PFN_VMB_CHANNEL_CLOSED;
typedef EVT_VMB_CHANNEL_SUSPEND *PFN_VMB_CHANNEL_SUSPEND;
typedef EVT_VMB_CHANNEL_STARTED *PFN_VMB_CHANNEL_STARTED;
typedef EVT_VMB_CHANNEL_POST_STARTED *PFN_VMB_CHANNEL_POST_STARTED;
typedef EVT_VMB_CHANNEL_PNP_FAILURE *PFN_VMB_CHANNEL_PNP_FAILURE;
typedef EVT_VMB_CHANNEL_PROCESS_PACKET *PFN_VMB_CHANNEL_PROCESS_PACKET;
typedef EVT_VMB_CHANNEL_PROCESSING_COMPLETE *PFN_VMB_CHANNEL_PROCESSING_COMPLETE;
typedef EVT_VMB_PACKET_COMPLETION_ROUTINE *PFN_VMB_PACKET_COMPLETION_ROUTINE;

#define VMB_CHANNEL_STATE_CHANGE_CALLBACKS_VERSION_1	1

typedef struct _VMB_CHANNEL_STATE_CHANGE_CALLBACKS {
	ULONG Version;
	ULONG Size;
	PFN_VMB_CHANNEL_OPENED EvtChannelOpened;
	PFN_VMB_CHANNEL_CLOSED EvtChannelClosed;
	PFN_VMB_CHANNEL_SUSPEND EvtChannelSuspend;
	PFN_VMB_CHANNEL_STARTED EvtChannelStarted;
	PFN_VMB_CHANNEL_POST_STARTED EvtChannelPostStarted;
} VMB_CHANNEL_STATE_CHANGE_CALLBACKS, *PVMB_CHANNEL_STATE_CHANGE_CALLBACKS;

VOID VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(PVMB_CHANNEL_STATE_CHANGE_CALLBACKS Callbacks);

/* Allocation and init-time configuration (between Allocate and Enable). */
NTSTATUS VmbChannelAllocate(PDEVICE_OBJECT ParentDeviceObject,
			    BOOLEAN IsServer, VMBCHANNEL *Channel);
NTSTATUS VmbChannelInitSetFlags(VMBCHANNEL Channel, UINT32 Flags);
NTSTATUS VmbChannelInitSetFriendlyName(VMBCHANNEL Channel,
				       PCUNICODE_STRING Name);
NTSTATUS VmbChannelInitSetMaximumPacketSize(VMBCHANNEL Channel,
					    UINT32 PacketSize);
NTSTATUS VmbChannelInitSetMaximumExternalData(VMBCHANNEL Channel,
					      UINT32 DataSize,
					      UINT32 ChainLength);
NTSTATUS
VmbChannelInitSetProcessPacketCallbacks(VMBCHANNEL Channel,
					PFN_VMB_CHANNEL_PROCESS_PACKET ProcessPacket,
					PFN_VMB_CHANNEL_PROCESSING_COMPLETE ProcessingComplete);
NTSTATUS
VmbChannelInitSetStateChangeCallbacks(VMBCHANNEL Channel,
				      PVMB_CHANNEL_STATE_CHANGE_CALLBACKS StateChangeCallbacks);
NTSTATUS VmbChannelInitSetClientContextSize(VMBCHANNEL Channel,
					    UINT32 ContextSize);
NTSTATUS VmbClientChannelInitSetRingBufferPageCount(VMBCHANNEL Channel,
						    UINT32 IncomingPageCount,
						    UINT32 OutgoingPageCount);
NTSTATUS VmbClientChannelInitSetTargetPnp(VMBCHANNEL Channel,
					  LPCGUID InterfaceType,
					  LPCGUID InterfaceInstance,
					  PFN_VMB_CHANNEL_PNP_FAILURE PnpFailureCallback);

/* Lifecycle. */
NTSTATUS VmbChannelEnable(VMBCHANNEL Channel);
VOID VmbChannelDisable(VMBCHANNEL Channel);
VOID VmbChannelCleanup(VMBCHANNEL Channel);
VOID VmbChannelPause(VMBCHANNEL Channel);
VOID VmbChannelStart(VMBCHANNEL Channel);

/* Receive path. */
VOID VmbChannelPacketComplete(VMBPACKETCOMPLETION PacketCompletionContext,
			      PVOID PacketCompletionBuffer, UINT32 BufSize);
VOID VmbChannelPacketFail(VMBPACKETCOMPLETION PacketCompletionContext);
VOID VmbChannelPacketDeferToPassive(VMBPACKETCOMPLETION PacketCompletionContext);
NTSTATUS VmbChannelPacketGetExternalData(VMBPACKETCOMPLETION PacketCompletionContext,
					 UINT32 Flags, PMDL *Mdl);
VOID VmbChannelSetIncomingProcessingAtPassive(VMBCHANNEL Channel,
					      BOOLEAN RequirePassive);
VOID VmbChannelSetTransactionQuota(VMBCHANNEL Channel, UINT32 Quota);

/* Send path. */
UINT32 VmbChannelSizeofPacket(VMBCHANNEL Channel);
VMBPACKET VmbPacketAllocate(VMBCHANNEL Channel);
NTSTATUS VmbPacketInitialize(VMBCHANNEL Channel, VMBPACKET VmbPacket,
			     UINT32 ByteCount);
VOID VmbPacketFree(VMBPACKET VmbPacket);
VOID VmbPacketSetCompletionRoutine(VMBPACKET PacketObject,
				   PFN_VMB_PACKET_COMPLETION_ROUTINE CompletionRoutine);
NTSTATUS VmbPacketSend(VMBPACKET PacketObject, PVOID Buffer,
		       UINT32 BufferLength, PMDL ExternalDataMdl,
		       UINT32 Flags);
NTSTATUS VmbPacketSendWithExternalMdl(VMBPACKET PacketObject, PVOID Buffer,
				      UINT32 BufferLength,
				      PMDL ExternalDataMdl, UINT32 MdlOffset,
				      UINT32 MdlLength, UINT32 Flags);
NTSTATUS VmbPacketSendWithExternalPfns(VMBPACKET PacketObject, PVOID Buffer,
				       UINT32 BufferLength,
				       PPFN_NUMBER ExternalDataPfns,
				       UINT32 PfnLength, UINT32 Flags);
NTSTATUS VmbChannelSendSynchronousRequest(VMBCHANNEL Channel, PVOID Buffer,
					  UINT32 BufferSize,
					  PMDL ExternalDataMdl, UINT32 Flags,
					  PVOID CompletionBuffer,
					  PUINT32 CompletionBufferSize,
					  PLARGE_INTEGER Timeout);

/* GPADLs. */
NTSTATUS VmbChannelCreateGpadlFromBuffer(VMBCHANNEL Channel, UINT32 Flags,
					 PVOID Buffer, UINT32 ByteCount,
					 PUINT32 GpadlHandle);
NTSTATUS VmbChannelCreateGpadlFromMdl(VMBCHANNEL Channel, UINT32 Flags,
				      PMDL Mdl, UINT32 StartOffsetWithinMdl,
				      UINT32 DataLengthWithinMdl,
				      PUINT32 GpadlHandle);
VOID VmbChannelDeleteGpadl(VMBCHANNEL Channel, UINT32 GpadlHandle);

/* Context pointers and queries. */
VOID VmbChannelSetPointer(VMBCHANNEL Channel, PVOID Pointer);
PVOID VmbChannelGetPointer(VMBCHANNEL Channel);
VOID VmbPacketSetPointer(VMBPACKET PacketObject, PVOID Pointer);
PVOID VmbPacketGetPointer(VMBPACKET PacketObject);
VMBCHANNEL VmbPacketGetChannel(VMBPACKET PacketObject);
VOID VmbChannelGetInterfaceInstance(VMBCHANNEL Channel,
				    LPGUID InterfaceInstance);
VOID VmbChannelGetMmioSpace(VMBCHANNEL Channel, UINT64 *MmioAddress,
			    UINT64 *MmioSize);
NTSTATUS VmbChannelSetInterruptLatency(VMBCHANNEL Channel, UINT16 Latency,
				       PUINT16 OriginalLatency);

#endif /* _VMBUS_KERNEL_MODE_CLIENT_LIB_API_H */
