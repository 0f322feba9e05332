/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvemu - the VMBus host of the test kernel's emulated Hyper-V, as device
 * models (test modules) see it.
 *
 * Exists only in the kernel vmbkmcl's harness builds (kunit/hvemu/) and
 * only does anything on a boot with hvemu=1; hvemu_present() says so.  A
 * model offers a channel, hv_vmbus in the same kernel gets the offer
 * through the real channel-message protocol, its driver opens the channel
 * (GPADL + OPENCHANNEL), and the model then reads what the guest writes
 * and writes packets back through the host end of the channel's rings.
 *
 * Context: hvemu_offer() and hvemu_rescind() sleep; the ops run in process
 * context on hvemu's workqueues and must not call hvemu_offer() or
 * hvemu_rescind().  Ring I/O may be called from any process context.
 */
#ifndef _LINUX_HVEMU_H
#define _LINUX_HVEMU_H

#include <linux/hyperv.h>
#include <linux/types.h>
#include <linux/uuid.h>

struct hvemu_chan;

/**
 * struct hvemu_chan_ops - what a device model does on the host side.
 * @open:   the guest opens the channel (rings mapped); return 0 to accept,
 *          or the status OPENCHANNEL_RESULT carries to refuse.  Optional.
 * @close:  the guest closed the channel (or unloaded); rings are gone.
 * @signal: the guest signalled the channel (HVCALL_SIGNAL_EVENT).
 */
struct hvemu_chan_ops {
	u32 (*open)(struct hvemu_chan *ch);
	void (*close)(struct hvemu_chan *ch);
	void (*signal)(struct hvemu_chan *ch);
};

/* A packet as the host read it from the guest's outbound ring. */
struct hvemu_packet {
	u16 type;
	u16 flags;
	u64 trans_id;
	u32 len;	/* payload bytes copied into the buffer */
};

bool hvemu_present(void);
struct hvemu_chan *hvemu_offer(const guid_t *type, const guid_t *instance,
			       u16 sub_index,
			       const struct hvemu_chan_ops *ops, void *ctx);
int hvemu_rescind(struct hvemu_chan *ch);
void *hvemu_chan_ctx(struct hvemu_chan *ch);
bool hvemu_chan_is_open(struct hvemu_chan *ch);
u32 hvemu_chan_relid(struct hvemu_chan *ch);
void hvemu_chan_refuse_open(struct hvemu_chan *ch, u32 status);
int hvemu_chan_hold(struct hvemu_chan *ch, enum vmbus_channel_message_type type);
bool hvemu_chan_wait_held(struct hvemu_chan *ch, unsigned int ms);

int hvemu_chan_write(struct hvemu_chan *ch, u16 type, u16 flags,
		     u64 trans_id, const void *data, u32 len);
int hvemu_chan_write_raw(struct hvemu_chan *ch, const void *bytes, u32 len);
int hvemu_chan_read(struct hvemu_chan *ch, struct hvemu_packet *pkt,
		    void *buf, u32 cap);

/* Counters the tests read: messages the host saw, by type. */
u32 hvemu_msg_count(enum vmbus_channel_message_type type);
u32 hvemu_vmbus_version(void);

/**
 * enum hvemu_event - what the guest made the emulated Hyper-V do.
 * @HVEMU_EV_HYPERCALL_ENABLED:  the hypercall page was enabled (overlaid).
 * @HVEMU_EV_HYPERCALL_DISABLED: it was disabled (the guest's bytes back).
 * @HVEMU_EV_SYNIC_ENABLED:      a VP's SynIC was enabled (SCONTROL).
 * @HVEMU_EV_SYNIC_DISABLED:     a VP's SynIC was disabled.
 * @HVEMU_EV_UNLOAD_CLOSED:      channels UNLOAD found open; the host
 *                               closed them.
 * @HVEMU_EV_UNLOAD_GPADLS:      GPADLs UNLOAD found; the host dropped them.
 * @HVEMU_EV_COUNT:              the number of events.
 *
 * The last two count what a guest left behind when it unloaded (for
 * hibernation): a driver that closes its channels leaves nothing.
 */
enum hvemu_event {
	HVEMU_EV_HYPERCALL_ENABLED,
	HVEMU_EV_HYPERCALL_DISABLED,
	HVEMU_EV_SYNIC_ENABLED,
	HVEMU_EV_SYNIC_DISABLED,
	HVEMU_EV_UNLOAD_CLOSED,
	HVEMU_EV_UNLOAD_GPADLS,
	HVEMU_EV_COUNT
};

u32 hvemu_event_count(enum hvemu_event ev);

#endif /* _LINUX_HVEMU_H */
