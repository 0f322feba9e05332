/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bench engine's internals, shared by its files: the fixture
 * (bench_fixture.c), the receive and send runs (bench_rx.c, bench_tx.c)
 * and the allocation counter (bench_count.c).
 *
 * Context, said once: a run is driven by one process-context thread (the
 * caller of bench_*_run); the handlers run in the simhost tasklet.  The
 * thread never touches handler state while an interrupt may be pending
 * (it waits with bench_wait_irq() first), so the fixture needs no lock.
 */
#ifndef _VMBKMCL_BENCH_PRIV_H
#define _VMBKMCL_BENCH_PRIV_H

#include <linux/completion.h>
#include <linux/hyperv.h>
#include <linux/timekeeping.h>
#include <vmbkmcl/VmbusKernelModeClientLibApi.h>
#ifdef CONFIG_X86
#include <asm/tsc.h>
#endif

#include "../simhost.h"
#include "bench.h"

/* Largest packet on either ring: descriptor plus the largest payload. */
#define BENCH_MAX_PACKET \
	(sizeof(struct vmpacket_descriptor) + BENCH_MAX_PAYLOAD)
/* Data pages of each ring: a whole batch of the largest packets, and one
 * page so that the ring is never exactly full.
 */
#define BENCH_RING_PAGES \
	(DIV_ROUND_UP(BENCH_MAX_BATCH * SIMHOST_INBAND_FOOTPRINT(BENCH_MAX_PAYLOAD), \
		      PAGE_SIZE) + 1)
/* Deferred completion holds two batches at once. */
#define BENCH_QUOTA		(2 * BENCH_MAX_BATCH)
/* Bytes of the host's completion payload (a status word). */
#define BENCH_REPLY_LEN		sizeof(u64)
/* Bounded waits: generous for TCG, short enough to fail a hung run. */
#define BENCH_WAIT		msecs_to_jiffies(10000)

/* Who the fixture's interrupts and sends go to. */
enum bench_driver {
	BENCH_DRV_NATIVE,
	BENCH_DRV_FAIR,
	BENCH_DRV_VMBKMCL,
};

enum bench_mode {
	BENCH_MODE_IDLE,
	BENCH_MODE_RX,
	BENCH_MODE_TX,
	BENCH_MODE_SYNC,
};

/**
 * struct bench_fixture - one channel and the state of the run on it.
 * @sh:		the simulated host.
 * @ch:		the Linux channel both sides use.
 * @channel:	the vmbkmcl channel on it.
 * @vmb_cb:	vmbkmcl's channel callback, which bench_irq() wraps.
 * @vmb_ctx:	its argument.
 * @mode:	what the run drives.
 * @driver:	who interrupts and sends go to.
 * @fair_packet: the fair driver's packet handler, called indirectly.
 * @fair_completion: its completion handler, called indirectly.
 * @fair_sent:	its routine for a send that waits for nothing, called
 *		indirectly once the send is written, as KMCL runs a packet's
 *		completion routine; NULL unless the fair driver runs.
 * @client:	how the vmbkmcl receive client completes.
 * @count:	the run counts allocations in its timed windows.
 * @irq_ns:	time spent in handlers.
 * @irq_runs:	handler runs.
 * @irq_done:	completed by a handler once @target is reached.
 * @target:	packets (or completions) the run waits for.
 * @packets:	packets delivered to the guest.
 * @sum:	sum of the payload words the guest read.
 * @completions: send completions the guest took.
 * @held:	packets the deferred client holds, oldest first.
 * @nheld:	their number.
 * @host_pkt:	the host's packet under construction.
 * @host_buf:	what the host reads from the outbound ring.
 * @tx_buf:	the guest's send payload.
 * @packet_mem:	caller-storage vmbkmcl packets, @packet_size bytes each.
 * @packet_size: VmbChannelSizeofPacket().
 * @vmb_packets: BENCH_MAX_BATCH packets in @packet_mem.
 * @in_flight:	native sends awaiting completion, by id - 1.
 * @reply:	the synchronous round trip's reply.
 * @sync_done:	the native round trip's completion.
 */
struct bench_fixture {
	struct simhost *sh;
	struct vmbus_channel *ch;
	VMBCHANNEL channel;
	void (*vmb_cb)(void *ctx);
	void *vmb_ctx;

