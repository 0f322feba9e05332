/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Hyper-V virtual storage (vstor) protocol, as a storage VSC and its
 * host (storvsp) speak it over VMBus: the wire format, shared by the
 * sample (samples/vstor) and the host model (kunit/vstor_host.c).
 *
 * Every message is a struct vstor_packet sent inband.  The guest speaks
 * first and every message it sends asks for a completion, which carries
 * a vstor_packet back (operation COMPLETE_IO, an NTSTATUS in status).
 * Initialization: BEGIN_INITIALIZATION, QUERY_PROTOCOL_VERSION (repeated
 * with older versions while the host answers STATUS_REVISION_MISMATCH),
 * QUERY_PROPERTIES, END_INITIALIZATION.  Then EXECUTE_SRB packets carry
 * SCSI commands; their data moves by GPA-direct external data, one range.
 * The host may also send ENUMERATE_BUS (rescan) without a completion.
 *
 * Layout: the Windows header lays these out with #pragma pack(1), so they
 * are __packed here and every size and offset the protocol fixes is
 * checked at compile time below.  There are no bit-fields: SrbStatus's
 * flag bits are masks on a u8 (a bit-field's placement is the compiler's
 * choice, and MSVC and GCC choose differently).  Fields are in the
 * guest's byte order, which is little-endian on every Hyper-V guest.
 */
#ifndef _VSTOR_PROTO_H
#define _VSTOR_PROTO_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
/* The CDB's fields are big-endian; 6.12 moved this from asm/ (Kbuild). */
#ifdef VMBKMCL_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#define VSTOR_VERSION(major, minor)	((((major) & 0xff) << 8) | ((minor) & 0xff))
#define VSTOR_VERSION_WIN6		VSTOR_VERSION(2, 0)
#define VSTOR_VERSION_WIN7		VSTOR_VERSION(4, 2)
#define VSTOR_VERSION_WIN8		VSTOR_VERSION(5, 1)
#define VSTOR_VERSION_BLUE		VSTOR_VERSION(6, 0)
#define VSTOR_VERSION_WIN10		VSTOR_VERSION(6, 2)

enum vstor_operation {
	VSTOR_OP_COMPLETE_IO = 1,
	VSTOR_OP_REMOVE_DEVICE = 2,
	VSTOR_OP_EXECUTE_SRB = 3,
	VSTOR_OP_RESET_LUN = 4,
	VSTOR_OP_RESET_ADAPTER = 5,
	VSTOR_OP_RESET_BUS = 6,
	VSTOR_OP_BEGIN_INITIALIZATION = 7,
	VSTOR_OP_END_INITIALIZATION = 8,
	VSTOR_OP_QUERY_PROTOCOL_VERSION = 9,
	VSTOR_OP_QUERY_PROPERTIES = 10,
	VSTOR_OP_ENUMERATE_BUS = 11,
	VSTOR_OP_FCHBA_DATA = 12,
	VSTOR_OP_CREATE_SUB_CHANNELS = 13,
	VSTOR_OP_EVENT_NOTIFICATION = 14,
};

/* vstor_packet.flags: the sender wants a completion. */
#define VSTOR_FLAG_REQUEST_COMPLETION	0x1

#define VSTOR_CDB_LEN			16
#define VSTOR_SENSE_LEN			0x14	/* protocol 5.1 and later */
#define VSTOR_SENSE_LEN_V1		0x12	/* before */

/* vstor_srb.data_in. */
#define VSTOR_DATA_OUT			0	/* guest to device: a write */
#define VSTOR_DATA_IN			1	/* device to guest: a read */
#define VSTOR_DATA_NONE			2

