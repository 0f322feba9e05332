// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_hvpath: vmbkmcl's production path over real hv_vmbus.
 *
 * Runs on the hv-path boot only (hvemu=1): every device here is offered by
 * the emulated Hyper-V's VMBus host (kunit/hvemu/) and reaches vmbkmcl the
 * way it does on Hyper-V: hv_vmbus's offer handling, vmbkmcl's hv_driver
 * probe (driver.c), and the production backend (backend_hv.c):
 * vmbus_open() with a real GPADL and OPENCHANNEL, vmbus_close(),
 * vmbus_establish_gpadl()/vmbus_teardown_gpadl(), rescind as hv_vmbus
 * delivers it.  The host side is hvhost (kunit/hvhost.c); the guest side
 * is a recorder (kunit/recorder.c) on a test client driver, or one of the
 * samples.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/hvemu.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

#include "../samples/echo/echo.h"
#include "hvclient.h"
#include "hvhost.h"
#include "hvicmsg.h"
#include "recorder.h"
#include "responder.h"

#define REC_CAP		256
#define WAIT_MS		5000
#define STATUS_REFUSED	0xC0000001U

/* {6d1c8f3a-5b2e-4c7d-9e10-3a4b5c6d7e8f}: the suite's own device class. */
static const guid_t hvp_class = GUID_INIT(0x6d1c8f3a, 0x5b2e, 0x4c7d, 0x9e,
	0x10, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f);
/* {1c6e7d2a-94b1-4f0e-a358-2d710c9e46b5}: only a target-PnP channel asks. */
static const guid_t target_class = GUID_INIT(0x1c6e7d2a, 0x94b1, 0x4f0e, 0xa3,
	0x58, 0x2d, 0x71, 0x0c, 0x9e, 0x46, 0xb5);
static const guid_t echo_class = ECHO_CLASS_GUID;

/**
 * struct hvp_client - the test client driver and what it keeps of its one
 * device.
 * @c:       the client; @c.dev is the bound device, NULL when none.
 * @rec:     the device's recording channel, made in add, destroyed in
 *           remove.
 * @closed_at_remove: REC_CLOSED events the recorder had when removed.
 * @suspend_at_remove: REC_SUSPEND events then.
 */
struct hvp_client {
	struct hvclient c;
	struct recorder rec;
	u32 closed_at_remove;
	u32 suspend_at_remove;
};

static struct hvp_client hvp;

static int hvp_add(struct hvclient *c, struct hv_device *dev)
{
	memset(&hvp.rec, 0, sizeof(hvp.rec));
	return recorder_init_dev(&hvp.rec, dev, REC_CAP) ? -ENOMEM : 0;
}

static void hvp_remove(struct hvclient *c, struct hv_device *dev)
{
	hvp.closed_at_remove = recorder_count(&hvp.rec, REC_CLOSED);
	hvp.suspend_at_remove = recorder_count(&hvp.rec, REC_SUSPEND);
	recorder_destroy(&hvp.rec);
}

static const struct hvclient_ops hvp_ops = {
	.add = hvp_add,
	.remove = hvp_remove,
};

struct hvp_fixture {
	struct hvhost h;
	u8 msg[HVHOST_MAX_PKT];
	struct hvhost_pkt reply;
};

/* Offer the suite's class; the test client is added through hv_vmbus. */
static int hvp_init(struct kunit *test)
{
	struct hvp_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	KUNIT_ASSERT_EQ(test, hvclient_offer(&hvp.c, &f->h), 0);
	return 0;
}

static void hvp_exit(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;

	if (f)
		KUNIT_EXPECT_EQ(test, hvhost_rescind(&f->h), 0);
}

static int hvp_suite_init(struct kunit_suite *suite)
{
	return hvclient_register(&hvp.c, "vmbkmcl_hvpath_client", &hvp_class,
				 &hvp_ops);
}

static void hvp_suite_exit(struct kunit_suite *suite)
{
	hvclient_unregister(&hvp.c);
}

static u32 count(enum vmbus_channel_message_type t)
{
	return hvemu_msg_count(t);
}

