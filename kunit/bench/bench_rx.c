// SPDX-License-Identifier: GPL-2.0
/*
 * Receive runs: the host fills the ring with a batch while interrupts are
 * held, releases one interrupt, and the guest consumes the batch either
 * with the native loop or through vmbkmcl.
 *
 * Both readers touch every payload word (bench_touch()) and sum it, so a
 * run can be checked to have consumed exactly what the other did.  The
 * vmbkmcl clients either complete inside ProcessPacket, or hold each batch
 * and complete it from the bench thread after the next batch arrived;
 * that completion time is timed too.
 */
#include <linux/module.h>

#include "bench_priv.h"

/* Read every payload word: what both the native driver and the client do. */
static u64 bench_touch(const void *buf, u32 len)
{
	const u64 *w = buf;
	u64 sum = 0;
	u32 i;

	for (i = 0; i < len / sizeof(u64); i++)
		sum += READ_ONCE(w[i]);
	return sum;
}

/**
 * bench_native_irq() - the native driver's channel callback.
 * @f: the fixture.
 *
 * What every in-tree hv driver runs: mask, iterate (which copies each
 * packet into the channel's buffer), and the iterator's close when it runs
 * dry; unmask, and go again if bytes arrived meanwhile.  Completions are
 * sent with vmbus_sendpacket() as netvsc and storvsc do.
 *
 * Context: softirq (the simhost tasklet), from bench_irq().
 */
void bench_native_irq(struct bench_fixture *f)
{
	struct vmbus_channel *ch = f->ch;
	struct vmpacket_descriptor *desc;

	do {
		hv_begin_read(&ch->inbound);
		foreach_vmbus_pkt(desc, ch) {
			if (desc->type == VM_PKT_COMP) {
				bench_native_completion(f, desc);
				continue;
			}
			f->sum += bench_touch(hv_pkt_data(desc),
					      hv_pkt_datalen(desc));
			f->packets++;
			if (desc->flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED)
				WARN_ON_ONCE(vmbus_sendpacket(ch, NULL, 0,
							      desc->trans_id,
							      VM_PKT_COMP, 0));
		}
	} while (hv_end_read(&ch->inbound));
}

/**
 * bench_fair_packet() - the fair driver's packet handler.
 * @f:   the fixture.
 * @buf: the payload, in the iterator's buffer.
 * @len: its bytes.
 *
 * What bench_process_packet() does for the inline client, minus KMCL's
 * own calls.
 *
 * Context: softirq, called indirectly from bench_fair_irq().
 */
void bench_fair_packet(struct bench_fixture *f, const void *buf, u32 len)
{
	f->sum += bench_touch(buf, len);
	f->packets++;
}

/**
 * bench_fair_irq() - the native loop plus what the KMCL contract forces.
 * @f: the fixture.
 *
 * bench_native_irq() with every packet handed to a handler through an
 * indirect call, as ProcessPacket is, and every completion dispatched
 * through one too, as a packet's completion routine is.  Completions are
 * written when the host asks for them, as the native loop does.
 *
 * Context: softirq (the simhost tasklet), from bench_irq().
 */
void bench_fair_irq(struct bench_fixture *f)
{
	struct vmbus_channel *ch = f->ch;
	struct vmpacket_descriptor *desc;

	do {
		hv_begin_read(&ch->inbound);
		foreach_vmbus_pkt(desc, ch) {
			if (desc->type == VM_PKT_COMP) {
				f->fair_completion(f, desc);
				continue;
			}
			f->fair_packet(f, hv_pkt_data(desc),
				       hv_pkt_datalen(desc));
			if (desc->flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED)
				WARN_ON_ONCE(vmbus_sendpacket(ch, NULL, 0,
							      desc->trans_id,
							      VM_PKT_COMP, 0));
		}
	} while (hv_end_read(&ch->inbound));
}

/**
 * bench_process_packet() - the vmbkmcl client's ProcessPacket.
 * @channel: the fixture's channel.
 * @packet:  the packet.
 * @buf:     its payload.
 * @len:     payload bytes.
 * @flags:   unused.
 *
 * Context: softirq, inside bench_irq().
 */
void bench_process_packet(VMBCHANNEL channel, VMBPACKETCOMPLETION packet,
			  PVOID buf, UINT32 len, UINT32 flags)
{
	struct bench_fixture *f = VmbChannelGetPointer(channel);

	f->sum += bench_touch(buf, len);
	f->packets++;
	bench_plant();
	if (f->client == BENCH_RX_DEFERRED && f->nheld < ARRAY_SIZE(f->held)) {
		f->held[f->nheld++] = packet;
		return;
	}
	VmbChannelPacketComplete(packet, NULL, 0);
}

/* Complete the @n oldest held packets from the bench thread, timed. */
static void bench_complete_held(struct bench_fixture *f, u32 n, u64 *ns)
{
	u64 t0;
	u32 i;

	t0 = bench_thread_begin(f);
	for (i = 0; i < n; i++)
		VmbChannelPacketComplete(f->held[i], NULL, 0);
	bench_thread_end(f, t0, ns);
	f->nheld -= n;
	memmove(f->held, f->held + n, f->nheld * sizeof(f->held[0]));
}

