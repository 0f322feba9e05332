// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction table: ids for sends that wait for the host's completion.
 *
 * An id is (generation << 32) | (slot + 1): never 0 (Hyper-V treats 0 as
 * unsolicited and never completes it), never a pointer, and stale once its
 * slot is freed, because freeing bumps the slot's generation.  A completion
 * is honoured only if its id names a live slot of the current generation;
 * anything else is the host's word and is dropped.  Linux's own requestor
 * is never enabled on a vmbkmcl channel (no next_request_id_callback, no
 * rqstor_size), so the id reaches the host as written, on 6.1 and 6.12.
 *
 * Locking: the send engine's vmb_tx.lock, which every caller already
 * holds to keep a packet's state and its id together; a lock of the
 * table's own only cost an irqsave round trip more per send and two per
 * completion.  The owner pointer is only handed back, never dereferenced
 * here.
 */
#include <linux/slab.h>

#include "channel.h"
#include "send.h"
#include "fault.h"

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
		t->slots[i].gen = 1;
		t->slots[i].next_free = i + 1 < size ? i + 1 : VMB_XACT_NONE;
	}
	t->free = 0;
	t->live = 0;
	return 0;
}

/**
 * vmb_xact_destroy() - free the table; no slot may be live.
 * @t: the table.
 */
void vmb_xact_destroy(struct vmb_xact_table *t)
{
	WARN_ON(t->live);
	kvfree(t->slots);
	t->slots = NULL;
	t->size = 0;
}

/**
 * vmb_xact_find() - the owner of the live transaction @id.
 * @t:  the table.
 * @id: an id from the host; untrusted.
 *
 * The caller serialises find and free with the owner's own state (the
 * send engine holds vmb_tx.lock across both).
 *
 * Context: under vmb_tx.lock.
 * Return: the owner, or NULL when @id is unknown, stale or already ended.
 */
void *vmb_xact_find(struct vmb_xact_table *t, u64 id)
{
	struct vmb_xact_slot *s = vmb_xact_lookup(t, id);

	return s ? s->owner : NULL;
}

/**
 * vmb_xact_free() - end the live transaction @id; its id turns stale.
 * @t:  the table.
 * @id: an id vmb_xact_alloc() returned and nothing freed since.
 *
 * Context: under vmb_tx.lock.
 */
void vmb_xact_free(struct vmb_xact_table *t, u64 id)
{
	struct vmb_xact_slot *s = vmb_xact_lookup(t, id);

	if (!WARN_ON(!s))
		vmb_xact_release(t, s);
}

/**
 * vmb_xact_take_any() - end some live transaction, for teardown.
 * @t:    the table.
 * @want: which owners to end.
 *
 * Context: under vmb_tx.lock.
 * Return: its owner, or NULL when none @want accepts is live.
 */
void *vmb_xact_take_any(struct vmb_xact_table *t, bool (*want)(void *owner))
{
	void *owner = NULL;
	u32 i;

	for (i = 0; t->live && i < t->size; i++) {
		if (t->slots[i].owner && want(t->slots[i].owner)) {
			owner = vmb_xact_release(t, &t->slots[i]);
			break;
		}
	}
	return owner;
}

/**
 * vmb_xact_live() - how many transactions are live.
 * @t: the table.
 *
 * Return: the count.
 */
u32 vmb_xact_live(struct vmb_xact_table *t)
{
	return READ_ONCE(t->live);
}
