// SPDX-License-Identifier: GPL-2.0
/*
 * extclient - a KMCL client for external-data tests.  See extclient.h.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include <kunit/resource.h>

#include "extclient.h"

/* Bounded waits: generous for TCG, short enough to fail a hung case. */
#define EXTCLIENT_WAIT_TIMEOUT	msecs_to_jiffies(10000)

/* What GetExternalData gives, bytes included, inside the callback. */
static void extclient_record(struct extclient *x, VMBPACKETCOMPLETION packet)
{
	PMDL mdl = NULL, m;

	lockdep_assert_held(&x->lock);
	x->ext_status = VmbChannelPacketGetExternalData(packet, 0, &mdl);
	x->ext_mdl = mdl;
	x->ext_mdls = 0;
	x->ext_bytes = 0;
	for (m = mdl; m; m = m->Next) {
		u8 *va = MmGetSystemAddressForMdlSafe(m, NormalPagePriority);
		u32 at = x->ext_bytes, n = 0;

		if (at < EXTCLIENT_COPY_MAX)
			n = min_t(u32, MmGetMdlByteCount(m),
				  EXTCLIENT_COPY_MAX - at);
		if (va)
			memcpy(x->ext_copy + at, va, n);
		x->ext_bytes += MmGetMdlByteCount(m);
		x->ext_mdls++;
	}
}

static VOID extclient_process_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION packet,
				     PVOID buf, UINT32 len, UINT32 flags)
{
	struct extclient *x = VmbChannelGetPointer(ch);
	unsigned long irqflags;
	bool hold;

	spin_lock_irqsave(&x->lock, irqflags);
	x->flags = flags;
	extclient_record(x, packet);
	if (x->verify)
		x->verify(x, buf, len);
	if (x->packets < EXTCLIENT_LOG) {
		x->statuses[x->packets] = x->ext_status;
		x->flag_log[x->packets] = flags;
	}
	hold = x->hold && !x->held;
	if (hold)
		x->held = packet;
	x->packets++;
	spin_unlock_irqrestore(&x->lock, irqflags);
	if (!hold)
		VmbChannelPacketComplete(packet, NULL, 0);
	wake_up(&x->wq);
}

static VOID extclient_send_done(VMBPACKET packet, NTSTATUS status, PVOID buf,
				UINT32 len)
{
	struct extclient *x = VmbPacketGetPointer(packet);
	unsigned long irqflags;

	spin_lock_irqsave(&x->lock, irqflags);
	x->send_status = status;
	x->sends_done++;
	spin_unlock_irqrestore(&x->lock, irqflags);
	VmbPacketFree(packet);
	wake_up(&x->wq);
}

struct ext_mdl_args {
	void *va;
	u32 len;
};

static int ext_mdl_init(struct kunit_resource *res, void *context)
{
	struct ext_mdl_args *a = context;
	PMDL mdl = IoAllocateMdl(a->va, a->len, FALSE, FALSE, NULL);

	if (!mdl)
		return -ENOMEM;
	MmBuildMdlForNonPagedPool(mdl);
	res->data = mdl;
	return 0;
}

static void ext_mdl_free(struct kunit_resource *res)
{
	IoFreeMdl(res->data);
}

/**
 * ext_kunit_mdl() - an MDL over kernel memory, freed when the case ends.
 * @test: the case.
 * @va:   kmalloc, page-allocator or vmalloc memory.
 * @len:  bytes.
 *
 * Return: the MDL, or NULL on allocation failure.
 */
PMDL ext_kunit_mdl(struct kunit *test, void *va, u32 len)
{
	struct ext_mdl_args a = { .va = va, .len = len };

	return kunit_alloc_resource(test, ext_mdl_init, ext_mdl_free,
				    GFP_KERNEL, &a);
}
EXPORT_SYMBOL_GPL(ext_kunit_mdl);

/**
 * extclient_init() - allocate the client's channel on @sh's device.
 * @x:  zeroed client.
 * @sh: the simulated host.
 *
 * The channel is not enabled, so init-time settings may follow.
 *
 * Context: process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int extclient_init(struct extclient *x, struct simhost *sh)
{
	NTSTATUS status;

	spin_lock_init(&x->lock);
	init_waitqueue_head(&x->wq);
	x->sh = sh;
	x->ext_copy = kzalloc(EXTCLIENT_COPY_MAX, GFP_KERNEL);
	if (!x->ext_copy ||
	    !NT_SUCCESS(VmbChannelAllocate(simhost_device(sh), FALSE, &x->ch)))
		goto err;
	VmbChannelSetPointer(x->ch, x);
	status = VmbChannelInitSetProcessPacketCallbacks(x->ch,
							 extclient_process_packet,
							 NULL);
	if (!NT_SUCCESS(status))
		goto err;
	return 0;
err:
	extclient_destroy(x);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(extclient_init);

/**
 * extclient_enable() - enable the channel and let its start-up kick run.
 * @x: the client.
 *
 * Context: process context; sleeps.
 * Return: VmbChannelEnable()'s status.
 */
NTSTATUS extclient_enable(struct extclient *x)
{
	NTSTATUS status = VmbChannelEnable(x->ch);

	simhost_sync(x->sh);
	return status;
}
EXPORT_SYMBOL_GPL(extclient_enable);

/**
 * extclient_destroy() - complete the held packet, disable and free.
 * @x: the client, initialised or partly so.
 *
 * Context: process context; sleeps.
 */
void extclient_destroy(struct extclient *x)
{
	if (x->ch) {
		if (x->held)
			VmbChannelPacketComplete(x->held, NULL, 0);
		x->held = NULL;
		VmbChannelDisable(x->ch);
		VmbChannelCleanup(x->ch);
		x->ch = NULL;
	}
	kfree(x->ext_copy);
	x->ext_copy = NULL;
}
EXPORT_SYMBOL_GPL(extclient_destroy);

/**
 * extclient_packet() - a packet from the channel's pool whose completion
 * routine records its status and frees it.
 * @x: the client, enabled once.
 *
 * Context: any context up to softirq.
 * Return: the packet, or NULL.
 */
VMBPACKET extclient_packet(struct extclient *x)
{
	VMBPACKET p = VmbPacketAllocate(x->ch);

	if (p) {
		VmbPacketSetPointer(p, x);
		VmbPacketSetCompletionRoutine(p, extclient_send_done);
	}
	return p;
}
EXPORT_SYMBOL_GPL(extclient_packet);

static bool extclient_reached(struct extclient *x, const u32 *counter, u32 n)
{
	unsigned long irqflags;
	bool done;

	spin_lock_irqsave(&x->lock, irqflags);
	done = *counter >= n;
	spin_unlock_irqrestore(&x->lock, irqflags);
	return done;
}

/**
 * extclient_wait() - wait until one of @x's counters reaches @n.
 * @x:       the client.
 * @counter: &x->packets or &x->sends_done.
 * @n:       the value.
 *
 * Context: process context; sleeps, at most 10 s.
 * Return: true if reached, false on timeout.
 */
bool extclient_wait(struct extclient *x, const u32 *counter, u32 n)
{
	return wait_event_timeout(x->wq, extclient_reached(x, counter, n),
				  EXTCLIENT_WAIT_TIMEOUT) > 0;
}
EXPORT_SYMBOL_GPL(extclient_wait);
