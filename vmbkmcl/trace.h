/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbkmcl tracepoints: what happens to each packet and each channel.
 *
 * Every event names its channel by its friendly name; packet events carry
 * the VMBus transaction id and the payload length.  They cost a static
 * branch when disabled.  Enable them under events/vmbkmcl/ in tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmbkmcl

#if !defined(_VMBKMCL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VMBKMCL_TRACE_H

#include <linux/tracepoint.h>

#include "channel.h"
#include "watch.h"

/* __assign_str() takes only the field from 6.10 on (Kbuild finds out). */
#ifdef VMBKMCL_ASSIGN_STR_ONE_ARG
#define vmb_assign_str(dst, src)	__assign_str(dst)
#else
#define vmb_assign_str(dst, src)	__assign_str(dst, src)
#endif

DECLARE_EVENT_CLASS(vmbkmcl_packet,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len),
	TP_STRUCT__entry(
		__string(name, c->name)
		__field(u64, trans_id)
		__field(u32, len)
	),
	TP_fast_assign(
		vmb_assign_str(name, c->name);
		__entry->trans_id = trans_id;
		__entry->len = len;
	),
	TP_printk("%s trans_id=%#llx len=%u", __get_str(name),
		  __entry->trans_id, __entry->len)
);

/* A packet passed validation and is taken from the ring. */
DEFINE_EVENT_FN(vmbkmcl_packet, vmbkmcl_packet_received,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len),
	vmb_watch_received_reg, vmb_watch_received_unreg);

/* ProcessPacket is about to run (first delivery or redelivery). */
DEFINE_EVENT_FN(vmbkmcl_packet, vmbkmcl_packet_delivered,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len),
	vmb_watch_delivered_reg, vmb_watch_delivered_unreg);

/* VmbChannelPacketComplete; len is the completion payload. */
DEFINE_EVENT_FN(vmbkmcl_packet, vmbkmcl_packet_completed,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len),
	vmb_watch_completed_reg, vmb_watch_completed_unreg);

/* VmbChannelPacketFail. */
DEFINE_EVENT(vmbkmcl_packet, vmbkmcl_packet_failed,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len));

/* A send went onto the ring. */
DEFINE_EVENT(vmbkmcl_packet, vmbkmcl_send,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len));

/* A send found the ring full, or others waiting, and was queued. */
DEFINE_EVENT(vmbkmcl_packet, vmbkmcl_send_queued,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len));

/* A queued send went onto the ring. */
DEFINE_EVENT(vmbkmcl_packet, vmbkmcl_send_dequeued,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len));

/* The host completed a transaction; len is its reply. */
DEFINE_EVENT(vmbkmcl_packet, vmbkmcl_transaction_completed,
	TP_PROTO(const struct vmb_channel *c, u64 trans_id, u32 len),
	TP_ARGS(c, trans_id, len));

/* A packet from the host was dropped; reason says why. */
TRACE_EVENT(vmbkmcl_packet_dropped,
	TP_PROTO(const struct vmb_channel *c, u16 type, u32 len,
		 const char *reason),
	TP_ARGS(c, type, len, reason),
	TP_STRUCT__entry(
		__string(name, c->name)
		__field(u16, type)
		__field(u32, len)
		__string(reason, reason)
	),
	TP_fast_assign(
		vmb_assign_str(name, c->name);
		__entry->type = type;
		__entry->len = len;
		vmb_assign_str(reason, reason);
	),
	TP_printk("%s type=%u len=%u reason=%s", __get_str(name),
		  __entry->type, __entry->len, __get_str(reason))
);

/* ProcessingComplete is about to run for a batch of count packets. */
TRACE_EVENT(vmbkmcl_batch_complete,
	TP_PROTO(const struct vmb_channel *c, u32 count),
	TP_ARGS(c, count),
	TP_STRUCT__entry(
		__string(name, c->name)
		__field(u32, count)
	),
	TP_fast_assign(
		vmb_assign_str(name, c->name);
		__entry->count = count;
	),
	TP_printk("%s count=%u", __get_str(name), __entry->count)
);

/* A lifecycle step: enabled, started, paused, disabled. */
TRACE_EVENT(vmbkmcl_state_change,
	TP_PROTO(const struct vmb_channel *c, const char *state),
	TP_ARGS(c, state),
	TP_STRUCT__entry(
		__string(name, c->name)
		__string(state, state)
	),
	TP_fast_assign(
		vmb_assign_str(name, c->name);
		vmb_assign_str(state, state);
	),
	TP_printk("%s %s", __get_str(name), __get_str(state))
);

#endif /* _VMBKMCL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
