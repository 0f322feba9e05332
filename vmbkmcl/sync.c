// SPDX-License-Identifier: GPL-2.0
/*
 * VmbChannelSendSynchronousRequest: one send and a bounded wait for it.
 *
 * The waiter lives on the caller's stack and the packet comes from the
 * channel's pool, so nothing is allocated.  Every way out is bounded: the
 * host's completion; the caller's timeout, after which the packet is
 * cancelled and a late completion is dropped as stale; the close or
 * rescind of the channel, which ends the send with STATUS_DEVICE_REMOVED
 * (vmb_tx_shutdown); and, when the caller gives no timeout, the
 * sync_timeout_ms module parameter.
 *
 * A rescind is seen before the close, too.  hv_vmbus sets the channel's
 * rescind flag at once but closes the channel only after the driver's
 * probe returns, and a ported driver's add is where it talks to the host
 * first (the guest-speaks-first handshake).  A host that rescinds instead
 * of answering would hold add, and the removal behind it, for the whole
 * timeout; so the wait looks at the flag every VMB_SYNC_RESCIND_POLL_MS
 * and gives up with STATUS_DEVICE_REMOVED.  No hv_vmbus hook tells a
 * driver of the rescind before its remove; polling a flag the host sets
 * once is the bounded way.
 */
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/module.h>

#include "channel.h"
#include "external.h"
#include "send.h"
#include "verifier.h"

static unsigned int sync_timeout_ms = 60000;
module_param(sync_timeout_ms, uint, 0644);
MODULE_PARM_DESC(sync_timeout_ms,
		 "longest wait of a synchronous request given no timeout, in ms (default 60000)");

/* KeWaitForSingleObject units: 100 ns. */
#define VMB_NT_TICKS_PER_MS	10000
/* How often a waiter looks for a rescind. */
#define VMB_SYNC_RESCIND_POLL_MS	20

/**
 * struct vmb_sync_wait - one synchronous request's waiter.
 * @done:      completed by the packet's completion routine.
 * @status:    the routine's status.
 * @reply:     the caller's completion buffer.
 * @capacity:  its size.
 * @reply_len: bytes the host's completion carried.
 */
struct vmb_sync_wait {
	struct completion done;
	NTSTATUS status;
	void *reply;
	u32 capacity;
	u32 reply_len;
};

static void vmb_sync_routine(VMBPACKET Packet, NTSTATUS Status, PVOID Buffer,
			     UINT32 BufferLength)
{
	struct vmb_sync_wait *w = VmbPacketGetPointer(Packet);

	w->status = Status;
	w->reply_len = BufferLength;
	if (Buffer && w->reply)
		memcpy(w->reply, Buffer, min(BufferLength, w->capacity));
	complete(&w->done);
}

/* A relative KeWait timeout (negative, 100 ns units) in jiffies. */
static unsigned long vmb_sync_jiffies(const LARGE_INTEGER *timeout)
{
	u64 ms;

	if (!timeout)
		return msecs_to_jiffies(sync_timeout_ms);
	ms = DIV_ROUND_UP_ULL(-(u64)timeout->QuadPart, VMB_NT_TICKS_PER_MS);
	return msecs_to_jiffies(min_t(u64, ms, UINT_MAX));
}

