/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench - vmbkmcl against the native Linux ring code, on one simhost ring.
 *
 * One fixture is one vmbkmcl channel enabled on a simhost device.  Its
 * channel callback is wrapped: every host interrupt runs bench_irq(), which
 * times the handler and dispatches either to vmbkmcl's own callback or to
 * the native loop every in-tree hv driver runs (hv_begin_read,
 * foreach_vmbus_pkt, hv_end_read; vmbus_sendpacket).  Both therefore read
 * and write the very same rings, with the same copy buffer, in the same
 * boot, and pay the same interrupt delivery.
 *
 * What is timed is only the guest's work: the interrupt handler, plus the
 * calls the guest thread makes itself (sends, deferred completions, the
 * synchronous round trip).  The host's side (filling the inbound ring with
 * interrupts held, reading the outbound ring, writing completions) runs
 * outside the timed windows and never allocates.
 *
 * The engine lives in the simhost module so that the `make check` smoke
 * suite and the `make bench` runner share it.
 */
#ifndef _VMBKMCL_BENCH_H
#define _VMBKMCL_BENCH_H

#include <linux/types.h>

/* Payload sizes the bench uses; the largest sizes the rings and buffers. */
#define BENCH_MAX_PAYLOAD	4096
/* Packets per interrupt (receive) or per host pass (send), at most. */
#define BENCH_MAX_BATCH		256

/*
 * Who reads or writes the ring.  "fair" is the native loop plus only what
 * the KMCL contract itself forces on any implementation: one indirect call
 * into the client's handler per packet, and completions dispatched
 * through an indirect call too.  It is the denominator of the goals.
 */
enum bench_rx_who {
	BENCH_RX_NATIVE,	/* hv_pkt_iter loop, touches every byte */
	BENCH_RX_FAIR,		/* the same, a handler called indirectly */
	BENCH_RX_INLINE,	/* vmbkmcl, completes inside ProcessPacket */
	BENCH_RX_DEFERRED,	/* vmbkmcl, completes after the next batch */
	BENCH_RX_NR
};

enum bench_tx_who {
	BENCH_TX_NATIVE,	/* vmbus_sendpacket */
	BENCH_TX_FAIR,		/* the same, completions dispatched indirectly */
	BENCH_TX_VMBKMCL,	/* VmbPacketSend */
	BENCH_TX_NR
};

/**
 * struct bench_result - one timed run.
 * @ns:		guest time spent: handlers plus the guest thread's calls;
 *		instructions instead under bench_use_insn_clock(true).
 * @packets:	packets delivered, sent or round trips made.
 * @batches:	host interrupts (receive) or host passes (send) it took.
 * @sum:	sum of every payload word the guest read (receive), so runs
 *		can be checked to have consumed the same bytes.
 * @allocs:	slab and page allocations made inside the timed windows, or
 *		0 when the run did not count them.
 * @host_signals: guest writes into an outbound ring the host had emptied,
 *		i.e. the signals a real host would have been sent.
 * @interrupts:	interrupts the host raised into the guest.
 * @handler_runs: times the channel callback ran (interrupts, and kicks
 *		vmbkmcl gives itself).
 */
struct bench_result {
	u64 ns;
	u64 packets;
	u64 batches;
	u64 sum;
	u64 allocs;
	u64 host_signals;
	u64 interrupts;
	u64 handler_runs;
};

struct bench_fixture;

struct bench_fixture *bench_create(u32 ring_pages);
void bench_destroy(struct bench_fixture *f);

int bench_rx_run(struct bench_fixture *f, enum bench_rx_who who, u32 payload,
		 u32 batch, u32 packets, bool completion, bool count,
		 struct bench_result *r);
int bench_idle_run(struct bench_fixture *f, enum bench_rx_who who, u32 n,
		   struct bench_result *r);
int bench_tx_run(struct bench_fixture *f, enum bench_tx_who who,
		 bool completion, u32 payload, u32 batch, u32 packets,
		 bool count, struct bench_result *r);
int bench_sync_run(struct bench_fixture *f, enum bench_tx_who who,
		   u32 payload, u32 requests, bool count,
		   struct bench_result *r);

/* bench_fixture.c */
void bench_use_insn_clock(bool insn);
void bench_use_profiler(bool prof);

/* bench_count.c */
int bench_count_start(void);
void bench_count_stop(void);
void vmbkmcl_bench_plant_alloc(bool plant);

#endif /* _VMBKMCL_BENCH_H */
