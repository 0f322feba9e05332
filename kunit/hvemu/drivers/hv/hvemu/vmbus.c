// SPDX-License-Identifier: GPL-2.0
/*
 * hvemu: the VMBus host on the emulated hypervisor (see emu.h).
 *
 * The host side of the channel-message protocol, sequenced and validated
 * the way OpenVMM's vmbus_server does it: a guest message that names an
 * unknown channel or GPADL, arrives in the wrong state, or is malformed is
 * dropped and counted (a real host never trusts the guest); a message the
 * host understands gets the reply the protocol defines.  Versions 5.0 to
 * 5.3 are accepted, so Linux's first choice (5.3) is what it gets.
 *
 * Guest messages arrive through HVCALL_POST_MESSAGE in atomic context;
 * they are copied and handled in order on one ordered workqueue, under
 * @hvemu_host_lock, which also covers offers and rescinds from models.
 */
#include <linux/completion.h>
#include <linux/hvemu.h>
#include <linux/hyperv.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <asm/hyperv-tlfs.h>
#include <asm/mshyperv.h>

#include "emu.h"
#include "ring.h"

/* Connection ids: 1 and 4 are VMBus's message ids; channels use their own. */
#define HVEMU_MSG_CONN_ID	1
#define HVEMU_MSG_CONN_ID_V5	4
#define HVEMU_CHAN_CONN_BASE	0x100
#define HVEMU_MAX_RELID		256
#define HVEMU_MSG_SINT		2
/* SynIC message type of VMBus channel messages, both ways. */
#define HVEMU_VMBUS_MSG		1
#define HVEMU_RESCIND_TIMEOUT	(10 * HZ)
#define HVEMU_MAX_GPADL_PFNS	(8192)
/*
 * STATUS_UNSUCCESSFUL: what the host answers an open it cannot serve, and
 * a GPADL it had not accepted when it revoked the channel.
 */
#define HVEMU_OPEN_FAILED	0xC0000001
#define HVEMU_GPADL_FAILED	0xC0000001

struct hvemu_gpadl {
	struct list_head node;
	u32 handle;
	u32 relid;
	u32 npfns;
	u32 have;
	u32 byte_count;
	u32 byte_offset;
	bool created;
	bool held;
	bool tearing;
	u64 *pfns;
};

/**
 * struct hvemu_chan - one offered channel.
 * @node:	on hvemu_chans.
 * @relid:	child relid; also the guest's event-flag bit.
 * @type:	the class GUID offered.
 * @instance:	the instance GUID offered.
 * @sub_index:	0 for a primary channel.
 * @offered:	the guest has been sent the offer.
 * @rescinded:	RESCIND_CHANNELOFFER sent; waiting for RELID_RELEASED.
 * @open:	OPENCHANNEL accepted, rings mapped.
 * @refuse:	status the next OPENCHANNEL_RESULT carries, 0 to accept.
 * @hold:	the guest message type the host sits on next, 0 for none.
 * @held:	completed when the host sat on it.
 * @target_vp:	the VP the guest asked its interrupts on (OPENCHANNEL).
 * @ring:	the host's view of the rings while open.
 * @io_lock:	ring views against close.
 * @ops:	the device model.
 * @ctx:	its context.
 * @released:	completed by RELID_RELEASED after a rescind.
 * @signal_work: runs @ops->signal after the guest signalled.
 */
struct hvemu_chan {
	struct list_head node;
	u32 relid;
	guid_t type;
	guid_t instance;
	u16 sub_index;
	bool offered;
	bool rescinded;
	bool open;
	u32 refuse;
	u32 hold;
	struct completion held;
	u32 target_vp;
	struct hvemu_ring ring;
	struct mutex io_lock;	/* @ring against open/close */
	const struct hvemu_chan_ops *ops;
	void *ctx;
	struct completion released;
	struct work_struct signal_work;
};

/* Guest messages not yet handled. */
struct hvemu_gmsg {
	struct list_head node;
	u32 len;
	u8 data[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
};

static DEFINE_MUTEX(hvemu_host_lock);	/* all host state below */
static LIST_HEAD(hvemu_chans);
static LIST_HEAD(hvemu_gpadls);
static struct hvemu_chan *hvemu_relids[HVEMU_MAX_RELID];
static bool hvemu_connected;
static bool hvemu_offers_requested;
static u32 hvemu_version;
static u32 hvemu_target_vp;
static u32 hvemu_sint = HVEMU_MSG_SINT;
static u32 hvemu_counts[CHANNELMSG_COUNT];
static u32 hvemu_dropped;

static DEFINE_SPINLOCK(hvemu_in_lock);	/* @hvemu_in, @hvemu_in_count */
static LIST_HEAD(hvemu_in);
static u32 hvemu_in_count;
static struct workqueue_struct *hvemu_wq;
static struct workqueue_struct *hvemu_sig_wq;
static void hvemu_msg_work(struct work_struct *work);
static DECLARE_WORK(hvemu_msg_w, hvemu_msg_work);

/* A guest message the host will not act on: counted, and said (rarely). */
static __printf(1, 2) void hvemu_drop(const char *fmt, ...)
{
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 10);
	struct va_format vaf;
	va_list args;