static NTSTATUS vmb_sync_check(VMBCHANNEL c, PVOID reply, PUINT32 reply_size,
			       PLARGE_INTEGER timeout)
{
	if (!c)
		return STATUS_INVALID_PARAMETER_1;
	if (reply_size && (*reply_size % sizeof(u64) ||
			   (*reply_size && !reply)))
		return STATUS_INVALID_PARAMETER;
	/* Absolute times (positive) are not supported. */
	if (timeout && timeout->QuadPart > 0)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

static bool vmb_sync_rescinded(struct vmb_channel *c)
{
	return c->device->channel && READ_ONCE(c->device->channel->rescind);
}

enum vmb_sync_outcome {
	VMB_SYNC_REPLIED,	/* the routine ran */
	VMB_SYNC_TIMED_OUT,
	VMB_SYNC_RESCINDED,	/* the host rescinded the device meanwhile */
};

/* Wait for the routine within the timeout, watching for a rescind. */
static enum vmb_sync_outcome vmb_sync_wait_reply(struct vmb_channel *c,
						 struct vmb_sync_wait *w,
						 bool no_wait,
						 const LARGE_INTEGER *timeout)
{
	unsigned long left = vmb_sync_jiffies(timeout), slice;

	if (no_wait)
		return try_wait_for_completion(&w->done) ? VMB_SYNC_REPLIED :
							   VMB_SYNC_TIMED_OUT;
	for (;;) {
		slice = min(left, msecs_to_jiffies(VMB_SYNC_RESCIND_POLL_MS));
		if (wait_for_completion_timeout(&w->done, slice))
			return VMB_SYNC_REPLIED;
		if (vmb_sync_rescinded(c))
			return VMB_SYNC_RESCINDED;
		left -= slice;
		if (!left)
			return VMB_SYNC_TIMED_OUT;
	}
}

/* The reply is in; report it. */
static NTSTATUS vmb_sync_result(struct vmb_sync_wait *w, PUINT32 reply_size)
{
	if (!NT_SUCCESS(w->status) || !reply_size)
		return w->status;
	*reply_size = min(w->reply_len, w->capacity);
	return w->reply_len > w->capacity ? STATUS_BUFFER_OVERFLOW :
					    STATUS_SUCCESS;
}

/**
 * VmbChannelSendSynchronousRequest() - send a packet and wait for its
 * completion.
 * @Channel:              an open channel.
 * @Buffer:               inline data.
 * @BufferSize:           bytes, at most the maximum packet size.
 * @ExternalDataMdl:      optional external data, as VmbPacketSend() takes
 *                        it (WAIT_FOR_COMPLETION required).  If the wait
 *                        times out the send is cancelled, but the host may
 *                        still read those pages until it completes it.
 * @Flags:                VMBUS_CHANNEL_FORMAT_FLAG_*; without
 *                        WAIT_FOR_COMPLETION the wait ends once the packet
 *                        is on the ring.
 * @CompletionBuffer:     receives the host's reply; may be NULL if
 *                        @CompletionBufferSize is NULL or 0.
 * @CompletionBufferSize: in: the buffer's size, a multiple of 8; out: the
 *                        reply bytes copied.
 * @Timeout:              NULL: up to sync_timeout_ms; negative: relative,
 *                        in 100 ns units, as KeWaitForSingleObject; 0: a
 *                        packet that does not fit the ring at once is not
 *                        queued, and a reply that is not already in is
 *                        not waited for.
 *
 * Context: process context (may be EvtChannelPostStarted); sleeps.
 * Return: STATUS_SUCCESS; STATUS_BUFFER_OVERFLOW when the packet did not
 * fit and was not queued, or when the reply was longer than the buffer
 * (the buffer then holds its start); STATUS_CANCELLED when the timeout
 * expired; STATUS_DEVICE_REMOVED when the channel is closed (it does not
 * queue for the next open), or closed meanwhile, or the host rescinded the
 * device meanwhile (seen within 20 ms of the rescind, before the close);
 * STATUS_INVALID_PARAMETER(_1) for bad arguments; the statuses
 * of VmbPacketSend() otherwise.
 */
NTSTATUS VmbChannelSendSynchronousRequest(VMBCHANNEL Channel, PVOID Buffer,
					  UINT32 BufferSize,
					  PMDL ExternalDataMdl, UINT32 Flags,
					  PVOID CompletionBuffer,
					  PUINT32 CompletionBufferSize,
					  PLARGE_INTEGER Timeout)
{
	struct vmb_sync_wait w = {
		.reply = CompletionBuffer,
		.capacity = CompletionBufferSize ? *CompletionBufferSize : 0,
	};
	bool no_wait = Timeout && !Timeout->QuadPart;
	enum vmb_sync_outcome outcome;
	VMBPACKET p;
	NTSTATUS status;

	if (Channel && vmb_verify_atomic(Channel->name))
		return STATUS_INVALID_DEVICE_STATE;
	might_sleep();
	status = vmb_sync_check(Channel, CompletionBuffer, CompletionBufferSize,
				Timeout);
	if (!NT_SUCCESS(status))
		return status;
	p = VmbPacketAllocate(Channel);
	if (!p)
		return STATUS_INSUFFICIENT_RESOURCES;
	init_completion(&w.done);
	VmbPacketSetCompletionRoutine(p, vmb_sync_routine);
	VmbPacketSetPointer(p, &w);

	if (ExternalDataMdl)
		status = vmb_packet_prepare_external(p, Buffer, BufferSize,
						     ExternalDataMdl, Flags);
	else
		status = vmb_packet_prepare(p, Buffer, BufferSize, Flags);
	if (NT_SUCCESS(status))
		status = vmb_tx_submit(p, no_wait ? 0 : VMB_SUBMIT_QUEUE_FULL);
	if (!NT_SUCCESS(status))
		goto free;

	outcome = vmb_sync_wait_reply(Channel, &w, no_wait, Timeout);
	if (outcome != VMB_SYNC_REPLIED) {
		if (vmb_tx_cancel(p)) {
			status = outcome == VMB_SYNC_RESCINDED ?
				 STATUS_DEVICE_REMOVED : STATUS_CANCELLED;
			goto free;
		}
		/* Lost the race: the routine runs now, no wait on the host. */
		wait_for_completion(&w.done);
	}
	status = vmb_sync_result(&w, CompletionBufferSize);
free:
	VmbPacketFree(p);
	return status;
}
EXPORT_SYMBOL_GPL(VmbChannelSendSynchronousRequest);
