// SPDX-License-Identifier: GPL-2.0
/*
 * The bench fixture: one vmbkmcl channel on simhost, its callback wrapped,
 * and the host side of every run.
 *
 * Invariants:
 *  1. After bench_create() the channel's callback is bench_irq(), which
 *     dispatches each interrupt to vmbkmcl's own callback or to the native
 *     handler, so both consume the same rings through the same interrupt
 *     delivery; bench_destroy() puts vmbkmcl's back before Disable.
 *  2. Only handler time and the bench thread's own guest calls are timed;
 *     allocations count in the same windows.  The host side (writing into
 *     the inbound ring, reading the outbound ring, writing completions)
 *     uses simhost_write_raw() and simhost_read() on preallocated buffers:
 *     it never allocates, so nothing it does can be counted.
 *  3. The thread touches run state only after bench_wait_irq(), when no
 *     handler runs or is pending.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "bench_priv.h"

/* Byte i of every payload past its 8-byte sequence number. */
#define BENCH_PATTERN(i)	((u8)((i) * 7 + 1))

bool bench_insn;
bool bench_prof;

/**
 * bench_use_insn_clock() - time in instructions rather than nanoseconds.
 * @insn: true only in a guest booted with QEMU's -icount shift=0, where
 *        the TSC counts guest instructions.
 *
 * Context: before any run.
 */
void bench_use_insn_clock(bool insn)
{
	bench_insn = insn;
}
EXPORT_SYMBOL_GPL(bench_use_insn_clock);

/**
 * bench_use_profiler() - mark the timed windows for scripts/insnprof.
 * @prof: true only in a guest QEMU runs with the insnprof plugin.
 *
 * Context: before any run.
 */
void bench_use_profiler(bool prof)
{
	bench_prof = prof;
}
EXPORT_SYMBOL_GPL(bench_use_profiler);

static bool bench_reached(struct bench_fixture *f)
{
	if (f->mode == BENCH_MODE_RX)
		return f->packets >= f->target;
	return f->completions >= f->target;
}

/* The channel callback of the fixture, in the simhost tasklet. */
static void bench_irq(void *ctx)
{
	struct bench_fixture *f = ctx;
	u64 t0;

	if (f->count)
		bench_count_arm_cpu(true);
	t0 = bench_now();
	bench_prof_open(READ_ONCE(f->driver));
	switch (READ_ONCE(f->driver)) {
	case BENCH_DRV_NATIVE:
		bench_native_irq(f);
		break;
	case BENCH_DRV_FAIR:
		bench_fair_irq(f);
		break;
	default:
		f->vmb_cb(f->vmb_ctx);
	}
	bench_prof_close();
	f->irq_ns += bench_now() - t0;
	f->irq_runs++;
	if (f->count)
		bench_count_arm_cpu(false);
	if (f->target && bench_reached(f))
		complete(&f->irq_done);
}

/**
 * bench_reset() - start a run.
 * @f:      the fixture, idle.
 * @mode:   what the run drives.
 * @driver: who interrupts (and sends) go to.
 * @count:  count allocations in the timed windows.
 * @target: packets or completions bench_wait_irq() waits for; 0: none.
 */
void bench_reset(struct bench_fixture *f, enum bench_mode mode,
		 enum bench_driver driver, bool count, u64 target)
{
	f->mode = mode;
	WRITE_ONCE(f->driver, driver);
	f->fair_sent = driver == BENCH_DRV_FAIR ? bench_fair_sent : NULL;
	f->count = count;
	f->target = target;
	f->irq_ns = 0;
	f->irq_runs = 0;
	f->packets = 0;
	f->sum = 0;
	f->completions = 0;
	f->nheld = 0;
	reinit_completion(&f->irq_done);
}

/**
 * bench_wait_irq() - wait until the handlers reached the target and every
 * interrupt raised so far has run.
 * @f: the fixture.
 *
 * Context: the bench thread; sleeps.
 * Return: 0 or -ETIMEDOUT.
 */
int bench_wait_irq(struct bench_fixture *f)
{
	if (!wait_for_completion_timeout(&f->irq_done, BENCH_WAIT))
		return -ETIMEDOUT;
	simhost_sync(f->sh);
	return 0;
}

/**
 * bench_host_write() - the host writes one inband packet to the guest.
 * @f:       the fixture.
 * @seq:     its transaction id and first payload word.
 * @payload: payload bytes, a multiple of 8, at most BENCH_MAX_PAYLOAD.
 * @flags:   descriptor flags.
 *
 * The payload past the first word is the same fixed pattern for every
 * packet, so two runs with the same @seq range carry the same bytes.
 *
 * Return: as simhost_write_raw().
 */
