// SPDX-License-Identifier: GPL-2.0
/*
 * The production backend: a KMCL channel on a real hv_vmbus channel.
 *
 * Thin on purpose, and shaped like the in-tree drivers (hv_utils, netvsc):
 * the copy buffer is sized through max_pkt_size before vmbus_open(), and
 * the channel runs in HV_CALL_DIRECT mode because the receive engine owns
 * the interrupt mask (in HV_CALL_BATCHED mode a packet left in the ring
 * for quota or pause would make vmbus_on_event() reschedule for ever).
 * None of this can run without Hyper-V; the simulated host stands in for
 * it in every test.
 */
#include <linux/hyperv.h>
#include <linux/interrupt.h>

#include "backend.h"

static int vmbkmcl_hv_open(struct hv_device *dev, u32 send_size,
			   u32 recv_size, u32 max_pkt_size,
			   void (*callback)(void *ctx), void *ctx,
			   struct vmbus_channel **chan)
{
	struct vmbus_channel *ch = dev->channel;
	int ret;

	ch->max_pkt_size = max_pkt_size;
	set_channel_read_mode(ch, HV_CALL_DIRECT);
	ret = vmbus_open(ch, send_size, recv_size, NULL, 0, callback, ctx);
	if (!ret)
		*chan = ch;
	return ret;
}

static void vmbkmcl_hv_close(struct hv_device *dev, struct vmbus_channel *ch)
{
	vmbus_close(ch);
}

/* vmbus_on_event() is the tasklet's function: in HV_CALL_DIRECT mode it
 * only calls the channel callback, in the callback's usual context.
 */
static void vmbkmcl_hv_kick(struct vmbus_channel *ch)
{
	tasklet_schedule(&ch->callback_event);
}

const struct vmbkmcl_backend_ops vmbkmcl_hv_backend = {
	.open = vmbkmcl_hv_open,
	.close = vmbkmcl_hv_close,
	.kick = vmbkmcl_hv_kick,
};
