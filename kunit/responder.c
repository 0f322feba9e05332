// SPDX-License-Identifier: GPL-2.0
/*
 * responder - a host service that answers the guest's sends.
 * See responder.h.
 */
#include <linux/delay.h>
#include <linux/hyperv.h>
#include <linux/module.h>

#include "responder.h"

/* A full inbound ring is retried this often, this many times. */
#define RESP_RETRY_US		20
#define RESP_RETRIES		50000
/* An id no vmbkmcl transaction table issues: generation 0. */
#define RESP_FOREIGN_ID		0x2aULL

static void resp_reply(struct responder *r, u64 id, u32 len)
{
	u32 tries = 0;
	int ret;

	if (r->delay_us)
		usleep_range(r->delay_us, r->delay_us + RESP_RETRY_US);
	while ((ret = r->port->write(r->port, VM_PKT_COMP, 0, id, r->buf,
				     len)) == -EAGAIN &&
	       ++tries < RESP_RETRIES)
		usleep_range(RESP_RETRY_US, 2 * RESP_RETRY_US);
	/* -ENODEV: the rings closed under us, as a rescind race may do. */
	if (!ret)
		atomic_inc(&r->replies);
	else
		WARN_ON(ret != -ENODEV);
}

static bool resp_is_pending(struct responder *r, u64 id)
{
	u32 i;

	for (i = 0; i < r->npending; i++)
		if (r->pending[i] == id)
			return true;
	return false;
}

/* Complete every held request, last first, with its tag. */
static void resp_release(struct responder *r)
{
	while (r->npending) {
		r->npending--;
		memcpy(r->buf, &r->pending_tag[r->npending], sizeof(u64));
		resp_reply(r, r->pending[r->npending], sizeof(u64));
	}
}

/* Hold @id; once @batch are held, complete them last first. */
static void resp_reverse(struct responder *r, u64 id, u32 len)
{
	u64 tag = 0;

	if (resp_is_pending(r, id))
		atomic_inc(&r->dup_live_ids);
	if (len >= sizeof(tag))
		memcpy(&tag, r->buf, sizeof(tag));
	r->pending[r->npending] = id;
	r->pending_tag[r->npending++] = tag;
	if (r->npending >= min_t(u32, r->batch, RESP_MAX_PENDING))
		resp_release(r);
}

static void resp_answer(struct responder *r, u64 id, u32 len)
{
	switch (r->mode) {
	case RESP_ECHO:
		resp_reply(r, id, len);
		break;
	case RESP_TWICE:
		resp_reply(r, id, len);
		resp_reply(r, id, len);
		break;
	case RESP_WRONG_ID:
		resp_reply(r, RESP_FOREIGN_ID, len);
		break;
	case RESP_STALE_ID:
		if (r->last_id)
			resp_reply(r, r->last_id, len);
		resp_reply(r, id, len);
		break;
	case RESP_REVERSE:
		resp_reverse(r, id, len);
		break;
	case RESP_NEVER:
	case RESP_STALL:
		break;
	}
	r->last_id = id;
}

static void resp_work(struct work_struct *work)
{
	struct responder *r = container_of(work, struct responder, work);
	struct hostport_pkt pkt;

	if (READ_ONCE(r->mode) != RESP_REVERSE)
		resp_release(r);
	while (READ_ONCE(r->mode) != RESP_STALL &&
	       r->port->read(r->port, &pkt, r->buf, sizeof(r->buf)) == 1) {
		atomic_inc(&r->requests);
		if (pkt.flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED)
			resp_answer(r, pkt.trans_id, pkt.len);
	}
}

static void resp_notify(void *ctx)
{
	struct responder *r = ctx;

	queue_work(system_wq, &r->work);
}

/**
 * responder_start() - answer the guest on @port from now on.
 * @r:    zeroed storage; set @r->delay_us or @r->batch before traffic.
 * @port: the host end: simhost_port() or hvhost_port(), rings open or
 *        about to be.
 * @mode: how to answer.
 */
void responder_start(struct responder *r, struct hostport *port,
		     enum resp_mode mode)
{
	r->port = port;
	r->mode = mode;
	INIT_WORK(&r->work, resp_work);
	port->set_notify(port, resp_notify, r);
}
EXPORT_SYMBOL_GPL(responder_start);

/**
 * responder_set_mode() - change how to answer, and read what waits.
 * @r:    the responder.
 * @mode: the new mode; leaving RESP_STALL reads the ring at once.
 */
void responder_set_mode(struct responder *r, enum resp_mode mode)
{
	WRITE_ONCE(r->mode, mode);
	queue_work(system_wq, &r->work);
}
EXPORT_SYMBOL_GPL(responder_set_mode);

/**
 * responder_flush() - wait until what the guest wrote so far is answered.
 * @r: the responder.
 *
 * Context: process context; sleeps.
 */
void responder_flush(struct responder *r)
{
	queue_work(system_wq, &r->work);
	flush_work(&r->work);
}
EXPORT_SYMBOL_GPL(responder_flush);

/**
 * responder_stop() - stop answering.
 * @r: the responder.
 *
 * Context: process context; sleeps.
 */
void responder_stop(struct responder *r)
{
	r->port->set_notify(r->port, NULL, NULL);
	cancel_work_sync(&r->work);
}
EXPORT_SYMBOL_GPL(responder_stop);