/* vstor_srb.srb_status: a status in the low 6 bits, then two flags. */
#define VSTOR_SRB_STATUS(s)		((s) & 0x3f)
#define VSTOR_SRB_QUEUE_FROZEN		0x40
#define VSTOR_SRB_AUTOSENSE_VALID	0x80
#define VSTOR_SRB_SUCCESS		0x01
#define VSTOR_SRB_ABORTED		0x02
#define VSTOR_SRB_ERROR			0x04
#define VSTOR_SRB_INVALID_REQUEST	0x06
#define VSTOR_SRB_DATA_OVERRUN		0x12
#define VSTOR_SRB_INVALID_LUN		0x20

/* vstor_srb.srb_flags (protocol 5.1 and later). */
#define VSTOR_SRB_FLAGS_DISABLE_SYNCH_TRANSFER	0x00000008
#define VSTOR_SRB_FLAGS_DATA_IN			0x00000040
#define VSTOR_SRB_FLAGS_DATA_OUT		0x00000080

/**
 * struct vstor_srb - a SCSI request block, and its completion.
 * @length:	bytes of this struct the sender meant (0x24 or 0x34).
 * @srb_status:	completion: VSTOR_SRB_* status and flags.
 * @scsi_status: completion: the SCSI status byte (CHECK CONDITION, ...).
 * @port:	reserved.
 * @path_id:	SCSI path.
 * @target_id:	SCSI target.
 * @lun:	logical unit.
 * @cdb_length:	bytes of @cdb used.
 * @sense_info_length: request: sense bytes the guest can take.
 * @data_in:	VSTOR_DATA_*.
 * @properties:	reserved.
 * @data_transfer_length: request: bytes to move; completion: moved.
 * @cdb:	request: the command.
 * @sense:	completion: sense data when VSTOR_SRB_AUTOSENSE_VALID.
 * @reserve:	protocol 5.1+ from here on.
 * @queue_tag:	unused.
 * @queue_action: unused.
 * @srb_flags:	VSTOR_SRB_FLAGS_*.
 * @timeout:	seconds.
 * @queue_sort_key: unused.
 */
struct vstor_srb {
	u16 length;
	u8 srb_status;
	u8 scsi_status;
	u8 port;
	u8 path_id;
	u8 target_id;
	u8 lun;
	u8 cdb_length;
	u8 sense_info_length;
	u8 data_in;
	u8 properties;
	u32 data_transfer_length;
	union {
		u8 cdb[VSTOR_CDB_LEN];
		u8 sense[VSTOR_SENSE_LEN];
	};
	u16 reserve;
	u8 queue_tag;
	u8 queue_action;
	u32 srb_flags;
	u32 timeout;
	u32 queue_sort_key;
} __packed;

/**
 * struct vstor_properties - the QUERY_PROPERTIES completion's payload.
 * @reserved:		reserved.
 * @max_subchannels:	subchannels the host can open.
 * @reserved2:		reserved.
 * @flags:		VSTOR_PROP_*.
 * @max_transfer_bytes:	the largest data transfer of one SRB.
 * @reserved3:		reserved.
 */
struct vstor_properties {
	u32 reserved;
	u16 max_subchannels;
	u16 reserved2;
	u32 flags;
	u32 max_transfer_bytes;
	u64 reserved3;
} __packed;

#define VSTOR_PROP_MULTI_CHANNEL	0x1

/**
 * struct vstor_version - QUERY_PROTOCOL_VERSION's payload, both ways.
 * @major_minor: VSTOR_VERSION().
 * @build:	 informative.
 */
struct vstor_version {
	u16 major_minor;
	u16 build;
} __packed;

/**
 * struct vstor_packet - every vstor message.
 * @operation:	enum vstor_operation.
 * @flags:	VSTOR_FLAG_*.
 * @status:	completion: an NTSTATUS.
 * @srb:	EXECUTE_SRB and its completion.
 * @props:	QUERY_PROPERTIES' completion.
 * @version:	QUERY_PROTOCOL_VERSION and its completion.
 * @buffer:	the payload area's full size.
 */
struct vstor_packet {
	u32 operation;
	u32 flags;
	u32 status;
	union {
		struct vstor_srb srb;
		struct vstor_properties props;
		struct vstor_version version;
		u8 buffer[0x34];
	};
} __packed;

