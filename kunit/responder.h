/* SPDX-License-Identifier: GPL-2.0 */
/*
 * responder - a host service that answers the guest's sends.
 *
 * It reads the guest's ring whenever the guest wrote to it (the port's
 * notify hook) and answers each packet that requests a completion as its
 * mode says.  It uses only a hostport (hostport.h), so the same model
 * serves a simhost device and a device on the emulated Hyper-V.
 *
 * Locking: the work item is the only reader of the outbound ring; the
 * counters are atomics; @mode and @delay_us are set before traffic.
 */
#ifndef _VMBKMCL_RESPONDER_H
#define _VMBKMCL_RESPONDER_H

#include <linux/atomic.h>
#include <linux/workqueue.h>

#include "hostport.h"

/* Requests held at once in RESP_REVERSE mode. */
#define RESP_MAX_PENDING	256
/* Reply bytes echoed at most. */
#define RESP_ECHO_MAX		256

enum resp_mode {
	RESP_ECHO,		/* complete with the request's payload */
	RESP_TWICE,		/* ... and then once more with the same id */
	RESP_WRONG_ID,		/* complete with an id the guest never used */
	RESP_STALE_ID,		/* re-complete the previous id, then echo */
	RESP_NEVER,		/* read, never complete */
	RESP_REVERSE,		/* hold @batch requests, complete last first,
				 * each with its first 8 bytes
				 */
	RESP_STALL,		/* do not even read: the ring fills */
};

struct responder {
	struct hostport *port;
	struct work_struct work;
	enum resp_mode mode;
	u32 delay_us;
	u32 batch;
	u64 last_id;
	u64 pending[RESP_MAX_PENDING];
	u64 pending_tag[RESP_MAX_PENDING];
	u32 npending;
	u8 buf[RESP_ECHO_MAX];
	atomic_t requests;
	atomic_t replies;
	atomic_t dup_live_ids;
};

void responder_start(struct responder *r, struct hostport *port,
		     enum resp_mode mode);
void responder_set_mode(struct responder *r, enum resp_mode mode);
void responder_flush(struct responder *r);
void responder_stop(struct responder *r);

#endif /* _VMBKMCL_RESPONDER_H */
