/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the receive engine's files: receive.c (batch loop and
 * runner), rx_validate.c (host input checks), completion.c (retiring
 * packets) and rx_control.c (the packet pool and flow control).
 */
#ifndef _VMBKMCL_RECEIVE_H
#define _VMBKMCL_RECEIVE_H

#include "channel.h"

#define VMB_PKT_TRAILER		sizeof(u64)

/* receive.c */
void vmb_rx_kick(struct vmb_channel *c);
void vmb_rx_work(struct work_struct *work);

/* rx_validate.c */
u32 vmb_rx_frame_len(struct vmbus_channel *ch,
		     const struct vmpacket_descriptor *raw);
enum vmb_rx_drop vmb_rx_validate(struct vmb_channel *c,
				 const struct vmpacket_descriptor *desc,
				 const struct vmpacket_descriptor *raw, u32 len);
void vmb_rx_count_drop(struct vmb_channel *c, enum vmb_rx_drop why,
		       const struct vmpacket_descriptor *desc);
const char *vmb_rx_drop_name(enum vmb_rx_drop why);

/* rx_control.c */
struct vmb_rx_packet *vmb_rx_take_slot(struct vmb_rx *rx);
bool vmb_rx_free_slot_locked(struct vmb_rx *rx, struct vmb_rx_packet *p);

#endif /* _VMBKMCL_RECEIVE_H */
