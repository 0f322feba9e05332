// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_hvutils: the emulated Hyper-V against drivers nobody here wrote.
 *
 * Runs on the hv-path boot only (hvemu=1), with Linux's own hv_utils
 * loaded and no vmbkmcl sample yet: real hv_vmbus negotiated its version
 * with hvemu's VMBus host, and hv_utils' heartbeat driver binds to an
 * offered heartbeat device, opens it through a real GPADL and
 * OPENCHANNEL, answers the host's negotiation and heartbeats, and gives
 * the device back on rescind.  Its answers are kept (hvhost_oracle) for
 * the sample's suite to compare with.
 */
#include <kunit/test.h>
#include <linux/hvemu.h>
#include <linux/module.h>

#include "hvhost.h"
#include "hvicmsg.h"

#define BEATS	16

static void hv_vmbus_connected_to_the_emulated_host(struct kunit *test)
{
	KUNIT_ASSERT_TRUE(test, hvemu_present());
	KUNIT_EXPECT_EQ(test, hvemu_vmbus_version(), VERSION_WIN10_V5_3);
	KUNIT_EXPECT_EQ(test, hvemu_msg_count(CHANNELMSG_INITIATE_CONTACT), 1U);
	KUNIT_EXPECT_EQ(test, hvemu_msg_count(CHANNELMSG_REQUESTOFFERS), 1U);
}

static void hv_utils_heartbeat_binds_answers_and_releases(struct kunit *test)
{
	struct hvhost *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct hvhost_pkt *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	u8 *msg = kunit_kzalloc(test, HVHOST_MAX_PKT, GFP_KERNEL);
	u32 gpadls = hvemu_msg_count(CHANNELMSG_GPADL_HEADER);
	struct icm_message *rm;
	struct icm_heartbeat *beat;
	struct icm_negotiate *neg;
	u32 len, i, wrong = 0;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	rm = (void *)r->data;
	neg = (void *)(rm + 1);
	beat = (void *)(rm + 1);
	KUNIT_ASSERT_EQ(test, hvhost_offer(h, &hv_heartbeat_class, 0), 0);
	KUNIT_ASSERT_TRUE(test, hvhost_wait_opens(h, 1));
	KUNIT_EXPECT_EQ(test, hvemu_msg_count(CHANNELMSG_GPADL_HEADER),
			gpadls + 1);

	len = hvic_negotiate(msg, 1);
	KUNIT_ASSERT_EQ(test, hvhost_request(h, msg, len, r), 0);
	KUNIT_EXPECT_EQ(test, r->hdr.type, VM_PKT_DATA_INBAND);
	/* hv_utils answers with the request's VMBus transaction id. */
	KUNIT_EXPECT_EQ(test, r->hdr.trans_id, h->next_trans);
	KUNIT_EXPECT_EQ(test, rm->hdr.msgtype, IC_MSGTYPE_NEGOTIATE);
	KUNIT_EXPECT_EQ(test, rm->hdr.flags,
			IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
	KUNIT_EXPECT_EQ(test, rm->hdr.status, 0U);
	KUNIT_EXPECT_EQ(test, neg->framework_count, 1);
	KUNIT_EXPECT_EQ(test, neg->msg_count, 1);
	KUNIT_EXPECT_EQ(test, neg->versions[0].major, 3);
	KUNIT_EXPECT_EQ(test, neg->versions[1].major, 3);
	hvhost_oracle()->negotiate = *r;

	for (i = 0; i < BEATS; i++) {
		len = hvic_heartbeat(msg, 2 + i, 0x1000 + i);
		KUNIT_ASSERT_EQ(test, hvhost_request(h, msg, len, r), 0);
		wrong += beat->seq_num != 0x1000 + i + 1 ||
			 rm->hdr.transaction_id != 2 + i ||
			 rm->hdr.flags != (IC_FLAG_TRANSACTION |
					   IC_FLAG_RESPONSE);
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	hvhost_oracle()->heartbeat = *r;
	hvhost_oracle()->valid = true;

	KUNIT_EXPECT_EQ(test, hvhost_rescind(h), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->closes), 1);
	KUNIT_EXPECT_EQ(test, h->lost + h->bad, 0U);
}

static struct kunit_case hvutils_cases[] = {
	KUNIT_CASE(hv_vmbus_connected_to_the_emulated_host),
	KUNIT_CASE(hv_utils_heartbeat_binds_answers_and_releases),
	{}
};

static struct kunit_suite hvutils_suite = {
	.name = "vmbkmcl_hvutils",
	.test_cases = hvutils_cases,
};

kunit_test_suite(hvutils_suite);

MODULE_DESCRIPTION("KUnit: the emulated Hyper-V against Linux's hv_utils");
MODULE_LICENSE("GPL");
