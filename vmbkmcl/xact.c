// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction table: ids for sends that wait for the host's completion.
 *
 * An id is (generation << 32) | (slot + 1): never 0 (Hyper-V treats 0 as
 * unsolicited and never completes it), never a pointer, and stale once its
 * slot is given back, because giving back bumps the slot's generation.
 * Linux's own requestor is never enabled on a vmbkmcl channel (no
 * next_request_id_callback, no rqstor_size), so the id reaches the host as
 * written, on 6.1 and 6.12.
 *
 * The table takes no lock, so neither a send that waits nor its
 * completion takes vmb_tx.lock for it:
 *  - free slots are a stack, popped (vmb_xact_alloc()) and pushed
 *    (vmb_xact_release()) with cmpxchg() on a top tagged against ABA;
 *  - a completed slot is not pushed but parked for the packet that
 *    used it (vmb_xact_park()), which takes it back with one cmpxchg()
 *    on its next send (vmb_xact_take()); once the stack is empty, any
 *    taker may steal a parked slot (vmb_xact_steal()), so a packet that
 *    never sends again strands nothing;
 *  - a taken slot is its taker's: it alone writes the slot's owner and
 *    generation and its packet's state, then arms the slot with the id
 *    (vmb_xact_arm()) before the packet goes on the ring;
 *  - an armed slot is ended by whoever moves @armed from the id to 0
 *    (vmb_xact_claim()): the completion, a cancel, a close, or the sender
 *    taking back a packet the ring refused.  The claimer holds the slot
 *    and its packet from then on, and gives the slot back.
 * So a completion is honoured only for a packet that is on the ring (or
 * about to be) and waiting: a queued one is not armed, whatever id the
 * host guesses.  The owner pointer is only handed back, or compared as
 * a parked slot's, never dereferenced here: a parked owner may be gone.
 */
#include <linux/slab.h>

#include "channel.h"
#include "send.h"
#include "fault.h"

/* The id of the first taker of slot @i: generation 1. */
#define VMB_XACT_FIRST_ID(i)	(BIT_ULL(32) | ((u64)(i) + 1))

/**
 * vmb_xact_init() - allocate a table of @size slots.
 * @t:    the table.
 * @size: slots, at least 1.
 *
 * Context: process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int vmb_xact_init(struct vmb_xact_table *t, u32 size)
{
	u32 i;

	t->slots = vmb_kvcalloc(size, sizeof(*t->slots), GFP_KERNEL);
	if (!t->slots)
		return -ENOMEM;
	t->size = size;
	for (i = 0; i < size; i++) {
		t->slots[i].id = VMB_XACT_FIRST_ID(i);
		t->slots[i].index = i;
		t->slots[i].next_free = i + 1 < size ? i + 1 : VMB_XACT_NONE;
	}
	t->free = 0;
	t->steal_at = 0;
	return 0;
}

/**
 * vmb_xact_destroy() - free the table; no slot may be taken.
 * @t: the table.
 */
void vmb_xact_destroy(struct vmb_xact_table *t)
{
	WARN_ON(vmb_xact_live(t));
	kvfree(t->slots);
	t->slots = NULL;
	t->size = 0;
}

/**
 * vmb_xact_free() - give back the slot of @id, taken and not armed.
 * @t:  the table.
 * @id: an id vmb_xact_alloc() returned, not armed or claimed back.
 */
void vmb_xact_free(struct vmb_xact_table *t, u64 id)
{
	struct vmb_xact_slot *s = vmb_xact_slot(t, id);

	if (!WARN_ON(READ_ONCE(s->armed)))
		vmb_xact_release(t, s);
}

/**
 * vmb_xact_steal() - take a slot another owner left parked, for @owner.
 * @t:     the table, its free stack found empty.
 * @owner: handed back when the id completes.
 *
 * An owner that never sends again (a packet freed, or caller storage
 * reused) leaves its slot parked; the table runs dry only once every
 * slot is taken or parked, and a parked one serves any owner then.
 *
 * Context: any context up to softirq; at most @t->size reads.
 * Return: the slot, or NULL when every slot is taken.
 */
struct vmb_xact_slot *vmb_xact_steal(struct vmb_xact_table *t, void *owner)
{
	u32 i, at = READ_ONCE(t->steal_at);
	struct vmb_xact_slot *s;
	void *parked;

	for (i = 0; i < t->size; i++) {
		s = &t->slots[at];
		at = at + 1 < t->size ? at + 1 : 0;
		parked = READ_ONCE(s->parked);
		/* Pairs with the release in vmb_xact_park(). */
		if (parked && try_cmpxchg(&s->parked, &parked, NULL)) {
			WRITE_ONCE(s->owner, owner);
			/* A hint: the next scan starts past this one. */
			WRITE_ONCE(t->steal_at, at);
			return s;
		}
	}
	return NULL;
}

/**
 * vmb_xact_take_armed() - claim and give back some armed transaction, for
 * a close or a removal.
 * @t: the table.
 *
 * Return: its owner, or NULL when none is armed.
 */
void *vmb_xact_take_armed(struct vmb_xact_table *t)
{
	u32 i;

	for (i = 0; i < t->size; i++) {
		if (vmb_xact_claim(t, READ_ONCE(t->slots[i].armed)))
			return vmb_xact_release(t, &t->slots[i]);
	}
	return NULL;
}

/**
 * vmb_xact_live() - how many slots are taken, for debugfs and teardown.
 * @t: the table.
 *
 * Counted, not kept: a count would cost every send two atomics.
 *
 * Return: the count, exact when nothing sends or completes meanwhile.
 */
u32 vmb_xact_live(struct vmb_xact_table *t)
{
	u32 i, n = 0;

	for (i = 0; i < t->size; i++)
		n += !!READ_ONCE(t->slots[i].owner);
	return n;
}