	hvemu_dropped++;
	if (!__ratelimit(&rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_warn("hvemu: vmbus host drops: %pV\n", &vaf);
	va_end(args);
}

/**
 * hvemu_present() - whether this boot runs on the emulated Hyper-V.
 *
 * Return: true when booted with hvemu=1 and the VMBus host is up.
 */
bool hvemu_present(void)
{
	return hvemu_active && hvemu_wq;
}
EXPORT_SYMBOL_GPL(hvemu_present);

/**
 * hvemu_msg_count() - channel messages of @type the host got from the guest.
 * @type: a channel message type.
 *
 * Return: the count since boot (dropped messages included).
 */
u32 hvemu_msg_count(enum vmbus_channel_message_type type)
{
	return type < CHANNELMSG_COUNT ? READ_ONCE(hvemu_counts[type]) : 0;
}
EXPORT_SYMBOL_GPL(hvemu_msg_count);

/**
 * hvemu_vmbus_version() - the VMBus version the guest negotiated.
 *
 * Return: major << 16 | minor, or 0 before the guest connected.
 */
u32 hvemu_vmbus_version(void)
{
	return READ_ONCE(hvemu_version);
}
EXPORT_SYMBOL_GPL(hvemu_vmbus_version);

static void hvemu_send(void *msg, u32 len)
{
	if (hvemu_deliver(hvemu_target_vp, hvemu_sint, HVEMU_VMBUS_MSG, msg,
			  len))
		pr_err("hvemu: could not queue a channel message\n");
}

/* ------------------------------------------------------------------ */
/* Offers */

static void hvemu_send_offer(struct hvemu_chan *ch)
{
	struct vmbus_channel_offer_channel o = {};

	lockdep_assert_held(&hvemu_host_lock);
	o.header.msgtype = CHANNELMSG_OFFERCHANNEL;
	o.offer.if_type = ch->type;
	o.offer.if_instance = ch->instance;
	o.offer.sub_channel_index = ch->sub_index;
	o.child_relid = ch->relid;
	o.connection_id = HVEMU_CHAN_CONN_BASE + ch->relid;
	hvemu_send(&o, sizeof(o));
	WRITE_ONCE(ch->offered, true);
}

static void hvemu_signal_work(struct work_struct *work)
{
	struct hvemu_chan *ch = container_of(work, struct hvemu_chan,
					     signal_work);

	if (ch->ops && ch->ops->signal)
		ch->ops->signal(ch);
}

/**
 * hvemu_offer() - offer a channel to the guest.
 * @type:      the class (interface type) GUID.
 * @instance:  the instance GUID.
 * @sub_index: 0 for a primary channel.
 * @ops:       the device model.
 * @ctx:       the model's, hvemu_chan_ctx() returns it.
 *
 * The offer goes out now if the guest has asked for offers, else when it
 * does.  Context: process context; sleeps.
 * Return: the channel, or NULL (no emulator, out of relids or memory).
 */
struct hvemu_chan *hvemu_offer(const guid_t *type, const guid_t *instance,
			       u16 sub_index,
			       const struct hvemu_chan_ops *ops, void *ctx)
{
	struct hvemu_chan *ch;
	u32 relid;

	if (!hvemu_present())
		return NULL;
	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return NULL;
	ch->type = *type;
	ch->instance = *instance;
	ch->sub_index = sub_index;
	ch->ops = ops;
	ch->ctx = ctx;
	mutex_init(&ch->io_lock);
	init_completion(&ch->released);
	init_completion(&ch->held);
	INIT_WORK(&ch->signal_work, hvemu_signal_work);

	mutex_lock(&hvemu_host_lock);
	for (relid = 1; relid < HVEMU_MAX_RELID; relid++)
		if (!hvemu_relids[relid])
			break;
	if (relid == HVEMU_MAX_RELID) {
		mutex_unlock(&hvemu_host_lock);
		kfree(ch);
		return NULL;
	}
	ch->relid = relid;
	WRITE_ONCE(hvemu_relids[relid], ch);
	list_add_tail(&ch->node, &hvemu_chans);
	if (hvemu_offers_requested)
		hvemu_send_offer(ch);
	mutex_unlock(&hvemu_host_lock);
	return ch;
}
EXPORT_SYMBOL_GPL(hvemu_offer);

static void hvemu_gpadl_free(struct hvemu_gpadl *g);
static void hvemu_gpadl_answer(struct hvemu_gpadl *g, u32 status);

/*
 * A revoke answers what the host sat on, as OpenVMM's vmbus_server does
 * (channels.rs, revoke()), before the rescind goes out: a GPADL it had
 * not accepted gets GPADL_CREATED with a failure, a teardown in progress
 * GPADL_TORNDOWN; an OPENCHANNEL gets nothing.  Accepted GPADLs stay
 * until the guest tears them down or releases the relid.
 */
static void hvemu_revoke_gpadls(struct hvemu_chan *ch)
{
	struct vmbus_channel_gpadl_torndown t = {
		.header.msgtype = CHANNELMSG_GPADL_TORNDOWN,
	};
	struct hvemu_gpadl *g, *tmp;

	lockdep_assert_held(&hvemu_host_lock);
	ch->hold = 0;
	list_for_each_entry_safe(g, tmp, &hvemu_gpadls, node) {
		if (g->relid != ch->relid)
			continue;
		if (g->held) {
			hvemu_gpadl_answer(g, HVEMU_GPADL_FAILED);
			hvemu_gpadl_free(g);
		} else if (g->tearing) {
			t.gpadl = g->handle;
			hvemu_send(&t, sizeof(t));
			hvemu_gpadl_free(g);
		}
	}
}

/* Whether the host sits on this @type message of @ch (once per hold). */
static bool hvemu_take_hold(struct hvemu_chan *ch, u32 type)
{
	lockdep_assert_held(&hvemu_host_lock);
	if (!ch || !ch->hold || ch->hold != type)
		return false;
	ch->hold = 0;
	complete(&ch->held);
	return true;
}

static void hvemu_chan_close_locked(struct hvemu_chan *ch)
{
	lockdep_assert_held(&hvemu_host_lock);
	if (!ch->open)
		return;
	mutex_lock(&ch->io_lock);
	ch->open = false;
	hvemu_ring_unmap(&ch->ring);
	mutex_unlock(&ch->io_lock);
	if (ch->ops && ch->ops->close)
		ch->ops->close(ch);
}

static void hvemu_chan_free(struct hvemu_chan *ch)
{
	/* hvemu_vmbus_signal() looks channels up under RCU. */
	synchronize_rcu();
	cancel_work_sync(&ch->signal_work);
	kfree(ch);
}

/**
 * hvemu_rescind() - rescind a channel and wait until the guest releases it.
 * @ch: a channel from hvemu_offer(); freed on return.
 *
 * The guest removes the device, closes the channel, tears its GPADLs down
 * and answers RELID_RELEASED; the wait for that is bounded.
 * Context: process context; sleeps.
 * Return: 0, or -ETIMEDOUT if the guest never released the relid (the
 * channel is then leaked on purpose: the guest may still use it).
 */
int hvemu_rescind(struct hvemu_chan *ch)
{
	struct vmbus_channel_rescind_offer r = {};
	bool wait;

	mutex_lock(&hvemu_host_lock);
	wait = ch->offered && hvemu_connected;
	if (wait) {
		ch->rescinded = true;
		hvemu_revoke_gpadls(ch);
		r.header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER;
		r.child_relid = ch->relid;
		hvemu_send(&r, sizeof(r));
	}
	mutex_unlock(&hvemu_host_lock);
	if (wait && !wait_for_completion_timeout(&ch->released,
						 HVEMU_RESCIND_TIMEOUT)) {
		pr_err("hvemu: relid %u never released\n", ch->relid);
		return -ETIMEDOUT;
	}
	mutex_lock(&hvemu_host_lock);
	hvemu_chan_close_locked(ch);
	list_del(&ch->node);
	WRITE_ONCE(hvemu_relids[ch->relid], NULL);
	mutex_unlock(&hvemu_host_lock);
	hvemu_chan_free(ch);
	return 0;
}
EXPORT_SYMBOL_GPL(hvemu_rescind);

/**
 * hvemu_chan_ctx() - the model's context given to hvemu_offer().
 * @ch: the channel.
 *
 * Return: the context.
 */
void *hvemu_chan_ctx(struct hvemu_chan *ch)
{
	return ch->ctx;
}
EXPORT_SYMBOL_GPL(hvemu_chan_ctx);

/**
 * hvemu_chan_is_open() - whether the guest has the channel open.
 * @ch: the channel.
 *
 * Return: true between an accepted OPENCHANNEL and the close.
 */
bool hvemu_chan_is_open(struct hvemu_chan *ch)
{
	return READ_ONCE(ch->open);
}
EXPORT_SYMBOL_GPL(hvemu_chan_is_open);

/**
 * hvemu_chan_relid() - the channel's child relid.
 * @ch: the channel.
 *
 * Return: the relid the offer carried.
 */
u32 hvemu_chan_relid(struct hvemu_chan *ch)
{
	return ch->relid;
}
EXPORT_SYMBOL_GPL(hvemu_chan_relid);

/**
 * hvemu_chan_refuse_open() - answer the guest's next OPENCHANNEL with @status.
 * @ch:     the channel.
 * @status: a non-zero status; 0 accepts again.
 */
void hvemu_chan_refuse_open(struct hvemu_chan *ch, u32 status)
{
	mutex_lock(&hvemu_host_lock);
	ch->refuse = status;
	mutex_unlock(&hvemu_host_lock);
}
EXPORT_SYMBOL_GPL(hvemu_chan_refuse_open);

/**
 * hvemu_chan_hold() - sit on the guest's next @type message for @ch.
 * @ch:   the channel.
 * @type: CHANNELMSG_OPENCHANNEL; CHANNELMSG_GPADL_HEADER (the next GPADL
 *        of @ch: its header and bodies are taken in, GPADL_CREATED is not
 *        sent); or CHANNELMSG_GPADL_TEARDOWN.
 *
 * The host then answers that request never, as a host busy with it may
 * not, until it rescinds the channel: then it answers what OpenVMM's
 * vmbus_server answers on revoking a channel with that request pending
 * (nothing to the open, GPADL_CREATED with STATUS_UNSUCCESSFUL,
 * GPADL_TORNDOWN), before RESCIND_CHANNELOFFER.  hvemu_chan_wait_held()
 * says when the host has the message.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EINVAL for another @type.
 */
int hvemu_chan_hold(struct hvemu_chan *ch, enum vmbus_channel_message_type type)
{
	if (type != CHANNELMSG_OPENCHANNEL && type != CHANNELMSG_GPADL_HEADER &&
	    type != CHANNELMSG_GPADL_TEARDOWN)
		return -EINVAL;
	mutex_lock(&hvemu_host_lock);
	reinit_completion(&ch->held);
	ch->hold = type;
	mutex_unlock(&hvemu_host_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(hvemu_chan_hold);

/**
 * hvemu_chan_wait_held() - wait until the host sits on the held message.
 * @ch: the channel, after hvemu_chan_hold().
 * @ms: the bound.
 *
 * Context: process context; sleeps.
 * Return: true once the host has the message and is not answering it.
 */
bool hvemu_chan_wait_held(struct hvemu_chan *ch, unsigned int ms)
{
	return wait_for_completion_timeout(&ch->held,
					   msecs_to_jiffies(ms)) > 0;
}
EXPORT_SYMBOL_GPL(hvemu_chan_wait_held);

/**
 * hvemu_chan_write() - write one packet into the host-to-guest ring.
 * @ch:       an open channel.
 * @type:     VM_PKT_DATA_INBAND, VM_PKT_COMP, ...
 * @flags:    descriptor flags.
 * @trans_id: the transaction id.
 * @data:     payload.
 * @len:      payload bytes.
 *
 * Signals the guest when the ring protocol says a host must.
 * Return: 0, -ENODEV if the channel is not open, -EAGAIN if full.
 */
int hvemu_chan_write(struct hvemu_chan *ch, u16 type, u16 flags,
		     u64 trans_id, const void *data, u32 len)
{
	bool signal = false;
	int ret = -ENODEV;

	mutex_lock(&ch->io_lock);
	if (ch->open)
		ret = hvemu_ring_write(&ch->ring, type, flags, trans_id, data,
				       len, &signal);
	mutex_unlock(&ch->io_lock);
	if (signal)
		hvemu_set_event(ch->target_vp, hvemu_sint, ch->relid);
	return ret;
}
EXPORT_SYMBOL_GPL(hvemu_chan_write);

/**
 * hvemu_chan_write_raw() - write bytes the host made up as one packet.
 * @ch:    an open channel.
 * @bytes: the packet as it lands in the ring, descriptor included: any
 *         type, offset8, len8, flags, however wrong.
 * @len:   its bytes, a non-zero multiple of 8.
 *
 * The ring's own framing is kept (the write index moves by @len and the
 * trailing u64 follows), so what the guest sees is a hostile packet, not
 * a broken ring.  Signals the guest as hvemu_chan_write() does.
 * Return: 0, -ENODEV if not open, -EAGAIN if full, -EINVAL for @len.
 */
int hvemu_chan_write_raw(struct hvemu_chan *ch, const void *bytes, u32 len)
{
	bool signal = false;
	int ret = -ENODEV;

	mutex_lock(&ch->io_lock);
	if (ch->open)
		ret = hvemu_ring_write_raw(&ch->ring, bytes, len, &signal);
	mutex_unlock(&ch->io_lock);
	if (signal)
		hvemu_set_event(ch->target_vp, hvemu_sint, ch->relid);
	return ret;
}
EXPORT_SYMBOL_GPL(hvemu_chan_write_raw);

/**
 * hvemu_chan_read() - read one packet the guest wrote.
 * @ch:  an open channel.
 * @pkt: filled with the packet's descriptor fields.
 * @buf: payload destination.
 * @cap: its size.
 *
 * Return: 1 with a packet, 0 if the ring is empty, -ENODEV if the channel
 * is not open, -EMSGSIZE if the payload exceeds @cap (the packet is
 * consumed), -EPROTO for a malformed ring (nothing consumed).
 */
int hvemu_chan_read(struct hvemu_chan *ch, struct hvemu_packet *pkt,
		    void *buf, u32 cap)
{
	bool signal = false;
	int ret = -ENODEV;

	mutex_lock(&ch->io_lock);
	if (ch->open)
		ret = hvemu_ring_read(&ch->ring, pkt, buf, cap, &signal);
	mutex_unlock(&ch->io_lock);
	if (signal)
		hvemu_set_event(ch->target_vp, hvemu_sint, ch->relid);
	return ret;
}
EXPORT_SYMBOL_GPL(hvemu_chan_read);

/* ------------------------------------------------------------------ */
/* Guest messages */

static struct hvemu_chan *hvemu_chan_get(u32 relid)
{
	struct hvemu_chan *ch;

	if (relid >= HVEMU_MAX_RELID)
		return NULL;
	ch = hvemu_relids[relid];
	return ch && ch->offered ? ch : NULL;
}

static struct hvemu_gpadl *hvemu_gpadl_get(u32 handle)
{
	struct hvemu_gpadl *g;

	list_for_each_entry(g, &hvemu_gpadls, node)
		if (g->handle == handle)
			return g;
	return NULL;
}

static void hvemu_gpadl_free(struct hvemu_gpadl *g)
{
	list_del(&g->node);
	kvfree(g->pfns);
	kfree(g);
}

static bool hvemu_version_ok(u32 version)
{
	return version >= VERSION_WIN10_V5 && version <= VERSION_WIN10_V5_3;
}

static void hvemu_on_initiate_contact(const void *data, u32 len)
{
	const struct vmbus_channel_initiate_contact *m = data;
	struct vmbus_channel_version_response r = {};

	if (len < sizeof(*m))
		return hvemu_drop("short INITIATE_CONTACT");
	if (hvemu_connected)
		return hvemu_drop("INITIATE_CONTACT while connected");
	if (m->target_vcpu >= nr_cpu_ids)
		return hvemu_drop("INITIATE_CONTACT target vp %u",
				  m->target_vcpu);
	r.header.msgtype = CHANNELMSG_VERSION_RESPONSE;
	hvemu_target_vp = m->target_vcpu;
	if (hvemu_version_ok(m->vmbus_version_requested)) {
		if (m->msg_sint >= HV_SYNIC_SINT_COUNT)
			return hvemu_drop("INITIATE_CONTACT sint %u",
					  m->msg_sint);
		hvemu_sint = m->msg_sint;
		hvemu_connected = true;
		WRITE_ONCE(hvemu_version, m->vmbus_version_requested);
		r.version_supported = 1;
		r.msg_conn_id = HVEMU_MSG_CONN_ID;
	}
	hvemu_send(&r, sizeof(r));
}

static void hvemu_on_request_offers(void)
{
	struct vmbus_channel_message_header done = {
		.msgtype = CHANNELMSG_ALLOFFERS_DELIVERED,
	};
	struct hvemu_chan *ch;

	if (hvemu_offers_requested)
		return hvemu_drop("REQUESTOFFERS twice");
	hvemu_offers_requested = true;
	list_for_each_entry(ch, &hvemu_chans, node)
		if (!ch->rescinded)
			hvemu_send_offer(ch);
	hvemu_send(&done, sizeof(done));
}

static void hvemu_gpadl_answer(struct hvemu_gpadl *g, u32 status)
{
	struct vmbus_channel_gpadl_created r = {};

	r.header.msgtype = CHANNELMSG_GPADL_CREATED;
	r.child_relid = g->relid;
	r.gpadl = g->handle;
	r.creation_status = status;
	hvemu_send(&r, sizeof(r));
}

static void hvemu_gpadl_done(struct hvemu_gpadl *g)
{
	if (hvemu_take_hold(hvemu_relids[g->relid], CHANNELMSG_GPADL_HEADER)) {
		g->held = true;
		return;
	}
	g->created = true;
	hvemu_gpadl_answer(g, 0);
}

static void hvemu_on_gpadl_header(const void *data, u32 len)
{
	const struct vmbus_channel_gpadl_header *m = data;
	const struct gpa_range *range;
	u32 npfns, inmsg;
	struct hvemu_gpadl *g;

	if (len < sizeof(*m) + sizeof(*range))
		return hvemu_drop("short GPADL_HEADER");
	if (!hvemu_chan_get(m->child_relid))
		return hvemu_drop("GPADL_HEADER for relid %u", m->child_relid);
	if (!m->gpadl || hvemu_gpadl_get(m->gpadl))
		return hvemu_drop("GPADL_HEADER handle %#x in use", m->gpadl);
	if (m->rangecount != 1)
		return hvemu_drop("GPADL_HEADER with %u ranges", m->rangecount);
	range = m->range;
	if (!range->byte_count || range->byte_offset >= PAGE_SIZE)
		return hvemu_drop("GPADL_HEADER range %u@%u",
				  range->byte_count, range->byte_offset);
	npfns = DIV_ROUND_UP(range->byte_offset + range->byte_count,
			     PAGE_SIZE);
	if (npfns > HVEMU_MAX_GPADL_PFNS ||
	    m->range_buflen != sizeof(*range) + npfns * sizeof(u64))
		return hvemu_drop("GPADL_HEADER range_buflen %u for %u pfns",
				  m->range_buflen, npfns);
	inmsg = (len - sizeof(*m) - sizeof(*range)) / sizeof(u64);
	inmsg = min(inmsg, npfns);
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return hvemu_drop("GPADL_HEADER: no memory");
	g->pfns = kvcalloc(npfns, sizeof(u64), GFP_KERNEL);
	if (!g->pfns) {
		kfree(g);
		return hvemu_drop("GPADL_HEADER: no memory");
	}
	g->handle = m->gpadl;
	g->relid = m->child_relid;
	g->npfns = npfns;
	g->byte_count = range->byte_count;
	g->byte_offset = range->byte_offset;
	memcpy(g->pfns, range->pfn_array, inmsg * sizeof(u64));
	g->have = inmsg;
	list_add_tail(&g->node, &hvemu_gpadls);
	if (g->have == g->npfns)
		hvemu_gpadl_done(g);
}

static void hvemu_on_gpadl_body(const void *data, u32 len)
{
	const struct vmbus_channel_gpadl_body *m = data;
	struct hvemu_gpadl *g;
	u32 n;

	if (len < sizeof(*m) + sizeof(u64))
		return hvemu_drop("short GPADL_BODY");
	g = hvemu_gpadl_get(m->gpadl);
	if (!g || g->created || g->held)
		return hvemu_drop("GPADL_BODY for handle %#x", m->gpadl);
	n = (len - sizeof(*m)) / sizeof(u64);
	if (n > g->npfns - g->have)
		return hvemu_drop("GPADL_BODY overruns handle %#x", m->gpadl);
	memcpy(g->pfns + g->have, m->pfn, n * sizeof(u64));
	g->have += n;
	if (g->have == g->npfns)
		hvemu_gpadl_done(g);
}

static void hvemu_on_gpadl_teardown(const void *data, u32 len)
{
	const struct vmbus_channel_gpadl_teardown *m = data;
	struct vmbus_channel_gpadl_torndown r = {};
	struct hvemu_chan *ch;
	struct hvemu_gpadl *g;

	if (len < sizeof(*m))
		return hvemu_drop("short GPADL_TEARDOWN");
	g = hvemu_gpadl_get(m->gpadl);
	if (!g || !g->created || g->tearing || g->relid != m->child_relid)
		return hvemu_drop("GPADL_TEARDOWN of handle %#x relid %u",
				  m->gpadl, m->child_relid);
	ch = hvemu_relids[g->relid];
	if (ch && ch->open && ch->ring.gpadl == g->handle)
		return hvemu_drop("GPADL_TEARDOWN of an open channel's ring");
	if (hvemu_take_hold(ch, CHANNELMSG_GPADL_TEARDOWN)) {
		g->tearing = true;
		return;
	}
	hvemu_gpadl_free(g);
	r.header.msgtype = CHANNELMSG_GPADL_TORNDOWN;
	r.gpadl = m->gpadl;
	hvemu_send(&r, sizeof(r));
}

static void hvemu_on_open(const void *data, u32 len)
{
	const struct vmbus_channel_open_channel *m = data;
	struct vmbus_channel_open_result r = {};
	struct hvemu_chan *ch;
	struct hvemu_gpadl *g;
	u32 status = 0;

	if (len < sizeof(*m))
		return hvemu_drop("short OPENCHANNEL");
	ch = hvemu_chan_get(m->child_relid);
	if (!ch || ch->rescinded)
		return hvemu_drop("OPENCHANNEL for relid %u", m->child_relid);
	if (ch->open)
		return hvemu_drop("OPENCHANNEL of open relid %u", ch->relid);
	/* Sat on: a revoke answers it with nothing (see hvemu_chan_hold()). */
	if (hvemu_take_hold(ch, CHANNELMSG_OPENCHANNEL))
		return;
	r.header.msgtype = CHANNELMSG_OPENCHANNEL_RESULT;
	r.child_relid = m->child_relid;
	r.openid = m->openid;
	g = hvemu_gpadl_get(m->ringbuffer_gpadlhandle);
	if (!g || !g->created || g->relid != ch->relid || g->byte_offset ||
	    m->target_vp >= nr_cpu_ids ||
	    m->downstream_ringbuffer_pageoffset < 2 ||
	    m->downstream_ringbuffer_pageoffset + 2 > g->npfns) {
		hvemu_drop("OPENCHANNEL relid %u: bad ring GPADL or offset",
			   ch->relid);
		status = HVEMU_OPEN_FAILED;
	}
	if (!status && ch->refuse)
		status = ch->refuse;
	if (!status) {
		ch->target_vp = m->target_vp;
		mutex_lock(&ch->io_lock);
		if (hvemu_ring_map(&ch->ring, g->pfns, g->npfns,
				   m->downstream_ringbuffer_pageoffset))
			status = HVEMU_OPEN_FAILED;
		else
			ch->ring.gpadl = g->handle;
		ch->open = !status;
		mutex_unlock(&ch->io_lock);
	}
	if (!status && ch->ops && ch->ops->open) {
		status = ch->ops->open(ch);
		if (status) {
			mutex_lock(&ch->io_lock);
			ch->open = false;
			hvemu_ring_unmap(&ch->ring);
			mutex_unlock(&ch->io_lock);
		}
	}
	r.status = status;
	hvemu_send(&r, sizeof(r));
}

static void hvemu_on_close(const void *data, u32 len)
{
	const struct vmbus_channel_close_channel *m = data;
	struct hvemu_chan *ch;

	if (len < sizeof(*m))
		return hvemu_drop("short CLOSECHANNEL");
	ch = hvemu_chan_get(m->child_relid);
	if (!ch || !ch->open)
		return hvemu_drop("CLOSECHANNEL of relid %u", m->child_relid);
	hvemu_chan_close_locked(ch);
}

/*
 * A released relid takes its GPADLs with it: a guest need not tear down
 * the GPADLs of a rescinded channel (hv_vmbus does not), and OpenVMM
 * drops them on release.
 */
static void hvemu_release_gpadls(u32 relid)
{
	struct hvemu_gpadl *g, *tmp;

	list_for_each_entry_safe(g, tmp, &hvemu_gpadls, node)
		if (g->relid == relid)
			hvemu_gpadl_free(g);
}

static void hvemu_on_relid_released(const void *data, u32 len)
{
	const struct vmbus_channel_relid_released *m = data;
	struct hvemu_chan *ch;

	if (len < sizeof(*m))
		return hvemu_drop("short RELID_RELEASED");
	ch = hvemu_chan_get(m->child_relid);
	if (!ch || !ch->rescinded)
		return hvemu_drop("RELID_RELEASED of relid %u", m->child_relid);
	hvemu_chan_close_locked(ch);
	hvemu_release_gpadls(ch->relid);
	WRITE_ONCE(ch->offered, false);
	complete(&ch->released);
}

/*
 * UNLOAD: the guest is going away (shutdown, kexec, hibernation); forget
 * the connection, keep the offers.  As Hyper-V (and OpenVMM's reset) does,
 * channels still open are closed and every GPADL is dropped: a guest that
 * reconnects (hibernation's resume) gets the same offers again, same relids
 * and instances, and must open them and make its GPADLs anew.  What was
 * left behind is counted (HVEMU_EV_UNLOAD_*).
 */
static void hvemu_on_unload(void)
{
	struct vmbus_channel_message_header r = {
		.msgtype = CHANNELMSG_UNLOAD_RESPONSE,
	};
	struct hvemu_gpadl *g, *tmp;
	struct hvemu_chan *ch;

	list_for_each_entry(ch, &hvemu_chans, node) {
		if (ch->open)
			hvemu_count_event(HVEMU_EV_UNLOAD_CLOSED);
		hvemu_chan_close_locked(ch);
		WRITE_ONCE(ch->offered, false);
		if (ch->rescinded)
			complete(&ch->released);
	}
	list_for_each_entry_safe(g, tmp, &hvemu_gpadls, node) {
		hvemu_count_event(HVEMU_EV_UNLOAD_GPADLS);
		hvemu_gpadl_free(g);
	}
	hvemu_send(&r, sizeof(r));
	hvemu_connected = false;
	hvemu_offers_requested = false;
}

static void hvemu_handle(const u8 *data, u32 len)
{
	const struct vmbus_channel_message_header *h = (const void *)data;

	lockdep_assert_held(&hvemu_host_lock);
	if (len < sizeof(*h) || h->msgtype >= CHANNELMSG_COUNT)
		return hvemu_drop("bad message header");
	hvemu_counts[h->msgtype]++;
	if (!hvemu_connected && h->msgtype != CHANNELMSG_INITIATE_CONTACT)
		return hvemu_drop("message %u before contact", h->msgtype);
	switch (h->msgtype) {
	case CHANNELMSG_INITIATE_CONTACT:
		return hvemu_on_initiate_contact(data, len);
	case CHANNELMSG_REQUESTOFFERS:
		return hvemu_on_request_offers();
	case CHANNELMSG_GPADL_HEADER:
		return hvemu_on_gpadl_header(data, len);
	case CHANNELMSG_GPADL_BODY:
		return hvemu_on_gpadl_body(data, len);
	case CHANNELMSG_GPADL_TEARDOWN:
		return hvemu_on_gpadl_teardown(data, len);
	case CHANNELMSG_OPENCHANNEL:
		return hvemu_on_open(data, len);
	case CHANNELMSG_CLOSECHANNEL:
		return hvemu_on_close(data, len);
	case CHANNELMSG_RELID_RELEASED:
		return hvemu_on_relid_released(data, len);
	case CHANNELMSG_UNLOAD:
		return hvemu_on_unload();
	default:
		return hvemu_drop("message type %u not served", h->msgtype);
	}
}

static void hvemu_msg_work(struct work_struct *work)
{
	struct hvemu_gmsg *m;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&hvemu_in_lock, flags);
		m = list_first_entry_or_null(&hvemu_in, struct hvemu_gmsg,
					     node);
		if (m) {
			list_del(&m->node);
			hvemu_in_count--;
		}
		spin_unlock_irqrestore(&hvemu_in_lock, flags);
		if (!m)
			return;
		mutex_lock(&hvemu_host_lock);
		hvemu_handle(m->data, m->len);
		mutex_unlock(&hvemu_host_lock);
		kfree(m);
	}
}

/* The host's message buffer: beyond this the guest is told to retry. */
#define HVEMU_MAX_QUEUED	64

u16 hvemu_vmbus_post(u32 conn_id, u32 type, const void *payload, u32 len)
{
	struct hvemu_gmsg *m;
	unsigned long flags;
	u16 status = HV_STATUS_SUCCESS;

	if (!hvemu_wq)
		return HV_STATUS_INVALID_CONNECTION_ID;
	if (conn_id != HVEMU_MSG_CONN_ID && conn_id != HVEMU_MSG_CONN_ID_V5)
		return HV_STATUS_INVALID_CONNECTION_ID;
	if (type != HVEMU_VMBUS_MSG)
		return HV_STATUS_INVALID_PARAMETER;
	m = kmalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	m->len = len;
	memcpy(m->data, payload, len);
	spin_lock_irqsave(&hvemu_in_lock, flags);
	if (hvemu_in_count >= HVEMU_MAX_QUEUED) {
		status = HV_STATUS_INSUFFICIENT_BUFFERS;
	} else {
		list_add_tail(&m->node, &hvemu_in);
		hvemu_in_count++;
	}
	spin_unlock_irqrestore(&hvemu_in_lock, flags);
	if (status)
		kfree(m);
	else
		queue_work(hvemu_wq, &hvemu_msg_w);
	return status;
}

u16 hvemu_vmbus_signal(u32 conn_id)
{
	u32 relid = conn_id - HVEMU_CHAN_CONN_BASE;
	struct hvemu_chan *ch;

	if (conn_id < HVEMU_CHAN_CONN_BASE || relid >= HVEMU_MAX_RELID)
		return HV_STATUS_INVALID_CONNECTION_ID;
	rcu_read_lock();
	ch = READ_ONCE(hvemu_relids[relid]);
	/* Not offered (after UNLOAD, until offered again): no such id. */
	if (ch && !READ_ONCE(ch->offered))
		ch = NULL;
	if (ch)
		queue_work(hvemu_sig_wq, &ch->signal_work);
	rcu_read_unlock();
	return ch ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_CONNECTION_ID;
}

int hvemu_vmbus_init(void)
{
	hvemu_wq = alloc_ordered_workqueue("hvemu_vmbus", 0);
	hvemu_sig_wq = alloc_workqueue("hvemu_chan", 0, 0);
	if (!hvemu_wq || !hvemu_sig_wq)
		return -ENOMEM;
	return 0;
}