static void enable_opens_through_gpadl_and_openchannel(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	u32 gpadls = count(CHANNELMSG_GPADL_HEADER);
	u32 opens = count(CHANNELMSG_OPENCHANNEL);

	KUNIT_ASSERT_EQ(test, recorder_enable(&hvp.rec), STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, hvhost_wait_opens(&f->h, 1));
	KUNIT_EXPECT_TRUE(test, hvemu_chan_is_open(f->h.ch));
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_GPADL_HEADER), gpadls + 1);
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_OPENCHANNEL), opens + 1);
	KUNIT_EXPECT_EQ(test, recorder_count(&hvp.rec, REC_OPENED), 1U);
	KUNIT_EXPECT_TRUE(test, recorder_wait_count(&hvp.rec,
						    REC_POST_STARTED, 1));
}

static void disable_closes_and_tears_the_ring_gpadl_down(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	u32 closes = count(CHANNELMSG_CLOSECHANNEL);
	u32 teardowns = count(CHANNELMSG_GPADL_TEARDOWN);

	KUNIT_ASSERT_EQ(test, recorder_enable(&hvp.rec), STATUS_SUCCESS);
	VmbChannelDisable(hvp.rec.channel);
	KUNIT_EXPECT_TRUE(test, hvhost_wait_closes(&f->h, 1));
	KUNIT_EXPECT_FALSE(test, hvemu_chan_is_open(f->h.ch));
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_CLOSECHANNEL), closes + 1);
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_GPADL_TEARDOWN), teardowns + 1);
	KUNIT_EXPECT_EQ(test, recorder_count(&hvp.rec, REC_CLOSED), 1U);
}

static void enable_disable_cycles_reopen_each_time(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	u32 i;

	for (i = 1; i <= 5; i++) {
		KUNIT_ASSERT_EQ(test, recorder_enable(&hvp.rec),
				STATUS_SUCCESS);
		KUNIT_ASSERT_TRUE(test, hvhost_wait_opens(&f->h, i));
		VmbChannelDisable(hvp.rec.channel);
		KUNIT_ASSERT_TRUE(test, hvhost_wait_closes(&f->h, i));
	}
	KUNIT_EXPECT_EQ(test, recorder_count(&hvp.rec, REC_OPENED), 5U);
	KUNIT_EXPECT_EQ(test, recorder_count(&hvp.rec, REC_CLOSED), 5U);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->h.opens), 5);
}

static void host_refusing_openchannel_fails_enable(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	u32 teardowns = count(CHANNELMSG_GPADL_TEARDOWN);
	NTSTATUS status;

	f->h.refuse_opens = STATUS_REFUSED;
	status = recorder_enable(&hvp.rec);
	KUNIT_EXPECT_FALSE(test, NT_SUCCESS(status));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->h.opens), 1);
	KUNIT_EXPECT_FALSE(test, hvemu_chan_is_open(f->h.ch));
	KUNIT_EXPECT_EQ(test, recorder_count(&hvp.rec, REC_OPENED), 0U);
	/* vmbus_open() tears the ring GPADL down after a refused open. */
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_GPADL_TEARDOWN), teardowns + 1);

	/* The host accepts again: the same channel opens. */
	f->h.refuse_opens = 0;
	KUNIT_EXPECT_EQ(test, recorder_enable(&hvp.rec), STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, hvemu_chan_is_open(f->h.ch));
}

static void opened_veto_fails_enable_and_closes_at_the_host(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	NTSTATUS status;

	hvp.rec.opened_status = STATUS_UNSUCCESSFUL;
	status = recorder_enable(&hvp.rec);
	KUNIT_EXPECT_EQ(test, status, STATUS_UNSUCCESSFUL);
	KUNIT_EXPECT_EQ(test, recorder_count(&hvp.rec, REC_OPENED), 1U);
	KUNIT_EXPECT_EQ(test, recorder_count(&hvp.rec, REC_STARTED), 0U);
	KUNIT_EXPECT_TRUE(test, hvhost_wait_closes(&f->h, 1));
	KUNIT_EXPECT_FALSE(test, hvemu_chan_is_open(f->h.ch));
}

/* Host packets reach ProcessPacket; completions come back on the ring. */
static void host_packets_are_delivered_and_completed(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	u64 tag;
	u32 i, wrong = 0;

	KUNIT_ASSERT_EQ(test, recorder_enable(&hvp.rec), STATUS_SUCCESS);
	for (i = 0; i < 32; i++) {
		tag = 0x100 + i;
		memset(f->msg, 0, 64);
		memcpy(f->msg, &tag, sizeof(tag));
		KUNIT_ASSERT_EQ(test,
				hvhost_send(&f->h, VM_PKT_DATA_INBAND,
					    VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
					    tag, f->msg, 64), 0);
	}
	KUNIT_EXPECT_TRUE(test, recorder_wait(&hvp.rec, 32, 0));
	for (i = 0; i < 32; i++) {
		KUNIT_ASSERT_EQ(test, hvhost_recv(&f->h, &f->reply, WAIT_MS),
				0);
		wrong += f->reply.hdr.type != VM_PKT_COMP ||
			 f->reply.hdr.trans_id != 0x100 + i;
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, f->h.lost + f->h.bad, 0U);
}