static enum bench_driver bench_rx_driver(enum bench_rx_who who)
{
	if (who == BENCH_RX_NATIVE)
		return BENCH_DRV_NATIVE;
	return who == BENCH_RX_FAIR ? BENCH_DRV_FAIR : BENCH_DRV_VMBKMCL;
}

static bool bench_rx_args_ok(u32 payload, u32 batch, u32 packets)
{
	return payload >= sizeof(u64) && payload <= BENCH_MAX_PAYLOAD &&
	       IS_ALIGNED(payload, sizeof(u64)) && batch &&
	       batch <= BENCH_MAX_BATCH && packets && !(packets % batch);
}

/* Fill the ring with one batch, interrupts held, then release one. */
static int bench_rx_batch(struct bench_fixture *f, u64 first, u32 batch,
			  u32 payload, u16 flags)
{
	int ret = 0;
	u32 i;

	reinit_completion(&f->irq_done);
	f->target = first + batch - 1;
	simhost_hold_interrupts(f->sh, true);
	for (i = 0; i < batch && !ret; i++)
		ret = bench_host_write(f, first + i, payload, flags);
	simhost_hold_interrupts(f->sh, false);
	return ret ?: bench_wait_irq(f);
}

/**
 * bench_rx_run() - receive @packets packets, @batch per interrupt.
 * @f:          the fixture, idle.
 * @who:        the native or fair loop, or a vmbkmcl client.
 * @payload:    payload bytes per packet, a multiple of 8.
 * @batch:      packets per interrupt, at most BENCH_MAX_BATCH.
 * @packets:    a multiple of @batch.
 * @completion: the host asks for a completion of every packet.
 * @count:      count allocations in the timed windows.
 * @r:          the result.
 *
 * Packets carry sequence numbers 1..@packets, so runs with the same
 * arguments consume the same bytes and must report the same @r->sum.
 *
 * Context: process context; sleeps.
 * Return: 0, -EINVAL for bad arguments, -ETIMEDOUT or -EAGAIN (ring full)
 * if the run went wrong.
 */
int bench_rx_run(struct bench_fixture *f, enum bench_rx_who who, u32 payload,
		 u32 batch, u32 packets, bool completion, bool count,
		 struct bench_result *r)
{
	u16 flags = completion ? VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED : 0;
	u64 interrupts = simhost_signals(f->sh);
	u64 signals = simhost_guest_signals(f->sh);
	u64 allocs = bench_count_read();
	u64 seq, thread_ns = 0;
	int ret = 0;

	if (who >= BENCH_RX_NR || !bench_rx_args_ok(payload, batch, packets))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	bench_reset(f, BENCH_MODE_RX, bench_rx_driver(who), count, 0);
	f->client = who;
	for (seq = 1; seq <= packets && !ret; seq += batch) {
		ret = bench_rx_batch(f, seq, batch, payload, flags);
		if (!ret && who == BENCH_RX_DEFERRED)
			bench_complete_held(f, f->nheld - batch, &thread_ns);
		/* The host reads the guest's completions, untimed. */
		bench_host_serve(f);
		r->batches++;
	}
	bench_complete_held(f, f->nheld, &thread_ns);
	bench_host_serve(f);

	r->ns = f->irq_ns + thread_ns;
	r->handler_runs = f->irq_runs;
	r->packets = f->packets;
	r->sum = f->sum;
	r->allocs = bench_count_read() - allocs;
	r->interrupts = simhost_signals(f->sh) - interrupts;
	r->host_signals = simhost_guest_signals(f->sh) - signals;
	f->mode = BENCH_MODE_IDLE;
	if (!ret && f->packets != packets)
		ret = -EIO;
	return ret;
}
EXPORT_SYMBOL_GPL(bench_rx_run);

/**
 * bench_idle_run() - @n interrupts on an empty ring: the fixed cost of
 * taking an interrupt, with nothing to deliver.
 * @f:   the fixture, idle.
 * @who: who takes the interrupt (the same for both vmbkmcl clients).
 * @n:   interrupts.
 * @r:   the result; @r->ns is handler time, @r->batches @n.
 *
 * Context: process context; sleeps.
 * Return: 0 or -EINVAL.
 */
int bench_idle_run(struct bench_fixture *f, enum bench_rx_who who, u32 n,
		   struct bench_result *r)
{
	u32 i;

	if (who >= BENCH_RX_NR || !n)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	bench_reset(f, BENCH_MODE_RX, bench_rx_driver(who), false, 0);
	f->client = who;
	for (i = 0; i < n; i++) {
		simhost_interrupt(f->sh);
		simhost_sync(f->sh);
	}
	r->ns = f->irq_ns;
	r->batches = n;
	r->handler_runs = f->irq_runs;
	f->mode = BENCH_MODE_IDLE;
	return 0;
}
EXPORT_SYMBOL_GPL(bench_idle_run);
