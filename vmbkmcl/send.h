/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The send engine's internals: packet objects, the outbound queue and the
 * transaction table.
 *
 * Everything the guest writes to the outbound ring, its own sends and the
 * completions of received packets alike, goes through one FIFO under
 * vmb_tx.lock: written at once while nothing waits and the ring has room,
 * otherwise queued, with the outbound pending_send_sz armed for the head,
 * and drained in order when the host frees space.  One queue means one
 * threshold and one order.
 *
 * One exception, the direct write (channel.h, vmb_out_write_direct()): a
 * send, or a completion of a received packet, made while the channel is
 * open and nothing is queued, goes to
 * the ring without vmb_tx.lock, under the ring's own lock alone, as a
 * native driver's does.  Nothing is queued then, so there is no order to
 * keep but the ring's; the first such write to find the ring full takes
 * the locked path and queues, and every later one then finds the queue
 * non-empty.  The ring cannot go away under it: it runs inside
 * rcu_read_lock(), and a close sets vmb_tx.no_direct and waits for an RCU
 * grace period before it closes.  A send that waits takes its
 * transaction from a table that needs no lock either (xact.c).
 *
 * Lock order: vmb_tx.lock, then vmb_rx.lock.
 */
#ifndef _VMBKMCL_SEND_H
#define _VMBKMCL_SEND_H

#include <linux/hyperv.h>
#include <linux/list.h>
#include <linux/spinlock.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

struct vmb_channel;

/*
 * VmbPacketAllocate's pool: packets made at the first Enable, and how many
 * may be out at once, past which it allocates no more
 * (vmbkmcl_channel_init_set_packet_pool() sets both).
 */
#define VMB_TX_POOL_SIZE	64
#define VMB_TX_POOL_MAX		1024
/* Transactions awaiting completion at once, per channel, at least. */
#define VMB_XACT_TABLE_SIZE	1024
/* Sends (and completions) waiting for ring space, per channel. */
#define VMB_TX_QUEUE_MAX	8192
/* Room in a packet object ahead of its inline data, for the external
 * data descriptor (GPA ranges).
 */
#define VMB_TX_DESC_ROOM	512

/*
 * A transaction slot; xact.c says who may touch what, and when.
 * @armed:     the id while the host may complete it, else 0.
 * @owner:     the packet, while the slot is taken.
 * @parked:    the owner of its last transaction, which may take it again
 *             without the free stack, while no one else took it; or NULL.
 * @id:        the id its next taker gets: a generation, then the slot.
 * @next_free: the slot below it on the free stack.
 * @index:     its own index, so a slot needs no division to find it.
 */
struct vmb_xact_slot {
	u64 armed;
	void *owner;
	void *parked;
	u64 id;
	u32 next_free;
	u32 index;
};

/**
 * struct vmb_xact_table - see xact.c; lock-free.
 * @slots: @size slots.
 * @free:  the free stack's top slot (low half; VMB_XACT_NONE when
 *         empty) and a tag (high half) every change bumps.
 * @size:  slots.
 * @steal_at: where vmb_xact_steal() looks first: past its last find.
 */
struct vmb_xact_table {
	struct vmb_xact_slot *slots;
	u64 free;
	u32 size;
	u32 steal_at;
};

#define VMB_XACT_NONE		U32_MAX

/* The free stack's next top: slot @i, under the tag after @top's. */
static __always_inline u64 vmb_xact_top(u64 top, u32 i)
{
	return (u64)(upper_32_bits(top) + 1) << 32 | i;
}

/**
 * vmb_xact_alloc() - take a slot and an id for @owner.
 * @t:     the table.
 * @owner: handed back when the id completes.
 *
 * The slot is the caller's until it arms it.  A slot taken from under
 * the pop between the read of its next_free and the cmpxchg() changed
 * the tag, so a stale next_free never lands.
 *
 * Context: any context up to softirq.
 * Return: true with *@slot the slot (vmb_xact_id() is its id), or false
 * when every slot is taken.  (A flag, not a pointer to test: the kernel's
 * -fno-delete-null-pointer-checks would test &@t->slots[i] once more.)
 */
static __always_inline bool vmb_xact_alloc(struct vmb_xact_table *t,
					   void *owner,
					   struct vmb_xact_slot **slot)
{
	u64 top = READ_ONCE(t->free), next;
	struct vmb_xact_slot *s;
	u32 i;

