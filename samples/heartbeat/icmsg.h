/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Hyper-V integration-component (IC) message framework, as the ported
 * driver carries it: every IC message is a pipe header, an IC header, then
 * a body whose layout the header's type gives.  Wire format, little
 * endian, packed.
 */
#ifndef _VMBKMCL_SAMPLE_ICMSG_H
#define _VMBKMCL_SAMPLE_ICMSG_H

#include <linux/types.h>

#define IC_MSGTYPE_NEGOTIATE	0
#define IC_MSGTYPE_HEARTBEAT	1

#define IC_FLAG_TRANSACTION	0x1
#define IC_FLAG_REQUEST		0x2
#define IC_FLAG_RESPONSE	0x4

/* HRESULT E_FAIL, what a guest answers a request it cannot serve with. */
#define IC_STATUS_FAIL		0x80004005U

struct icm_pipe_hdr {
	u32 flags;
	u32 msgsize;
} __packed;

struct icm_version {
	u16 major;
	u16 minor;
} __packed;

struct icm_hdr {
	struct icm_version framework;
	u16 msgtype;
	struct icm_version msgversion;
	u16 msgsize;
	u32 status;
	u8 transaction_id;
	u8 flags;
	u8 reserved[2];
} __packed;

/* Offers: framework_count framework versions, then msg_count versions. */
struct icm_negotiate {
	u16 framework_count;
	u16 msg_count;
	u32 reserved;
	struct icm_version versions[];
} __packed;

struct icm_heartbeat {
	u64 seq_num;
	u32 reserved[8];
} __packed;

struct icm_message {
	struct icm_pipe_hdr pipe;
	struct icm_hdr hdr;
} __packed;

#endif /* _VMBKMCL_SAMPLE_ICMSG_H */