/* The SRB before protocol 5.1 stopped at @reserve. */
#define VSTOR_SRB_SIZE_V1	offsetof(struct vstor_srb, reserve)
#define VSTOR_SRB_SIZE_V2	sizeof(struct vstor_srb)
#define VSTOR_PACKET_HDR_SIZE	offsetof(struct vstor_packet, srb)
/* The packet each side sends: the SRB's size decides it. */
#define VSTOR_PACKET_SIZE_V1	(VSTOR_PACKET_HDR_SIZE + VSTOR_SRB_SIZE_V1)
#define VSTOR_PACKET_SIZE_V2	(VSTOR_PACKET_HDR_SIZE + VSTOR_SRB_SIZE_V2)

/* The layout the Windows header (#pragma pack(1)) fixes. */
static_assert(offsetof(struct vstor_srb, srb_status) == 2);
static_assert(offsetof(struct vstor_srb, lun) == 7);
static_assert(offsetof(struct vstor_srb, data_in) == 10);
static_assert(offsetof(struct vstor_srb, data_transfer_length) == 12);
static_assert(offsetof(struct vstor_srb, cdb) == 16);
static_assert(offsetof(struct vstor_srb, sense) == 16);
static_assert(VSTOR_SRB_SIZE_V1 == 0x24);
static_assert(offsetof(struct vstor_srb, srb_flags) == 0x28);
static_assert(VSTOR_SRB_SIZE_V2 == 0x34);
static_assert(offsetof(struct vstor_properties, max_subchannels) == 4);
static_assert(offsetof(struct vstor_properties, flags) == 8);
static_assert(offsetof(struct vstor_properties, max_transfer_bytes) == 12);
static_assert(sizeof(struct vstor_properties) == 24);
static_assert(sizeof(struct vstor_version) == 4);
static_assert(VSTOR_PACKET_HDR_SIZE == 12);
static_assert(VSTOR_PACKET_SIZE_V1 == 0x30);
static_assert(VSTOR_PACKET_SIZE_V2 == 0x40);
static_assert(sizeof(struct vstor_packet) == VSTOR_PACKET_SIZE_V2);

/* SCSI, as much as the sample and the host model use. */
#define VSTOR_SCSI_TEST_UNIT_READY	0x00
#define VSTOR_SCSI_INQUIRY		0x12
#define VSTOR_SCSI_READ_CAPACITY_10	0x25
#define VSTOR_SCSI_READ_10		0x28
#define VSTOR_SCSI_WRITE_10		0x2a

#define VSTOR_SCSI_GOOD			0x00
#define VSTOR_SCSI_CHECK_CONDITION	0x02

/* Fixed-format sense data: key in byte 2, ASC and ASCQ in 12 and 13. */
#define VSTOR_SENSE_FIXED		0x70
#define VSTOR_SENSE_KEY(s)		((s)[2] & 0x0f)
#define VSTOR_SENSE_ASC(s)		((s)[12])
#define VSTOR_SENSE_ASCQ(s)		((s)[13])
#define VSTOR_SENSE_MIN_LEN		14

#define VSTOR_KEY_NOT_READY		0x02
#define VSTOR_KEY_MEDIUM_ERROR		0x03
#define VSTOR_KEY_HARDWARE_ERROR	0x04
#define VSTOR_KEY_ILLEGAL_REQUEST	0x05
#define VSTOR_KEY_UNIT_ATTENTION	0x06
#define VSTOR_KEY_DATA_PROTECT		0x07

/* INQUIRY: standard data is 36 bytes; peripheral type 0 is a disk. */
#define VSTOR_INQUIRY_LEN		36
#define VSTOR_INQUIRY_DISK		0x00
#define VSTOR_INQUIRY_NO_LUN		0x7f
/* READ CAPACITY(10): last LBA, then block length, both big-endian. */
#define VSTOR_READ_CAPACITY_LEN		8

#endif /* _VSTOR_PROTO_H */