	do {
		i = lower_32_bits(top);
		if (i == VMB_XACT_NONE)
			return false;
		s = &t->slots[i];
		next = vmb_xact_top(top, READ_ONCE(s->next_free));
	} while (!try_cmpxchg(&t->free, &top, next));
	/* Marked: vmb_xact_live() counts owners without a claim. */
	WRITE_ONCE(s->owner, owner);
	*slot = s;
	return true;
}

struct vmb_xact_slot *vmb_xact_steal(struct vmb_xact_table *t, void *owner);

/**
 * vmb_xact_take() - a slot and an id for @owner: the slot *@park, if
 * @owner parked it there and no one took it since, else one off the free
 * stack, else one another owner left parked.
 * @t:     the table.
 * @owner: handed back when the id completes.
 * @park:  @owner's own: the slot it took last, or NULL; set to the slot.
 *
 * A packet that sends again takes back the slot of its last transaction,
 * so neither its send nor its completion touches the free stack.
 *
 * Context: any context up to softirq.
 * Return: true, or false when every slot is taken.
 */
static __always_inline bool vmb_xact_take(struct vmb_xact_table *t,
					  void *owner,
					  struct vmb_xact_slot **park)
{
	struct vmb_xact_slot *s = *park;
	void *parked = owner;

	/* Pairs with the release in vmb_xact_park(): its writes are ours. */
	if (likely(s && try_cmpxchg(&s->parked, &parked, NULL))) {
		WRITE_ONCE(s->owner, owner);
		return true;
	}
	if (!vmb_xact_alloc(t, owner, &s)) {
		/* Out of line: its address is not taken on the way here. */
		s = vmb_xact_steal(t, owner);
		if (!s)
			return false;
	}
	*park = s;
	return true;
}

/* The id of the slot @s, taken. */
static __always_inline u64 vmb_xact_id(struct vmb_xact_slot *s)
{
	return s->id;
}

/* The slot of an id vmb_xact_alloc() returned. */
static __always_inline struct vmb_xact_slot *
vmb_xact_slot(struct vmb_xact_table *t, u64 id)
{
	return &t->slots[lower_32_bits(id) - 1];
}

/*
 * Let the host complete @id, of slot @s: from now on whoever claims it
 * ends it.
 */
static __always_inline void vmb_xact_arm(struct vmb_xact_slot *s, u64 id)
{
	/* Pairs with the claim's cmpxchg(): the packet's state and the
	 * slot's owner, written before, are the claimer's to read.
	 */
	smp_store_release(&s->armed, id);
}

/*
 * Claim the armed transaction @id: true when its slot (vmb_xact_slot())
 * is now the caller's alone with its packet, false when @id is unknown,
 * stale, not armed or claimed already.  Of the completion, a cancel and a
 * close, exactly one ends a transaction.  @id may be the host's word.
 */
static __always_inline bool vmb_xact_claim(struct vmb_xact_table *t, u64 id)
{
	u32 slot = lower_32_bits(id);
	u64 armed = id;

	if (!slot || slot > t->size)
		return false;
	return try_cmpxchg(&t->slots[slot - 1].armed, &armed, 0);
}

/*
 * End the holder's use of the slot @s: its owner goes, its id turns
 * stale.  Returns the owner.
 */
static __always_inline void *vmb_xact_end(struct vmb_xact_slot *s)
{
	void *owner = s->owner;

	WRITE_ONCE(s->owner, NULL);
	/* The next generation; may wrap: the slot's half is never 0. */
	s->id += BIT_ULL(32);
	return owner;
}

/*
 * Give back the slot @s, which the caller holds (taken and not armed, or
 * claimed); its id turns stale.  Returns its owner.
 */
static __always_inline void *vmb_xact_release(struct vmb_xact_table *t,
					      struct vmb_xact_slot *s)
{
	void *owner = vmb_xact_end(s);
	u64 top = READ_ONCE(t->free);

	do {
		WRITE_ONCE(s->next_free, lower_32_bits(top));
	} while (!try_cmpxchg(&t->free, &top, vmb_xact_top(top, s->index)));
	return owner;
}

/*
 * Give back the slot @s, claimed, to its owner alone, which
 * vmb_xact_take() lets take it again (or anyone, once the free stack is
 * empty); its id turns stale.  Returns its owner.
 */
static __always_inline void *vmb_xact_park(struct vmb_xact_slot *s)
{
	void *owner = vmb_xact_end(s);

	/* Pairs with the take's or the steal's cmpxchg(). */
	smp_store_release(&s->parked, owner);
	return owner;
}

