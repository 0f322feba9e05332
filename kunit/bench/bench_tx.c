// SPDX-License-Identifier: GPL-2.0
/*
 * Send runs and synchronous round trips.
 *
 * Send: the bench thread writes a batch (timed), then the host reads it
 * and, where asked, writes every completion with interrupts held
 * (untimed), and releases one interrupt whose handler takes them (timed).
 * The native driver keeps the minimum a driver needs to match completions
 * to requests: ids 1..batch and an in-flight flag each, checked before
 * use; it does not enable Linux's requestor.  The fair driver is the
 * same, its completions dispatched through an indirect call, as a KMCL
 * packet's completion routine must be, and so is the end of each send
 * that waits for nothing, for which KMCL runs the routine as well.
 * The vmbkmcl client sends
 * without completion from one packet object, since such a send is over
 * when VmbPacketSend returns, and with completion from one packet per
 * send in flight, as KMCL requires.
 *
 * Round trip: one request, the host answers from the writer's context
 * (simhost's notify hook for vmbkmcl, a direct call after
 * vmbus_sendpacket() for the native driver), and the thread waits for the
 * completion; the whole round trip is timed.
 */
#include <linux/module.h>

#include "bench_priv.h"

/* The synchronous request's own timeout: KeWait units (100 ns), relative. */
#define BENCH_SYNC_TIMEOUT_100NS	(-10LL * 1000 * 1000 * 10)

/* What a send's routine does, vmbkmcl's and the fair driver's alike. */
static __always_inline void bench_end_send(struct bench_fixture *f,
					   NTSTATUS status, const void *buf,
					   u32 len)
{
	if (buf && len >= sizeof(f->reply))
		memcpy(&f->reply, buf, sizeof(f->reply));
	if (NT_SUCCESS(status))
		f->completions++;
}

/**
 * bench_send_done() - the completion routine of the fixture's packets.
 * @packet: the packet.
 * @status: its outcome.
 * @buf:    the host's reply, for a send that waited for one.
 * @len:    its length.
 *
 * Context: the sender (a send that did not wait) or softirq.
 */
void bench_send_done(VMBPACKET packet, NTSTATUS status, PVOID buf, UINT32 len)
{
	struct bench_fixture *f = VmbPacketGetPointer(packet);

	bench_plant();
	bench_end_send(f, status, buf, len);
}

/**
 * bench_fair_sent() - the fair driver's routine for a send that waits for
 * nothing: bench_send_done() without KMCL's own call.
 * @f:      the fixture.
 * @status: the send's outcome.
 * @buf:    NULL: no reply.
 * @len:    0.
 *
 * Context: the sender, called indirectly from bench_send().
 */
void bench_fair_sent(struct bench_fixture *f, NTSTATUS status,
		     const void *buf, u32 len)
{
	bench_end_send(f, status, buf, len);
}

static int bench_send(struct bench_fixture *f, u32 i, bool completion,
		      u32 payload)
{
	int ret;

	if (READ_ONCE(f->driver) != BENCH_DRV_VMBKMCL) {
		f->in_flight[i] = completion;
		ret = vmbus_sendpacket(f->ch, f->tx_buf, payload,
				       completion ? i + 1 : 0,
				       VM_PKT_DATA_INBAND,
				       completion ?
				       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED : 0);
		if (!ret && !completion && f->fair_sent)
			f->fair_sent(f, STATUS_SUCCESS, NULL, 0);
		return ret;
	}
	/* A send without completion is over when VmbPacketSend returns, so
	 * one packet serves them all; each send in flight needs its own.
	 */
	return NT_SUCCESS(VmbPacketSend(f->vmb_packets[completion ? i : 0],
					f->tx_buf, payload,
					NULL, completion ?
					VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION :
					0)) ? 0 : -EIO;
}

/* One batch: sends (timed), the host's pass, the completions' interrupt. */
static int bench_tx_batch(struct bench_fixture *f, bool completion,
			  u32 payload, u32 batch, u64 *ns)
{
	int ret = 0;
	u32 i, read;
	u64 t0;

	reinit_completion(&f->irq_done);
	f->target = completion ? f->completions + batch : 0;
	t0 = bench_thread_begin(f);
	for (i = 0; i < batch && !ret; i++)
		ret = bench_send(f, i, completion, payload);
	bench_thread_end(f, t0, ns);
	if (ret)
		return ret;

	simhost_hold_interrupts(f->sh, true);
	read = bench_host_serve(f);
	simhost_hold_interrupts(f->sh, false);
	if (read != batch)
		return -EIO;
	return completion ? bench_wait_irq(f) : 0;
}

static enum bench_driver bench_tx_driver(enum bench_tx_who who)
{
	if (who == BENCH_TX_NATIVE)
		return BENCH_DRV_NATIVE;
	return who == BENCH_TX_FAIR ? BENCH_DRV_FAIR : BENCH_DRV_VMBKMCL;
}

static bool bench_tx_args_ok(u32 payload, u32 batch, u32 packets)
{
	return payload <= BENCH_MAX_PAYLOAD && batch &&
	       batch <= BENCH_MAX_BATCH && packets && !(packets % batch);
}

