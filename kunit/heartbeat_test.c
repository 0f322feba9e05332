// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_heartbeat: the heartbeat sample port, driven by simhost playing
 * the host's heartbeat integration component.
 *
 * The sample (samples/heartbeat) registers for the heartbeat class; each
 * case offers a simulated heartbeat device, so the sample's add runs and
 * enables its channel exactly as it would on Hyper-V, then talks the IC
 * protocol to it from the host side and checks every answer.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/module.h>

#include "../samples/heartbeat/heartbeat.h"
#include "../samples/heartbeat/icmsg.h"
#include "simhost.h"

#define HEARTBEATS		1000
#define MAX_MSG			256
#define NO_REPLY_WAIT_MS	50
#define FIRST_SEQ		0x1000ULL
/* VMBus transaction ids a host puts on its requests. */
#define REQUEST_ID		0x5eed0000cafeULL
#define HOST_READ_TIMEOUT	msecs_to_jiffies(5000)

/* The class the sample serves unless claim_heartbeat=1 (heartbeat.h). */
static const guid_t heartbeat_class = HB_SAMPLE_CLASS_GUID;
static const guid_t hyperv_heartbeat_class = HB_HYPERV_CLASS_GUID;

struct hb_fixture {
	struct simhost *sh;
	u8 msg[MAX_MSG];
	u8 reply[MAX_MSG];
	u8 next_transaction;
};

static int hb_init(struct kunit *test)
{
	struct hb_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->sh = simhost_create();
	KUNIT_ASSERT_NOT_NULL(test, f->sh);
	simhost_set_class(f->sh, &heartbeat_class);
	/* The sample binds now: its add allocates and enables the channel. */
	KUNIT_ASSERT_EQ(test, simhost_offer(f->sh), 0);
	KUNIT_ASSERT_TRUE(test, simhost_rings_open(f->sh));
	test->priv = f;
	return 0;
}

static void hb_exit(struct kunit *test)
{
	struct hb_fixture *f = test->priv;

	simhost_destroy(f->sh);
}

static struct icm_message *start_msg(struct hb_fixture *f, u16 type)
{
	struct icm_message *m = (void *)f->msg;

	memset(f->msg, 0, sizeof(f->msg));
	m->hdr.framework = (struct icm_version){ 1, 0 };
	m->hdr.msgtype = type;
	m->hdr.transaction_id = ++f->next_transaction;
	m->hdr.flags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
	return m;
}

/* Host side: send @len bytes of f->msg, wait for the answer. */
static int exchange(struct hb_fixture *f, u32 len, u32 *reply_len)
{
	return simhost_request(f->sh, f->msg, len, f->reply, sizeof(f->reply),
			       reply_len);
}

struct negotiation {
	const char *name;
	struct icm_version framework[2];
	u16 n_framework;
	struct icm_version msg[2];
	u16 n_msg;
	bool agreed;
	struct icm_version want_framework;
	struct icm_version want_msg;
};

static const struct negotiation negotiations[] = {
	{ "host offers 3.0 and 1.0 of both: 3.0 and 3.0",
	  { { 3, 0 }, { 1, 0 } }, 2, { { 3, 0 }, { 1, 0 } }, 2,
	  true, { 3, 0 }, { 3, 0 } },
	{ "host offers only 1.0: 1.0 and 1.0",
	  { { 1, 0 } }, 1, { { 1, 0 } }, 1, true, { 1, 0 }, { 1, 0 } },
	{ "framework 3.0, heartbeat 1.0",
	  { { 3, 0 } }, 1, { { 1, 0 } }, 1, true, { 3, 0 }, { 1, 0 } },
	{ "no common framework fails",
	  { { 2, 0 } }, 1, { { 3, 0 } }, 1, false },
	{ "no common heartbeat version fails",
	  { { 3, 0 } }, 1, { { 4, 0 } }, 1, false },
};