static void gpadl_goes_through_header_body_and_teardown(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	u32 headers, bodies, teardowns;
	/* 64 pages: more PFNs than one GPADL_HEADER carries. */
	u32 size = 64 * PAGE_SIZE;
	void *buf = vzalloc(size);
	UINT32 handle = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, recorder_enable(&hvp.rec), STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, hvhost_wait_opens(&f->h, 1));
	/* The ring's GPADL is made; count the client's from here. */
	headers = count(CHANNELMSG_GPADL_HEADER);
	bodies = count(CHANNELMSG_GPADL_BODY);
	teardowns = count(CHANNELMSG_GPADL_TEARDOWN);
	KUNIT_EXPECT_EQ(test, VmbChannelCreateGpadlFromBuffer(hvp.rec.channel,
							      0, buf, size,
							      &handle),
			STATUS_SUCCESS);
	KUNIT_EXPECT_NE(test, handle, 0U);
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_GPADL_HEADER), headers + 1);
	KUNIT_EXPECT_GE(test, count(CHANNELMSG_GPADL_BODY), bodies + 2);
	VmbChannelDeleteGpadl(hvp.rec.channel, handle);
	KUNIT_EXPECT_EQ(test, count(CHANNELMSG_GPADL_TEARDOWN), teardowns + 1);
	vfree(buf);
}

static void rescind_of_an_open_channel_closes_then_removes(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	u32 removes = hvp.c.removes;

	KUNIT_ASSERT_EQ(test, recorder_enable(&hvp.rec), STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, hvhost_wait_opens(&f->h, 1));
	KUNIT_EXPECT_EQ(test, hvhost_rescind(&f->h), 0);
	KUNIT_EXPECT_EQ(test, hvp.c.removes, removes + 1);
	KUNIT_EXPECT_EQ(test, hvp.closed_at_remove, 1U);
	KUNIT_EXPECT_NULL(test, READ_ONCE(hvp.c.dev));
}

static void rescind_before_enable_removes_the_device(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	u32 removes = hvp.c.removes;

	KUNIT_EXPECT_EQ(test, hvhost_rescind(&f->h), 0);
	KUNIT_EXPECT_EQ(test, hvp.c.removes, removes + 1);
	KUNIT_EXPECT_EQ(test, hvp.closed_at_remove, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->h.opens), 0);
}

/*
 * The bytes the sample answered with against hv_utils' answer to the same
 * request (vmbkmcl_hvutils ran first): packet type, flags, length and
 * payload must match.  The transaction id is compared by its own case.
 */
static void expect_like_oracle(struct kunit *test, const struct hvhost_pkt *got,
			       const struct hvhost_pkt *want)
{
	u32 i;

	KUNIT_EXPECT_EQ(test, got->hdr.type, want->hdr.type);
	KUNIT_EXPECT_EQ(test, got->hdr.flags, want->hdr.flags);
	KUNIT_EXPECT_EQ(test, got->hdr.len, want->hdr.len);
	for (i = 0; i < min(got->hdr.len, want->hdr.len); i++)
		if (got->data[i] != want->data[i])
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, min(got->hdr.len, want->hdr.len),
			    "first payload byte that differs from hv_utils'");
}

/*
 * The heartbeat sample, bound through hv_vmbus, against the host IC: offer
 * Hyper-V's heartbeat class and negotiate as the host does.  @at_once: the
 * host speaks as soon as it accepted the open (hvhost_wait_opens_now()).
 */
static struct hvhost *heartbeat_negotiated(struct kunit *test, bool at_once)
{
	struct hvp_fixture *f = test->priv;
	struct hvhost *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	u32 len = hvic_negotiate(f->msg, 1);

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_EQ(test, hvhost_offer(h, &hv_heartbeat_class, 0), 0);
	if (at_once)
		KUNIT_ASSERT_TRUE(test, hvhost_wait_opens_now(h, 1));
	else
		KUNIT_ASSERT_TRUE(test, hvhost_wait_opens(h, 1));
	/* Not an assertion: the caller rescinds the device either way. */
	KUNIT_EXPECT_EQ(test, hvhost_request(h, f->msg, len, &f->reply), 0);
	return h;
}