	enum bench_mode mode;
	enum bench_driver driver;
	void (*fair_packet)(struct bench_fixture *f, const void *buf, u32 len);
	void (*fair_completion)(struct bench_fixture *f,
				const struct vmpacket_descriptor *desc);
	void (*fair_sent)(struct bench_fixture *f, NTSTATUS status,
			  const void *buf, u32 len);
	enum bench_rx_who client;
	bool count;
	u64 irq_ns;
	u64 irq_runs;
	struct completion irq_done;
	u64 target;

	u64 packets;
	u64 sum;
	u64 completions;
	VMBPACKETCOMPLETION held[BENCH_QUOTA];
	u32 nheld;

	u8 *host_pkt;
	u8 *host_buf;
	u8 *tx_buf;
	u8 *packet_mem;
	u32 packet_size;
	VMBPACKET vmb_packets[BENCH_MAX_BATCH];
	bool in_flight[BENCH_MAX_BATCH];
	u64 reply;
	struct completion sync_done;
};

/* bench_fixture.c */
void bench_reset(struct bench_fixture *f, enum bench_mode mode,
		 enum bench_driver driver, bool count, u64 target);
int bench_wait_irq(struct bench_fixture *f);
int bench_host_write(struct bench_fixture *f, u64 seq, u32 payload,
		     u16 flags);
u32 bench_host_serve(struct bench_fixture *f);
u64 bench_thread_begin(struct bench_fixture *f);
void bench_thread_end(struct bench_fixture *f, u64 t0, u64 *ns);
void bench_native_completion(struct bench_fixture *f,
			     const struct vmpacket_descriptor *desc);

/* bench_rx.c */
void bench_native_irq(struct bench_fixture *f);
void bench_fair_irq(struct bench_fixture *f);
void bench_fair_packet(struct bench_fixture *f, const void *buf, u32 len);
void bench_process_packet(VMBCHANNEL channel, VMBPACKETCOMPLETION packet,
			  PVOID buf, UINT32 len, UINT32 flags);

/* bench_tx.c */
void bench_send_done(VMBPACKET packet, NTSTATUS status, PVOID buf, UINT32 len);
void bench_fair_sent(struct bench_fixture *f, NTSTATUS status,
		     const void *buf, u32 len);

extern bool bench_insn;

/*
 * The bench's clock: guest nanoseconds, or under QEMU's -icount shift=0
 * (bench_use_insn_clock()) the TSC, which QEMU then derives from the
 * instruction counter itself: one tick per guest instruction, read
 * precisely at the rdtsc.
 */
static inline u64 bench_now(void)
{
#ifdef CONFIG_X86
	if (bench_insn)
		return rdtsc_ordered();
#endif
	return ktime_get_ns();
}

extern bool bench_prof;

/*
 * Open and close a window of scripts/insnprof, the instruction profiler
 * `make bench-prof` loads into QEMU: each driver's windows go to its own
 * profile (1 native, 2 fair, 3 vmbkmcl).  The marks are self-exchanges
 * no compiler emits; without bench_prof they cost a test of one byte.
 */
static __always_inline void bench_prof_open(enum bench_driver d)
{
#ifdef CONFIG_X86
	if (likely(!READ_ONCE(bench_prof)))
		return;
	if (d == BENCH_DRV_NATIVE)
		asm volatile("xchg %%bx, %%bx" ::: "memory");
	else if (d == BENCH_DRV_FAIR)
		asm volatile("xchg %%cx, %%cx" ::: "memory");
	else
		asm volatile("xchg %%dx, %%dx" ::: "memory");
#endif
}

static __always_inline void bench_prof_close(void)
{
#ifdef CONFIG_X86
	if (unlikely(READ_ONCE(bench_prof)))
		asm volatile("xchg %%si, %%si" ::: "memory");
#endif
}

/* bench_count.c */
void bench_count_arm_cpu(bool on);
void bench_count_arm_task(bool on);
u64 bench_count_read(void);
void bench_plant_alloc(void);
extern bool bench_planted;

/* The planted allocation, if planted: a test of one byte otherwise, so
 * the vmbkmcl client costs what the native one does.
 */
static inline void bench_plant(void)
{
	if (unlikely(READ_ONCE(bench_planted)))
		bench_plant_alloc();
}

#endif /* _VMBKMCL_BENCH_PRIV_H */