static void negotiation_desc(const struct negotiation *n, char *desc)
{
	strscpy(desc, n->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(negotiation, negotiations, negotiation_desc);

static bool version_eq(struct icm_version a, struct icm_version b)
{
	return a.major == b.major && a.minor == b.minor;
}

static void negotiation_picks_the_newest_common_versions(struct kunit *test)
{
	const struct negotiation *n = test->param_value;
	struct hb_fixture *f = test->priv;
	struct icm_message *m = start_msg(f, IC_MSGTYPE_NEGOTIATE);
	struct icm_negotiate *neg = (void *)(m + 1);
	struct icm_message *r = (void *)f->reply;
	struct icm_negotiate *rneg = (void *)(r + 1);
	u32 len, reply_len;

	neg->framework_count = n->n_framework;
	neg->msg_count = n->n_msg;
	memcpy(neg->versions, n->framework, n->n_framework * sizeof(*n->framework));
	memcpy(neg->versions + n->n_framework, n->msg,
	       n->n_msg * sizeof(*n->msg));
	len = sizeof(*m) + struct_size(neg, versions, n->n_framework + n->n_msg);

	KUNIT_ASSERT_EQ(test, exchange(f, ALIGN(len, sizeof(u64)), &reply_len),
			0);
	/* Answered in place, as hv_utils does: the request's length. */
	KUNIT_EXPECT_EQ(test, reply_len, ALIGN(len, sizeof(u64)));
	KUNIT_EXPECT_EQ(test, r->hdr.msgsize, struct_size(rneg, versions, 2));
	KUNIT_EXPECT_EQ(test, r->hdr.msgtype, IC_MSGTYPE_NEGOTIATE);
	KUNIT_EXPECT_EQ(test, r->hdr.transaction_id, m->hdr.transaction_id);
	KUNIT_EXPECT_EQ(test, r->hdr.flags,
			IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
	KUNIT_EXPECT_EQ(test, r->hdr.status, n->agreed ? 0 : IC_STATUS_FAIL);
	KUNIT_EXPECT_EQ(test, rneg->framework_count, n->agreed ? 1 : 0);
	KUNIT_EXPECT_EQ(test, rneg->msg_count, n->agreed ? 1 : 0);
	if (n->agreed) {
		KUNIT_EXPECT_TRUE(test, version_eq(rneg->versions[0],
						   n->want_framework));
		KUNIT_EXPECT_TRUE(test, version_eq(rneg->versions[1],
						   n->want_msg));
	}
}

static u32 heartbeat_msg(struct hb_fixture *f, u64 seq)
{
	struct icm_message *m = start_msg(f, IC_MSGTYPE_HEARTBEAT);
	struct icm_heartbeat *beat = (void *)(m + 1);

	beat->seq_num = seq;
	return ALIGN(sizeof(*m) + sizeof(*beat), sizeof(u64));
}

static void thousand_heartbeats_are_answered_with_seq_plus_one(struct kunit *test)
{
	struct hb_fixture *f = test->priv;
	struct icm_message *r = (void *)f->reply;
	struct icm_heartbeat *beat = (void *)(r + 1);
	u32 i, len, reply_len, wrong = 0;

	for (i = 0; i < HEARTBEATS; i++) {
		len = heartbeat_msg(f, FIRST_SEQ + i);
		KUNIT_ASSERT_EQ(test, exchange(f, len, &reply_len), 0);
		wrong += reply_len != len ||
			 beat->seq_num != FIRST_SEQ + i + 1 ||
			 r->hdr.transaction_id != f->next_transaction ||
			 r->hdr.flags != (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
}

static void malformed_message_is_dropped_and_the_next_answered(struct kunit *test)
{
	struct hb_fixture *f = test->priv;
	struct icm_message *r = (void *)f->reply;
	struct icm_heartbeat *beat = (void *)(r + 1);
	struct simhost_packet pkt;
	u32 len, reply_len;

	/* A heartbeat cut short after the headers. */
	len = heartbeat_msg(f, FIRST_SEQ);
	KUNIT_ASSERT_EQ(test, simhost_write_inband(f->sh, VM_PKT_DATA_INBAND,
						   0, 0, f->msg,
						   sizeof(struct icm_message)),
			0);
	msleep(NO_REPLY_WAIT_MS);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, simhost_read(f->sh, &pkt, NULL, 0), -ENODATA);

	len = heartbeat_msg(f, FIRST_SEQ);
	KUNIT_ASSERT_EQ(test, exchange(f, len, &reply_len), 0);
	KUNIT_EXPECT_EQ(test, beat->seq_num, FIRST_SEQ + 1);
}

static void rescind_mid_stream_removes_the_device_cleanly(struct kunit *test)
{
	struct hb_fixture *f = test->priv;
	u32 i, len, reply_len;

	for (i = 0; i < HEARTBEATS / 10; i++) {
		len = heartbeat_msg(f, i);
		KUNIT_ASSERT_EQ(test, exchange(f, len, &reply_len), 0);
	}
	/* More in the ring, unanswered, when the host takes it away. */
	for (i = 0; i < HEARTBEATS / 10; i++) {
		len = heartbeat_msg(f, i);
		KUNIT_ASSERT_EQ(test, simhost_write_inband(f->sh, VM_PKT_DATA_INBAND,
							   0, 0, f->msg, len),
				0);
	}
	simhost_rescind(f->sh);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
	KUNIT_EXPECT_NULL(test, hv_get_drvdata(simhost_device(f->sh)));
}

/* Host side: read the guest's next packet, waiting for it. */
static int read_reply(struct hb_fixture *f, struct simhost_packet *pkt)
{
	unsigned long deadline = jiffies + HOST_READ_TIMEOUT;
	int ret;

	while ((ret = simhost_read(f->sh, pkt, f->reply, sizeof(f->reply))) ==
	       -ENODATA && time_before(jiffies, deadline))
		usleep_range(20, 100);
	return ret;
}

/*
 * A reply is an inband packet carrying the request's VMBus transaction
 * id, as Linux's hv_utils and FreeBSD's vmbus_ic_sendresp() send it; 0
 * would make it an unsolicited message.
 */
static void replies_carry_the_requests_transaction_id(struct kunit *test)
{
	struct hb_fixture *f = test->priv;
	struct icm_message *r = (void *)f->reply;
	struct icm_heartbeat *beat = (void *)(r + 1);
	struct simhost_packet pkt;
	u64 id;
	u32 len;

	for (id = REQUEST_ID; id < REQUEST_ID + 2; id++) {
		len = heartbeat_msg(f, FIRST_SEQ);
		KUNIT_ASSERT_EQ(test, simhost_write_inband(f->sh,
							   VM_PKT_DATA_INBAND,
							   0, id, f->msg, len),
				0);
		KUNIT_ASSERT_EQ(test, read_reply(f, &pkt), 0);
		KUNIT_EXPECT_EQ(test, pkt.desc.trans_id, id);
		KUNIT_EXPECT_EQ(test, pkt.desc.type, VM_PKT_DATA_INBAND);
		KUNIT_EXPECT_EQ(test, pkt.desc.flags, 0);
		KUNIT_EXPECT_EQ(test, beat->seq_num, FIRST_SEQ + 1);
	}
}

/*
 * The host's own heartbeat device is hv_utils's: loaded with its default
 * parameters, the sample does not bind it, whatever the load order.
 */
static void hyperv_heartbeat_class_is_left_alone(struct kunit *test)
{
	struct simhost *sh = simhost_create();

	KUNIT_ASSERT_NOT_NULL(test, sh);
	simhost_set_class(sh, &hyperv_heartbeat_class);
	KUNIT_EXPECT_EQ(test, simhost_offer(sh), 0);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(sh));
	KUNIT_EXPECT_NULL(test, hv_get_drvdata(simhost_device(sh)));
	simhost_destroy(sh);
}

static struct kunit_case hb_cases[] = {
	KUNIT_CASE_PARAM(negotiation_picks_the_newest_common_versions,
			 negotiation_gen_params),
	KUNIT_CASE(thousand_heartbeats_are_answered_with_seq_plus_one),
	KUNIT_CASE(malformed_message_is_dropped_and_the_next_answered),
	KUNIT_CASE(rescind_mid_stream_removes_the_device_cleanly),
	KUNIT_CASE(replies_carry_the_requests_transaction_id),
	KUNIT_CASE(hyperv_heartbeat_class_is_left_alone),
	{}
};

static struct kunit_suite hb_suite = {
	.name = "vmbkmcl_heartbeat",
	.init = hb_init,
	.exit = hb_exit,
	.test_cases = hb_cases,
};

kunit_test_suite(hb_suite);

MODULE_DESCRIPTION("KUnit: the heartbeat sample port against a simulated host IC");
MODULE_LICENSE("GPL");