/*
 * Every byte the sample sends equals what hv_utils sent the same requests
 * earlier in this boot: the negotiation answered in place at the request's
 * length, then heartbeats.
 */
static void heartbeat_sample_answers_like_hv_utils(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	struct icm_message *rm = (void *)f->reply.data;
	struct icm_heartbeat *beat = (void *)(rm + 1);
	struct hvhost *h;
	u32 len, i, wrong = 0;

	KUNIT_ASSERT_TRUE(test, hvhost_oracle()->valid);
	h = heartbeat_negotiated(test, false);
	KUNIT_EXPECT_EQ(test, rm->hdr.status, 0U);
	expect_like_oracle(test, &f->reply, &hvhost_oracle()->negotiate);
	for (i = 0; i < 16; i++) {
		len = hvic_heartbeat(f->msg, 2 + i, 0x1000 + i);
		KUNIT_ASSERT_EQ(test, hvhost_request(h, f->msg, len, &f->reply),
				0);
		wrong += beat->seq_num != 0x1000 + i + 1;
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	expect_like_oracle(test, &f->reply, &hvhost_oracle()->heartbeat);
	KUNIT_EXPECT_EQ(test, hvhost_rescind(h), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->closes), 1);
}

/*
 * Two channels on one device: real vmbus_open() on an open channel would
 * allocate rings over the live ones (issue 12, item 1); the second is
 * refused before that, and the first keeps its traffic.
 */
static void second_channel_on_the_device_is_refused_first_keeps_traffic(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	VMBCHANNEL second = NULL;

	KUNIT_ASSERT_EQ(test, recorder_enable(&hvp.rec), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, VmbChannelAllocate(hvp.c.dev, FALSE, &second),
			STATUS_SUCCESS);
	/* A complete client, so only the device's open channel refuses it. */
	KUNIT_ASSERT_EQ(test,
			VmbChannelInitSetProcessPacketCallbacks(second,
								counting_client_packet,
								NULL),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(second), STATUS_DEVICE_BUSY);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->h.opens), 1);
	KUNIT_EXPECT_EQ(test, hvhost_round_trip(&f->h, 8, 0x500, &f->reply),
			8U);
	VmbChannelCleanup(second);
	KUNIT_EXPECT_TRUE(test, hvemu_chan_is_open(f->h.ch));
}

static void echo_sample_echoes_through_real_rings(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	struct hvhost *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	u32 i, n, wrong = 0, echoes = 0, completions = 0;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_EQ(test, hvhost_offer(h, &echo_class, 0), 0);
	KUNIT_ASSERT_TRUE(test, hvhost_wait_opens(h, 1));
	for (i = 0; i < 16; i++) {
		memset(f->msg, 0x40 + i, 100);
		KUNIT_ASSERT_EQ(test,
				hvhost_send(h, VM_PKT_DATA_INBAND,
					    VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
					    i + 1, f->msg, 100), 0);
	}
	/* Each packet gives an echo and a completion, in some order. */
	for (n = 0; n < 32; n++) {
		KUNIT_ASSERT_EQ(test, hvhost_recv(h, &f->reply, WAIT_MS), 0);
		if (f->reply.hdr.type == VM_PKT_COMP) {
			completions++;
			continue;
		}
		echoes++;
		wrong += f->reply.hdr.type != VM_PKT_DATA_INBAND ||
			 f->reply.hdr.len < 100 ||
			 memchr_inv(f->reply.data, f->reply.data[0], 100);
	}
	KUNIT_EXPECT_EQ(test, echoes, 16U);
	KUNIT_EXPECT_EQ(test, completions, 16U);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, hvhost_rescind(h), 0);
}

/*
 * hv_utils answers a heartbeat request with the request's VMBus
 * transaction id (issue 12, item 13); so must the sample.
 */