int vmb_xact_init(struct vmb_xact_table *t, u32 size);
void vmb_xact_destroy(struct vmb_xact_table *t);
void vmb_xact_free(struct vmb_xact_table *t, u64 id);
void *vmb_xact_take_armed(struct vmb_xact_table *t);
u32 vmb_xact_live(struct vmb_xact_table *t);

/**
 * struct vmb_tx_entry - something waiting for outbound ring space.
 * @node:  on vmb_tx.queue.
 * @space: pending_send_sz it needs.
 * @rx:    the completion of a received packet, not a send.
 * @result: the write's outcome once it left the queue.
 */
struct vmb_tx_entry {
	struct list_head node;
	u32 space;
	bool rx;
	int result;
};

enum vmb_packet_state {
	VMB_PACKET_IDLE,	/* the client's */
	VMB_PACKET_QUEUED,	/* waiting for ring space */
	VMB_PACKET_WAITING,	/* on the ring, awaiting the completion */
};

/**
 * struct vmb_packet - an outgoing packet: the VMBPACKET.
 * @channel:	owner.
 * @entry:	on the outbound queue while queued.
 * @pool_node:	on the free pool while free (pooled packets only).
 * @routine:	completion routine; NULL until set for an initialised one.
 * @pointer:	VmbPacketSetPointer.
 * @trans_id:	transaction id while waiting for completion, else 0.
 * @reply_id:	the id a send without WAIT_FOR_COMPLETION carries: a
 *		received request's, to answer it (vmbkmcl_packet_set_reply_id),
 *		else 0.  Never a transaction of ours.
 * @src:	the inline bytes: the sender's buffer while VmbPacketSend*
 *		runs, @data + @desc_len once the packet is queued.
 * @desc_len:	external-data descriptor bytes at the start of @data.
 * @len:	inline bytes after the descriptor.
 * @type:	VM_PKT_DATA_INBAND or VM_PKT_DATA_USING_GPA_DIRECT.
 * @vmbus_flags: descriptor flags (completion requested).
 * @state:	enum vmb_packet_state.
 * @pooled:	came from VmbPacketAllocate.
 * @grown:	allocated past the preallocated pool, freed on its own.
 * @xslot:	the transaction slot it took last (vmb_xact_take()).
 * @data:	descriptor, then the inline bytes of a queued send.
 */
struct vmb_packet {
	struct vmb_channel *channel;
	struct vmb_tx_entry entry;
	struct list_head pool_node;
	PFN_VMB_PACKET_COMPLETION_ROUTINE routine;
	void *pointer;
	u64 trans_id;
	u64 reply_id;
	const void *src;
	u32 desc_len;
	u32 len;
	u16 type;
	u16 vmbus_flags;
	u8 state;
	bool pooled;
	bool grown;
	struct vmb_xact_slot *xslot;
	u8 data[] __aligned(8);
};

/*
 * @p's transaction ended (or never reached the host): idle, no id.
 * Written once, for a cancel that reads them without the claim.
 */
static __always_inline void vmb_packet_set_idle(struct vmb_packet *p)
{
	WRITE_ONCE(p->trans_id, 0);
	WRITE_ONCE(p->state, VMB_PACKET_IDLE);
}

/**
 * struct vmb_tx_stats - send counters, under vmb_tx.lock but for the two
 * the runner alone writes (@completed, @bad_completions).
 * @sent:	packets written to the ring (with vmb_tx.direct_count, in a
 *		snapshot).
 * @queued:	sends that had to wait for ring space.
 * @completed:	completion routines run for a host completion.
 * @cancelled:	transactions ended without one (timeout, close).
 * @bad_completions: completions whose id named no live transaction.
 * @ring_full:	times the head of the queue found the ring full.
 */
struct vmb_tx_stats {
	u64 sent;
	u64 queued;
	u64 completed;
	u64 cancelled;
	u64 bad_completions;
	u64 ring_full;
};

/**
 * struct vmb_tx_direct - what the direct write put on the ring, per CPU.
 * @sends:	sends.
 * @completions: completions of received packets.
 */
struct vmb_tx_direct {
	u64 sends;
	u64 completions;
};

