/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvemu: the host end of a channel's two rings (see emu.h).
 */
#ifndef _HVEMU_RING_H
#define _HVEMU_RING_H

#include <linux/hvemu.h>
#include <linux/types.h>

/**
 * struct hvemu_ring - the host's view of one open channel's rings.
 * @gpadl: the ring GPADL's handle.
 * @out:   the guest-to-host ring (upstream: GPADL offset 0).
 * @in:    the host-to-guest ring (downstream).
 * @out_size: data bytes of @out.
 * @in_size:  data bytes of @in.
 */
struct hvemu_ring {
	u32 gpadl;
	struct hv_ring_buffer *out;
	struct hv_ring_buffer *in;
	u32 out_size;
	u32 in_size;
};

int hvemu_ring_map(struct hvemu_ring *r, const u64 *pfns, u32 npfns,
		   u32 downstream);
void hvemu_ring_unmap(struct hvemu_ring *r);
int hvemu_ring_write(struct hvemu_ring *r, u16 type, u16 flags, u64 trans_id,
		     const void *data, u32 len, bool *signal);
int hvemu_ring_write_raw(struct hvemu_ring *r, const void *bytes, u32 len,
			 bool *signal);
int hvemu_ring_read(struct hvemu_ring *r, struct hvemu_packet *pkt,
		    void *buf, u32 cap, bool *signal);

#endif /* _HVEMU_RING_H */