static void heartbeat_sample_echoes_the_transaction_id(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	struct hvhost *h;
	u32 len;

	KUNIT_ASSERT_TRUE(test, hvhost_oracle()->valid);
	h = heartbeat_negotiated(test, false);
	KUNIT_EXPECT_EQ(test, f->reply.hdr.trans_id,
			hvhost_oracle()->negotiate.hdr.trans_id);
	len = hvic_heartbeat(f->msg, 2, 0x1000);
	KUNIT_ASSERT_EQ(test, hvhost_request(h, f->msg, len, &f->reply), 0);
	KUNIT_EXPECT_EQ(test, f->reply.hdr.trans_id, h->next_trans);
	KUNIT_EXPECT_EQ(test, hvhost_rescind(h), 0);
}

/*
 * Found by this suite: a host may signal the channel as soon as it
 * accepted the open, before the guest's vmbus_open() has returned.
 * hv_vmbus then runs the channel callback, and vmb_rx_batch() used to
 * dereference c->vmbus, which the backend sets only after vmbus_open()
 * returns: a NULL-pointer oops in softirq.  The runner now stays shut
 * until vmb_rx_open().  The heartbeat IC host speaks first, at once.
 */
static void host_speaking_at_once_after_open_is_heard(struct kunit *test)
{
	struct hvhost *h = heartbeat_negotiated(test, true);

	KUNIT_EXPECT_EQ(test, hvhost_rescind(h), 0);
}

/*
 * The responder model simhost's send suites use, serving this device
 * through hvhost's port: the guest's sends travel real hv_vmbus both ways.
 */
static struct responder *start_responder(struct kunit *test,
					 enum resp_mode mode, u32 batch)
{
	struct hvp_fixture *f = test->priv;
	struct responder *resp = kunit_kzalloc(test, sizeof(*resp),
					       GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, resp);
	resp->batch = batch;
	responder_start(resp, hvhost_port(&f->h), mode);
	KUNIT_ASSERT_EQ(test, recorder_enable(&hvp.rec), STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, hvhost_wait_opens(&f->h, 1));
	return resp;
}

#define REVERSED_SENDS	8

/*
 * Sends that wait for completion, which the host answers last first: each
 * completion reaches the packet it answers, once, with the host's bytes.
 */
static void sends_completed_last_first_reach_their_packets(struct kunit *test)
{
	struct responder *resp = start_responder(test, RESP_REVERSE,
						 REVERSED_SENDS);
	VMBPACKET p[REVERSED_SENDS];
	const struct rec_done *d;
	u32 i, wrong = 0;

	for (i = 0; i < REVERSED_SENDS; i++) {
		p[i] = VmbPacketAllocate(hvp.rec.channel);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_ASSERT_EQ(test,
				recorder_send(&hvp.rec, p[i], 0x700 + i, 64,
					      VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION),
				STATUS_SUCCESS);
	}
	KUNIT_EXPECT_TRUE(test, recorder_wait_done(&hvp.rec, REVERSED_SENDS));
	responder_stop(resp);
	KUNIT_ASSERT_EQ(test, recorder_done_count(&hvp.rec), REVERSED_SENDS);
	for (i = 0; i < REVERSED_SENDS; i++) {
		d = &hvp.rec.done[i];
		wrong += d->status != STATUS_SUCCESS ||
			 d->len != sizeof(u64) ||
			 d->tag != 0x700 + REVERSED_SENDS - 1 - i ||
			 d->packet != p[REVERSED_SENDS - 1 - i];
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&resp->requests), REVERSED_SENDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&resp->replies), REVERSED_SENDS);
	for (i = 0; i < REVERSED_SENDS; i++)
		VmbPacketFree(p[i]);
}

#define SYNC_LEN	200

/* A synchronous request gets the host's reply bytes back, whole. */
static void synchronous_request_returns_the_hosts_reply(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	struct responder *resp = start_responder(test, RESP_ECHO, 0);
	u8 *reply = f->reply.data;
	u32 flags = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
	u32 len = 2 * SYNC_LEN;
	u64 tag = 0x5eed;

	memset(f->msg, 0xab, SYNC_LEN);
	memcpy(f->msg, &tag, sizeof(tag));
	memset(reply, 0, len);
	KUNIT_EXPECT_EQ(test,
			VmbChannelSendSynchronousRequest(hvp.rec.channel,
							 f->msg, SYNC_LEN, NULL,
							 flags, reply, &len,
							 NULL),
			STATUS_SUCCESS);
	responder_stop(resp);
	KUNIT_EXPECT_EQ(test, len, (u32)SYNC_LEN);
	KUNIT_EXPECT_EQ(test, memcmp(reply, f->msg, SYNC_LEN), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&resp->replies), 1);
}