/**
 * struct vmb_tx - the send engine of one channel.
 * @lock:	see the top of this file.
 * @queue:	struct vmb_tx_entry, oldest first.
 * @queued:	entries on @queue; the direct write reads it without the
 *		lock, so a decrement is a release, after the entry's write.
 * @no_direct:	not @open, or @removed: the direct write reads it without
 *		the lock, so clearing it is a release, after @c->vmbus is set.
 * @gate:	@queued and @no_direct in one word, for the direct write's
 *		one acquire (vmb_out_direct_ok()): both 0 lets it go.
 * @pool:	free pooled packets.
 * @pool_mem:	the preallocated packets' memory.
 * @pool_size:	packets preallocated at the first Enable.
 * @pool_max:	pooled packets out or free at once, grown ones included.
 * @pool_out:	pooled packets that exist: preallocated plus grown.
 * @pool_free:	packets on @pool.
 * @packet_size: bytes of one packet object (VmbChannelSizeofPacket).
 * @xacts:	the transaction table.
 * @open:	the rings exist: sends are accepted.
 * @removed:	the device was rescinded: sends fail at once.
 * @direct_count: per CPU, what the direct write put on the ring.
 * @armed:	the outbound pending_send_sz is set: a copy the runner can
 *		read without touching the ring's header page.
 * @stats:	counters.
 */
struct vmb_tx {
	spinlock_t lock;	/* the queue, queued writes, packet states */
	struct list_head queue;
	/* Written by halves under @lock; read whole by the direct write. */
	union {
		struct {
			u32 queued;
			u32 no_direct;
		};
		u64 gate;
	};
	struct list_head pool;
	u8 *pool_mem;
	u32 pool_size;
	u32 pool_max;
	u32 pool_out;
	u32 pool_free;
	u32 packet_size;
	struct vmb_xact_table xacts;
	bool open;
	bool removed;
	bool armed;
	struct vmb_tx_direct __percpu *direct_count;
	struct vmb_tx_stats stats;
};

/**
 * vmb_tx_complete() - end the transaction a host completion names.
 * @tx: the send engine.
 * @id: the completion's transaction id: the host's word.
 *
 * Inline in the runner's ring walk (receive.c), which copies the payload
 * and runs the routine; lock-free (xact.c).
 *
 * Context: the runner.
 * Return: true with *@packet the packet, now the runner's alone and idle,
 * or false when @id names no armed send (vmb_tx_drop_completion()).
 */
static __always_inline bool vmb_tx_complete(struct vmb_tx *tx, u64 id,
					    struct vmb_packet **packet)
{
	struct vmb_packet *p;

	if (unlikely(!vmb_xact_claim(&tx->xacts, id)))
		return false;
	p = vmb_xact_park(vmb_xact_slot(&tx->xacts, id));
	vmb_packet_set_idle(p);
	tx->stats.completed++;
	*packet = p;
	return true;
}

/* outbound.c */
bool vmb_out_queue_locked(struct vmb_channel *c, struct vmb_tx_entry *e);
void vmb_tx_drain(struct vmb_channel *c);
void vmb_out_cancel(struct vmb_channel *c, int err, bool sends);

/* send.c */
void vmb_tx_init(struct vmb_channel *c);
int vmb_tx_setup(struct vmb_channel *c);
void vmb_tx_set_open(struct vmb_channel *c, bool open);
void vmb_tx_shutdown(struct vmb_channel *c);
void vmb_tx_fail_all(struct vmb_channel *c);
void vmb_tx_teardown(struct vmb_channel *c);
int vmb_packet_write(struct vmb_channel *c, struct vmb_tx_entry *e);
bool vmb_packet_waits(struct vmb_tx_entry *e);
void vmb_packet_done(struct vmb_channel *c, struct vmb_tx_entry *e);
NTSTATUS vmb_packet_prepare(struct vmb_packet *p, const void *buf, u32 len,
			    u32 flags);
/* vmb_tx_submit(): may the send queue behind a full ring, or a close? */
#define VMB_SUBMIT_QUEUE_FULL	BIT(0)
#define VMB_SUBMIT_QUEUE_CLOSED	BIT(1)
#define VMB_SUBMIT_QUEUE	(VMB_SUBMIT_QUEUE_FULL | VMB_SUBMIT_QUEUE_CLOSED)
NTSTATUS vmb_tx_submit(struct vmb_packet *p, unsigned int how);
void vmb_tx_drop_completion(struct vmb_channel *c,
			    const struct vmpacket_descriptor *hdr);
bool vmb_tx_cancel(struct vmb_packet *p);
void vmbkmcl_channel_tx_stats(VMBCHANNEL Channel, struct vmb_tx_stats *stats);
u64 vmb_tx_direct_completions(struct vmb_channel *c);

/* completion.c */
int vmb_rx_write_completion(struct vmb_channel *c, struct vmb_tx_entry *e);
void vmb_rx_completion_done(struct vmb_channel *c, struct vmb_tx_entry *e);

#endif /* _VMBKMCL_SEND_H */
