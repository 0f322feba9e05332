/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vstor_host - a model of Hyper-V's storage host (storvsp) on simhost: one
 * SCSI controller with one RAM-backed disk, for the vstor sample's suite
 * and the demo.
 *
 * It reads what the guest writes (simhost's notify hook, then a work
 * item), checks every packet and every GPA range as storvsp does, and
 * answers as storvsp does: the initialization state machine
 * (INVALID_DEVICE_STATE out of order, REVISION_MISMATCH for versions it
 * does not take), EXECUTE_SRB for INQUIRY, TEST UNIT READY, READ
 * CAPACITY(10), READ(10) and WRITE(10), with CHECK CONDITION and sense
 * data for what fails, and INVALID_LUN for an address with no disk.  A
 * packet storvsp would refuse to parse (no completion requested, too
 * short, more than one range, a range shorter than the transfer, pages
 * that are not RAM) stops the model, as it stops storvsp's worker, and is
 * counted: a test asserts there were none.
 *
 * On top, what a test needs from a host: completions held back and sent
 * in a seeded random order, stalls (no reading for a while, so the rings
 * fill), every request held (for a rescind with I/O in flight), injected
 * medium errors, and the LUN taken away.
 *
 * Only simhost's host API is used (simhost.h, simhost_gpadl.h), so the
 * model can move to another host transport.
 *
 * Locking: the work item is the only reader and writer of the rings and
 * of the held completions; knobs are set with WRITE_ONCE and read once
 * per packet; counters are atomics.
 */
#ifndef _VMBKMCL_VSTOR_HOST_H
#define _VMBKMCL_VSTOR_HOST_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "simhost.h"

struct vstor_host;

/* Requests held at once (reorder and hold modes). */
#define VSTOR_HOST_MAX_HELD	1024
/* QUERY_PROPERTIES' max_transfer_bytes, as storvsp answers. */
#define VSTOR_HOST_MAX_TRANSFER	0x40000

/**
 * struct vstor_host_stats - what the model saw and did.
 * @packets:	packets read from the guest.
 * @srbs:	EXECUTE_SRB packets.
 * @reads:	READ(10)s that moved data.
 * @writes:	WRITE(10)s that moved data.
 * @check_conditions: SRBs answered with CHECK CONDITION or INVALID_LUN.
 * @rejected_versions: QUERY_PROTOCOL_VERSIONs answered REVISION_MISMATCH.
 * @out_of_order: completions sent before an older held one.
 * @stalls:	stalls taken.
 * @protocol_errors: packets that stopped the model.
 * @bytes:	data bytes copied to and from guest pages.
 * @copy_ns:	time spent copying them.
 * @busy_ns:	time spent in the work item, copies included.
 */
struct vstor_host_stats {
	atomic_t packets;
	atomic_t srbs;
	atomic_t reads;
	atomic_t writes;
	atomic_t check_conditions;
	atomic_t rejected_versions;
	atomic_t out_of_order;
	atomic_t stalls;
	atomic_t protocol_errors;
	atomic64_t bytes;
	atomic64_t copy_ns;
	atomic64_t busy_ns;
};

struct vstor_host *vstor_host_create(struct simhost *sh, u32 blocks);
void vstor_host_destroy(struct vstor_host *h);
const struct vstor_host_stats *vstor_host_stats(struct vstor_host *h);
u8 *vstor_host_ram(struct vstor_host *h);
u32 vstor_host_blocks(struct vstor_host *h);
u16 vstor_host_version(struct vstor_host *h);

void vstor_host_accept_versions(struct vstor_host *h, const u16 *versions,
				u32 n);
void vstor_host_set_lun(struct vstor_host *h, u8 lun);
void vstor_host_reorder(struct vstor_host *h, u32 batch, u32 seed);
void vstor_host_stall(struct vstor_host *h, u32 every, u32 ms);
void vstor_host_hold(struct vstor_host *h, bool hold);
void vstor_host_silence(struct vstor_host *h, bool silent);
u32 vstor_host_held(struct vstor_host *h);
bool vstor_host_wait_held(struct vstor_host *h, u32 n, u32 timeout_ms);
void vstor_host_fail_next(struct vstor_host *h, u32 n, u8 key, u8 asc);
int vstor_host_enumerate_bus(struct vstor_host *h);
void vstor_host_flush(struct vstor_host *h);

#endif /* _VMBKMCL_VSTOR_HOST_H */
