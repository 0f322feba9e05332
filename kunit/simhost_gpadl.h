/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simhost's memory side: GPADLs and guest pages by number.
 *
 * A real host reaches guest memory only by page frame number: the PFN
 * lists of the GPADLs the guest established, and the ranges of the
 * GPA-direct packets it sends.  simhost does the same.  Its backend ops
 * record, per GPADL, the Hyper-V PFNs vmbus_establish_gpadl() would have
 * sent for the buffer (virt_to_hvpfn() of each 4 KiB page) and issue
 * handles; the helpers below read and write guest memory through those
 * PFNs only, never through the guest's own pointers, so a test that sees
 * the right bytes has shown that the guest named the right pages.
 *
 * Failures can be injected: the next GPADL creation fails with a given
 * errno (optionally saying the buffer stayed host-visible), or the next
 * teardown says the buffer is still host-visible.
 *
 * Locking: one mutex over every simhost's GPADLs; all of this runs in
 * process context.
 */
#ifndef _VMBKMCL_SIMHOST_GPADL_H
#define _VMBKMCL_SIMHOST_GPADL_H

#include <linux/hyperv.h>
#include <linux/types.h>

#include "simhost.h"

/* The first handle simhost issues, as vmbus_connect() numbers them. */
#define SIMHOST_FIRST_GPADL_HANDLE	0xE1E10
/* Hyper-V pages, all ranges together, simhost parses out of a guest packet. */
#define SIMHOST_GPA_MAX_PFNS		64
/* Ranges simhost parses out of a guest packet. */
#define SIMHOST_GPA_MAX_RANGES		16

/**
 * struct simhost_gpa_range - one range of a GPA-direct packet.
 * @byte_offset: offset of the first byte in the first page (< 4 KiB).
 * @byte_count:  bytes.
 * @npfns:       pages in @pfns.
 * @pfns:        Hyper-V (4 KiB) page frame numbers.
 */
struct simhost_gpa_range {
	u32 byte_offset;
	u32 byte_count;
	u32 npfns;
	const u64 *pfns;
};

/**
 * struct simhost_gpa_packet - a GPA-direct packet the guest wrote.
 * @desc:	 the descriptor.
 * @range_count: ranges the packet declared.
 * @byte_offset: the first range's byte offset.
 * @byte_count:	 the first range's byte count.
 * @npfns:	 the first range's pages.
 * @pfns:	 every range's Hyper-V PFNs, the first range's first.
 * @ranges:	 each range, its @pfns pointing into @pfns.
 * @data_len:	 inline payload bytes, padding included.
 */
struct simhost_gpa_packet {
	struct vmpacket_descriptor desc;
	u32 range_count;
	u32 byte_offset;
	u32 byte_count;
	u32 npfns;
	u64 pfns[SIMHOST_GPA_MAX_PFNS];
	struct simhost_gpa_range ranges[SIMHOST_GPA_MAX_RANGES];
	u32 data_len;
};

/* Backend ops (simhost.c installs them). */
int simhost_gpadl_create(struct hv_device *dev, struct vmbus_channel *chan,
			 void *kbuf, u32 size, u32 *handle, void **cookie,
			 bool *shared);
bool simhost_gpadl_teardown(struct hv_device *dev, struct vmbus_channel *chan,
			    void *cookie);
void simhost_gpadl_forget(struct simhost *sh);

u32 simhost_gpadl_count(struct simhost *sh);
int simhost_gpadl_pfns(struct simhost *sh, u32 handle, u64 *pfns, u32 max);
int simhost_gpadl_read(struct simhost *sh, u32 handle, u32 offset, void *buf,
		       u32 len);
int simhost_gpadl_write(struct simhost *sh, u32 handle, u32 offset,
			const void *buf, u32 len);
int simhost_fail_next_gpadl(struct simhost *sh, int err, bool shared);
int simhost_gpadl_stay_shared_next(struct simhost *sh);

int simhost_gpa_read(const u64 *pfns, u32 npfns, u32 offset, void *buf,
		     u32 len);
int simhost_gpa_write(const u64 *pfns, u32 npfns, u32 offset,
		      const void *buf, u32 len);
int simhost_read_gpa_direct(struct simhost *sh, struct simhost_gpa_packet *pkt,
			    void *buf, u32 buf_len);
int simhost_write_gpa_direct(struct simhost *sh, u16 flags, u64 trans_id,
			     const struct simhost_gpa_range *ranges,
			     u32 nranges, const void *data, u32 len);

#endif /* _VMBKMCL_SIMHOST_GPADL_H */
