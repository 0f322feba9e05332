/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host half of the heartbeat integration component, for the hv-path
 * suites: build the host's negotiate and heartbeat requests.
 */
#ifndef _VMBKMCL_HVICMSG_H
#define _VMBKMCL_HVICMSG_H

#include <linux/string.h>

#include "../samples/heartbeat/heartbeat.h"
#include "../samples/heartbeat/icmsg.h"

static const guid_t hv_heartbeat_class = HB_HYPERV_CLASS_GUID;

/* Negotiate framework 3.0/1.0 and heartbeat 3.0/1.0, as Hyper-V does. */
static inline u32 hvic_negotiate(u8 *buf, u8 transaction)
{
	struct icm_message *m = (void *)buf;
	struct icm_negotiate *neg = (void *)(m + 1);
	static const struct icm_version v[] = {
		{ 3, 0 }, { 1, 0 }, { 3, 0 }, { 1, 0 },
	};
	u32 len = sizeof(*m) + sizeof(*neg) + sizeof(v);

	memset(buf, 0, ALIGN(len, 8));
	m->hdr.framework = (struct icm_version){ 1, 0 };
	m->hdr.msgtype = IC_MSGTYPE_NEGOTIATE;
	m->hdr.msgsize = len - sizeof(m->pipe) - sizeof(m->hdr);
	m->hdr.transaction_id = transaction;
	m->hdr.flags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
	neg->framework_count = 2;
	neg->msg_count = 2;
	memcpy(neg->versions, v, sizeof(v));
	return ALIGN(len, 8);
}

static inline u32 hvic_heartbeat(u8 *buf, u8 transaction, u64 seq)
{
	struct icm_message *m = (void *)buf;
	struct icm_heartbeat *beat = (void *)(m + 1);
	u32 len = sizeof(*m) + sizeof(*beat);

	memset(buf, 0, ALIGN(len, 8));
	m->hdr.framework = (struct icm_version){ 3, 0 };
	m->hdr.msgtype = IC_MSGTYPE_HEARTBEAT;
	m->hdr.msgversion = (struct icm_version){ 3, 0 };
	m->hdr.msgsize = sizeof(*beat);
	m->hdr.transaction_id = transaction;
	m->hdr.flags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
	beat->seq_num = seq;
	return ALIGN(len, 8);
}

#endif /* _VMBKMCL_HVICMSG_H */
