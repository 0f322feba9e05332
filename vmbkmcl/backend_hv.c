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
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/mshyperv.h>

#include "backend.h"
#include "fault.h"

static int vmbkmcl_hv_open(struct hv_device *dev, u32 send_size,
			   u32 recv_size, u32 max_pkt_size,
			   void (*callback)(void *ctx), void *ctx,
			   struct vmbus_channel **chan)
{
	struct vmbus_channel *ch = dev->channel;
	int ret;

	/*
	 * vmbus_open() allocates rings before it checks the state, and its
	 * error path frees them over an open channel's: never call it on
	 * one, nor touch the open channel's settings.  The core lets one
	 * VMBCHANNEL per device open it; this catches anyone else.
	 */
	if (READ_ONCE(ch->state) != CHANNEL_OPEN_STATE)
		return -EBUSY;
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

/*
 * One struct vmbus_gpadl per GPADL, as vmbus_establish_gpadl() wants.  Of
 * it only gpadl_handle is read, and decrypted, which says whether the
 * buffer is still visible to the host (confidential VMs) after a failure
 * or a teardown; such memory must never go back to the allocator.
 */
static int vmbkmcl_hv_create_gpadl(struct hv_device *dev,
				   struct vmbus_channel *ch, void *kbuf,
				   u32 size, u32 *handle, void **cookie,
				   bool *shared)
{
	struct vmbus_gpadl *gpadl;
	int ret;

	*shared = false;
	gpadl = vmb_kzalloc(sizeof(*gpadl), GFP_KERNEL);
	if (!gpadl)
		return -ENOMEM;
	ret = vmbus_establish_gpadl(ch, kbuf, size, gpadl);
	if (ret) {
		*shared = gpadl->decrypted;
		kfree(gpadl);
		return ret;
	}
	*handle = gpadl->gpadl_handle;
	*cookie = gpadl;
	return 0;
}

/**
 * vmbkmcl_hv_gpadl_still_shared() - after vmbus_teardown_gpadl(), may the
 * host still hold the GPADL's memory?
 * @gpadl:     the GPADL, as the teardown left it.
 * @rescinded: its channel was rescinded.
 *
 * vmbus_teardown_gpadl() returns the result of re-encrypting the buffer,
 * which overwrites its own error: a teardown that never reached the host
 * (no memory for the message, the post failing) returns 0 like one the
 * host acknowledged.  What tells them apart is the handle, zeroed only
 * once the host has let go.  A rescinded channel skips the message, and
 * hv_vmbus treats its GPADLs as gone with it.  And the buffer stays
 * host-visible (confidential VMs) when re-encrypting it failed.
 *
 * Context: any context.
 * Return: true if the memory must never go back to the allocator.
 */
bool vmbkmcl_hv_gpadl_still_shared(const struct vmbus_gpadl *gpadl,
				   bool rescinded)
{
	if (gpadl->gpadl_handle && !rescinded)
		return true;
	return gpadl->decrypted;
}
EXPORT_SYMBOL_GPL(vmbkmcl_hv_gpadl_still_shared);

static bool vmbkmcl_hv_teardown_gpadl(struct hv_device *dev,
				      struct vmbus_channel *ch, void *cookie)
{
	struct vmbus_gpadl *gpadl = cookie;
	bool shared;
	int ret;

	ret = vmbus_teardown_gpadl(ch, gpadl);
	shared = vmbkmcl_hv_gpadl_still_shared(gpadl, READ_ONCE(ch->rescind));
	if (shared)
		pr_warn("vmbkmcl: GPADL %u teardown failed (%d); the host may still hold it\n",
			gpadl->gpadl_handle, ret);
	/* The host may still read the handle's pages, not this bookkeeping. */
	kfree(gpadl);
	return shared;
}

/* Before Windows 10 (VMBus 4.0) the host ignores a teardown after close. */
static bool vmbkmcl_hv_teardown_before_close(struct hv_device *dev)
{
	return vmbus_proto_version < VERSION_WIN10;
}

static bool vmbkmcl_hv_isolated(struct hv_device *dev)
{
	return hv_is_isolation_supported();
}

const struct vmbkmcl_backend_ops vmbkmcl_hv_backend = {
	.open = vmbkmcl_hv_open,
	.close = vmbkmcl_hv_close,
	.kick = vmbkmcl_hv_kick,
	.create_gpadl = vmbkmcl_hv_create_gpadl,
	.teardown_gpadl = vmbkmcl_hv_teardown_gpadl,
	.teardown_before_close = vmbkmcl_hv_teardown_before_close,
	.isolated = vmbkmcl_hv_isolated,
};