int bench_host_write(struct bench_fixture *f, u64 seq, u32 payload,
		     u16 flags)
{
	struct vmpacket_descriptor *d = (void *)f->host_pkt;
	u32 len = ALIGN(sizeof(*d) + payload, sizeof(u64));

	d->type = VM_PKT_DATA_INBAND;
	d->offset8 = sizeof(*d) / sizeof(u64);
	d->len8 = len / sizeof(u64);
	d->flags = flags;
	d->trans_id = seq;
	memcpy(d + 1, &seq, sizeof(seq));
	return simhost_write_raw(f->sh, d, len);
}

/* The host completes @trans_id with a zero status word. */
static int bench_host_complete(struct bench_fixture *f, u64 trans_id)
{
	struct {
		struct vmpacket_descriptor d;
		u64 status;
	} __packed c = {
		.d.type = VM_PKT_COMP,
		.d.offset8 = sizeof(c.d) / sizeof(u64),
		.d.len8 = sizeof(c) / sizeof(u64),
		.d.trans_id = trans_id,
	};

	BUILD_BUG_ON(sizeof(c.status) != BENCH_REPLY_LEN);
	return simhost_write_raw(f->sh, &c, sizeof(c));
}

/**
 * bench_host_serve() - the host reads all the guest wrote and completes
 * each packet that asked for it.
 * @f: the fixture.
 *
 * Reading until the ring is empty also lets simhost see where the next
 * guest write would signal it.
 *
 * Return: packets read.
 */
u32 bench_host_serve(struct bench_fixture *f)
{
	struct simhost_packet pkt;
	u32 n = 0;

	while (!simhost_read(f->sh, &pkt, f->host_buf, BENCH_MAX_PAYLOAD)) {
		n++;
		if (pkt.desc.flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED)
			WARN_ON(bench_host_complete(f, pkt.desc.trans_id));
	}
	return n;
}

/**
 * bench_thread_begin() - open a timed window in the bench thread.
 * @f: the fixture.
 *
 * Return: the start time, for bench_thread_end().
 */
u64 bench_thread_begin(struct bench_fixture *f)
{
	if (f->count)
		bench_count_arm_task(true);
	bench_prof_open(READ_ONCE(f->driver));
	return bench_now();
}

/**
 * bench_thread_end() - close it and add its time to @ns.
 * @f:  the fixture.
 * @t0: bench_thread_begin()'s return.
 * @ns: the sum to add to.
 */
void bench_thread_end(struct bench_fixture *f, u64 t0, u64 *ns)
{
	*ns += bench_now() - t0;
	bench_prof_close();
	if (f->count)
		bench_count_arm_task(false);
}

/**
 * bench_native_completion() - the native driver takes a completion: an id
 * it issued and has not seen completed, or it is dropped.
 * @f:    the fixture.
 * @desc: the VM_PKT_COMP packet, in the iterator's buffer.
 */
void bench_native_completion(struct bench_fixture *f,
			     const struct vmpacket_descriptor *desc)
{
	u64 id = desc->trans_id;

	if (!id || id > BENCH_MAX_BATCH || !f->in_flight[id - 1])
		return;
	f->in_flight[id - 1] = false;
	if (hv_pkt_datalen(desc) >= sizeof(f->reply))
		memcpy(&f->reply, hv_pkt_data(desc), sizeof(f->reply));
	f->completions++;
	if (f->mode == BENCH_MODE_SYNC)
		complete(&f->sync_done);
}

static int bench_packets_init(struct bench_fixture *f)
{
	u32 i;

	f->packet_size = VmbChannelSizeofPacket(f->channel);
	f->packet_mem = kvcalloc(BENCH_MAX_BATCH, f->packet_size, GFP_KERNEL);
	if (!f->packet_mem)
		return -ENOMEM;
	for (i = 0; i < BENCH_MAX_BATCH; i++) {
		VMBPACKET p = (void *)(f->packet_mem + (size_t)i * f->packet_size);

		if (!NT_SUCCESS(VmbPacketInitialize(f->channel, p,
						    f->packet_size)))
			return -EINVAL;
		VmbPacketSetCompletionRoutine(p, bench_send_done);
		VmbPacketSetPointer(p, f);
		f->vmb_packets[i] = p;
	}
	return 0;
}