/*
 * Target PnP over hv_vmbus: a channel on the suite's device targets a
 * class no driver serves; vmbkmcl registers a real hv_driver for it, and
 * when the host offers the class, hv_vmbus probes it and the waiting
 * channel opens that offer (GPADL, OPENCHANNEL), carries a packet, and
 * closes on the rescind without a PnP failure.
 */
static void target_channel_opens_the_offer_hv_vmbus_probes(struct kunit *test)
{
	struct hvp_fixture *f = test->priv;
	struct recorder *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct hvhost *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	u64 tag = 0x7a7;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_EQ(test, recorder_init_dev(r, hvp.c.dev, REC_CAP), 0);
	KUNIT_EXPECT_EQ(test, VmbClientChannelInitSetTargetPnp(r->channel,
							       &target_class,
							       NULL, NULL),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(r->channel), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r->nevents, 0U);

	KUNIT_ASSERT_EQ(test, hvhost_offer(h, &target_class, 0), 0);
	KUNIT_EXPECT_TRUE(test, hvhost_wait_opens(h, 1));
	KUNIT_EXPECT_TRUE(test, recorder_wait_count(r, REC_POST_STARTED, 1));
	KUNIT_EXPECT_EQ(test, r->events[0].kind, (u8)REC_OPENED);
	KUNIT_EXPECT_EQ(test, r->events[1].kind, (u8)REC_STARTED);
	memset(f->msg, 0, 64);
	memcpy(f->msg, &tag, sizeof(tag));
	KUNIT_EXPECT_EQ(test, hvhost_send(h, VM_PKT_DATA_INBAND, 0, 1, f->msg,
					  64), 0);
	KUNIT_EXPECT_TRUE(test, recorder_wait(r, 1, 0));
	KUNIT_EXPECT_EQ(test, r->events[3].kind, (u8)REC_PACKET);
	KUNIT_EXPECT_EQ(test, r->events[3].tag, tag);
	/* The suite's own channel on the same device was never opened. */
	KUNIT_EXPECT_EQ(test, atomic_read(&f->h.opens), 0);

	KUNIT_EXPECT_EQ(test, hvhost_rescind(h), 0);
	KUNIT_EXPECT_EQ(test, recorder_count(r, REC_SUSPEND), 1U);
	KUNIT_EXPECT_EQ(test, recorder_count(r, REC_CLOSED), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->closes), 1);
	recorder_destroy(r);
}

static struct kunit_case hvpath_cases[] = {
	KUNIT_CASE(enable_opens_through_gpadl_and_openchannel),
	KUNIT_CASE(disable_closes_and_tears_the_ring_gpadl_down),
	KUNIT_CASE(enable_disable_cycles_reopen_each_time),
	KUNIT_CASE(host_refusing_openchannel_fails_enable),
	KUNIT_CASE(opened_veto_fails_enable_and_closes_at_the_host),
	KUNIT_CASE(host_packets_are_delivered_and_completed),
	KUNIT_CASE(gpadl_goes_through_header_body_and_teardown),
	KUNIT_CASE(rescind_of_an_open_channel_closes_then_removes),
	KUNIT_CASE(rescind_before_enable_removes_the_device),
	KUNIT_CASE(heartbeat_sample_answers_like_hv_utils),
	KUNIT_CASE(echo_sample_echoes_through_real_rings),
	KUNIT_CASE(second_channel_on_the_device_is_refused_first_keeps_traffic),
	KUNIT_CASE(heartbeat_sample_echoes_the_transaction_id),
	KUNIT_CASE(host_speaking_at_once_after_open_is_heard),
	KUNIT_CASE(sends_completed_last_first_reach_their_packets),
	KUNIT_CASE(synchronous_request_returns_the_hosts_reply),
	KUNIT_CASE(target_channel_opens_the_offer_hv_vmbus_probes),
	{}
};

static struct kunit_suite hvpath_suite = {
	.name = "vmbkmcl_hvpath",
	.suite_init = hvp_suite_init,
	.suite_exit = hvp_suite_exit,
	.init = hvp_init,
	.exit = hvp_exit,
	.test_cases = hvpath_cases,
};

kunit_test_suite(hvpath_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's production path over real hv_vmbus on an emulated Hyper-V");
MODULE_LICENSE("GPL");