static void bench_tx_counters(struct bench_fixture *f, u64 interrupts,
			      u64 signals, u64 allocs, struct bench_result *r)
{
	r->allocs = bench_count_read() - allocs;
	r->handler_runs = f->irq_runs;
	r->interrupts = simhost_signals(f->sh) - interrupts;
	r->host_signals = simhost_guest_signals(f->sh) - signals;
	f->mode = BENCH_MODE_IDLE;
}

/**
 * bench_tx_run() - send @packets packets, the host reading @batch at once.
 * @f:          the fixture, idle.
 * @who:        vmbus_sendpacket() (native or fair) or VmbPacketSend().
 * @completion: ask for a completion of each; the host writes them per
 *              batch, and the run takes them in one interrupt.
 * @payload:    payload bytes.
 * @batch:      sends per host pass, at most BENCH_MAX_BATCH.
 * @packets:    a multiple of @batch.
 * @count:      count allocations in the timed windows.
 * @r:          the result; @r->packets counts completion routines run
 *              (vmbkmcl, and fair's routines) or completions matched
 *              (native, when asked), else sends.
 *
 * Context: process context; sleeps.
 * Return: 0, -EINVAL for bad arguments, or the failure of the run.
 */
int bench_tx_run(struct bench_fixture *f, enum bench_tx_who who,
		 bool completion, u32 payload, u32 batch, u32 packets,
		 bool count, struct bench_result *r)
{
	u64 interrupts = simhost_signals(f->sh);
	u64 signals = simhost_guest_signals(f->sh);
	u64 allocs = bench_count_read();
	u64 thread_ns = 0;
	u32 sent;
	int ret = 0;

	if (who >= BENCH_TX_NR || !bench_tx_args_ok(payload, batch, packets))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	bench_reset(f, BENCH_MODE_TX, bench_tx_driver(who), count, 0);
	for (sent = 0; sent < packets && !ret; sent += batch) {
		ret = bench_tx_batch(f, completion, payload, batch, &thread_ns);
		r->batches++;
	}
	r->ns = thread_ns + f->irq_ns;
	r->packets = who == BENCH_TX_NATIVE && !completion ? sent :
		     f->completions;
	bench_tx_counters(f, interrupts, signals, allocs, r);
	if (!ret && r->packets != packets)
		ret = -EIO;
	return ret;
}
EXPORT_SYMBOL_GPL(bench_tx_run);

static void bench_host_notify(void *ctx)
{
	bench_host_serve(ctx);
}

static int bench_round_trip(struct bench_fixture *f, u32 payload)
{
	LARGE_INTEGER timeout = { .QuadPart = BENCH_SYNC_TIMEOUT_100NS };
	UINT32 reply_len = sizeof(f->reply);
	NTSTATUS status;
	int ret;

	if (READ_ONCE(f->driver) == BENCH_DRV_VMBKMCL) {
		const u32 flags = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;

		status = VmbChannelSendSynchronousRequest(f->channel, f->tx_buf,
							  payload, NULL, flags,
							  &f->reply, &reply_len,
							  &timeout);
		bench_plant();
		if (!NT_SUCCESS(status))
			return -EIO;
		f->completions++;
		return 0;
	}
	reinit_completion(&f->sync_done);
	f->in_flight[0] = true;
	ret = vmbus_sendpacket(f->ch, f->tx_buf, payload, 1, VM_PKT_DATA_INBAND,
			       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	if (ret)
		return ret;
	bench_host_serve(f);
	if (!wait_for_completion_timeout(&f->sync_done, BENCH_WAIT))
		return -ETIMEDOUT;
	return 0;
}

/**
 * bench_sync_run() - @requests synchronous round trips, one at a time.
 * @f:        the fixture, idle.
 * @who:      VmbChannelSendSynchronousRequest(), or vmbus_sendpacket()
 *            and a wait for the completion the handler signals (native,
 *            or fair: the completion dispatched indirectly).
 * @payload:  request payload bytes.
 * @requests: round trips.
 * @count:    count allocations in the timed windows.
 * @r:        the result; @r->ns is the round trips' wall time.
 *
 * Context: process context; sleeps.
 * Return: 0, -EINVAL for bad arguments, or the failure of the run.
 */
int bench_sync_run(struct bench_fixture *f, enum bench_tx_who who,
		   u32 payload, u32 requests, bool count,
		   struct bench_result *r)
{
	u64 interrupts = simhost_signals(f->sh);
	u64 signals = simhost_guest_signals(f->sh);
	u64 allocs = bench_count_read();
	int ret = 0;
	u32 i;
	u64 t0;

	if (who >= BENCH_TX_NR || payload > BENCH_MAX_PAYLOAD || !requests)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	bench_reset(f, BENCH_MODE_SYNC, bench_tx_driver(who), count, 0);
	if (who == BENCH_TX_VMBKMCL)
		simhost_set_notify(f->sh, bench_host_notify, f);
	for (i = 0; i < requests && !ret; i++) {
		t0 = bench_thread_begin(f);
		ret = bench_round_trip(f, payload);
		bench_thread_end(f, t0, &r->ns);
		r->batches++;
	}
	simhost_set_notify(f->sh, NULL, NULL);
	simhost_sync(f->sh);
	r->packets = f->completions;
	bench_tx_counters(f, interrupts, signals, allocs, r);
	if (!ret && r->packets != requests)
		ret = -EIO;
	return ret;
}
EXPORT_SYMBOL_GPL(bench_sync_run);