static NTSTATUS bench_channel_init(struct bench_fixture *f, u32 ring_pages)
{
	VMBCHANNEL c = f->channel;
	NTSTATUS status;

	VmbChannelSetPointer(c, f);
	status = VmbChannelInitSetMaximumPacketSize(c, BENCH_MAX_PACKET);
	if (NT_SUCCESS(status))
		status = VmbClientChannelInitSetRingBufferPageCount(c, ring_pages,
								    ring_pages);
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetProcessPacketCallbacks(c, bench_process_packet,
								 NULL);
	if (!NT_SUCCESS(status))
		return status;
	VmbChannelSetTransactionQuota(c, BENCH_QUOTA);
	return VmbChannelEnable(c);
}

/* Route the channel's interrupts through bench_irq(); the channel is idle. */
static void bench_wrap_callback(struct bench_fixture *f)
{
	struct vmbus_channel *ch = f->ch;

	simhost_sync(f->sh);
	f->vmb_cb = ch->onchannel_callback;
	f->vmb_ctx = ch->channel_callback_context;
	WRITE_ONCE(ch->onchannel_callback, NULL);
	ch->channel_callback_context = f;
	/* The tasklet reads the callback, then its context. */
	smp_wmb();
	WRITE_ONCE(ch->onchannel_callback, bench_irq);
}

static void bench_unwrap_callback(struct bench_fixture *f)
{
	struct vmbus_channel *ch = f->ch;

	simhost_sync(f->sh);
	WRITE_ONCE(ch->onchannel_callback, NULL);
	ch->channel_callback_context = f->vmb_ctx;
	/* The tasklet reads the callback, then its context. */
	smp_wmb();
	WRITE_ONCE(ch->onchannel_callback, f->vmb_cb);
}

/**
 * bench_create() - a vmbkmcl channel on a new simhost, enabled.
 * @ring_pages: data pages of each ring; 0 for a whole batch of the
 *              largest packets each way (BENCH_MAX_BATCH of
 *              BENCH_MAX_PAYLOAD), which needs an order-10 allocation.
 *
 * Context: process context; sleeps.
 * Return: the fixture, or NULL.
 */
struct bench_fixture *bench_create(u32 ring_pages)
{
	struct bench_fixture *f;
	u32 i;

	might_sleep();
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	init_completion(&f->irq_done);
	init_completion(&f->sync_done);
	f->fair_packet = bench_fair_packet;
	f->fair_completion = bench_native_completion;
	f->host_pkt = kvzalloc(BENCH_MAX_PACKET, GFP_KERNEL);
	f->host_buf = kvzalloc(BENCH_MAX_PAYLOAD, GFP_KERNEL);
	f->tx_buf = kvzalloc(BENCH_MAX_PAYLOAD, GFP_KERNEL);
	if (!f->host_pkt || !f->host_buf || !f->tx_buf)
		goto err_free_buffers;
	for (i = 0; i < BENCH_MAX_PAYLOAD; i++) {
		f->host_pkt[sizeof(struct vmpacket_descriptor) + i] =
			BENCH_PATTERN(i);
		f->tx_buf[i] = BENCH_PATTERN(i);
	}

	f->sh = simhost_create();
	if (!f->sh)
		goto err_free_buffers;
	if (!NT_SUCCESS(VmbChannelAllocate(simhost_device(f->sh), FALSE,
					   &f->channel)))
		goto err_destroy_host;
	if (!NT_SUCCESS(bench_channel_init(f, ring_pages ?: BENCH_RING_PAGES)))
		goto err_cleanup_channel;
	f->ch = simhost_channel(f->sh);
	if (bench_packets_init(f))
		goto err_disable_channel;
	bench_wrap_callback(f);
	return f;

err_disable_channel:
	VmbChannelDisable(f->channel);
err_cleanup_channel:
	VmbChannelCleanup(f->channel);
err_destroy_host:
	simhost_destroy(f->sh);
err_free_buffers:
	kvfree(f->packet_mem);
	kvfree(f->tx_buf);
	kvfree(f->host_buf);
	kvfree(f->host_pkt);
	kfree(f);
	return NULL;
}
EXPORT_SYMBOL_GPL(bench_create);

/**
 * bench_destroy() - disable and free everything.
 * @f: the fixture, idle; NULL is ignored.
 *
 * Context: process context; sleeps.
 */
void bench_destroy(struct bench_fixture *f)
{
	if (!f)
		return;
	bench_unwrap_callback(f);
	VmbChannelDisable(f->channel);
	VmbChannelCleanup(f->channel);
	simhost_destroy(f->sh);
	kvfree(f->packet_mem);
	kvfree(f->tx_buf);
	kvfree(f->host_buf);
	kvfree(f->host_pkt);
	kfree(f);
}
EXPORT_SYMBOL_GPL(bench_destroy);
